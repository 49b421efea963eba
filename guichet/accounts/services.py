"""Every write about accounts: reset links, passwords, identifiers, security events."""

import logging
import re
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext, gettext_lazy, gettext_noop
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.core.emails import SecretLinkUnavailable, email_queue, secret_link_builder
from guichet.core.formatting import format_date
from guichet.core.models import StaffAccess
from guichet.core.net import client_ip, valid_ip
from guichet.core.staff_audit import staff_access_record
from guichet.customers.models import Customer

from . import throttle
from .login import parse_reference
from .models import SecurityEvent, User
from .passwords import is_compliant

security_logger = logging.getLogger("guichet.security")

IDENTIFIER_SHAPE = re.compile(r"^[A-Za-z0-9.\-_@]{4,40}$")


def _request_meta(request) -> dict:
    if request is None:
        return {}
    return {
        "ip_address": valid_ip(client_ip(request)),
        # Any header may hold a NUL byte, which PostgreSQL refuses in text.
        "user_agent": request.META.get("HTTP_USER_AGENT", "").replace("\x00", "")[:300],
    }


def security_event_record(*, user, kind, request=None, detail: str = "") -> SecurityEvent:
    event = SecurityEvent.objects.create(
        user=user, kind=kind, detail=detail[:300], **_request_meta(request)
    )
    # One log line per event, for the operator's log tools: the kind and the account's id
    # (the request id comes with the record), never what was typed or sent.
    security_logger.info(
        "security event %s (user %s)",
        kind,
        user.pk if user is not None else None,
        extra={
            "event": "security",
            "security_event": str(kind),
            "user_id": user.pk if user is not None else None,
            "remote_addr": event.ip_address,
        },
    )
    return event


def mask_email(email: str) -> str:
    """« claire.muller@example.fr » -> « c***********@….fr »: enough to recognise, not to read."""
    local, _, domain = email.partition("@")
    tld = domain.rsplit(".", 1)[-1] if "." in domain else ""
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@…" + (f".{tld}" if tld else "")


def customer_user_ensure(customer: Customer) -> User:
    """The customer's account, created without a usable password on first access."""
    user = User.objects.filter(customer=customer).first()
    if user is None:
        user = User(username=customer.reference, customer=customer, email=customer.contact_email)
        user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save()
    return user


@transaction.atomic
def customer_user_create(*, customer: Customer, password: str) -> User:
    """The customer's account with a password already chosen (demo data, imports): no e-mail,
    no security event, since nobody changed anything. The password is not checked against the
    policy: the caller vouches for it."""
    user = User(username=customer.reference, customer=customer, email=customer.contact_email)
    user.set_password(password)
    user.full_clean(exclude=["password"])
    user.save()
    return user


@transaction.atomic
def staff_create(*, username: str, email: str, password: str, superuser: bool = False) -> User:
    """A back-office account; it still needs a second factor (J2) to open the back office."""
    manager = User.objects.create_superuser if superuser else User.objects.create_user
    return manager(username, email, password, is_staff=True)


@transaction.atomic
def staff_member_create(*, username: str, email: str, password: str, role: str) -> tuple[User, str]:
    """A staff member in a role's group (issue 11), with one single-use backup code for the
    first login; an administration member is a superuser. The password meets the CNIL criteria
    (the caller checked them: `password_problems`)."""
    from django.contrib.auth.models import Group

    from .roles import ROLE_GROUPS, SUPERUSER_ROLES

    user = staff_create(
        username=username, email=email, password=password, superuser=role in SUPERUSER_ROLES
    )
    user.groups.add(Group.objects.get(name=ROLE_GROUPS[role]))
    (code,) = staff_backup_codes_create(user=user, name="Code de première connexion", count=1)
    return user, code


BACKUP_CODES_COUNT = 10


def backup_code_digest(code: str) -> str:
    """What the database keeps of a backup code: a keyed hash, never the code itself.

    django-otp's StaticToken takes 16 characters and compares them as typed; the login hashes
    the typed code the same way before asking the device. Keyed with SECRET_KEY, so that a
    copy of the database alone gives no way to try every 8-character code.
    """
    normalized = "".join((code or "").split()).lower()
    return salted_hmac("guichet.backup_code", normalized, algorithm="sha256").hexdigest()[:16]


