"""Login, logout, first access / forgotten password, « Mon profil »."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.http import url_has_allowed_host_and_scheme, urlsafe_base64_decode
from django.utils.translation import gettext, ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from guichet.core.decorators import customer_required
from guichet.core.prepared import PreparedQuery
from guichet.customers.services import customer_language_set

from . import services
from .forms import (
    IdentifierForm,
    LoginForm,
    NewPasswordForm,
    PasswordChangeForm,
    PasswordResetRequestForm,
)
from .middleware import LOGIN_AT, MUST_UPGRADE, SEEN_AT
from .models import SecurityEvent, User
from .passwords import CRITERIA, password_problems

RESET_SESSION_TOKEN = "guichet_reset_token"
RESET_SET_TOKEN = "nouveau"


def _language_cookie_set(response, *, language: str):
    """Make `language` this browser's language (LocaleMiddleware reads the cookie first)."""
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return ""


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    if request.user.is_authenticated and request.user.customer_id:
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = LoginForm(data=request.POST or None)
    if request.method != "POST" or not form.is_valid():
        return _login_page(request, form)
    result = services.login_attempt(
        request=request, login=form.cleaned_data["login"], password=form.cleaned_data["password"]
    )
    if result.user is None:
        form.add_error(None, ValidationError(result.error, code="invalid_login"))
        return _login_page(request, form, status=429 if result.throttled else 200)
    # auth_login rotates the session key, so a session id set before login is useless.
    auth_login(request, result.user, backend="guichet.accounts.backends.CustomerBackend")
    now = int(time.time())
    request.session[LOGIN_AT] = now
    request.session[SEEN_AT] = now
    if result.must_upgrade:
        request.session[MUST_UPGRADE] = True
        response = redirect("accounts:password_upgrade")
    else:
        response = redirect(_next_url(request) or settings.LOGIN_REDIRECT_URL)
    # The language saved on the account wins from now on, in this browser, after logout too.
    return _language_cookie_set(response, language=request.user.customer.language)


def _login_page(request, form, *, status: int = 200):
    return render(
        request, "accounts/login.html", {"form": form, "next": _next_url(request)}, status=status
    )


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.success(request, gettext("Vous êtes déconnecté(e). À bientôt !"))
    return redirect(settings.LOGOUT_REDIRECT_URL)


