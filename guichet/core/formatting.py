"""The one place where money, dates and phone numbers are turned into French text."""

import phonenumbers
from django.core.exceptions import ValidationError

NBSP = "\u00a0"


def format_cents(cents: int) -> str:
    """12345 -> « 123,45 € », 123456 -> « 1 234,56 € » (non-breaking spaces)."""
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(int(cents)), 100)
    grouped = f"{euros:,}".replace(",", NBSP)
    return f"{sign}{grouped},{rest:02d}{NBSP}€"


def normalize_phone(raw: str, *, region: str = "FR") -> str:
    """Return the E.164 form of a French or international number, or raise ValidationError."""
    text = (raw or "").strip()
    if not text:
        return ""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise ValidationError(
            "Ce numéro de téléphone n'est pas reconnu.", code="invalid_phone"
        ) from None
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(
            "Ce numéro de téléphone n'existe pas : vérifiez le nombre de chiffres et l'indicatif.",
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str) -> str:
    """French numbers as « 03 89 00 00 00 », others in international format."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if number.country_code == 33:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def validate_phone(value: str) -> None:
    """Model validator: the stored value must already be a valid E.164 number."""
    if value and normalize_phone(value) != value:
        raise ValidationError("Le numéro doit être enregistré au format international (+33…).")
