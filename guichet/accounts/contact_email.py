"""D2: changing the contact e-mail address, effective once the new address proved its owner."""

import datetime
import hashlib
import secrets
from enum import Enum

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy

from guichet.core.emails import SecretLinkUnavailable, email_queue, secret_link_builder
from guichet.customers.services import customer_contact_email_set

from .models import EmailChange, SecurityEvent, User
from .services import mask_email, security_event_record, security_notice_send

EMAIL_CHANGE_REQUESTED_NOTICE = gettext_lazy(
    "Le %(date)s à %(time)s, un changement de l'adresse e-mail de contact de votre Espace "
    "Client a été demandé, vers %(masked)s. Il ne prendra effet que si le lien envoyé à cette "
    "adresse est suivi."
)
EMAIL_CHANGED_NOTICE = gettext_lazy(
    "Le %(date)s à %(time)s, l'adresse e-mail de contact de votre Espace Client a été "
    "remplacée par %(masked)s. Cette adresse ne recevra plus nos messages."
)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _lifetime() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.ACCOUNTS_EMAIL_CHANGE_HOURS)


@secret_link_builder("email_confirm")
def email_confirm_link(*, change_id: int) -> str:
    """Mint the token when the e-mail leaves; only its hash is kept, and the link's lifetime
    starts now. A change already used, cancelled or expired gets no working link."""
    with transaction.atomic():
        change = EmailChange.objects.select_for_update().filter(pk=change_id).first()
        if change is None or change.used_at or change.cancelled_at:
            raise SecretLinkUnavailable(
                gettext("le changement d'adresse n° %(id)s n'est plus en cours") % {"id": change_id}
            )
        token = secrets.token_urlsafe(32)
        change.token_hash = _hash(token)
        change.expires_at = timezone.now() + _lifetime()
        change.save(update_fields=["token_hash", "expires_at"])
    path = reverse("customers:email_confirm", kwargs={"token": token})
    return f"{settings.GUICHET_SITE_URL}{path}"


def email_change_request(*, user: User, new_email: str, request=None) -> EmailChange:
    """Queue the link to the new address and tell the old one; nothing changes yet.

    An earlier request still waiting is cancelled: only the latest link works.
    """
    customer = user.customer
    with transaction.atomic():
        now = timezone.now()
        EmailChange.objects.filter(user=user, used_at=None, cancelled_at=None).update(
            cancelled_at=now
        )
        change = EmailChange.objects.create(
            user=user, new_email=new_email, expires_at=now + _lifetime()
        )
        email_queue(
            to=new_email,
            template="email_confirm",
            context={
                "reference": customer.reference,
                "hours": settings.ACCOUNTS_EMAIL_CHANGE_HOURS,
            },
            secret_links={"link": ("email_confirm", {"change_id": change.pk})},
            language=customer.language,
        )
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.EMAIL_CHANGE_REQUESTED,
            request=request,
            detail=mask_email(new_email),
        )
        security_notice_send(
            user=user,
            message=EMAIL_CHANGE_REQUESTED_NOTICE,
            params={"masked": mask_email(new_email)},
        )
    return change


class ConfirmOutcome(Enum):
    CONFIRMED = "confirmed"
    INVALID = "invalid"  # unknown, already used, cancelled
    EXPIRED = "expired"
    OTHER_ACCOUNT = "other_account"


def email_change_confirm(*, user: User, token: str, request=None) -> ConfirmOutcome:
    """Apply the change the link names, once, within its lifetime, for its own account."""
    with transaction.atomic():
        change = (
            EmailChange.objects.select_for_update()
            .filter(token_hash=_hash(token or ""))
            .exclude(token_hash="")
            .first()
        )
        if change is None or change.used_at or change.cancelled_at:
            return ConfirmOutcome.INVALID
        if change.user_id != user.pk:
            return ConfirmOutcome.OTHER_ACCOUNT
        if change.expires_at <= timezone.now():
            return ConfirmOutcome.EXPIRED
        change.used_at = timezone.now()
        change.save(update_fields=["used_at"])
        # The notice goes to the old address: security_notice_send reads the customer's
        # address, so it is queued before the change.
        security_notice_send(
            user=user, message=EMAIL_CHANGED_NOTICE, params={"masked": mask_email(change.new_email)}
        )
        customer_contact_email_set(customer=user.customer, email=change.new_email)
        user.email = change.new_email
        user.save(update_fields=["email"])
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.EMAIL_CHANGED,
            request=request,
            detail=mask_email(change.new_email),
        )
    return ConfirmOutcome.CONFIRMED