@transaction.atomic
def staff_backup_codes_create(
    *, user: User, name: str, count: int, codes: list[str] | None = None
) -> list[str]:
    """A device of single-use backup codes (the second factor without an authenticator app).

    Returns the codes, which only the caller sees: the database keeps their hashes. The demo
    passes codes it can make again to show them.
    """
    device = StaticDevice.objects.create(user=user, name=name)
    tokens = codes if codes is not None else [StaticToken.random_token() for _ in range(count)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=backup_code_digest(t)) for t in tokens
    )
    return tokens


def staff_totp_device_pending(*, user: User) -> TOTPDevice:
    """The authenticator app being enrolled: the user's unconfirmed TOTP device, made once
    (the QR code stays the same when the page is shown again)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=user, name=gettext("Application d'authentification"), confirmed=False
        )
    return device


def staff_has_totp(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def _backup_codes_replace(*, user: User) -> list[str]:
    StaticDevice.objects.filter(user=user).delete()
    return staff_backup_codes_create(
        user=user, name=gettext("Codes de secours"), count=BACKUP_CODES_COUNT
    )


def staff_totp_confirm(*, request, user: User, token: str) -> tuple[TOTPDevice, list[str]]:
    """The first code from the app confirms it: the first-login code(s) go, ten new backup
    codes come (returned to be shown once). A wrong code raises ValidationError and leaves
    the device unconfirmed; django-otp's throttle makes each wrong try wait longer."""
    token = "".join((token or "").split())
    with transaction.atomic():
        # Locked: two tabs sending the code at once confirm once and show one set of codes.
        device = (
            TOTPDevice.objects.select_for_update()
            .filter(user=user, confirmed=False)
            .order_by("pk")
            .first()
        )
        if device is None:
            raise ValidationError(gettext("Aucune application n'est en cours d'activation."))
        allowed, _ = device.verify_is_allowed()
        # A wrong code is counted by django-otp's throttle (saved here, not rolled back: the
        # error is raised once the transaction is over).
        right = allowed and device.verify_token(token)
        if right:
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            codes = _backup_codes_replace(user=user)
            staff_access_record(
                request=request,
                action=StaffAccess.Action.ADD,
                model=TOTPDevice,
                obj=device,
                detail="double authentification activée",
            )
            security_event_record(
                user=user,
                kind=SecurityEvent.Kind.SECOND_FACTOR_ENROLLED,
                request=request,
                detail=BACK_OFFICE,
            )
    if not allowed:
        raise ValidationError(
            gettext("Trop d'essais : patientez quelques secondes avant de recommencer.")
        )
    if not right:
        raise ValidationError(
            gettext(
                "Ce code n'est pas le bon. Vérifiez l'heure de votre téléphone et saisissez "
                "le code à 6 chiffres affiché maintenant par l'application."
            )
        )
    return device, codes


@transaction.atomic
def staff_second_factor_reset(*, user: User) -> str:
    """A staff member who lost both the phone and the backup codes: the app and the codes
    go, one single-use code comes back for the next login, which asks to enrol again."""
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    (code,) = staff_backup_codes_create(user=user, name="Code de première connexion", count=1)
    security_event_record(
        user=user, kind=SecurityEvent.Kind.SECOND_FACTOR_RESET, detail=BACK_OFFICE
    )
    return code


def staff_backup_codes_renew(*, request, user: User) -> list[str]:
    """« Nouveaux codes de secours » (the caller checked the password again): the old codes
    stop working, ten new ones are returned to be shown once."""
    with transaction.atomic():
        codes = _backup_codes_replace(user=user)
        staff_access_record(
            request=request,
            action=StaffAccess.Action.CHANGE,
            model=StaticDevice,
            detail="nouveaux codes de secours",
        )
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.BACKUP_CODES_RENEWED,
            request=request,
            detail=BACK_OFFICE,
        )
    return codes


