"""What every import of the operator's files shares: reading the file, the CSV header, dates.

The invoice import (billing) and the customer import (catalog) read the same kinds of files:
UTF-8 with or without BOM, CSV with semicolons (as French spreadsheets write it) or commas,
dates as « AAAA-MM-JJ » or « JJ/MM/AAAA ». One reading, so both say the same things.
"""

import csv
import datetime
import getpass
import io
import itertools
import re
from pathlib import Path
from typing import TextIO

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ImportFileError(Exception):
    """The file as a whole cannot be read (format, encoding, missing columns)."""


def file_problem(path: Path) -> str | None:
    """Why the import commands cannot open ``path`` (missing, or unreadable by the user they
    run as: `guichet-manage` runs them as the services' user), else None."""
    try:
        if not path.is_file():
            return "fichier introuvable"
        path.open("rb").close()
    except PermissionError:
        return (
            f"lecture refusée à l'utilisateur {getpass.getuser()} : placez le fichier dans un "
            "dossier qu'il peut lire (pas sous /root), par exemple /tmp"
        )
    return None


def import_file_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(_("le fichier n'est pas encodé en UTF-8")) from None


def import_file_lines(path: Path) -> TextIO:
    """The file opened for reading line by line (a large file is never held whole); a byte
    that is not UTF-8 raises UnicodeDecodeError where it is read: callers that must refuse
    the whole file read it through once before writing anything (see catalog.imports)."""
    return path.open(encoding="utf-8-sig", newline="")


def csv_table(source: str | TextIO, *, required, known) -> tuple[csv.reader, list[str], list[str]]:
    """The reader positioned after the header, the header's column names, and a warning per
    unknown column; ImportFileError when the file is empty or a required column is missing.
    ``source`` is the file's text, or a stream of it opened with ``newline=""``."""
    stream = io.StringIO(source, newline="") if isinstance(source, str) else source
    first_line = stream.readline().removeprefix("\ufeff")
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    reader = csv.reader(itertools.chain([first_line], stream), delimiter=delimiter)
    try:
        header = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportFileError(_("le fichier est vide")) from None
    missing = [name for name in required if name not in header]
    if missing:
        raise ImportFileError(
            ngettext(
                "colonne manquante : %(columns)s",
                "colonnes manquantes : %(columns)s",
                len(missing),
            )
            % {"columns": ", ".join(missing)}
        )
    warnings = [
        _("colonne « %(name)s » inconnue, ignorée") % {"name": name}
        for name in header
        if name not in known
    ]
    return reader, header, warnings


def parse_import_date(text: str) -> datetime.date:
    """« 2026-11-05 » or « 05/11/2026 »; ValueError with a French message otherwise."""
    match = FRENCH_DATE.match(text)
    try:
        if match:
            return datetime.date(int(match[3]), int(match[2]), int(match[1]))
        if ISO_DATE.match(text):
            return datetime.date.fromisoformat(text)
    except ValueError:
        pass
    raise ValueError(_("date « %(text)s » invalide (AAAA-MM-JJ ou JJ/MM/AAAA)") % {"text": text})
