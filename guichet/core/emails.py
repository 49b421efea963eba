"""Transactional e-mail: rendered and written to the outbox with the change, sent by a task."""

import datetime
import logging
from collections.abc import Callable

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template import Context, engines
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext

from .models import OutboxEmail

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
FIRST_RETRY_DELAY = datetime.timedelta(minutes=1)
MAX_RETRY_DELAY = datetime.timedelta(hours=1)
# A claimed row is not due again before this: longer than any SMTP exchange, so a second
# worker never sends it while the first is still talking to the server; if the first worker
# dies, the sweep picks the row up again after it.
CLAIM_DURATION = datetime.timedelta(minutes=10)
SMTP_TIMEOUT_SECONDS = 60
SWEEP_BATCH_SIZE = 500
# E-mails claimed, then recorded as sent, together by outbox_send_many.
SEND_MANY_BATCH = 50

# name -> function(**args) -> absolute URL. Core imports no feature app: each app registers
# its builders when it is loaded (its AppConfig.ready), in web processes and workers alike.
_secret_link_builders: dict[str, Callable[..., str]] = {}
# template -> function(**args) -> context, for the e-mails rendered when they leave
# (`email_defer`); registered by the apps the same way.
_context_builders: dict[str, Callable[..., dict]] = {}


class SecretLinkUnavailable(Exception):
    """The link must not be made any more (account gone, deactivated, address changed)."""


def secret_link_builder(name: str):
    """Register the function that makes the secret links called `name` at send time.

    It receives the non-secret arguments given to `email_queue` and returns the link, or
    raises SecretLinkUnavailable when the e-mail must not carry a working link any more.
    """

    def register(function: Callable[..., str]) -> Callable[..., str]:
        _secret_link_builders[name] = function
        return function

    return register


def email_context_builder(template: str):
    """Register the function that makes the context of `emails/<template>.*` at send time,
    from the non-secret arguments given to `email_defer` (an id: it loads what it shows)."""

    def register(function: Callable[..., dict]) -> Callable[..., dict]:
        _context_builders[template] = function
        return function

    return register


def email_queue(
    *,
    to: str,
    template: str,
    context: dict,
    secret_links: dict[str, tuple[str, dict]] | None = None,
    language: str | None = None,
    reply_to: str = "",
) -> OutboxEmail:
    """Render `templates/emails/<template>.*` and write the outbox row (see `email_build`).

    Call it inside the transaction of the change the e-mail reports: the sending task is
    queued only when that transaction commits, and nothing is sent if it rolls back.
    """
    email = email_build(
        to=to,
        template=template,
        context=context,
        secret_links=secret_links,
        language=language,
        reply_to=reply_to,
    )
    with transaction.atomic():
        email.save()
        transaction.on_commit(lambda: _enqueue(email.pk))
    return email


def email_queue_many(emails: list[OutboxEmail]) -> list[OutboxEmail]:
    """Write many outbox rows built by `email_build` at once (a chunk of a billing run), in
    the caller's transaction; one task sends them all once it commits."""
    if not emails:
        return []
    with transaction.atomic():
        emails = OutboxEmail.objects.bulk_create(emails)
        ids = [email.pk for email in emails]
        transaction.on_commit(lambda: _enqueue_many(ids))
    return emails


def email_defer(*, to: str, template: str, args: dict, language: str | None = None) -> OutboxEmail:
    """An unsaved outbox row rendered when it leaves (for `email_queue_many`): a billing run
    queues a thousand notices per transaction, and rendering them is the workers' work.

    `args` (JSON, nothing secret: they are stored) go to the context builder registered for
    `template` at send time; rendered then as `email_build` would now, in `language`. Meant
    for what does not change once written (an issued invoice): the e-mail shows it as it is
    when it leaves. No secret links: those e-mails go through `email_build`.
    """
    if template not in _context_builders:
        raise LookupError(f"no context builder for the e-mail template {template!r}")
    # As full_clean would (email_build): no line break can reach the To header.
    validate_email(to)
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    return OutboxEmail(to=to, template=template, render_args=dict(args), language=language)