def reset_link_build(user: User) -> str:
    """Built from the configured site address, never from the request's Host header."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:reset_confirm", kwargs={"uidb64": uid, "token": token})
    return f"{settings.GUICHET_SITE_URL}{path}"


@secret_link_builder("password_reset")
def reset_link_for_email(*, user_id: int, email: str) -> str:
    """The link of a queued reset or first-access e-mail, made when it leaves the outbox.

    Its 15 minutes start when the customer can use it. No working link goes out to an
    account that is gone or deactivated since, nor to an address that is no longer its own.
    """
    user = User.objects.select_related("customer").filter(pk=user_id).first()
    if user is None or user.customer is None:
        raise SecretLinkUnavailable(gettext("le compte n° %(id)s n'existe plus") % {"id": user_id})
    if not user.is_active:
        raise SecretLinkUnavailable(
            gettext("le compte %(username)s est désactivé") % {"username": user.username}
        )
    if user.customer.contact_email.lower() != email.lower():
        raise SecretLinkUnavailable(
            gettext("l'adresse de contact du client %(reference)s a changé")
            % {"reference": user.customer.reference}
        )
    return reset_link_build(user)


def password_reset_send(*, user: User, request=None, by_staff: bool = False) -> None:
    customer = user.customer
    with transaction.atomic():
        # The outbox, which staff read, keeps a placeholder: the link is made at send time.
        email_queue(
            to=customer.contact_email,
            language=customer.language,
            template="password_reset",
            context={
                "reference": customer.reference,
                "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
                "first_access": not user.has_usable_password(),
            },
            secret_links={
                "link": ("password_reset", {"user_id": user.pk, "email": customer.contact_email})
            },
        )
        kind = (
            SecurityEvent.Kind.RESET_LINK_SENT_BY_STAFF
            if by_staff
            else SecurityEvent.Kind.RESET_REQUESTED
        )
        security_event_record(user=user, kind=kind, request=request)


def first_access_link_send(*, customer: Customer, request=None) -> User:
    """Staff send a customer their first-access link (issue 11), creating the login if the
    customer has none yet (added by staff or imported). Same e-mail, placeholder and
    send-time link as « Mot de passe oublié »; recorded as a security event of the account."""
    if not customer.contact_email:
        raise ValidationError(
            gettext(
                "Ce client n'a pas d'e-mail de contact : ajoutez-en un à sa fiche avant "
                "d'envoyer le lien."
            ),
            code="no_contact_email",
        )
    with transaction.atomic():
        user = customer_user_ensure(customer)
        if not user.is_active:
            raise ValidationError(
                gettext("Le compte de ce client est désactivé : aucun lien n'est envoyé."),
                code="inactive",
            )
        password_reset_send(user=user, request=request, by_staff=True)
    return user


def login_throttle_lift(*, customer: Customer, request=None) -> User:
    """Staff lift the wait imposed on a customer's account after failed logins (issue 11):
    every counter it is tried under (reference, identifier, « Mon profil »'s current
    password) starts afresh; recorded as a security event of the account."""
    user = User.objects.filter(customer=customer).first()
    if user is None:
        raise ValidationError(
            gettext("Ce client n'a pas encore de compte : il n'y a pas de blocage à lever."),
            code="no_account",
        )
    for account in [*throttle_accounts_of(user), f"reauth:{user.pk}"]:
        throttle.login_lift(account=account)
    with transaction.atomic():
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.THROTTLE_LIFTED,
            request=request,
            detail="par le personnel",
        )
        # The holder learns of it (A10): if they did not call us, someone else did.
        _notify(user, THROTTLE_LIFTED_NOTICE, {"portal": settings.GUICHET_BRAND["portal_name"]})
    return user


def login_throttle_status(*, user: User) -> throttle.Status:
    """The throttle of the customer's portal login: the worst of its counters."""
    statuses = [throttle.login_status(account=account) for account in throttle_accounts_of(user)]
    return max(statuses, key=lambda s: (s.retry_at, s.failures), default=throttle.Status(0))


@dataclass(frozen=True)
class ResetRequestResult:
    masked_email: str | None = None
    wait_seconds: int = 0  # > 0: too many links for this account or address lately


RESET_WINDOW_SECONDS = 3600


