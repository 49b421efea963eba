"""Bank details (F1, F2, F5): IBAN and BIC checked through schwifty, the SEPA creditor
identifier (ICS) checked here, and IBANs encrypted at rest with the key from the environment.

An IBAN is written to the database only through `iban_encrypt`, and read back only through
`iban_decrypt`; what the portal, the admin and e-mails show is `iban_mask` (its last four
characters). The keys come from PAYMENTS_IBAN_KEY (settings.PAYMENTS_IBAN_KEYS, newest first):
MultiFernet encrypts with the first and decrypts with any, so a new key can be put in front
and the old ones dropped once `manage.py iban_keys_rotate` has re-encrypted every row.
"""

import re
from dataclasses import dataclass
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.translation import gettext_lazy
from schwifty import BIC, IBAN
from schwifty import exceptions as schwifty_errors

# What a customer may type around the characters: spaces (paper groups of four), hyphens and
# dots (some banks print them), non-breaking spaces pasted from a PDF.
_SEPARATORS = re.compile(r"[\s.\-\u00a0\u202f]+")
_ASCII_ALNUM = re.compile(r"^[A-Z0-9]*$")
# The form's limit on what is typed: a 34-character IBAN with its spaces, and some slack.
MAX_IBAN_INPUT = 60

# The European Economic Area: a debit from an account there needs no BIC since 2016
# (Regulation (EU) 260/2012, art. 5(7)); the other SEPA countries (Switzerland, the United
# Kingdom, Monaco, San Marino, Andorra, the Vatican…) still need it in the debit file.
# fmt: off
EEA_COUNTRIES = frozenset({
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK", "IS", "LI", "NO",
})
# fmt: on

IBAN_MESSAGES = {
    "required": gettext_lazy("Saisissez l'IBAN du compte à débiter."),
    "characters": gettext_lazy(
        "Un IBAN ne contient que des lettres sans accent et des chiffres (les espaces sont "
        "acceptés) : vérifiez ce que vous avez saisi."
    ),
    "too_long": gettext_lazy(
        "Un IBAN compte au plus 34 caractères : vérifiez ce que vous avez saisi."
    ),
    "country": gettext_lazy(
        "Un IBAN commence par le code de son pays (par exemple FR76 pour la France) : "
        "ce code pays n'existe pas."
    ),
    "length": gettext_lazy(
        "Cet IBAN n'a pas le nombre de caractères prévu pour son pays : vérifiez qu'il ne "
        "manque ni ne dépasse aucun caractère."
    ),
    "structure": gettext_lazy(
        "Cet IBAN n'a pas la forme prévue pour son pays (lettres et chiffres aux bonnes "
        "places) : vérifiez ce que vous avez saisi."
    ),
    "checksum": gettext_lazy(
        "Cet IBAN n'est pas valable (sa clé de contrôle ne correspond pas) : vérifiez chaque "
        "caractère."
    ),
    "not_sepa": gettext_lazy(
        "Ce compte n'est pas dans la zone SEPA : le prélèvement n'est possible que sur un "
        "compte d'un pays de la zone SEPA."
    ),
}
BIC_MESSAGES = {
    "invalid": gettext_lazy(
        "Ce BIC n'est pas valable : il compte 8 ou 11 lettres et chiffres (par exemple "
        "AGRIFRPP ou AGRIFRPPXXX)."
    ),
    "required": gettext_lazy(
        "Indiquez le BIC de votre banque : il figure sur votre relevé d'identité bancaire "
        "(nécessaire pour un compte hors de l'Espace économique européen)."
    ),
}


def compact(raw: str) -> str:
    """What was typed, without separators and in capitals: « fr76 3000 6000… » -> « FR763000… »."""
    return _SEPARATORS.sub("", raw or "").upper()


@dataclass(frozen=True)
class CheckedIban:
    iban: str  # compact, upper case
    country: str
    bic: str  # the bank's BIC where schwifty knows it, else ""

    @property
    def needs_bic(self) -> bool:
        return self.country not in EEA_COUNTRIES


def iban_check(raw: str) -> CheckedIban:
    """Normalise and validate an IBAN of a SEPA country; ValidationError in French otherwise.

    Checked in the order a person fixes a typo: characters, country, length, format, then
    the ISO 13616 check digits (schwifty's registry gives each country's length and format).
    """
    text = (raw or "").strip()
    if not text:
        raise ValidationError(IBAN_MESSAGES["required"], code="required")
    value = compact(text)
    # schwifty would read other scripts' digits (« ١ ») as digits; a bank never prints them.
    if not _ASCII_ALNUM.match(value):
        raise ValidationError(IBAN_MESSAGES["characters"], code="characters")
    if len(value) > 34:
        raise ValidationError(IBAN_MESSAGES["too_long"], code="too_long")
    if len(value) < 5:
        raise ValidationError(IBAN_MESSAGES["length"], code="length")
    try:
        iban = IBAN(value)
    except schwifty_errors.InvalidCountryCode:
        raise ValidationError(IBAN_MESSAGES["country"], code="country") from None
    except schwifty_errors.InvalidLength:
        raise ValidationError(IBAN_MESSAGES["length"], code="length") from None
    except schwifty_errors.InvalidChecksumDigits:
        raise ValidationError(IBAN_MESSAGES["checksum"], code="checksum") from None
    except (schwifty_errors.InvalidBBANChecksum, schwifty_errors.NationalChecksumNotVerified):
        # The national key inside the account number (the French « clé RIB »).
        raise ValidationError(IBAN_MESSAGES["checksum"], code="checksum") from None
    except ValueError:
        # InvalidStructure, InvalidBankCode… and whatever a later schwifty adds.
        raise ValidationError(IBAN_MESSAGES["structure"], code="structure") from None
    if not iban.in_sepa_zone:
        raise ValidationError(IBAN_MESSAGES["not_sepa"], code="not_sepa")
    bic = ""
    try:
        bic = str(iban.bic.compact) if iban.bic else ""
    except ValueError:
        # A registry entry with a malformed BIC: the customer can still type it.
        bic = ""
    return CheckedIban(iban=str(iban.compact), country=iban.country_code, bic=bic)


