"""« Mes services »: every part of the customer's offer, or one part of it."""

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext

from guichet.core.decorators import customer_required

from .offer import SECTIONS_BY_SLUG, current_offer, ended_subscriptions


@customer_required
def services(request, section: str | None = None):
    selected = None
    if section is not None:
        selected = SECTIONS_BY_SLUG.get(section)
        if selected is None:
            raise Http404(gettext("Rubrique inconnue."))
    offer = current_offer(request.customer)
    sections = [pair for pair in offer.sections() if selected is None or pair[0] == selected]
    ended = []
    if selected is None:
        ended = ended_subscriptions(request.customer)
    breadcrumbs = [(gettext("Mes services"), reverse("catalog:services") if selected else None)]
    if selected:
        breadcrumbs.append((selected.title, None))
    return render(
        request,
        "catalog/services.html",
        {
            "offer": offer,
            "sections": sections,
            "selected": selected,
            "ended": ended,
            "breadcrumbs": breadcrumbs,
            "nav": "services",
        },
    )