def reset_request_allowed(*, request) -> ResetRequestResult:
    """Count a « Mot de passe oublié » request against its address's cap (N an hour).

    Called before the form is read: past the cap, nothing a robot sent (the anti-robot payload
    above all) gets parsed. ``wait_seconds`` > 0 when refused.
    """
    decision = throttle.hit(
        scope="reset-ip",
        value=throttle.client_ip(request),
        limit=settings.GUICHET_RESET_MAX_PER_IP,
        window=RESET_WINDOW_SECONDS,
    )
    return ResetRequestResult(wait_seconds=0 if decision.allowed else decision.wait_seconds)


def password_reset_request(*, reference: str, postal_code: str, request=None) -> ResetRequestResult:
    """A2: send a link when reference and postal code match, at most N an hour per account
    (the per-address cap is ``reset_request_allowed``, checked before the form).

    The per-account limit counts matching requests only, so someone who does not know the
    postal code cannot use it to keep the holder from asking for a link.
    """
    ref = parse_reference(reference)
    customer = (
        Customer.objects.filter(reference=ref, contract_postal_code=postal_code.strip()).first()
        if ref
        else None
    )
    if customer is None or not customer.contact_email:
        return ResetRequestResult()
    decision = throttle.hit(
        scope="reset-ref",
        value=customer.reference,
        limit=settings.GUICHET_RESET_MAX_PER_REFERENCE,
        window=RESET_WINDOW_SECONDS,
    )
    if not decision.allowed:
        return ResetRequestResult(wait_seconds=max(60, decision.wait_seconds))
    with transaction.atomic():
        user = customer_user_ensure(customer)
        if not user.is_active:
            return ResetRequestResult()
        password_reset_send(user=user, request=request)
    return ResetRequestResult(masked_email=mask_email(customer.contact_email))


def _notify(user: User, message: str, params: dict | None = None) -> None:
    """A security notice; `message` (gettext_lazy) is put in the customer's language here."""
    address = user.customer.contact_email if user.customer_id else user.email
    if not address:
        return
    language = user.customer.language if user.customer_id else None
    with translation.override(language or settings.LANGUAGE_CODE):
        now = timezone.localtime()
        text = str(message) % {"date": format_date(now), "time": f"{now:%H:%M}", **(params or {})}
    email_queue(
        to=address, template="security_notice", context={"message": text}, language=language
    )


def security_notice_send(*, user: User, message, params: dict | None = None) -> None:
    """The A10 security e-mail for a sensitive change made in another app (bank details):
    `message` is a gettext_lazy text with %(date)s and %(time)s, put in the customer's
    language. Call it inside the change's transaction, like the notices below."""
    _notify(user, message, params)


# Security notices, each rendered in the customer's language by _notify (%(date)s and %(time)s
# are the moment of the change, formatted for that language).
PASSWORD_CHANGED_NOTICE = gettext_lazy(
    "Le mot de passe de votre %(portal)s a été modifié le %(date)s à %(time)s."
)
PASSWORD_RESET_NOTICE = gettext_lazy(
    "Le mot de passe de votre %(portal)s a été réinitialisé le %(date)s à %(time)s."
)
PASSWORD_CHANGED_BY_STAFF_NOTICE = gettext_lazy(
    "Le mot de passe de votre Espace Client a été modifié par notre service client le "
    "%(date)s à %(time)s."
)
THROTTLE_LIFTED_NOTICE = gettext_lazy(
    "Notre service client a levé le blocage de la connexion à votre %(portal)s le %(date)s à "
    "%(time)s, après plusieurs essais de mot de passe infructueux : vous pouvez vous connecter "
    "de nouveau. Si vous n'êtes pas à l'origine de ces essais, choisissez un nouveau mot de "
    "passe avec « Mot de passe oublié »."
)
IDENTIFIER_CHANGED_NOTICE = gettext_lazy(
    "Votre identifiant personnalisé est désormais « %(identifier)s ». Vous pouvez l'utiliser "
    "à la place de votre référence client pour vous connecter."
)


def password_set(*, user: User, password: str, request=None, reset: bool = False) -> None:
    """A new password (reset, change or upgrade); every other session ends with the old hash."""
    with transaction.atomic():
        user.set_password(password)
        user.password_changed_at = timezone.now()
        user.save(update_fields=["password", "password_changed_at"])
        kind = SecurityEvent.Kind.RESET_USED if reset else SecurityEvent.Kind.PASSWORD_CHANGED
        security_event_record(user=user, kind=kind, request=request)
        _notify(
            user,
            PASSWORD_RESET_NOTICE if reset else PASSWORD_CHANGED_NOTICE,
            {"portal": settings.GUICHET_BRAND["portal_name"]},
        )
    for account in throttle_accounts_of(user):
        throttle.login_reset(account=account)


