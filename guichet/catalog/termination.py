"""C6, online termination (« Résilier »): the rules, the customer's request and staff processing."""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from guichet.core.emails import email_queue
from guichet.core.formatting import format_date
from guichet.customers.models import Customer

from .models import Subscription, TerminationRequest, TerminationStatus
from .services import subscription_end

# The latest effective date a customer may pick: a year ahead is a plan, not a request.
LATEST_DAYS = 365


def termination_earliest_date(*, today: datetime.date | None = None) -> datetime.date:
    day = today or timezone.localdate()
    return day + datetime.timedelta(days=settings.CATALOG_TERMINATION_NOTICE_DAYS)


def termination_latest_date(*, today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=LATEST_DAYS)


def pending_termination_date():
    """A subquery annotation for subscriptions: the effective date of the pending request that
    ends it (its own or the whole contract's), so pages show it with no extra query."""
    return Subquery(
        TerminationRequest.objects.pending()
        .filter(
            Q(subscription=OuterRef("pk"))
            | Q(subscription__isnull=True, customer=OuterRef("customer"))
        )
        .order_by("effective_date")
        .values("effective_date")[:1]
    )


def termination_target_check(*, customer: Customer, subscription: Subscription | None) -> None:
    """Refuse what cannot be terminated (any more): an ended service, one whose end is already
    planned or requested, a contract with nothing left to end."""
    pending = TerminationRequest.objects.for_customer(customer).pending()
    contract = pending.filter(subscription__isnull=True).first()
    if contract is not None:
        raise ValidationError(
            gettext("La résiliation de tout votre contrat est déjà demandée (effet le %(date)s).")
            % {"date": format_date(contract.effective_date)},
            code="contract_requested",
        )
    if subscription is None:
        if not Subscription.objects.for_customer(customer).active().exists():
            raise ValidationError(
                gettext("Vous n'avez aucun service en cours à résilier."), code="nothing"
            )
        return
    today = timezone.localdate()
    if subscription.end_date is not None and subscription.end_date < today:
        raise ValidationError(
            gettext("Ce service est déjà terminé depuis le %(date)s.")
            % {"date": format_date(subscription.end_date)},
            code="ended",
        )
    requested = pending.filter(subscription=subscription).first()
    if requested is not None:
        raise ValidationError(
            gettext("La résiliation de ce service est déjà demandée (effet le %(date)s).")
            % {"date": format_date(requested.effective_date)},
            code="requested",
        )
    if subscription.end_date is not None:
        raise ValidationError(
            gettext("La fin de ce service est déjà prévue le %(date)s.")
            % {"date": format_date(subscription.end_date)},
            code="planned",
        )
    if subscription.start_date > today:
        raise ValidationError(
            gettext("Ce service n'a pas encore commencé : contactez votre service client."),
            code="not_started",
        )


def termination_date_check(*, effective_date: datetime.date) -> None:
    today = timezone.localdate()
    if effective_date < today:
        raise ValidationError(
            gettext("La date d'effet ne peut pas être dans le passé."), code="past"
        )
    earliest = termination_earliest_date(today=today)
    if effective_date < earliest:
        raise ValidationError(
            ngettext(
                "La date d'effet ne peut pas précéder le %(date)s, à cause du préavis de "
                "%(days)s jour.",
                "La date d'effet ne peut pas précéder le %(date)s, à cause du préavis de "
                "%(days)s jours.",
                settings.CATALOG_TERMINATION_NOTICE_DAYS,
            )
            % {"date": format_date(earliest), "days": settings.CATALOG_TERMINATION_NOTICE_DAYS},
            code="notice",
        )
    latest = termination_latest_date(today=today)
    if effective_date > latest:
        raise ValidationError(
            gettext("La date d'effet ne peut pas dépasser le %(date)s.")
            % {"date": format_date(latest)},
            code="too_late",
        )


def _email_context(termination: TerminationRequest) -> dict:
    subscription = termination.subscription
    return {
        "reference": termination.reference,
        "customer_reference": termination.customer.reference,
        "service": subscription.product.name if subscription else "",
        "line_number": subscription.line_number if subscription else "",
        "effective_date": termination.effective_date,
        "requested_at": termination.requested_at,
    }


def termination_request_submit(
    *, customer: Customer, subscription: Subscription | None, effective_date: datetime.date
) -> TerminationRequest:
    """Record the request and acknowledge it by e-mail with its effective date (a durable
    medium, as the law asks); staff end the service(s) when they process it."""
    if subscription is not None and subscription.customer_id != customer.pk:
        raise ValidationError(gettext("Ce service n'est pas le vôtre."), code="foreign")
    try:
        with transaction.atomic():
            # One request at a time per customer: the checks below stay true until commit.
            Customer.objects.select_for_update().filter(pk=customer.pk).first()
            if subscription is not None:
                subscription = Subscription.objects.select_related("product").get(
                    pk=subscription.pk
                )
            termination_target_check(customer=customer, subscription=subscription)
            termination_date_check(effective_date=effective_date)
            count = TerminationRequest.objects.for_customer(customer).count()
            termination = TerminationRequest(
                customer=customer,
                subscription=subscription,
                reference=f"RES-{customer.reference}-{count + 1}",
                effective_date=effective_date,
            )
            termination.full_clean()
            termination.save()
            if customer.contact_email:
                email_queue(
                    to=customer.contact_email,
                    template="termination_requested",
                    language=customer.language,
                    context=_email_context(termination),
                )
    except IntegrityError as error:
        # A concurrent request won the race (the unique constraints hold the rule).
        raise ValidationError(
            gettext("Cette résiliation est déjà demandée."), code="requested"
        ) from error
    return termination


@transaction.atomic
def termination_request_process(*, termination: TerminationRequest) -> TerminationRequest:
    """Staff: end the service, or every service of the contract, at the effective date."""
    termination = (
        # Only the request's row: PostgreSQL locks no nullable side of an outer join.
        TerminationRequest.objects.select_for_update(of=("self",))
        .select_related("customer", "subscription__product")
        .get(pk=termination.pk)
    )
    if termination.status != TerminationStatus.REQUESTED:
        raise ValidationError(
            gettext("La demande %(reference)s n'est plus en attente.")
            % {"reference": termination.reference},
            code="not_pending",
        )
    day = termination.effective_date
    if termination.subscription is not None:
        subscriptions = [termination.subscription]
    else:
        subscriptions = list(
            Subscription.objects.for_customer(termination.customer)
            .filter(start_date__lte=day)
            .filter(Q(end_date__isnull=True) | Q(end_date__gt=day))
        )
    for subscription in subscriptions:
        subscription_end(subscription=subscription, end_date=day)
    now = timezone.now()
    if termination.subscription is None:
        # The contract's end covers the services' own pending requests that ended later.
        TerminationRequest.objects.for_customer(termination.customer).pending().filter(
            subscription__isnull=False, effective_date__gte=day
        ).update(status=TerminationStatus.PROCESSED, processed_at=now)
    termination.status = TerminationStatus.PROCESSED
    termination.processed_at = now
    termination.save(update_fields=["status", "processed_at"])
    customer = termination.customer
    if customer.contact_email:
        email_queue(
            to=customer.contact_email,
            template="termination_processed",
            language=customer.language,
            context=_email_context(termination),
        )
    return termination
