"""The back office's « Fiche client » (issue 11): one customer's holders, addresses, contact
details, subscriptions, invoices, payments, mandate, requests and account security together,
with three actions (first-access link, lift a login throttle, resend an invoice notice).

It composes every app, so it lives in home; home's admin module hangs it on the customer's
admin (docs/decisions/0010-customer-page-in-home.md). A constant number of queries whatever
the customer's history: every list is one query, capped, with a link to the full filtered list.
Each section is shown only to staff allowed to see its records; each action has a permission.
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from guichet.accounts.models import SecurityEvent
from guichet.accounts.services import (
    first_access_link_send,
    login_throttle_lift,
    login_throttle_status,
)
from guichet.billing.models import Invoice
from guichet.billing.services import invoice_notification_send
from guichet.catalog.models import Subscription, TerminationRequest
from guichet.core.models import StaffAccess
from guichet.core.staff_audit import staff_access_record
from guichet.customers.models import Customer
from guichet.payments.balance import balance_for
from guichet.payments.models import Mandate, Payment
from guichet.support.models import ContactRequest

# How many of each list the page shows; the rest is one link away (the filtered admin list).
SHOWN = 24
SECURITY_EVENTS_SHOWN = 30
MANDATES_SHOWN = 10

PERM_PAGE = "customers.view_customer"
PERM_FIRST_ACCESS = "accounts.send_first_access_link"
PERM_LIFT_THROTTLE = "accounts.lift_login_throttle"
PERM_RESEND_INVOICE = "billing.resend_invoice_notification"

# What the mandate section reads: never the encrypted IBAN, which this page has no use for.
MANDATE_FIELDS = [
    "rum",
    "status",
    "signed_at",
    "iban_last4",
    "bic",
    "account_holder",
    "debit_day",
    "revoked_at",
    "created_at",
]


class InvoiceChoiceForm(forms.Form):
    invoice = forms.IntegerField(label=gettext_lazy("Facture"), min_value=1, max_value=2**62)


def _changelist(name: str, **filters) -> str:
    return f"{reverse(f'admin:{name}_changelist')}?{urlencode(filters)}"


def _capped(queryset, shown: int) -> tuple[list, bool]:
    """The first `shown` rows and whether there are more, in one query."""
    rows = list(queryset[: shown + 1])
    return rows[:shown], len(rows) > shown


def _customer(customer_id) -> Customer:
    return get_object_or_404(
        Customer.objects.select_related("user").prefetch_related("holders"), pk=customer_id
    )


def _page_url(customer: Customer) -> str:
    return reverse("admin:customers_customer_page", args=[customer.pk])


def _account(customer: Customer):
    try:
        return customer.user
    except Customer.user.RelatedObjectDoesNotExist:
        return None


def page(request, customer_id, *, model_admin):
    """GET: the customer's page; what the staff member may see of it."""
    user = request.user
    if not user.has_perm(PERM_PAGE):
        raise PermissionDenied
    customer = _customer(customer_id)
    account = _account(customer)
    today = timezone.localdate()
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Customer._meta,
        "title": gettext("Fiche client %(customer)s") % {"customer": customer},
        "customer": customer,
        "holders": list(customer.holders.all()),
        "account": account,
        "today": today,
        "can_change_customer": model_admin.has_change_permission(request, customer),
        "can_send_first_access": user.has_perm(PERM_FIRST_ACCESS),
        "can_lift_throttle": user.has_perm(PERM_LIFT_THROTTLE),
        "can_resend_invoice": user.has_perm(PERM_RESEND_INVOICE),
        "shown": SHOWN,
    }

    if user.has_perm("accounts.view_user") or user.has_perm(PERM_LIFT_THROTTLE):
        context["show_account"] = True
        if account is not None:
            context["throttle"] = login_throttle_status(user=account)
            context["account_url"] = reverse("admin:accounts_user_change", args=[account.pk])

    if user.has_perm("catalog.view_subscription"):
        context["subscriptions"], context["more_subscriptions"] = _capped(
            Subscription.objects.for_customer(customer)
            .select_related("product")
            .order_by("-start_date", "-pk"),
            SHOWN,
        )
        context["subscriptions_url"] = _changelist(
            "catalog_subscription", customer__id__exact=customer.pk
        )

    if user.has_perm("billing.view_invoice"):
        context["invoices"], context["more_invoices"] = _capped(
            Invoice.objects.for_customer(customer).with_settled(), SHOWN
        )
        context["invoices_url"] = _changelist("billing_invoice", customer__id__exact=customer.pk)
        if user.has_perm("payments.view_payment"):
            context["balance"] = balance_for(customer)

    if user.has_perm("payments.view_payment"):
        context["payments"], context["more_payments"] = _capped(
            Payment.objects.for_customer(customer), SHOWN
        )
        context["payments_url"] = _changelist("payments_payment", customer__id__exact=customer.pk)

    if user.has_perm("payments.view_mandate"):
        context["mandates"], context["more_mandates"] = _capped(
            Mandate.objects.for_customer(customer).only(*MANDATE_FIELDS), MANDATES_SHOWN
        )
        context["mandates_url"] = _changelist("payments_mandate", customer__id__exact=customer.pk)

    if user.has_perm("support.view_contactrequest"):
        context["contact_requests"], context["more_contact_requests"] = _capped(
            ContactRequest.objects.for_customer(customer).select_related("request_type"), SHOWN
        )
        context["contact_requests_url"] = _changelist(
            "support_contactrequest", customer__id__exact=customer.pk
        )

    if user.has_perm("catalog.view_terminationrequest"):
        context["terminations"], context["more_terminations"] = _capped(
            TerminationRequest.objects.for_customer(customer)
            .select_related("subscription__product")
            .order_by("-requested_at", "-pk"),
            SHOWN,
        )
        context["terminations_url"] = _changelist(
            "catalog_terminationrequest", customer__id__exact=customer.pk
        )

    if user.has_perm("accounts.view_securityevent"):
        context["show_security_events"] = True
        if account is not None:
            context["security_events"], context["more_security_events"] = _capped(
                SecurityEvent.objects.filter(user=account).order_by("-created_at", "-pk"),
                SECURITY_EVENTS_SHOWN,
            )
            context["security_events_url"] = _changelist(
                "accounts_securityevent", user__id__exact=account.pk
            )

    staff_access_record(
        request=request,
        action=StaffAccess.Action.VIEW,
        model=Customer,
        obj=customer,
        detail="fiche client",
    )
    request.current_app = model_admin.admin_site.name
    return TemplateResponse(request, "admin/customers/customer/page.html", context)