def password_changed_by_staff(*, user: User, request=None) -> None:
    """The admin has already saved the new password; record it and tell the customer."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(password_changed_at=timezone.now())
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.PASSWORD_CHANGED,
            request=request,
            detail="par le personnel",
        )
        if user.customer_id:
            _notify(user, PASSWORD_CHANGED_BY_STAFF_NOTICE)


def identifier_validate(*, user: User, identifier: str) -> str:
    identifier = identifier.strip()
    if not IDENTIFIER_SHAPE.match(identifier):
        raise ValidationError(
            gettext(
                "L'identifiant compte de 4 à 40 caractères : lettres sans accent, chiffres, "
                "et les signes . - _ @."
            ),
            code="identifier_shape",
        )
    if identifier.lstrip("Vv").isdigit():
        raise ValidationError(
            gettext(
                "L'identifiant ne peut pas ressembler à une référence client : ajoutez des lettres."
            ),
            code="identifier_like_reference",
        )
    # Checked against other customers' identifiers only: staff log in on the back office under
    # usernames of their own, which a customer must not be able to probe from the portal.
    if User.objects.filter(identifier__iexact=identifier).exclude(pk=user.pk).exists():
        raise ValidationError(gettext("Cet identifiant est déjà utilisé."), code="identifier_taken")
    return identifier


def identifier_change(*, user: User, identifier: str, request=None) -> None:
    identifier = identifier_validate(user=user, identifier=identifier)
    if identifier == user.identifier:
        return
    with transaction.atomic():
        previous = user.identifier
        user.identifier = identifier
        user.save(update_fields=["identifier"])
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.IDENTIFIER_CHANGED,
            request=request,
            detail=f"{previous or '(aucun)'} → {identifier}",
        )
        _notify(user, IDENTIFIER_CHANGED_NOTICE, {"identifier": identifier})


def user_for_login(login: str) -> User | None:
    """The account a typed login names: a client reference or a personal identifier."""
    text = (login or "").strip()
    reference = parse_reference(text)
    queryset = User.objects.select_related("customer")
    if reference:
        return queryset.filter(customer__reference=reference).first()
    if text:
        return queryset.filter(identifier__iexact=text, customer__isnull=False).first()
    return None


def throttle_account(login: str) -> str:
    """The throttle counter of what was typed: a reference or an identifier, known or not.

    A reference and an identifier of one account count apart: were they one counter, failures
    on an identifier would show (through the wait they cause) which reference it belongs to.
    """
    reference = parse_reference(login)
    if reference:
        return f"ref:{reference}"
    return f"id:{(login or '').strip().lower()}"


def throttle_accounts_of(user: User) -> list[str]:
    """Every counter an account can be tried under, all cleared by a reset."""
    accounts = [f"ref:{user.customer.reference}"] if user.customer_id else []
    if user.identifier:
        accounts.append(f"id:{user.identifier.lower()}")
    return accounts


@dataclass(frozen=True)
class LoginResult:
    user: User | None = None
    error: str = ""
    throttled: bool = False
    must_upgrade: bool = False


# Marked here, translated where they are shown (gettext at the return).
LOGIN_FAILED = gettext_noop("Référence client ou mot de passe incorrect.")
STAFF_LOGIN_FAILED = gettext_noop("Identifiant, mot de passe ou code de vérification incorrect.")
BACK_OFFICE = "back office"


def login_attempt(*, request, login: str, password: str) -> LoginResult:
    """A1 + A8: throttle first (no hashing for a throttled try), then check the password."""
    target = user_for_login(login)
    decision = throttle.login_begin(account=throttle_account(login), ip=throttle.client_ip(request))
    if not decision.allowed:
        if target is not None:
            security_event_record(
                user=target, kind=SecurityEvent.Kind.LOGIN_THROTTLED, request=request
            )
        return LoginResult(error=decision.message, throttled=True)
    user = None
    try:
        # The account read above, so that the backend does not read it a second time.
        user = authenticate(request, login=login, password=password, account=target)
        if user is not None and user.customer_id is None:
            user = None
    finally:
        if user is None:
            throttle.login_failed(decision)
        else:
            throttle.login_succeeded(decision)
    if user is None:
        if target is not None:
            security_event_record(
                user=target, kind=SecurityEvent.Kind.LOGIN_FAILED, request=request
            )
        return LoginResult(error=gettext(LOGIN_FAILED))
    security_event_record(user=user, kind=SecurityEvent.Kind.LOGIN_SUCCEEDED, request=request)
    must_upgrade = not is_compliant(password, user)
    if must_upgrade:
        security_event_record(
            user=user, kind=SecurityEvent.Kind.PASSWORD_UPGRADE_REQUIRED, request=request
        )
    return LoginResult(user=user, must_upgrade=must_upgrade)


WRONG_CURRENT_PASSWORD = gettext_noop("L'ancien mot de passe n'est pas le bon.")


def current_password_check(*, request, user: User, password: str) -> str:
    """« Mon profil » asks the current password again: '' if right, else what to tell.

    Throttled like a login, with a counter of its own, so that a session left open is no
    way to guess the password either.
    """
    decision = throttle.login_begin(
        account=f"reauth:{user.pk}", ip=throttle.client_ip(request), scope="reauth"
    )
    if not decision.allowed:
        security_event_record(
            user=user,
            kind=SecurityEvent.Kind.LOGIN_THROTTLED,
            request=request,
            detail="mot de passe actuel",
        )
        return decision.message
    right = False
    try:
        right = user.check_password(password)
    finally:
        if right:
            throttle.login_succeeded(decision)
        else:
            throttle.login_failed(decision)
    if right:
        return ""
    security_event_record(
        user=user, kind=SecurityEvent.Kind.CURRENT_PASSWORD_WRONG, request=request
    )
    return gettext(WRONG_CURRENT_PASSWORD)


def _second_factor_device(user: User, token: str):
    """The user's confirmed device that accepts this one-time code, if any (django-otp's own
    per-device throttling still applies: a throttled device accepts nothing)."""
    with transaction.atomic():
        for device in devices_for_user(user, confirmed=True, for_verify=True):
            allowed, _ = device.verify_is_allowed()
            # Backup codes are stored hashed: the typed code is hashed the same way.
            typed = backup_code_digest(token) if isinstance(device, StaticDevice) else token
            if allowed and device.verify_token(typed):
                return device
    return None


def staff_login_attempt(*, request, username: str, password: str, token: str) -> LoginResult:
    """J2 + A8 for the back office: username, password and second factor checked together.

    Every failure gets one answer, whether the account is unknown, a customer's, the password
    wrong or right, or the code wrong: nothing tells which part was right. The tries go
    through the portal's throttle with counters of their own (a customer cannot lock staff
    out), and each is recorded against the account it named.
    """
    username = (username or "").strip()
    target = User.objects.filter(username=username).first() if username else None
    decision = throttle.login_begin(
        account=f"staff:{username.lower()}", ip=throttle.client_ip(request), scope="staff"
    )
    if not decision.allowed:
        if target is not None:
            security_event_record(
                user=target,
                kind=SecurityEvent.Kind.LOGIN_THROTTLED,
                request=request,
                detail=BACK_OFFICE,
            )
        return LoginResult(error=decision.message, throttled=True)
    user = None
    try:
        # Only the staff backend answers a username: customers never authenticate here.
        candidate = authenticate(request, username=username, password=password)
        if candidate is not None and candidate.is_staff and candidate.customer_id is None:
            device = _second_factor_device(candidate, token)
            if device is not None:
                candidate.otp_device = device  # django-otp keeps it in the session at login
                user = candidate
    finally:
        if user is None:
            throttle.login_failed(decision)
        else:
            throttle.login_succeeded(decision)
    kind = SecurityEvent.Kind.LOGIN_FAILED if user is None else SecurityEvent.Kind.LOGIN_SUCCEEDED
    if target is not None:
        security_event_record(user=target, kind=kind, request=request, detail=BACK_OFFICE)
    if user is None:
        return LoginResult(error=gettext(STAFF_LOGIN_FAILED))
    return LoginResult(user=user)
