"""Login form: client reference (or later a personal identifier) and password."""

from django import forms
from django.contrib.auth import authenticate

LOGIN_FAILED = "Référence client ou mot de passe incorrect."


class LoginForm(forms.Form):
    login = forms.CharField(
        label="Référence client",
        max_length=80,
        help_text="Indiquée sur votre contrat et vos factures, sans le V (par exemple 01776108).",
        widget=forms.TextInput(
            attrs={
                "autocomplete": "username",
                "autocapitalize": "none",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )
    password = forms.CharField(
        label="Mot de passe",
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, request=None, *args, **kwargs):
        self.request = request
        self.user = None
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        login, password = cleaned.get("login"), cleaned.get("password")
        if login and password:
            user = authenticate(self.request, login=login, password=password)
            # Only subscribers use this page; staff go through the back office.
            if user is None or user.customer_id is None:
                raise forms.ValidationError(LOGIN_FAILED, code="invalid_login")
            self.user = user
        return cleaned