def email_build(
    *,
    to: str,
    template: str,
    context: dict,
    secret_links: dict[str, tuple[str, dict]] | None = None,
    language: str | None = None,
    reply_to: str = "",
) -> OutboxEmail:
    """Render `templates/emails/<template>.*` into an unsaved, checked outbox row.

    `secret_links` maps a context variable to `(builder name, non-secret arguments)`: the row
    stores a placeholder in its place and the link is made when the e-mail leaves, so the
    outbox never holds one readable (and its lifetime starts when the customer can use it).

    `reply_to` is the address an answer goes to (a contact request: the customer's), checked
    as an e-mail address like `to`, so no line break can reach a header.

    `language` is the customer's (`Customer.language`); empty or None means they never chose
    one, and they read the default language. Never the language of the page that triggered
    the e-mail: staff in the back office or a billing run have one of their own. A language
    whose catalogue is gone (not in settings.LANGUAGES) gets the default too, never an e-mail
    half in that language and half in French.
    """
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with translation.override(language):
        stored_links = _secret_links_prepare(secret_links or {}, context)
    email = OutboxEmail(to=to, reply_to=reply_to, template=template, secret_links=stored_links)
    _render(
        email,
        {**context, **{key: link["placeholder"] for key, link in stored_links.items()}},
        language,
    )
    for key, link in stored_links.items():
        if link["placeholder"] not in email.body_text:
            # A filter on the variable in the template (|urlize, |truncatechars…) would change
            # the placeholder, and the customer would get no link at all.
            raise ValueError(f"emails/{template}.txt must show {{{{ {key} }}}} unchanged")
    # Field checks only: the check constraints hold in the database, and validating them
    # here would cost one query each on every e-mail of a billing run.
    email.full_clean(validate_constraints=False)
    return email


def outbox_render(*, email: OutboxEmail, context: dict | None = None) -> bool:
    """Render in place (unsaved) an e-mail queued by `email_defer` and not rendered yet, from
    `context` if its builder already made it; True if it was. Raises what its context builder
    or templates raise."""
    if not email.render_args or email.body_text:
        return False
    if context is None:
        builder = _context_builders.get(email.template)
        if builder is None:
            # A worker running without the app that queued it: a deployment error, worth
            # retrying once the right code runs.
            raise LookupError(f"no context builder for the e-mail template {email.template!r}")
        context = builder(**email.render_args)
    _render(email, context, email.language or settings.LANGUAGE_CODE)
    return True


def _contexts_many(emails: list[OutboxEmail]) -> dict[int, dict]:
    """The contexts of deferred e-mails whose builder offers a variant for many (its `many`
    attribute: a list of arguments in, their contexts out), by e-mail id; one query per
    batch rather than per e-mail. Those left out are rendered one by one."""
    by_template: dict[str, list[OutboxEmail]] = {}
    for email in emails:
        if email.render_args and not email.body_text:
            by_template.setdefault(email.template, []).append(email)
    contexts = {}
    for template, group in by_template.items():
        many = getattr(_context_builders.get(template), "many", None)
        if many is None:
            continue
        try:
            made = many([email.render_args for email in group])
        except Exception:
            logger.exception("E-mails %s: contexts not made together, now one by one", template)
            continue
        contexts.update(zip((email.pk for email in group), made, strict=True))
    return contexts


def _render(email: OutboxEmail, context: dict, language: str) -> None:
    with translation.override(language):
        context = {
            **context,
            "brand": settings.GUICHET_BRAND,
            "site_url": settings.GUICHET_SITE_URL,
        }
        subject = _render_text(f"emails/{email.template}.subject.txt", context)
        body_text = _render_text(f"emails/{email.template}.txt", context)
        body_html = render_to_string(f"emails/{email.template}.html", context)
    email.subject = " ".join(subject.split())
    email.body_text = body_text.strip() + "\n"
    email.body_html = body_html


