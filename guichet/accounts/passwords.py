"""Password criteria after the CNIL 2022 recommendation for a password used alone (A4).

12+ characters of the four kinds, or 14+ of any kind; long passwords and pasting welcome;
refused when easy to guess (zxcvbn) or close to what identifies the customer.
"""

import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy, pgettext
from zxcvbn import zxcvbn

MAX_LENGTH = 256
# zxcvbn only looks at the beginning of very long inputs; its cost grows with length.
_ZXCVBN_MAX = 72

CRITERIA = [
    # id, text shown beside the field (ticked by the page's script while typing)
    (
        "length",
        gettext_lazy(
            "Au moins 12 caractères avec majuscule, minuscule, chiffre et caractère spécial, "
            "ou au moins 14 caractères de tout type (une phrase de passe convient)"
        ),
    ),
    (
        "guess",
        gettext_lazy("Difficile à deviner (pas un mot de passe courant ni une suite évidente)"),
    ),
    (
        "personal",
        gettext_lazy("Sans votre référence client, identifiant, nom, code postal ou ville"),
    ),
]


def _kinds(password: str) -> int:
    return sum(
        (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
    )


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text or "")
    return "".join(c for c in text if c.isalnum() and not unicodedata.combining(c)).lower()


def personal_words(user) -> list[str]:
    """What identifies the customer: reference, identifier, holders' names, postal codes, town."""
    words = [getattr(user, "username", ""), getattr(user, "identifier", "") or ""]
    customer = getattr(user, "customer", None)
    if customer is not None:
        words += [
            customer.reference,
            customer.contract_postal_code,
            customer.installation_postal_code,
            customer.installation_city,
        ]
        for holder in customer.holders.all():
            words += [holder.first_name, holder.last_name]
    return [w for w in words if w and len(_fold(w)) >= 3]


def password_problems(password: str, user=None) -> list[ValidationError]:
    problems = []
    length = len(password)
    if length > MAX_LENGTH:
        problems.append(
            ValidationError(
                gettext("Le mot de passe ne peut pas dépasser %(max)s caractères.")
                % {"max": MAX_LENGTH},
                code="too_long",
            )
        )
        return problems
    if not (length >= 14 or (length >= 12 and _kinds(password) == 4)):
        problems.append(
            ValidationError(
                gettext(
                    "Le mot de passe doit compter au moins 12 caractères mêlant majuscule, "
                    "minuscule, chiffre et caractère spécial, ou au moins 14 caractères."
                ),
                code="too_short",
            )
        )
    words = personal_words(user) if user is not None else []
    folded = _fold(password)
    for word in words:
        w = _fold(word)
        # The word itself, or the reference without its leading zeros, inside the password.
        if w in folded or (
            w.isdigit() and w.lstrip("0") and len(w.lstrip("0")) >= 4 and w.lstrip("0") in folded
        ):
            problems.append(
                ValidationError(
                    gettext(
                        "Le mot de passe ne doit contenir ni votre référence client, ni votre "
                        "identifiant, ni votre nom, ni votre code postal, ni votre ville."
                    ),
                    code="personal",
                )
            )
            break
    brand = settings.GUICHET_BRAND["name"]
    if _guesses_log10(password, [*words, brand, "espace client"]) < (
        settings.GUICHET_PASSWORD_MIN_GUESSES_LOG10
    ):
        problems.append(
            ValidationError(
                gettext(
                    "Ce mot de passe est trop facile à deviner : évitez les mots courants, les "
                    "suites (azerty, 1234) et les substitutions évidentes (@ pour a). Une phrase "
                    "de quelques mots sans rapport entre eux est plus sûre."
                ),
                code="guessable",
            )
        )
    return problems


def _guesses_log10(password: str, user_inputs: list[str]) -> float:
    if not password:
        return 0.0
    try:
        return zxcvbn(password[:_ZXCVBN_MAX], user_inputs=user_inputs)["guesses_log10"]
    except (IndexError, ValueError):
        # zxcvbn trips on a few inputs (some trailing line breaks): judge what remains of it.
        stripped = password.strip()
        if stripped == password:
            return 0.0
        return _guesses_log10(stripped, user_inputs)


class CnilPasswordValidator:
    """Django password validator enforcing the criteria above."""

    def validate(self, password, user=None):
        problems = password_problems(password, user)
        if problems:
            raise ValidationError(problems)

    def get_help_text(self):
        # French puts a space before « ; », English does not.
        separator = pgettext("between password criteria", " ; ")
        return separator.join(str(text) for _id, text in CRITERIA) + "."


def is_compliant(password: str, user=None) -> bool:
    return not password_problems(password, user)
