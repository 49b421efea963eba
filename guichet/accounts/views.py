"""Login and logout."""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from .forms import LoginForm
from .middleware import LOGIN_AT, SEEN_AT


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
    form = LoginForm(request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        # auth_login rotates the session key, so a session id set before login is useless.
        auth_login(request, form.user)
        now = int(time.time())
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
        return redirect(_next_url(request) or settings.LOGIN_REDIRECT_URL)
    return render(request, "accounts/login.html", {"form": form, "next": _next_url(request)})


@require_POST
def logout_view(request):
    auth_logout(request)
    messages.success(request, "Vous êtes déconnecté(e). À bientôt !")
    return redirect(settings.LOGOUT_REDIRECT_URL)
