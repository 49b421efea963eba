"""« Mon dossier » › « Mes données personnelles »: phones (D1), contact e-mail (D2), billing
address (D3). The forms check shapes; the services decide."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy

from guichet.core.formatting import normalize_phone


def _phone_field(label):
    return forms.CharField(
        label=label,
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class PhonesForm(forms.Form):
    phone_mobile = _phone_field(gettext_lazy("Mobile"))
    phone_home = _phone_field(gettext_lazy("Domicile"))
    phone_other = _phone_field(gettext_lazy("Autre/International"))

    def _clean_phone(self, name):
        # Checked here too so that every refused number gets its reason next to it.
        value = self.cleaned_data.get(name, "")
        try:
            normalize_phone(value)
        except ValidationError as error:
            raise ValidationError(error.messages) from None
        return value

    def clean_phone_mobile(self):
        return self._clean_phone("phone_mobile")

    def clean_phone_home(self):
        return self._clean_phone("phone_home")

    def clean_phone_other(self):
        return self._clean_phone("phone_other")


class EmailChangeForm(forms.Form):
    new_email = forms.EmailField(
        label=gettext_lazy("Nouvelle adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    new_email2 = forms.EmailField(
        label=gettext_lazy("Confirmez votre nouvelle adresse e-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    password = forms.CharField(
        label=gettext_lazy("Votre mot de passe"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, current_email: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.current_email = current_email

    def clean(self):
        data = super().clean()
        first, second = data.get("new_email"), data.get("new_email2")
        if first and second and first.lower() != second.lower():
            self.add_error(
                "new_email2", gettext_lazy("Les deux adresses e-mail saisies sont différentes.")
            )
        elif first and first.lower() == (self.current_email or "").lower():
            self.add_error("new_email", gettext_lazy("C'est déjà votre adresse e-mail de contact."))
        return data


class AddressForm(forms.Form):
    street = forms.CharField(
        label=gettext_lazy("Adresse"),
        max_length=200,
        widget=forms.TextInput(attrs={"autocomplete": "address-line1"}),
    )
    street2 = forms.CharField(
        label=gettext_lazy("Complément d'adresse"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "address-line2"}),
    )
    postal_code = forms.CharField(
        label=gettext_lazy("Code postal"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code"}),
    )
    city = forms.CharField(
        label=gettext_lazy("Ville"),
        max_length=100,
        widget=forms.TextInput(attrs={"autocomplete": "address-level2"}),
    )
    country = forms.CharField(
        label=gettext_lazy("Pays"),
        max_length=100,
        initial="France",
        widget=forms.TextInput(attrs={"autocomplete": "country-name"}),
    )