@csrf_protect
@never_cache
def password_reset_request(request):
    """A2: first access and « Mot de passe oublié » are one flow."""
    form = PasswordResetRequestForm(request.POST or None, request=request)
    if request.method != "POST":
        return render(request, "accounts/reset_request.html", {"form": form})

    def too_many(wait: int):
        minutes = max(1, wait // 60)
        form.refuse(
            ngettext(
                "Trop de demandes de lien pour ce dossier ou depuis votre connexion : merci de "
                "réessayer dans %(count)s minute. Le dernier lien envoyé reste valable "
                "15 minutes.",
                "Trop de demandes de lien pour ce dossier ou depuis votre connexion : merci de "
                "réessayer dans %(count)s minutes. Le dernier lien envoyé reste valable "
                "15 minutes.",
                minutes,
            )
            % {"count": minutes}
        )
        return render(request, "accounts/reset_request.html", {"form": form}, status=429)

    # The per-address cap comes before the form is read: past it, nothing a robot sends
    # (the anti-robot payload above all) is parsed.
    allowed = services.reset_request_allowed(request=request)
    if allowed.wait_seconds:
        return too_many(allowed.wait_seconds)
    if not form.is_valid():
        return render(request, "accounts/reset_request.html", {"form": form})
    result = services.password_reset_request(
        reference=form.cleaned_data["reference"],
        postal_code=form.cleaned_data["postal_code"],
        request=request,
    )
    if result.wait_seconds:
        return too_many(result.wait_seconds)
    return render(request, "accounts/reset_sent.html", {"masked_email": result.masked_email})


def _user_from_uid(uidb64: str):
    try:
        pk = force_str(urlsafe_base64_decode(uidb64))
        return User.objects.select_related("customer").get(pk=pk, customer__isnull=False)
    except (TypeError, ValueError, OverflowError, User.DoesNotExist, ValidationError):
        return None


def _no_referrer(response):
    # The address holds the token: never let it leak to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response


@sensitive_post_parameters("new_password1", "new_password2")
@csrf_protect
@never_cache
def password_reset_confirm(request, uidb64: str, token: str):
    """A3: the link from the e-mail; the token moves to the session, out of the address bar."""
    user = _user_from_uid(uidb64)
    if token == RESET_SET_TOKEN:
        session_token = request.session.get(RESET_SESSION_TOKEN, "")
        valid = user is not None and default_token_generator.check_token(user, session_token)
    else:
        valid = user is not None and default_token_generator.check_token(user, token)
        if valid:
            request.session[RESET_SESSION_TOKEN] = token
            return _no_referrer(
                redirect("accounts:reset_confirm", uidb64=uidb64, token=RESET_SET_TOKEN)
            )
    if not valid or not user.is_active:
        if user is not None:
            services.security_event_record(
                user=user, kind=SecurityEvent.Kind.RESET_LINK_INVALID, request=request
            )
        return _no_referrer(render(request, "accounts/reset_invalid.html", status=400))
    form = NewPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_set(
            user=user, password=form.cleaned_data["new_password1"], request=request, reset=True
        )
        del request.session[RESET_SESSION_TOKEN]
        return redirect("accounts:reset_done")
    # This page's address no longer holds the token, and a normal referrer policy keeps the
    # browser's Origin header, which the form's CSRF check needs.
    return render(
        request,
        "accounts/reset_confirm.html",
        {"form": form, "criteria": CRITERIA, "first_access": not user.has_usable_password()},
    )


def password_reset_done(request):
    return render(request, "accounts/reset_done.html")


@require_POST
@csrf_protect
def password_criteria(request):
    """Ticks the criteria while the customer types; the server check is the one that counts."""
    password = request.POST.get("password", "")[:1000]
    user = request.user if request.user.is_authenticated else None
    if user is None:
        uidb64 = request.POST.get("uid", "")
        candidate = _user_from_uid(uidb64) if uidb64 else None
        token = request.session.get(RESET_SESSION_TOKEN, "")
        if candidate and default_token_generator.check_token(candidate, token):
            user = candidate
    codes = {error.code for error in password_problems(password, user)}
    return JsonResponse(
        {
            "length": not codes & {"too_short", "too_long"},
            "guess": "guessable" not in codes,
            "personal": "personal" not in codes,
        }
    )


# « Dernières connexions »: built and compiled once per process (guichet/core/prepared.py).
_LAST_LOGINS = PreparedQuery(
    lambda user_id: SecurityEvent.objects.filter(
        user=user_id,
        kind__in=[SecurityEvent.Kind.LOGIN_SUCCEEDED, SecurityEvent.Kind.LOGIN_FAILED],
    )[:10]
)


@customer_required
@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def profile(request):
    """A6, A7: « Mes données » › « Mon profil »."""
    user = request.user
    identifier_form = IdentifierForm(initial={"identifier": user.identifier})
    password_form = PasswordChangeForm(user)
    if request.method == "POST" and request.POST.get("action") == "identifier":
        identifier_form = IdentifierForm(request.POST)
        if identifier_form.is_valid():
            try:
                services.identifier_change(
                    user=user,
                    identifier=identifier_form.cleaned_data["identifier"],
                    request=request,
                )
            except ValidationError as error:
                identifier_form.add_error("identifier", error)
            else:
                messages.success(request, gettext("Votre identifiant personnalisé est enregistré."))
                return redirect("accounts:profile")
    elif request.method == "POST" and request.POST.get("action") == "password":
        password_form = PasswordChangeForm(user, request.POST)
        if password_form.is_valid():
            problem = services.current_password_check(
                request=request, user=user, password=password_form.cleaned_data["old_password"]
            )
            if problem:
                password_form.add_error("old_password", problem)
            else:
                services.password_set(
                    user=user,
                    password=password_form.cleaned_data["new_password1"],
                    request=request,
                )
                update_session_auth_hash(request, user)
                messages.success(request, gettext("Votre mot de passe est modifié."))
                return redirect("accounts:profile")
    logins = _LAST_LOGINS.objects(user.pk)
    return render(
        request,
        "accounts/profile.html",
        {
            "identifier_form": identifier_form,
            "password_form": password_form,
            "criteria": CRITERIA,
            "logins": logins,
            "breadcrumbs": [(gettext("Mes données"), None), (gettext("Mon profil"), None)],
            "nav": "data",
        },
    )


@customer_required
@sensitive_post_parameters("new_password1", "new_password2")
def password_upgrade(request):
    """A5: a password that no longer meets the criteria is replaced before anything else."""
    if not request.session.get(MUST_UPGRADE):
        return redirect(settings.LOGIN_REDIRECT_URL)
    form = NewPasswordForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.password_set(
            user=request.user, password=form.cleaned_data["new_password1"], request=request
        )
        update_session_auth_hash(request, request.user)
        del request.session[MUST_UPGRADE]
        messages.success(request, gettext("Merci ! Votre nouveau mot de passe est enregistré."))
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render(
        request,
        "accounts/password_upgrade.html",
        {
            "form": form,
            "criteria": CRITERIA,
            "upgrade_url": reverse("accounts:password_upgrade"),
        },
    )


@require_POST
def language_choose(request):
    """The footer's language switcher: for this browser and, once logged in, for the account.

    A language the portal does not offer changes nothing. Back to the page it was posted from.
    """
    language = request.POST.get("language", "")
    response = redirect(_next_url(request) or "home:root")
    if language not in dict(settings.LANGUAGES):
        return response
    if request.user.is_authenticated and request.user.customer_id:
        customer_language_set(customer=request.user.customer, language=language)
    return _language_cookie_set(response, language=language)
