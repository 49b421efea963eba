"""Session time-outs (A9): 30 minutes idle and 12 hours after login, both configurable."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext

LOGIN_AT = "guichet_login_at"
MUST_UPGRADE = "guichet_must_upgrade_password"
SEEN_AT = "guichet_seen_at"
# Refresh the activity stamp at most this often, so most pages write no session.
_TOUCH_EVERY = 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.get(LOGIN_AT, now)
            seen_at = session.get(SEEN_AT, now)
            idle = now - seen_at > settings.GUICHET_SESSION_IDLE_SECONDS
            too_old = now - login_at > settings.GUICHET_SESSION_ABSOLUTE_SECONDS
            if idle or too_old:
                logout(request)
                messages.info(
                    request,
                    gettext("Votre session a expiré. Merci de vous identifier à nouveau."),
                )
                return redirect(settings.LOGIN_URL)
            if LOGIN_AT not in session:
                session[LOGIN_AT] = now
            if now - seen_at >= _TOUCH_EVERY or SEEN_AT not in session:
                session[SEEN_AT] = now
        return self.get_response(request)


class PasswordUpgradeMiddleware:
    """A5: while the stored password fails the criteria, every page leads to choosing a new one."""

    ALLOWED = ("accounts:password_upgrade", "accounts:logout", "accounts:password_criteria")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and request.session.get(MUST_UPGRADE):
            allowed = {reverse(name) for name in self.ALLOWED}
            if request.path not in allowed and not request.path.startswith(
                (settings.STATIC_URL, "/theme.css")
            ):
                return redirect("accounts:password_upgrade")
        return self.get_response(request)
