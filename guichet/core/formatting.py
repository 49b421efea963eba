"""The one place where money, dates and phone numbers become text, in the active language."""

import datetime

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import dateformat, formats, timezone, translation
from django.utils.translation import gettext as _

NBSP = "\u00a0"

# How each language writes an amount in euros. French must stay exactly « 1 234,56 € »
# (non-breaking spaces, as invoices and tests have always shown it); a language not listed
# takes Django's separators for its locale and puts the symbol after the amount, as most
# languages of the euro area do (German: « 1.234,56 € »).
MONEY_STYLES = {
    "fr": {"group": NBSP, "decimal": ",", "pattern": "{sign}{amount}" + NBSP + "€"},
    "en": {"group": ",", "decimal": ".", "pattern": "{sign}€{amount}"},
}
DEFAULT_MONEY_PATTERN = "{sign}{amount}" + NBSP + "€"

# Short dates: French « 05/03/2026 » as before; English « 5 Mar 2026 », which reads the same
# on both sides of the Atlantic (« 05/03/2026 » does not). Other languages: Django's format.
DATE_FORMATS = {"fr": "d/m/Y", "en": "j M Y"}
DATETIME_FORMATS = {"fr": "d/m/Y H:i", "en": "j M Y, H:i"}
# Short dates already written, by (language, date); emptied when full.
_DATE_CACHE: dict[tuple[str, datetime.date], str] = {}
_DATE_CACHE_SIZE = 4_000


def _language(language: str | None) -> str:
    """The base language (« en » for « en-gb »), the active one unless one is given."""
    code = language or translation.get_language() or settings.LANGUAGE_CODE
    return code.split("-")[0].lower()


def format_cents(cents: int, *, language: str | None = None) -> str:
    """123456 -> « 1 234,56 € » in French, « €1,234.56 » in English (no-break spaces)."""
    code = _language(language)
    style = MONEY_STYLES.get(code) or {
        "group": formats.get_format("THOUSAND_SEPARATOR", code),
        "decimal": formats.get_format("DECIMAL_SEPARATOR", code),
        "pattern": DEFAULT_MONEY_PATTERN,
    }
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    grouped = f"{euros:,}".replace(",", style["group"])
    amount = f"{grouped}{style['decimal']}{rest:02d}"
    return style["pattern"].format(sign=sign, amount=amount)


def format_date(value: datetime.date | None, *, language: str | None = None) -> str:
    """A date as a customer reads it: « 05/03/2026 » in French, « 5 Mar 2026 » in English."""
    if not value:
        return ""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    code = _language(language)
    # A plain date in a language whose pattern is fixed here reads the same all day long:
    # written once, not under translation.override() each time (a dozen a page).
    key = (code, value) if type(value) is datetime.date and code in DATE_FORMATS else None
    if key is not None and (text := _DATE_CACHE.get(key)) is not None:
        return text
    with translation.override(code):
        pattern = DATE_FORMATS.get(code) or formats.get_format("SHORT_DATE_FORMAT", code)
        text = dateformat.format(value, pattern)
    if key is not None:
        if len(_DATE_CACHE) >= _DATE_CACHE_SIZE:
            _DATE_CACHE.clear()
        _DATE_CACHE[key] = text
    return text


def format_datetime(value: datetime.datetime | None, *, language: str | None = None) -> str:
    """A moment in local time: « 05/03/2026 14:30 » in French, « 5 Mar 2026, 14:30 » in English."""
    if not value:
        return ""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    code = _language(language)
    with translation.override(code):
        pattern = DATETIME_FORMATS.get(code) or formats.get_format("SHORT_DATETIME_FORMAT", code)
        return dateformat.format(value, pattern)


# Numbers already normalized, by (text, region): phonenumbers costs about 0.1 ms a number and
# an import checks each number twice (read from the file, then the model's validate_phone on
# the result, a few calls later). Kept small (emptied when full): it only has to bridge those.
_E164_CACHE: dict[tuple[str, str], str] = {}
_E164_CACHE_SIZE = 1_000
# Numbers already written for display, by (E.164, French or not); same size.
_DISPLAY_CACHE: dict[tuple[str, bool], str] = {}


def normalize_phone(raw: str, *, region: str = "FR") -> str:
    """Return the E.164 form of a French or international number, or raise ValidationError."""
    text = (raw or "").strip()
    if not text:
        return ""
    cached = _E164_CACHE.get((text, region))
    if cached is not None:
        return cached
    e164 = _normalize_phone(text, region)
    if len(_E164_CACHE) >= _E164_CACHE_SIZE:
        _E164_CACHE.clear()
    _E164_CACHE[(text, region)] = e164
    # An E.164 number is its own normal form, whatever the region: validate_phone's check of
    # what was just normalized costs nothing.
    _E164_CACHE[(e164, region)] = e164
    return e164


def _normalize_phone(text: str, region: str) -> str:
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            _("Ce numéro de téléphone n'est pas reconnu."), code="invalid_phone"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _(
                "Ce numéro de téléphone n'existe pas : vérifiez le nombre de chiffres et "
                "l'indicatif."
            ),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str, *, language: str | None = None) -> str:
    """In French, French numbers as « 03 89 00 00 00 »; everything else in international format.

    A French reader dials a French number the national way. A reader in another language may
    well be calling from abroad, where only « +33 3 89 00 00 00 » works, so they get that.
    """
    if not e164:
        return ""
    french = _language(language) == "fr"
    # As normalize_phone's cache: a number reads the same each time (0.1 ms a number).
    if (text := _DISPLAY_CACHE.get((e164, french))) is not None:
        return text
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33 and french:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    else:
        text = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if len(_DISPLAY_CACHE) >= _E164_CACHE_SIZE:
        _DISPLAY_CACHE.clear()
    _DISPLAY_CACHE[(e164, french)] = text
    return text


def validate_phone(value: str) -> None:
    """Model validator: the stored value must already be a valid E.164 number."""
    if value and normalize_phone(value) != value:
        raise ValidationError(_("Le numéro doit être enregistré au format international (+33…)."))
