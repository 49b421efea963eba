"""Issue 11: the back office's second factor, enrolled at first login (QR code, first code,
backup codes shown once) and its backup codes renewed later."""

import base64
from functools import wraps
from urllib.parse import urlencode

import qrcode
import qrcode.image.svg
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import BackupCodesRenewForm, TotpConfirmForm
from .services import (
    current_password_check,
    staff_backup_codes_renew,
    staff_has_totp,
    staff_totp_confirm,
    staff_totp_device_pending,
)


def verified_staff_required(view):
    """Staff who passed the back office's login (password and a second factor) only."""

    @wraps(view)
    def checked(request, *args, **kwargs):
        user = request.user
        if not (
            user.is_active and user.is_staff and user.customer_id is None and user.is_verified()
        ):
            login = reverse("admin:login")
            return redirect(f"{login}?{urlencode({'next': request.get_full_path()})}")
        return view(request, *args, **kwargs)

    return checked


def _no_store(response):
    add_never_cache_headers(response)
    response["Cache-Control"] = "no-store, private"
    return response


def _secret_groups(device: TOTPDevice) -> str:
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _codes_page(request, codes: list[str]):
    context = {**admin.site.each_context(request), "codes": codes}
    return _no_store(
        TemplateResponse(request, "admin/staff_otp/backup_codes.html", context).render()
    )


@never_cache
@verified_staff_required
def enrol(request):
    if staff_has_totp(request.user):
        return redirect("admin:index")
    form = TotpConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = staff_totp_confirm(
                request=request, user=request.user, token=form.cleaned_data["token"]
            )
        except ValidationError as error:
            form.add_error("token", error)
        else:
            # The first-login code that verified this session is gone: the app does now.
            otp_login(request, device)
            return _codes_page(request, codes)
    device = staff_totp_device_pending(user=request.user)
    context = {
        **admin.site.each_context(request),
        "form": form,
        "secret": _secret_groups(device),
        "qr_url": reverse("staff_otp:qr"),
    }
    return _no_store(TemplateResponse(request, "admin/staff_otp/enrol.html", context).render())


@require_GET
@verified_staff_required
def qr(request):
    """The QR code of the logged-in staff member's app being enrolled (an SVG: no data: URI
    under the strict CSP). Never kept by a cache: it holds the secret."""
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).order_by("pk").first()
    if device is None:
        raise Http404
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage)
    return _no_store(HttpResponse(image.to_string(), content_type="image/svg+xml"))


@never_cache
@verified_staff_required
def backup_codes_renew(request):
    if not staff_has_totp(request.user):
        return redirect("staff_otp:enrol")
    form = BackupCodesRenewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        problem = current_password_check(
            request=request, user=request.user, password=form.cleaned_data["password"]
        )
        if problem:
            form.add_error("password", problem)
        else:
            return _codes_page(
                request, staff_backup_codes_renew(request=request, user=request.user)
            )
    context = {**admin.site.each_context(request), "form": form}
    return _no_store(
        TemplateResponse(request, "admin/staff_otp/backup_codes_renew.html", context).render()
    )
