"""Forms of account access: login, first access / reset, new password, identifier."""

from altcha_django import AltchaField, AltchaMixin
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import password_validation
from django.forms.utils import ErrorDict
from django.utils.translation import gettext, gettext_lazy

from .passwords import MAX_LENGTH
from .services import LOGIN_FAILED, staff_login_attempt

__all__ = ["LOGIN_FAILED", "LoginForm"]


class LoginForm(forms.Form):
    """Only what was typed: the login view checks it through the login service (throttle,
    password), whose answer goes back on the form."""

    login = forms.CharField(
        label=gettext_lazy("Référence client ou identifiant"),
        max_length=80,
        help_text=gettext_lazy(
            "Votre référence client figure sur votre contrat et vos factures : "
            "saisissez-la sans le V (par exemple 01776108)."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )
    password = forms.CharField(
        label=gettext_lazy("Mot de passe"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )


ALTCHA_FAILED = gettext_lazy("La vérification anti-robot a échoué : réessayez.")
ALTCHA_MESSAGES = {
    "required": gettext_lazy(
        "Merci de cocher la case « Je ne suis pas un robot » et d'attendre la "
        "fin de la vérification."
    ),
    "malformed": gettext_lazy(
        "La vérification anti-robot a échoué : rechargez la page et réessayez."
    ),
    "invalid_signature": ALTCHA_FAILED,
    "invalid_solution": ALTCHA_FAILED,
    "expired": gettext_lazy("La vérification anti-robot a expiré : cochez à nouveau la case."),
    "replayed": gettext_lazy(
        "Cette vérification anti-robot a déjà servi : cochez à nouveau la case."
    ),
    "unverified": ALTCHA_FAILED,
    "backend_error": gettext_lazy(
        "La vérification anti-robot est momentanément indisponible : réessayez."
    ),
}


class BoundedAltchaField(AltchaField):
    """The library parses the payload (base64 JSON) as it comes: a deeply nested JSON made its
    parser recurse until the request failed. A real payload is a few hundred characters, so a
    longer one is refused before it is decoded."""

    MAX_PAYLOAD_LENGTH = 2000

    def clean(self, value):
        if isinstance(value, str) and len(value) > self.MAX_PAYLOAD_LENGTH:
            raise forms.ValidationError(self.error_messages["malformed"], code="malformed")
        try:
            return super().clean(value)
        except RecursionError:
            # Below the length cap the nesting stays shallow; this is the second line of defence.
            raise forms.ValidationError(
                self.error_messages["malformed"], code="malformed"
            ) from None


class PasswordResetRequestForm(AltchaMixin, forms.Form):
    reference = forms.CharField(
        label=gettext_lazy("Référence client"),
        max_length=20,
        help_text=gettext_lazy(
            "Sans le V, telle qu'indiquée sur votre contrat ou votre facture "
            "(par exemple 01776108)."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username", "inputmode": "numeric"}),
    )
    postal_code = forms.CharField(
        label=gettext_lazy("Code postal de la ville de votre contrat"),
        max_length=10,
        widget=forms.TextInput(attrs={"autocomplete": "postal-code", "inputmode": "numeric"}),
    )
    captcha = BoundedAltchaField(
        label=gettext_lazy("Code de sécurité"), error_messages=ALTCHA_MESSAGES
    )

    def refuse(self, message: str) -> None:
        """Show ``message`` without validating: nothing the client sent gets parsed."""
        self.cleaned_data = {}
        self._errors = ErrorDict()
        self.add_error(None, message)


class NewPasswordForm(forms.Form):
    new_password1 = forms.CharField(
        label=gettext_lazy("Nouveau mot de passe"),
        strip=False,
        max_length=MAX_LENGTH,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "new-password", "data-password-criteria": "criteres"}
        ),
    )
    new_password2 = forms.CharField(
        label=gettext_lazy("Confirmez votre nouveau mot de passe"),
        strip=False,
        max_length=MAX_LENGTH,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, user, *args, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("new_password1"), cleaned.get("new_password2")
        if first:
            try:
                password_validation.validate_password(first, self.user)
            except forms.ValidationError as error:
                self.add_error("new_password1", error)
        if first and second and first != second:
            self.add_error(
                "new_password2",
                forms.ValidationError(
                    gettext("Les deux mots de passe ne sont pas identiques."),
                    code="password_mismatch",
                ),
            )
        return cleaned


class PasswordChangeForm(NewPasswordForm):
    old_password = forms.CharField(
        label=gettext_lazy("Veuillez saisir votre ancien mot de passe"),
        strip=False,
        max_length=4096,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    field_order = ["old_password", "new_password1", "new_password2"]

    # The old password is checked by the view through services.current_password_check, which
    # throttles the guesses like a login.


class IdentifierForm(forms.Form):
    identifier = forms.CharField(
        label=gettext_lazy("Nouvel identifiant personnalisé"),
        max_length=40,
        help_text=gettext_lazy(
            "De 4 à 40 caractères : lettres, chiffres et . - _ @ ; il ne doit pas "
            "ressembler à une référence client."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )


class StaffLoginForm(AdminAuthenticationForm):
    """The back office's login (J2): username, password and second factor in one step.

    Asked together and checked together, so that no answer tells a right password from a
    wrong one (django-otp's own form asks for the code only once the password is right).
    """

    otp_token = forms.CharField(
        label=gettext_lazy("Code de vérification"),
        max_length=64,
        help_text=gettext_lazy(
            "Le code à 6 chiffres de votre application d'authentification, "
            "ou un de vos codes de secours."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autocapitalize": "none", "spellcheck": "false"}
        ),
    )

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.result = None

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        token = self.cleaned_data.get("otp_token")
        if username and password and token:
            self.result = staff_login_attempt(
                request=self.request, username=username, password=password, token=token
            )
            if self.result.user is None:
                # A one-time code is not shown again, whether it was right or not.
                self.data = self.data.copy()
                self.data["otp_token"] = ""
                raise forms.ValidationError(self.result.error, code="invalid_login")
            self.user_cache = self.result.user
        return self.cleaned_data


class TotpConfirmForm(forms.Form):
    """Issue 11: the first code of the authenticator app confirms its enrolment."""

    token = forms.CharField(
        label=gettext_lazy("Code à 6 chiffres"),
        max_length=12,
        help_text=gettext_lazy("Le code affiché maintenant par votre application."),
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autocapitalize": "none",
                "spellcheck": "false",
            }
        ),
    )


class BackupCodesRenewForm(forms.Form):
    """« Nouveaux codes de secours » asks the password again (a session left open is not
    enough to replace them)."""

    password = forms.CharField(
        label=gettext_lazy("Mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
