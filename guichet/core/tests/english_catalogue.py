"""A temporary English catalogue for tests, compiled from the pending translation files.

The project's catalogue is built from locale/en/pending/*.json in a later step; until then a
test that needs English text compiles the entries it relies on into a .mo of its own.
"""

import json
import pathlib
import struct

PENDING = pathlib.Path(__file__).resolve().parents[3] / "locale" / "en" / "pending"
HEADER = "Content-Type: text/plain; charset=UTF-8\nPlural-Forms: nplurals=2; plural=(n != 1);\n"


def pending_entries(*names: str) -> dict:
    """The entries of locale/en/pending/<name>.json, merged."""
    entries = {}
    for name in names:
        entries.update(json.loads((PENDING / f"{name}.json").read_text(encoding="utf-8")))
    return entries


def write_mo(entries: dict, path: pathlib.Path) -> None:
    """GNU .mo: plural keys are « one\\0other » with a list of forms, contexts « ctx\\x04id »."""
    messages = {"": HEADER}
    for msgid, msgstr in entries.items():
        messages[msgid] = "\0".join(msgstr) if isinstance(msgstr, list) else msgstr
    keys = sorted(messages, key=lambda key: key.encode())
    ids = [key.encode() for key in keys]
    strs = [messages[key].encode() for key in keys]
    count = len(keys)
    ids_start = 7 * 4 + 16 * count
    offsets, blob = [], b""
    for data in ids + strs:
        offsets.append((len(data), ids_start + len(blob)))
        blob += data + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, 7 * 4, 7 * 4 + 8 * count, 0, ids_start)
    tables = b"".join(struct.pack("<2I", *pair) for pair in offsets)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(header + tables + blob)


def install_english(settings, tmp_path, entries: dict) -> None:
    """Point LOCALE_PATHS at a catalogue holding `entries` (Django reloads its catalogues),
    and offer English as settings.py does when locale/en holds a catalogue."""
    locale = tmp_path / "test-locale"
    write_mo(entries, locale / "en" / "LC_MESSAGES" / "django.mo")
    settings.LOCALE_PATHS = [locale]
    offer_english(settings)


def offer_english(settings) -> None:
    if "en" not in dict(settings.LANGUAGES):
        settings.LANGUAGES = [*settings.LANGUAGES, ("en", "English")]
