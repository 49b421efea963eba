"""Guichet's URLs: French paths matching the menu labels."""

from django.contrib import admin
from django.urls import include, path

from guichet.accounts.forms import StaffLoginForm
from guichet.core.admin_site import StaffAdminSite

# J2: only staff verified by a second factor (TOTP or a backup code) reach the back office,
# through a login throttled like the portal's that gives one answer for every failure.
admin.site.__class__ = StaffAdminSite
admin.site.login_form = StaffLoginForm

admin.site.site_header = "Guichet — back office"
admin.site.site_title = "Guichet"
admin.site.index_title = "Administration de l'Espace Client"

urlpatterns = [
    path("", include("guichet.home.urls")),
    path("", include("guichet.accounts.urls")),
    path("", include("guichet.accounts.dossier_urls")),
    path("", include("guichet.catalog.urls")),
    path("", include("guichet.billing.urls")),
    path("", include("guichet.payments.urls")),
    path("", include("guichet.support.urls")),
    path("", include("guichet.privacy.urls")),
    path("", include("guichet.core.urls")),
    path("", include("guichet.api.urls")),
    path("back-office/double-authentification/", include("guichet.accounts.staff_otp_urls")),
    path("back-office/", admin.site.urls),
    path("altcha/", include("altcha_django.urls")),
]

handler403 = "guichet.core.views.error_403"