def bic_check(raw: str) -> str:
    """A BIC (8 or 11 characters, a known country), compact and upper case; '' if empty."""
    value = compact(raw)
    if not value:
        return ""
    if not _ASCII_ALNUM.match(value) or len(value) not in (8, 11):
        raise ValidationError(BIC_MESSAGES["invalid"], code="invalid_bic")
    try:
        return str(BIC(value).compact)
    except ValueError:
        raise ValidationError(BIC_MESSAGES["invalid"], code="invalid_bic") from None


def iban_format(iban: str) -> str:
    """Groups of four, as on a bank statement."""
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def iban_mask(iban: str) -> str:
    """« FR76 •••• •••• 0189 »: the country and check digits, which identify nothing, and the
    last four characters; the rest of the account number is never shown."""
    if len(iban) < 8:
        return "•••• " + iban[-4:]
    return f"{iban[:4]} •••• •••• {iban[-4:]}"


# --- SEPA creditor identifier (ICS) -------------------------------------------------------

_CREDITOR_ID = re.compile(r"^([A-Z]{2})(\d{2})([A-Z0-9]{3})([A-Z0-9]{1,28})$")
# Countries whose national identifier has a fixed length (France: 6, by the Banque de France).
_CREDITOR_NATIONAL_LENGTH = {"FR": 6, "DE": 11, "BE": 10, "IT": 16, "ES": 9, "NL": 12}


def _mod97(text: str) -> int:
    """Letters as 10..35, digits as themselves, the number modulo 97 (ISO 7064, as IBANs)."""
    return int("".join(str(int(char, 36)) for char in text)) % 97


def creditor_id_problem(value: str) -> str:
    """'' if `value` is a well-formed SEPA creditor identifier, else why not (English, for the
    start-up error naming PAYMENTS_CREDITOR_ID).

    Layout: country (2 letters), check digits (2), business code (3 characters, « ZZZ » by
    default, left out of the check), national identifier. The check digits are computed like
    an IBAN's over the national identifier followed by the country and « 00 ».
    """
    match = _CREDITOR_ID.match(value)
    if not match or len(value) > 35:
        return "expected a SEPA creditor identifier such as FR72ZZZ123456"
    country, digits, _business, national = match.groups()
    expected_length = _CREDITOR_NATIONAL_LENGTH.get(country)
    if expected_length and len(national) != expected_length:
        return (
            f"a {country} creditor identifier has {expected_length} characters after the "
            "business code"
        )
    if 98 - _mod97(national + country + "00") != int(digits):
        return "its check digits are wrong"
    return ""


def creditor_id_national(value: str) -> str:
    """The national identifier alone (« 123456 » of « FR72ZZZ123456 »), which names the
    creditor whatever business code it uses."""
    return value[7:]


# --- Encryption at rest ---------------------------------------------------------------------


class IbanKeyError(ImproperlyConfigured):
    """A stored IBAN cannot be read with the configured keys (key lost, replaced too early)."""


def fernet_keys_parse(raw: str) -> list[bytes]:
    """PAYMENTS_IBAN_KEY: one or more Fernet keys, newest first, separated by commas or new
    lines. Raises ValueError naming the position of a key that is not a Fernet key."""
    keys = [item for item in re.split(r"[\s,]+", raw or "") if item]
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode("ascii"))
        except (ValueError, UnicodeEncodeError):
            raise ValueError(
                f"key #{position} is not a Fernet key (32 url-safe base64-encoded bytes, "
                "as Fernet.generate_key() prints)"
            ) from None
    return [key.encode("ascii") for key in keys]


@cache
def _cipher(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def _current_cipher() -> MultiFernet:
    keys = tuple(settings.PAYMENTS_IBAN_KEYS)
    if not keys:
        raise ImproperlyConfigured("PAYMENTS_IBAN_KEY is not set: IBANs cannot be encrypted.")
    return _cipher(keys)


def iban_encrypt(iban: str) -> str:
    return _current_cipher().encrypt(iban.encode("ascii")).decode("ascii")


def iban_decrypt(token: str) -> str:
    try:
        return _current_cipher().decrypt(token.encode("ascii")).decode("ascii")
    except (InvalidToken, UnicodeError):
        raise IbanKeyError(
            "A stored IBAN cannot be decrypted with the keys of PAYMENTS_IBAN_KEY: the key it "
            "was encrypted with is missing (keep old keys after the new one until "
            "`manage.py iban_keys_rotate` has run)."
        ) from None


def iban_reencrypt(token: str) -> str:
    """The same IBAN under the newest key (MultiFernet.rotate), for key rotation."""
    try:
        return _current_cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken:
        raise IbanKeyError(
            "A stored IBAN cannot be decrypted with the keys of PAYMENTS_IBAN_KEY."
        ) from None
