"""Forms of the payments pages: the amount of « Payer en ligne »."""

import re

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from guichet.core.formatting import format_cents

# Spaces a customer may type between thousands: plain, no-break and narrow no-break (what
# « 1 234,56 » copied from our own pages contains).
_SPACES = " \u00a0\u202f"
_CURRENCY = re.compile(r"^(?:€|eur|euros?)\s*|\s*(?:€|eur|euros?)$", re.IGNORECASE)
_AMOUNT = re.compile(
    rf"^(?P<units>\d{{1,3}}(?:[{_SPACES}]\d{{3}})+|\d+)(?:[.,](?P<decimals>\d*))?$",
    re.ASCII,
)
# Longer than any amount a customer could mean: no regular expression or int() on a page of
# digits.
MAX_LENGTH = 20


def amount_parse(text: str) -> int:
    """« 12,5 », « 12.50 », « 12,50 € », « 1 234,56 » → cents; ValidationError in French
    otherwise (zero, negative, more than two decimals, letters)."""
    value = (text or "").strip(_SPACES + "\t")
    if not value:
        raise ValidationError(gettext("Indiquez le montant à payer."), code="required")
    if len(value) > MAX_LENGTH:
        raise ValidationError(
            gettext("Ce montant est trop long : indiquez-le au format 0,00."), code="invalid"
        )
    value = _CURRENCY.sub("", value).strip(_SPACES)
    if value.startswith("-"):
        raise ValidationError(
            gettext("Le montant doit être positif : indiquez ce que vous souhaitez payer."),
            code="negative",
        )
    match = _AMOUNT.match(value.lstrip("+"))
    if match is None:
        raise ValidationError(
            gettext("Indiquez un montant en euros au format 0,00 (par exemple 62,90)."),
            code="invalid",
        )
    decimals = match["decimals"] or ""
    if len(decimals) > 2:
        raise ValidationError(
            gettext("Indiquez au plus deux chiffres après la virgule (les centimes)."),
            code="too_many_decimals",
        )
    units = int("".join(char for char in match["units"] if char.isdigit()))
    cents = units * 100 + int(decimals.ljust(2, "0"))
    if cents == 0:
        raise ValidationError(gettext("Le montant doit être supérieur à 0,00 €."), code="zero")
    return cents


def amount_input(cents: int) -> str:
    """How the field shows an amount: « 62,90 » in French, « 62.90 » in English, no symbol or
    grouping, so that it can be typed back as it is."""
    euros, rest = divmod(int(cents), 100)
    separator = "." if (translation.get_language() or "").startswith("en") else ","
    return f"{euros}{separator}{rest:02d}"


def amount_ceiling(*, due_cents: int) -> int:
    """The most one payment may be: what is due, or the operator's ceiling if more."""
    return max(due_cents, settings.PAYMENTS_MAX_AMOUNT_CENTS)


class PaymentAmountForm(forms.Form):
    amount = forms.CharField(
        label=gettext_lazy("Montant à payer (format : 0,00)"),
        # The browser's own limit would cut what was typed; amount_parse says why instead.
        max_length=None,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": gettext_lazy("Indiquez le montant à payer.")},
    )

    def __init__(self, *args, due_cents: int, **kwargs):
        self.due_cents = due_cents
        super().__init__(*args, **kwargs)

    def clean_amount(self) -> int:
        cents = amount_parse(self.cleaned_data["amount"])
        ceiling = amount_ceiling(due_cents=self.due_cents)
        if cents > ceiling:
            raise ValidationError(
                gettext(
                    "Ce montant dépasse %(ceiling)s, le plus qu'un paiement en ligne peut "
                    "régler : vérifiez la virgule."
                )
                % {"ceiling": format_cents(ceiling)},
                code="too_large",
            )
        return cents
