"""« Résilier » (C6): terminate a service or the whole contract online, in three steps."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from guichet.core.decorators import customer_required

from .forms_termination import CONTRACT, TerminationDateForm, TerminationTargetForm
from .models import Subscription, TerminationRequest
from .termination import pending_termination_date, termination_request_submit

STEPS = ("quoi", "quand", "confirmer")
# Errors of the submit service that concern the date; any other concerns what to terminate.
DATE_ERRORS = {"past", "notice", "too_late"}


def _page(request, *, step: int, target_form, date_form=None):
    services = (
        Subscription.objects.for_customer(request.customer)
        .active()
        .select_related("product")
        .annotate(termination_date=pending_termination_date())
        .order_by("start_date", "id")
    )
    return render(
        request,
        "catalog/terminate.html",
        {
            "step": step,
            "target_form": target_form,
            "date_form": date_form,
            "services": services if step == 1 else (),
            "subscription": getattr(target_form, "subscription", None),
            "contract": CONTRACT,
            "breadcrumbs": [
                (gettext("Mes services"), reverse("catalog:services")),
                (gettext("Résilier"), None),
            ],
            "nav": "services",
        },
    )


@customer_required
@require_http_methods(["GET", "POST"])
def terminate(request):
    """Each step posts everything chosen so far and it is all checked again: a tampered
    hidden field gets the same French message as a wrong choice, never a 500."""
    customer = request.customer
    if request.method == "GET":
        initial = {}
        wanted = request.GET.get("service", "")
        if wanted:
            # From a service's « Résilier » link; someone else's service is a 404.
            if not (wanted.isascii() and wanted.isdigit()) or len(wanted) > 18:
                raise Http404(gettext("Service inconnu."))
            get_object_or_404(Subscription.objects.for_customer(customer), pk=int(wanted))
            initial["cible"] = wanted
        return _page(
            request, step=1, target_form=TerminationTargetForm(initial=initial, customer=customer)
        )

    step = request.POST.get("etape", "")
    target_form = TerminationTargetForm(request.POST, customer=customer)
    if step not in STEPS:
        target_form.is_valid()
        target_form.add_error(
            None, gettext("Cette étape de la résiliation n'existe pas : reprenez ici.")
        )
        return _page(request, step=1, target_form=target_form)
    if not target_form.is_valid():
        return _page(request, step=1, target_form=target_form)
    if step == "quoi":
        return _page(request, step=2, target_form=target_form, date_form=TerminationDateForm())
    date_form = TerminationDateForm(request.POST)
    if not date_form.is_valid():
        return _page(request, step=2, target_form=target_form, date_form=date_form)
    if step == "quand":
        return _page(request, step=3, target_form=target_form, date_form=date_form)
    try:
        termination = termination_request_submit(
            customer=customer,
            subscription=target_form.subscription,
            effective_date=date_form.cleaned_data["date_effet"],
        )
    except ValidationError as error:
        if error.code in DATE_ERRORS:
            date_form.add_error("date_effet", error)
            return _page(request, step=2, target_form=target_form, date_form=date_form)
        target_form.add_error(None, error)
        return _page(request, step=1, target_form=target_form)
    return redirect("catalog:termination_done", reference=termination.reference)


@customer_required
def termination_done(request, reference: str):
    termination = get_object_or_404(
        TerminationRequest.objects.for_customer(request.customer).select_related(
            "subscription__product"
        ),
        reference=reference,
    )
    return render(
        request,
        "catalog/termination_done.html",
        {
            "termination": termination,
            "breadcrumbs": [
                (gettext("Mes services"), reverse("catalog:services")),
                (gettext("Résiliation demandée"), None),
            ],
            "nav": "services",
        },
    )