def _render_claimed(emails: list[OutboxEmail]) -> list[OutboxEmail]:
    """Render the claimed e-mails queued by `email_defer` and keep their bodies on their rows
    (what staff read); those that could not be rendered are recorded as failures, like a
    server refusing them. Returns the e-mails ready to leave."""
    ready, rendered = [], []
    contexts = _contexts_many(emails)
    for email in emails:
        try:
            if outbox_render(email=email, context=contexts.get(email.pk)):
                email.full_clean(validate_constraints=False)
                rendered.append(email)
        except Exception as exc:
            _record_failure(email, exc)
        else:
            ready.append(email)
    # One UPDATE per row, in one transaction: bulk_update's CASE over a few hundred kilobytes
    # of bodies costs PostgreSQL more than these.
    with transaction.atomic():
        for email in rendered:
            OutboxEmail.objects.filter(pk=email.pk).update(
                subject=email.subject, body_text=email.body_text, body_html=email.body_html
            )
    return ready


def outbox_send(*, email_id: int) -> bool:
    """Send one pending e-mail that is due; True if this call sent it.

    The row is claimed with a conditional update before the server is contacted, so two
    workers (or the task and the sweep) never send one e-mail twice. A failure never raises:
    it is recorded on the row, which is tried again later with an exponential back-off.
    """
    now = timezone.now()
    claimed = OutboxEmail.objects.filter(
        pk=email_id, status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now
    ).update(attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_DURATION)
    if not claimed:
        return False
    email = OutboxEmail.objects.get(pk=email_id)
    if not _render_claimed([email]):
        return False
    try:
        _deliver(email)
    except SecretLinkUnavailable as exc:
        _record_undeliverable(email, exc)
        return False
    except Exception as exc:
        _record_failure(email, exc)
        return False
    email.status = OutboxEmail.Status.SENT
    email.sent_at = timezone.now()
    email.save(update_fields=["status", "sent_at"])
    return True


def outbox_send_many(*, email_ids: list[int]) -> int:
    """Send many pending e-mails that are due (a chunk of a billing run); returns how many were
    sent. As `outbox_send`, each row is claimed before the server is contacted, but by
    SEND_MANY_BATCH at once, and those sent are recorded together: two commits per batch
    rather than two per e-mail. A failure is recorded on its own row, as `outbox_send` does."""
    sent = 0
    for start in range(0, len(email_ids), SEND_MANY_BATCH):
        batch = email_ids[start : start + SEND_MANY_BATCH]
        now = timezone.now()
        with transaction.atomic():
            claimed = list(
                OutboxEmail.objects.select_for_update(skip_locked=True)
                .filter(pk__in=batch, status=OutboxEmail.Status.PENDING, next_attempt_at__lte=now)
                .order_by("pk")
            )
            OutboxEmail.objects.filter(pk__in=[email.pk for email in claimed]).update(
                attempts=F("attempts") + 1, next_attempt_at=now + CLAIM_DURATION
            )
        for email in claimed:
            email.attempts += 1
        done = []
        for email in _render_claimed(claimed):
            try:
                _deliver(email)
            except SecretLinkUnavailable as exc:
                _record_undeliverable(email, exc)
            except Exception as exc:
                _record_failure(email, exc)
            else:
                done.append(email.pk)
        OutboxEmail.objects.filter(pk__in=done).update(
            status=OutboxEmail.Status.SENT, sent_at=timezone.now()
        )
        sent += len(done)
    return sent


def outbox_sweep() -> int:
    """Send the pending e-mails that are due (missed tasks, retries); returns how many were sent."""
    due_ids = list(
        OutboxEmail.objects.filter(
            status=OutboxEmail.Status.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH_SIZE]
    )
    return sum(outbox_send(email_id=email_id) for email_id in due_ids)


