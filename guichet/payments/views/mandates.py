"""« Mon dossier » › « Mode de paiement » (F1–F5): the current method, the SEPA mandate
(sign, change bank details, revoke), invoice notifications and the billing address."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from guichet.accounts.services import current_password_check
from guichet.core.decorators import customer_required
from guichet.customers.services import customer_invoice_notification_set

from ..forms_mandate import InvoiceNotificationForm, MandateForm, RevokeForm, debit_day_label
from ..services.mandates import (
    creditor,
    direct_debit_offered,
    mandate_active_for,
    mandate_amend,
    mandate_create,
    mandate_iban_masked,
    mandate_revoke,
)


def _password_refused(request, form) -> bool:
    """The current password asked again (throttled like a login, by accounts)."""
    problem = current_password_check(
        request=request, user=request.user, password=form.cleaned_data["password"]
    )
    if problem:
        form.add_error("password", problem)
    return bool(problem)


@customer_required
@require_http_methods(["GET", "POST"])
@sensitive_post_parameters("iban", "bic", "password")
def payment_method(request):
    customer = request.customer
    mandate = mandate_active_for(customer)
    action = request.POST.get("action") if request.method == "POST" else None
    mandate_form = MandateForm(
        request.POST if action == "mandate" else None,
        # A change usually keeps the holder and day: they are filled in, the IBAN never is.
        initial={"debit_day": mandate.debit_day, "account_holder": mandate.account_holder}
        if mandate
        else None,
    )
    revoke_form = RevokeForm(request.POST if action == "revoke" else None)
    notification_form = InvoiceNotificationForm(
        request.POST if action == "notifications" else None,
        initial={"opt_in": customer.invoice_email_opt_in, "invoice_email": customer.invoice_email},
    )
    if action == "mandate" and direct_debit_offered() and mandate_form.is_valid():
        if not _password_refused(request, mandate_form):
            service = mandate_amend if mandate else mandate_create
            try:
                service(user=request.user, details=mandate_form.details, request=request)
            except ValidationError as error:
                mandate_form.add_error(None, error)
            else:
                messages.success(
                    request,
                    gettext("Vos coordonnées bancaires sont modifiées.")
                    if mandate
                    else gettext(
                        "Votre mandat de prélèvement est signé : vos prochaines factures "
                        "seront prélevées."
                    ),
                )
                return redirect("payments:method")
    elif action == "revoke" and mandate and revoke_form.is_valid():
        if not _password_refused(request, revoke_form):
            try:
                mandate_revoke(user=request.user, request=request)
            except ValidationError as error:
                revoke_form.add_error(None, error)
            else:
                messages.success(
                    request,
                    gettext(
                        "Votre mandat de prélèvement est révoqué : vos prochaines factures "
                        "seront à régler par carte bancaire."
                    ),
                )
                return redirect("payments:method")
    elif action == "notifications" and notification_form.is_valid():
        try:
            customer_invoice_notification_set(
                customer=customer,
                opt_in=notification_form.cleaned_data["opt_in"],
                email=notification_form.cleaned_data["invoice_email"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.error_dict.items():
                    target = field if field in notification_form.fields else None
                    for item in errors:
                        notification_form.add_error(target, item)
            else:
                notification_form.add_error(None, error)
        else:
            messages.success(request, gettext("Vos préférences de notification sont enregistrées."))
            return redirect("payments:method")
    return render(
        request,
        "payments/payment_method.html",
        {
            "mandate": mandate,
            "iban_masked": mandate_iban_masked(mandate) if mandate else "",
            "debit_day_label": debit_day_label(mandate.debit_day) if mandate else "",
            "direct_debit_offered": direct_debit_offered(),
            "creditor": creditor(),
            "mandate_form": mandate_form,
            "revoke_form": revoke_form,
            "notification_form": notification_form,
            "customer": customer,
            "pay_url": reverse("payments:pay"),
            "breadcrumbs": [(gettext("Mon dossier"), None), (gettext("Mode de paiement"), None)],
            "nav": "account",
        },
    )
