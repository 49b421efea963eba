"""Issue 11: the back office's second-factor pages (under /back-office/)."""

from django.urls import path

from . import staff_otp_views

app_name = "staff_otp"
urlpatterns = [
    path("", staff_otp_views.enrol, name="enrol"),
    path("qr-code.svg", staff_otp_views.qr, name="qr"),
    path("codes-de-secours/", staff_otp_views.backup_codes_renew, name="backup_codes_renew"),
]
