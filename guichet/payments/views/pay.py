"""« Payer en ligne » (G1, G2, G4): the amount, the provider's notifications, the return page,
and the sandbox provider's test payment page."""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from guichet.core.decorators import customer_required

from ..balance import balance_for
from ..forms import PaymentAmountForm, amount_input
from ..models import Payment
from ..providers import ADAPTERS
from ..providers.sandbox import SandboxProvider, card_outcome
from ..services.card import CheckoutUnavailable, card_payment_start
from ..services.notifications import NotificationRefused, notification_receive

logger = logging.getLogger(__name__)

# Seconds between two reloads of a return page whose payment is still pending.
PENDING_REFRESH_SECONDS = 5


def _contact_change_url() -> str | None:
    # « Modifier » leads to the contact details page where there is one (issue 10).
    try:
        return reverse("customers:contact")
    except NoReverseMatch:
        return None


@customer_required
@require_http_methods(["GET", "POST"])
def pay(request):
    customer = request.customer
    balance = balance_for(customer)
    form = PaymentAmountForm(
        request.POST or None,
        due_cents=balance.due_cents,
        initial={"amount": amount_input(balance.due_cents)} if balance.due_cents else None,
    )
    status = 200
    if form.is_valid():
        try:
            started = card_payment_start(
                customer=customer, amount_cents=form.cleaned_data["amount"]
            )
        except ValidationError as error:
            form.add_error("amount", error)
        except CheckoutUnavailable:
            form.add_error(
                None,
                _(
                    "Le paiement en ligne est momentanément indisponible : rien n'a été "
                    "débité. Réessayez dans quelques minutes."
                ),
            )
            status = 503
        else:
            return redirect(started.redirect_url)
    return render(
        request,
        "payments/pay.html",
        {
            "form": form,
            "balance": balance,
            "contact_email": customer.contact_email,
            "contact_change_url": _contact_change_url(),
            "breadcrumbs": [(_("Payer en ligne"), None)],
            "nav": "pay",
        },
        status=status,
    )


@customer_required
def payment_return(request, reference: str):
    """What we know of the payment, never what the provider's redirect claims."""
    payment = get_object_or_404(Payment.objects.for_customer(request.customer), reference=reference)
    response = render(
        request,
        "payments/pay_return.html",
        {
            "payment": payment,
            "balance": balance_for(request.customer),
            "breadcrumbs": [
                (_("Payer en ligne"), reverse("payments:pay")),
                (_("Mon paiement"), None),
            ],
            "nav": "pay",
        },
    )
    if payment.status == Payment.Status.PENDING:
        # Reload until the notification has come (no script needed: CSP stays strict).
        response["Refresh"] = str(PENDING_REFRESH_SECONDS)
    return response


@csrf_exempt
@require_POST
def notify(request, provider_name: str):
    """The providers' notification endpoint: verify, store, answer; applied by a task."""
    if provider_name not in ADAPTERS or (
        provider_name == "sandbox" and not settings.PAYMENTS_SANDBOX_ENABLED
    ):
        raise Http404
    try:
        notification_receive(
            provider_name=provider_name, body=request.body, headers=request.headers
        )
    except NotificationRefused:
        return HttpResponseBadRequest(b"refused", content_type="text/plain")
    return HttpResponse(b"ok", content_type="text/plain")


@require_http_methods(["GET", "POST"])
def sandbox_page(request, token: str):
    """The sandbox's hosted payment page: test cards decide, nothing is charged.

    The card number picks the outcome and is forgotten: never stored, logged or sent on.
    """
    if not settings.PAYMENTS_SANDBOX_ENABLED:
        raise Http404
    sandbox = SandboxProvider()
    checkout = sandbox.checkout_read(token)
    if checkout is None:
        raise Http404
    payment = get_object_or_404(
        Payment.objects.filter(provider=sandbox.name), reference=checkout["reference"]
    )
    error = ""
    if request.method == "POST" and payment.status == Payment.Status.PENDING:
        if "abandon" in request.POST:
            outcome = "cancelled"
        else:
            outcome = card_outcome(request.POST.get("card_number", ""))
        if outcome is None:
            error = _(
                "Carte de test inconnue : utilisez 4242 4242 4242 4242 (paiement accepté) ou "
                "4000 0000 0000 0002 (paiement refusé)."
            )
        else:
            body, headers = sandbox.decision_record(payment=payment, outcome=outcome)
            # Delivered as a real provider would, through the endpoint's own code path (an
            # HTTP request to ourselves would need a second worker free to answer it).
            try:
                notification_receive(provider_name=sandbox.name, body=body, headers=headers)
            except NotificationRefused:
                logger.error(
                    "The sandbox's own notification was refused (PAYMENTS_SANDBOX_SECRET?)"
                )
            back = checkout["cancel"] if outcome == "cancelled" else checkout["success"]
            return redirect(back or reverse("payments:return", args=[payment.reference]))
    return render(
        request,
        "payments/sandbox.html",
        {
            "payment": payment,
            "error": error,
            "card_number": request.POST.get("card_number", "") if error else "",
            "return_url": reverse("payments:return", args=[payment.reference]),
        },
        status=400 if error else 200,
    )
