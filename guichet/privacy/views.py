"""The personal data policy page (I1) and « Télécharger mes données » (I2)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from guichet.core.decorators import customer_required
from guichet.core.models import SitePage
from guichet.core.views import site_page

from .models import DataExport
from .retention import retention_periods
from .services.export import ArchiveUnavailable, data_export_content, data_export_request


def policy(request):
    return site_page(
        request,
        SitePage.Slug.PRIVACY,
        template_name="privacy/policy.html",
        extra_context={"retention_periods": retention_periods()},
    )


@customer_required
@require_http_methods(["GET", "POST"])
@never_cache
def export(request):
    if request.method == "POST":
        try:
            data_export_request(user=request.user, request=request)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(
                request,
                _(
                    "Votre demande est enregistrée : nous préparons votre archive et vous "
                    "prévenons par e-mail dès qu'elle est prête."
                ),
            )
        return redirect("privacy:export")
    exports = list(DataExport.objects.for_customer(request.customer).order_by("-created_at")[:5])
    return render(
        request,
        "privacy/export.html",
        {
            "exports": exports,
            "now": timezone.now(),
            "export_days": settings.PRIVACY_EXPORT_DAYS,
            "in_progress": any(
                e.status in (DataExport.Status.PENDING, DataExport.Status.BUILDING) for e in exports
            ),
            "breadcrumbs": [
                (_("Mon profil"), reverse("accounts:profile")),
                (_("Télécharger mes données"), None),
            ],
            "nav": "data",
        },
    )


@customer_required
@require_GET
@never_cache
def export_download(request, export_id: int):
    """The archive, to its owner only (anyone else's id is a 404), until it expires."""
    export = get_object_or_404(
        DataExport.objects.for_customer(request.customer).downloadable(), pk=export_id
    )
    try:
        content = data_export_content(export=export)
    except ArchiveUnavailable:
        raise Http404 from None
    response = HttpResponse(content, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, export.filename)
    response["Cache-Control"] = "no-store, private"
    return response
