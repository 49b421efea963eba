"""The back office's admin site (a second factor for every staff member, J2) and the
building blocks its model admins share."""

import logging
from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import ValidationError
from django.db import DataError, transaction
from django.http import HttpResponseRedirect, QueryDict
from django.urls import reverse
from django.utils.module_loading import import_string
from django.utils.translation import gettext
from django_otp.admin import OTPAdminSite
from django_otp.plugins.otp_totp.models import TOTPDevice

logger = logging.getLogger(__name__)

# What a malformed address or form value raises once it reaches the database layer:
# PostgreSQL refuses text it cannot take (an « inet » of "NaN"), SQLite and the date helpers
# an integer out of their range, the ORM a primary key that is not a number.
BAD_INPUT_ERRORS = (
    DataError,
    OverflowError,
    ValueError,
    ValidationError,
    IncorrectLookupParameters,
)


def _without_nul(query: QueryDict) -> QueryDict:
    cleaned = QueryDict(mutable=True)
    for key, values in query.lists():
        cleaned.setlist(key.replace("\x00", ""), [value.replace("\x00", "") for value in values])
    cleaned._mutable = False
    return cleaned


def _has_nul(query: QueryDict) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in query.lists())


def bad_input_guard(view):
    """Every back-office view answers bad input clearly instead of failing with a 500.

    NUL bytes are dropped from the address's parameters (PostgreSQL refuses them in text and
    they never mean anything). A view given parameters runs, and its page is drawn, in a
    savepoint: if a value still breaks a query (a lookup Django's admin does not check, an
    out-of-range year, an address that is not one), the savepoint is undone and the staff
    member is sent back to the plain page with a message, the way Django's admin answers a
    bad lookup (``?e=1``). A page without parameters fails as before: that is a real fault.
    """

    @wraps(view)
    def guarded(request, *args, **kwargs):
        if _has_nul(request.GET):
            request.GET = _without_nul(request.GET)
        user_input = request.method == "POST" or any(key != ERROR_FLAG for key in request.GET)
        if not user_input:
            return view(request, *args, **kwargs)
        try:
            with transaction.atomic():
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and not response.is_rendered:
                    # Lists and filters run their queries while the page is drawn.
                    response.render()
        except BAD_INPUT_ERRORS:
            if ERROR_FLAG in request.GET:
                raise
            logger.warning("Back office: bad input on %s", request.path, exc_info=True)
            messages.error(
                request,
                gettext(
                    "Certains critères ou valeurs envoyés ne sont pas valables : "
                    "ils ont été ignorés."
                ),
            )
            return HttpResponseRedirect(f"{request.path}?{ERROR_FLAG}=1")
        return response

    return guarded


def second_factor_enrolment_required(view):
    """Issue 11: a staff member who got in with a single-use code and has no authenticator
    app yet sees nothing of the back office before enrolling one (logout still works).

    Runs after the admin's own check: the user is verified staff here.
    """

    @wraps(view)
    def enrolled_only(request, *args, **kwargs):
        if request.path != reverse("admin:logout") and not (
            TOTPDevice.objects.filter(user=request.user, confirmed=True).exists()
        ):
            return HttpResponseRedirect(reverse("staff_otp:enrol"))
        return view(request, *args, **kwargs)

    return enrolled_only


class StaffAdminSite(OTPAdminSite):
    """Only staff verified by a second factor get in. The login form, which goes through the
    accounts app's throttle, is set by config/urls.py (core imports no feature app)."""

    login_template = "admin/staff_login.html"
    index_template = "admin/guichet_index.html"

    def admin_view(self, view, cacheable=False):
        return super().admin_view(
            second_factor_enrolment_required(bad_input_guard(view)), cacheable
        )

    def index(self, request, extra_context=None):
        """The home, with the operator's dashboard: figures computed by the function
        settings.GUICHET_ADMIN_DASHBOARD names (a higher app: core imports none)."""
        path = getattr(settings, "GUICHET_ADMIN_DASHBOARD", "")
        dashboard = import_string(path)(request) if path else []
        return super().index(request, {**(extra_context or {}), "dashboard": dashboard})

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        form = (getattr(response, "context_data", None) or {}).get("form")
        result = getattr(form, "result", None)
        if result is not None and getattr(result, "throttled", False):
            # Like the portal's login: a refused try says so to scripts too.
            response.status_code = 429
        return response


class ReadOnlyAdminMixin:
    """For records the portal writes and nobody edits: invoices, events, logs, e-mails."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
