"""Every write of « Contactez-nous »: a request sent, answered by staff, moved along."""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from guichet.accounts import throttle
from guichet.core.emails import email_queue
from guichet.customers.models import Customer

from .models import ContactAnswer, ContactRequest, RequestType

MESSAGE_MIN_LENGTH = 10
MESSAGE_MAX_LENGTH = 5000
# Enough for a customer who writes again, never enough to flood a department.
RATE_LIMITS = (
    ("support-contact-hour", 5, 3600),
    ("support-contact-day", 20, 24 * 3600),
)
# No 0/O, 1/I/L: a reference read out on the phone.
_REFERENCE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def _reference_new() -> str:
    while True:
        code = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(6))
        reference = f"DEM-{timezone.now():%y%m}-{code}"
        if not ContactRequest.objects.filter(reference=reference).exists():
            return reference


def message_length_check(message: str) -> None:
    """The French message for a message too short or too long (the form uses it too)."""
    if len(message) < MESSAGE_MIN_LENGTH:
        raise ValidationError(
            gettext(
                "Votre message est trop court : décrivez votre demande en au moins "
                "%(min)s caractères."
            )
            % {"min": MESSAGE_MIN_LENGTH},
            code="min_length",
        )
    if len(message) > MESSAGE_MAX_LENGTH:
        raise ValidationError(
            gettext(
                "Votre message est trop long : %(length)s caractères pour %(max)s au plus. "
                "Raccourcissez-le ou envoyez plusieurs demandes."
            )
            % {"length": len(message), "max": MESSAGE_MAX_LENGTH},
            code="max_length",
        )


def _rate_limit_check(customer: Customer) -> None:
    for scope, limit, window in RATE_LIMITS:
        decision = throttle.hit(scope=scope, value=str(customer.pk), limit=limit, window=window)
        if not decision.allowed:
            raise ValidationError(
                gettext(
                    "Vous avez envoyé beaucoup de demandes en peu de temps : votre message "
                    "est conservé ci-dessous, merci de le renvoyer un peu plus tard."
                ),
                code="throttled",
            )


def contact_request_submit(
    *, customer: Customer, request_type: RequestType, message: str
) -> ContactRequest:
    """Store the request, e-mail its department (reply-to the customer) and acknowledge it.

    Raises ValidationError (in French) for a message of the wrong length, a type no longer
    offered, or too many requests in a short time.
    """
    message = (message or "").strip()
    message_length_check(message)
    if not request_type.active:
        raise ValidationError(
            gettext("Ce type de demande n'est plus proposé : choisissez-en un autre.")
        )
    _rate_limit_check(customer)
    department = request_type.department
    with transaction.atomic():
        contact_request = ContactRequest(
            reference=_reference_new(),
            customer=customer,
            request_type=request_type,
            department=department,
            message=message,
            reply_email=customer.contact_email,
        )
        contact_request.full_clean()
        contact_request.save()
        context = {
            "contact_request": contact_request,
            "customer": customer,
            # Shown in the language each e-mail is written in (display_label).
            "request_type": request_type,
            "message": message,
        }
        # The department reads the operator's language; the subject is ours alone (reference,
        # type, customer reference), and email_queue folds any line break out of it.
        email_queue(
            to=department.email,
            template="support_request_department",
            context=context,
            reply_to=customer.contact_email,
            language=settings.LANGUAGE_CODE,
        )
        if customer.contact_email:
            email_queue(
                to=customer.contact_email,
                template="support_request_received",
                context=context,
                language=customer.language,
            )
    return contact_request


def contact_request_answer(
    *, contact_request: ContactRequest, author, body: str, close: bool = False
) -> ContactAnswer:
    """Staff's answer: stored, the request marked answered (or closed), the customer told."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(gettext("Écrivez la réponse avant de l'envoyer."))
    with transaction.atomic():
        locked = (
            ContactRequest.objects.select_for_update(of=("self",))
            .select_related("customer")
            .get(pk=contact_request.pk)
        )
        answer = ContactAnswer(contact_request=locked, body=body, author=author)
        answer.full_clean()
        answer.save()
        locked.status = ContactRequest.Status.CLOSED if close else ContactRequest.Status.ANSWERED
        locked.save(update_fields=["status", "updated_at"])
        customer = locked.customer
        to = customer.contact_email or locked.reply_email
        if to:
            email_queue(
                to=to,
                template="support_request_answered",
                context={"contact_request": locked, "answer": body},
                language=customer.language,
            )
    contact_request.status = locked.status
    return answer


def contact_request_status_set(
    *, contact_request: ContactRequest, status: ContactRequest.Status
) -> None:
    """Staff move a request along (« en cours », « close ») without answering it."""
    if status not in ContactRequest.Status.values:
        raise ValidationError(gettext("État inconnu."))
    with transaction.atomic():
        ContactRequest.objects.filter(pk=contact_request.pk).update(
            status=status, updated_at=timezone.now()
        )
    contact_request.status = status
