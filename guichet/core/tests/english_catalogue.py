"""The project's English catalogue, for tests of pages, e-mails and PDFs in English.

The catalogue is locale/en/LC_MESSAGES/django.po, compiled to django.mo (`make messages`);
settings.LANGUAGES offers English because it is there. `french_entries()` gives its French
source strings with their English, so a test can say that an English page holds none of
them: a string left unmarked, or marked and not translated, shows up as French.
"""

import gettext
import pathlib

LOCALE = pathlib.Path(__file__).resolve().parents[3] / "locale"


def catalogue_entries(domain: str = "django") -> dict:
    """msgid -> English; plural entries as (msgid, n) keys, contexts as « ctx\\x04msgid »."""
    with (LOCALE / "en" / "LC_MESSAGES" / f"{domain}.mo").open("rb") as mo:
        catalog = dict(gettext.GNUTranslations(mo)._catalog)
    catalog.pop("", None)
    return catalog


def french_entries(domain: str = "django", *, min_length: int = 4) -> dict:
    """The French sentences an English page must not show: the catalogue's msgids that differ
    from their English, without placeholders (they are shown filled) or context markers."""
    entries = {}
    for key, english in catalogue_entries(domain).items():
        msgid = key[0] if isinstance(key, tuple) else key
        if "\x04" in msgid or "%(" in msgid or "%s" in msgid or len(msgid) < min_length:
            continue
        if msgid != english:
            entries[msgid] = english
    return entries


def install_english(settings) -> None:
    """English is offered, as settings.py does when locale/en holds a catalogue."""
    offer_english(settings)


def offer_english(settings) -> None:
    if "en" not in dict(settings.LANGUAGES):
        settings.LANGUAGES = [*settings.LANGUAGES, ("en", "English")]


def french_left(text: str, *, domain: str = "django") -> list[str]:
    """The catalogue's French sentences found, as whole words, in `text`.

    The operator's own names and texts (settings: the brand, the seller on invoices) are data,
    shown as the operator wrote them in every language: they are taken out first.
    """
    import re

    from django.conf import settings

    # Addresses are not words to read (« /mes-factures/ » stays as it is in every language).
    text = re.sub(r"(?:https?://|/)\S*", " ", text)
    for value in (
        *settings.GUICHET_BRAND.values(),
        *(value for value in settings.BILLING_OPERATOR.values() if isinstance(value, str)),
        *settings.BILLING_OPERATOR["address_lines"],
    ):
        if isinstance(value, str) and value:
            text = text.replace(value, " ")
    return [
        msgid
        for msgid in french_entries(domain)
        if re.search(rf"(?<!\w){re.escape(msgid)}(?!\w)", text)
    ]
