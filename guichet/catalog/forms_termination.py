"""Forms of « Résilier » (C6): what to terminate, and when."""

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext, gettext_lazy

from guichet.core.formatting import format_date

from .models import Subscription
from .termination import (
    termination_date_check,
    termination_earliest_date,
    termination_latest_date,
    termination_target_check,
)

CONTRACT = "contrat"


class TerminationTargetForm(forms.Form):
    """Step 1. `cible` is « contrat » or a subscription id; the radios are drawn by the
    template from the customer's services, so any other value is someone's tampering."""

    cible = forms.CharField(
        label=gettext_lazy("Que souhaitez-vous résilier ?"),
        max_length=20,
        error_messages={"required": gettext_lazy("Choisissez ce que vous souhaitez résilier.")},
    )

    def __init__(self, *args, customer, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        self.subscription = None

    def clean_cible(self) -> str:
        value = self.cleaned_data["cible"].strip()
        if value == CONTRACT:
            subscription = None
        elif value.isascii() and value.isdigit() and len(value) <= 18:
            # Another customer's service is a 404, as everywhere in the portal.
            subscription = get_object_or_404(
                Subscription.objects.for_customer(self.customer).select_related("product"),
                pk=int(value),
            )
        else:
            raise ValidationError(
                gettext("Choisissez un de vos services ou tout votre contrat dans la liste."),
                code="invalid",
            )
        termination_target_check(customer=self.customer, subscription=subscription)
        self.subscription = subscription
        return value


class TerminationDateForm(forms.Form):
    """Step 2: the earliest date the notice allows, or a later one."""

    date_effet = forms.DateField(
        label=gettext_lazy("Date d'effet de la résiliation"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": gettext_lazy("Indiquez la date d'effet de la résiliation."),
            "invalid": gettext_lazy("Indiquez une date valide, par exemple 31/12/2026."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        earliest = termination_earliest_date()
        latest = termination_latest_date()
        field = self.fields["date_effet"]
        field.initial = earliest
        field.widget.attrs.update({"min": earliest.isoformat(), "max": latest.isoformat()})
        field.help_text = gettext(
            "Au plus tôt le %(earliest)s ; vous pouvez choisir une date plus tardive, "
            "jusqu'au %(latest)s."
        ) % {"earliest": format_date(earliest), "latest": format_date(latest)}

    def clean_date_effet(self):
        value = self.cleaned_data["date_effet"]
        termination_date_check(effective_date=value)
        return value
