"""The operator's dashboard on the back office's home (issue 11): a few figures, each a link
to the list it counts, shown only to staff who may see that list.

Core's admin site calls the function settings.GUICHET_ADMIN_DASHBOARD names (core imports no
app); this module sits above the apps it counts. One query per figure, whatever the data.
"""

from urllib.parse import urlencode

from django.db.models import Count, F, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from guichet.billing.models import Invoice
from guichet.catalog.models import Subscription, TerminationRequest, TerminationStatus
from guichet.core.formatting import format_cents
from guichet.core.models import OutboxEmail
from guichet.payments.models import Payment
from guichet.support.models import ContactRequest

OPEN_INVOICE_STATUSES = (Invoice.Status.ISSUED, Invoice.Status.DEBIT_SENT)
OPEN_CONTACT_STATUSES = (ContactRequest.Status.NEW, ContactRequest.Status.IN_PROGRESS)


def _url(name: str, **filters) -> str:
    url = reverse(f"admin:{name}_changelist")
    return f"{url}?{urlencode(filters)}" if filters else url


def _tile(label: str, value, url: str) -> dict:
    return {"label": label, "value": value, "url": url}


def tiles(request) -> list[dict]:
    """The figures this staff member may see, in the order they are shown."""
    user = request.user
    today = timezone.localdate()
    first_of_month = today.replace(day=1)
    result = []

    if user.has_perm("customers.view_customer"):
        active = Subscription.objects.active(today).values("customer_id").distinct().count()
        result.append(
            _tile(
                gettext("Clients actifs"),
                active,
                _url("customers_customer", abonnement="actif"),
            )
        )

    if user.has_perm("billing.view_invoice"):
        invoices = Invoice.objects.with_settled().aggregate(
            issued=Count("pk", filter=Q(issue_date__gte=first_of_month)),
            unpaid=Sum(
                F("total_incl_vat_cents") - F("settled_cents"),
                filter=Q(status__in=OPEN_INVOICE_STATUSES),
            ),
        )
        result.append(
            _tile(
                gettext("Factures émises ce mois-ci"),
                invoices["issued"],
                _url("billing_invoice", issue_date__gte=first_of_month.isoformat()),
            )
        )
        result.append(
            _tile(
                gettext("Montant impayé"),
                format_cents(invoices["unpaid"] or 0),
                _url("billing_invoice", status__in=",".join(OPEN_INVOICE_STATUSES)),
            )
        )

    if user.has_perm("payments.view_payment"):
        payments = Payment.objects.filter(
            status=Payment.Status.CONFIRMED, confirmed_at__date=today
        ).aggregate(count=Count("pk"), total=Sum("amount_cents"))
        result.append(
            _tile(
                gettext("Paiements du jour"),
                gettext("%(count)s (%(amount)s)")
                % {"count": payments["count"], "amount": format_cents(payments["total"] or 0)},
                _url(
                    "payments_payment",
                    status=Payment.Status.CONFIRMED,
                    confirmed_at__date=today.isoformat(),
                ),
            )
        )

    if user.has_perm("support.view_contactrequest"):
        result.append(
            _tile(
                gettext("Demandes de contact ouvertes"),
                ContactRequest.objects.filter(status__in=OPEN_CONTACT_STATUSES).count(),
                _url("support_contactrequest", status__in=",".join(OPEN_CONTACT_STATUSES)),
            )
        )

    if user.has_perm("catalog.view_terminationrequest"):
        result.append(
            _tile(
                gettext("Demandes de résiliation à traiter"),
                TerminationRequest.objects.pending().count(),
                _url("catalog_terminationrequest", status=TerminationStatus.REQUESTED),
            )
        )

    if user.has_perm("core.view_outboxemail"):
        emails = OutboxEmail.objects.aggregate(
            pending=Count("pk", filter=Q(status=OutboxEmail.Status.PENDING)),
            failed=Count("pk", filter=Q(status=OutboxEmail.Status.FAILED)),
        )
        result.append(
            _tile(
                gettext("E-mails en attente d'envoi"),
                emails["pending"],
                _url("core_outboxemail", status=OutboxEmail.Status.PENDING),
            )
        )
        result.append(
            _tile(
                gettext("E-mails en échec"),
                emails["failed"],
                _url("core_outboxemail", status=OutboxEmail.Status.FAILED),
            )
        )
    return result
