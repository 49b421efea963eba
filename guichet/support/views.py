"""« Contactez-nous » (H1, H3) and « Mes demandes » (H2)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from guichet.core.decorators import customer_required
from guichet.core.prepared import PreparedQuery

from .forms import ContactForm
from .geo import partner_points_nearest
from .models import ContactAnswer, ContactRequest, PartnerPoint
from .services import contact_request_submit

# PartnerPoint.objects.active(), built and compiled once per process (guichet/core/prepared.py).
_ACTIVE_POINTS = PreparedQuery(lambda: PartnerPoint.objects.active(), marked=False)


@customer_required
@require_http_methods(["GET", "POST"])
def contact(request):
    customer = request.customer
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact_request = contact_request_submit(
                customer=customer,
                request_type=form.cleaned_data["request_type"],
                message=form.cleaned_data["message"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if customer.contact_email:
                text = gettext(
                    "Votre demande %(reference)s est envoyée. Un accusé de réception vous "
                    "est adressé à %(email)s ; vous suivez la réponse dans « Mes demandes »."
                )
            else:
                text = gettext(
                    "Votre demande %(reference)s est envoyée ; vous suivez la réponse dans "
                    "« Mes demandes »."
                )
            messages.success(
                request,
                text % {"reference": contact_request.reference, "email": customer.contact_email},
            )
            return redirect("support:request", reference=contact_request.reference)
    points = partner_points_nearest(
        postal_code=customer.installation_postal_code, points=_ACTIVE_POINTS.objects()
    )
    return render(
        request,
        "support/contact.html",
        {
            "form": form,
            "partner_points": points,
            "breadcrumbs": [(gettext("Contactez-nous"), None)],
            "nav": "contact",
        },
    )


def _answers_prefetch():
    return Prefetch("answers", queryset=ContactAnswer.objects.order_by("created_at", "pk"))


@customer_required
def requests(request):
    contact_requests = (
        ContactRequest.objects.for_customer(request.customer)
        .select_related("request_type")
        .prefetch_related(_answers_prefetch())
    )
    return render(
        request,
        "support/requests.html",
        {
            "contact_requests": contact_requests,
            "breadcrumbs": [
                (gettext("Contactez-nous"), reverse("support:contact")),
                (gettext("Mes demandes"), None),
            ],
            "nav": "contact",
        },
    )


@customer_required
def request_detail(request, reference: str):
    contact_request = get_object_or_404(
        ContactRequest.objects.for_customer(request.customer)
        .select_related("request_type")
        .prefetch_related(_answers_prefetch()),
        reference=reference,
    )
    return render(
        request,
        "support/request_detail.html",
        {
            "contact_request": contact_request,
            "breadcrumbs": [
                (gettext("Contactez-nous"), reverse("support:contact")),
                (gettext("Mes demandes"), reverse("support:requests")),
                (contact_request.reference, None),
            ],
            "nav": "contact",
        },
    )
