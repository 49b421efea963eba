"""Forms of « Mode de paiement »: the SEPA mandate, its revocation, invoice notifications.

They read what was typed; the bank details are checked by the mandates service's
`bank_details_check` (the same check the services run again), the password by accounts.
"""

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from .iban import MAX_IBAN_INPUT
from .services.mandates import ACCOUNT_HOLDER_MAX, BankDetails, bank_details_check

PASSWORD_REQUIRED = gettext_lazy("Saisissez votre mot de passe pour confirmer.")


def debit_day_label(day: int) -> str:
    return gettext("le %(day)s du mois") % {"day": day}


class PasswordConfirmField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            label=gettext_lazy("Votre mot de passe de l'Espace Client"),
            help_text=gettext_lazy("Pour confirmer qu'il s'agit bien de vous."),
            strip=False,
            max_length=4096,
            error_messages={"required": PASSWORD_REQUIRED},
            widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
            **kwargs,
        )


class MandateForm(forms.Form):
    iban = forms.CharField(
        label=gettext_lazy("IBAN"),
        help_text=gettext_lazy(
            "Il figure sur votre relevé d'identité bancaire (RIB), par exemple FR76 3000 6000 "
            "0112 3456 7890 189 ; les espaces sont acceptés."
        ),
        max_length=MAX_IBAN_INPUT,
        error_messages={"required": gettext_lazy("Saisissez l'IBAN du compte à débiter.")},
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    bic = forms.CharField(
        label=gettext_lazy("BIC (code SWIFT)"),
        help_text=gettext_lazy(
            "Facultatif pour un compte de l'Espace économique européen : s'il est vide, il est "
            "déduit de l'IBAN quand la banque est connue."
        ),
        required=False,
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    account_holder = forms.CharField(
        label=gettext_lazy("Titulaire du compte"),
        max_length=ACCOUNT_HOLDER_MAX,
        error_messages={
            "required": gettext_lazy(
                "Indiquez le nom du titulaire du compte, tel qu'il figure sur votre RIB."
            )
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    debit_day = forms.TypedChoiceField(
        label=gettext_lazy("Choix de la date de prélèvement"),
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": gettext_lazy("Choisissez une des dates de prélèvement proposées."),
            "invalid_choice": gettext_lazy("Choisissez une des dates de prélèvement proposées."),
        },
    )
    accept_mandate = forms.BooleanField(
        label=gettext_lazy("J'ai lu et j'accepte le mandat"),
        error_messages={
            "required": gettext_lazy(
                "Cochez « J'ai lu et j'accepte le mandat » pour signer le mandat de prélèvement."
            )
        },
    )
    password = PasswordConfirmField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        days = settings.PAYMENTS_DEBIT_DAYS
        self.fields["debit_day"].choices = [(day, debit_day_label(day)) for day in days]
        if len(days) == 1 and not self.is_bound:
            self.initial.setdefault("debit_day", days[0])
        self.details: BankDetails | None = None

    def clean(self):
        data = super().clean()
        # Each field's own message first (required, too long); the bank check then says what
        # is wrong with the rest.
        if any(name in self.errors for name in ("iban", "bic", "account_holder", "debit_day")):
            return data
        try:
            self.details = bank_details_check(
                iban=data["iban"],
                bic=data.get("bic", ""),
                account_holder=data["account_holder"],
                debit_day=data["debit_day"],
            )
        except ValidationError as error:
            for field, errors in error.error_dict.items():
                for item in errors:
                    self.add_error(field, item)
        return data


class RevokeForm(forms.Form):
    password = PasswordConfirmField()


class InvoiceNotificationForm(forms.Form):
    opt_in = forms.BooleanField(
        label=gettext_lazy("Je souhaite être prévenu par e-mail quand une facture est disponible"),
        required=False,
    )
    invoice_email = forms.EmailField(
        label=gettext_lazy("Adresse e-mail de notification"),
        required=False,
        max_length=254,
        error_messages={
            "invalid": gettext_lazy(
                "Cette adresse e-mail n'est pas valable : elle s'écrit nom@domaine.fr."
            )
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