def _action_done(request, customer: Customer, detail: str) -> None:
    staff_access_record(
        request=request,
        action=StaffAccess.Action.ACTION,
        model=Customer,
        obj=customer,
        detail=f"fiche client : {detail}",
    )


def send_first_access(request, customer_id):
    """POST: the first-access link to the customer's contact address, the login created if
    the customer has none yet."""
    if not request.user.has_perm(PERM_FIRST_ACCESS):
        raise PermissionDenied
    customer = _customer(customer_id)
    try:
        first_access_link_send(customer=customer, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _action_done(request, customer, "lien de premier accès envoyé")
        messages.success(
            request,
            gettext(
                "Le lien de premier accès est envoyé à %(email)s. Il est valable "
                "%(minutes)s minutes à partir de l'envoi de l'e-mail."
            )
            % {
                "email": customer.contact_email,
                "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
            },
        )
    return redirect(_page_url(customer))


def lift_throttle(request, customer_id):
    """POST: the customer may try to log in again at once."""
    if not request.user.has_perm(PERM_LIFT_THROTTLE):
        raise PermissionDenied
    customer = _customer(customer_id)
    try:
        login_throttle_lift(customer=customer, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _action_done(request, customer, "blocage de connexion levé")
        messages.success(
            request,
            gettext(
                "Le blocage de connexion est levé : le client peut se connecter de nouveau "
                "dès maintenant."
            ),
        )
    return redirect(_page_url(customer))


def resend_invoice(request, customer_id):
    """POST: the « facture disponible » e-mail of one of this customer's invoices, again."""
    if not request.user.has_perm(PERM_RESEND_INVOICE):
        raise PermissionDenied
    customer = _customer(customer_id)
    form = InvoiceChoiceForm(request.POST)
    if not form.is_valid():
        raise Http404
    # Another customer's invoice is a 404, like any record this page does not own.
    invoice = get_object_or_404(
        Invoice.objects.for_customer(customer).select_related("customer"),
        pk=form.cleaned_data["invoice"],
    )
    try:
        address = invoice_notification_send(invoice=invoice)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        _action_done(request, customer, f"avis de la facture {invoice.number} renvoyé")
        messages.success(
            request,
            gettext("L'avis de la facture %(number)s est renvoyé à %(email)s.")
            % {"number": invoice.number, "email": address},
        )
    return redirect(_page_url(customer))