def outbox_resend(*, email_ids: list[int]) -> int:
    """Put failed e-mails back in the queue for a new series of attempts; returns how many."""
    with transaction.atomic():
        failed_ids = list(
            OutboxEmail.objects.select_for_update()
            .filter(pk__in=email_ids, status=OutboxEmail.Status.FAILED)
            .values_list("pk", flat=True)
        )
        OutboxEmail.objects.filter(pk__in=failed_ids).update(
            status=OutboxEmail.Status.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        for email_id in failed_ids:
            transaction.on_commit(lambda email_id=email_id: _enqueue(email_id))
    return len(failed_ids)


def outbox_bodies(*, email: OutboxEmail) -> tuple[str, str]:
    """The text and HTML bodies as they leave, with fresh secret links; never stored.

    Raises SecretLinkUnavailable when a link must not be made any more.
    """
    body_text, body_html = email.body_text, email.body_html
    for link in (email.secret_links or {}).values():
        builder = _secret_link_builders.get(link["builder"])
        if builder is None:
            # A worker running without the app that queued it: a deployment error, worth
            # retrying once the right code runs, so not SecretLinkUnavailable.
            raise LookupError(f"no secret link builder named {link['builder']!r}")
        url = builder(**link["args"])
        body_text = body_text.replace(link["placeholder"], url)
        body_html = body_html.replace(escape(link["placeholder"]), escape(url))
    return body_text, body_html


def retry_delay(attempts: int) -> datetime.timedelta:
    """1 minute after the first failure, then 2, 4, 8… never more than an hour."""
    return min(FIRST_RETRY_DELAY * 2 ** (attempts - 1), MAX_RETRY_DELAY)


def _render_text(template_name: str, context: dict) -> str:
    # Plain text is not HTML: « l'offre » must not become « l&#x27;offre ».
    template = engines["django"].engine.get_template(template_name)
    return template.render(Context(context, autoescape=False))


def _secret_links_prepare(secret_links: dict[str, tuple[str, dict]], context: dict) -> dict:
    """What the row stores for each secret link: builder, non-secret arguments, placeholder."""
    stored = {}
    for number, (key, (builder, args)) in enumerate(sorted(secret_links.items()), start=1):
        if key in context:
            raise ValueError(f"{key!r} is given both as a secret link and in the context")
        if builder not in _secret_link_builders:
            raise LookupError(f"no secret link builder named {builder!r}")
        # What staff read in place of the link in the stored copy (escaped in the HTML body).
        # Each link of one e-mail needs its own, to be put back in its place. Stored with the
        # row, so a later change of wording leaves the e-mails already queued with theirs.
        if number == 1:
            placeholder = gettext("[lien confidentiel, créé au moment de l’envoi]")
        else:
            placeholder = gettext(
                "[lien confidentiel n° %(number)s, créé au moment de l’envoi]"
            ) % {"number": number}
        stored[key] = {"builder": builder, "args": dict(args), "placeholder": placeholder}
    return stored


def _enqueue(email_id: int) -> None:
    from .tasks import send_outbox_email  # tasks import this module

    send_outbox_email.delay(email_id)


def _enqueue_many(email_ids: list[int]) -> None:
    from .tasks import send_outbox_emails  # tasks import this module

    send_outbox_emails.delay(email_ids)


def _deliver(email: OutboxEmail) -> None:
    connection = get_connection(
        fail_silently=False,
        timeout=getattr(settings, "EMAIL_TIMEOUT", None) or SMTP_TIMEOUT_SECONDS,
    )
    body_text, body_html = outbox_bodies(email=email)
    message = EmailMultiAlternatives(
        subject=email.subject,
        body=body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[email.to],
        reply_to=[email.reply_to] if email.reply_to else None,
        connection=connection,
    )
    if body_html:
        message.attach_alternative(body_html, "text/html")
    message.send()


def _record_undeliverable(email: OutboxEmail, exc: SecretLinkUnavailable) -> None:
    # Retrying would not bring the account back: fail now, and say why to staff.
    email.status = OutboxEmail.Status.FAILED
    email.last_error = gettext(
        "Non envoyé : le lien confidentiel n'a pas pu être créé (%(reason)s)."
    ) % {"reason": exc}
    email.last_error = email.last_error[:2000]
    logger.warning("E-mail %s not sent: its secret link cannot be made: %s", email.pk, exc)
    email.save(update_fields=["status", "last_error"])


def _record_failure(email: OutboxEmail, exc: Exception) -> None:
    email.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if email.attempts >= MAX_ATTEMPTS:
        email.status = OutboxEmail.Status.FAILED
        logger.error("E-mail %s not sent after %s attempts: %s", email.pk, email.attempts, exc)
    else:
        email.next_attempt_at = timezone.now() + retry_delay(email.attempts)
        logger.warning("E-mail %s not sent (attempt %s): %s", email.pk, email.attempts, exc)
    email.save(update_fields=["status", "last_error", "next_attempt_at"])
