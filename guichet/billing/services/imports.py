"""Invoices from the operator's own billing system (J3): CSV, JSON or JSON Lines files.

The format is described in docs/invoice-import.md. Each invoice is stored whole or not at
all: a bad line is reported with its line number and reason, and nothing of its invoice is
written; the other invoices of the file are imported.

This module only turns the file's text into typed values (dates in two formats, rates with a
comma, whole cents); what the values must be to make an invoice is checked by InvoiceDraft,
the one validation the billing run goes through too.
"""

import datetime
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.core.imports import ImportFileError, csv_table, import_file_text, parse_import_date
from guichet.customers.models import Customer

from ..models import Invoice, LineGroup
from ..money import BP, div_round, split_vat
from ..periods import month_end, parse_period
from .issue import InvoiceDraft, LineDraft, invoice_issue

INVOICE_FIELDS = (
    "number",
    "customer_reference",
    "issue_date",
    "period",
    "due_date",
    "payment_method",
    "status",
    "paid_date",
)
LINE_FIELDS = (
    "group",
    "label",
    "period_start",
    "period_end",
    "quantity",
    "unit_price_excl_vat_cents",
    "vat_rate",
    "amount_excl_vat_cents",
    "vat_cents",
    "amount_incl_vat_cents",
)
REQUIRED_INVOICE_FIELDS = ("number", "customer_reference", "issue_date", "period", "due_date")
REQUIRED_LINE_FIELDS = ("label", "vat_rate", "amount_incl_vat_cents")
PAYMENT_METHODS = {
    "direct_debit": Invoice.PaymentMethod.DIRECT_DEBIT,
    "prelevement": Invoice.PaymentMethod.DIRECT_DEBIT,
    "on_receipt": Invoice.PaymentMethod.ON_RECEIPT,
    "": Invoice.PaymentMethod.ON_RECEIPT,
}
STATUSES = {"issued": Invoice.Status.ISSUED, "": Invoice.Status.ISSUED, "paid": Invoice.Status.PAID}
CENTS = re.compile(r"^-?\d{1,15}$")
RATE = re.compile(r"^(\d{1,3})(?:[.,](\d{1,2}))?$")


@dataclass
class Problem:
    line: int
    number: str
    message: str

    def __str__(self) -> str:
        if self.number:
            return _("ligne %(line)s, facture %(number)s : %(message)s") % {
                "line": self.line,
                "number": self.number,
                "message": self.message,
            }
        return _("ligne %(line)s : %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class Record:
    """One invoice as read from the file, before validation."""

    line: int
    number: str
    header: dict
    lines: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ImportReport:
    imported: list[str] = field(default_factory=list)
    already_imported: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)


# -- Reading ---------------------------------------------------------------------------------


def read_records(path: Path) -> tuple[list[Record], list[str]]:
    """The invoices of a file, each with its lines and the line numbers they came from."""
    text = import_file_text(path)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(text)
    if suffix == ".json":
        return _read_json(text), []
    if suffix in (".jsonl", ".ndjson"):
        return _read_json_lines(text), []
    raise ImportFileError(
        _("extension « %(suffix)s » inconnue : .csv, .json ou .jsonl attendu") % {"suffix": suffix}
    )


def _read_csv(text: str) -> tuple[list[Record], list[str]]:
    reader, header, warnings = csv_table(
        text,
        required=REQUIRED_INVOICE_FIELDS + REQUIRED_LINE_FIELDS,
        known=INVOICE_FIELDS + LINE_FIELDS,
    )
    records: dict[str, Record] = {}
    orphans = []
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            orphans.append(
                Record(
                    line=line,
                    number="",
                    header={},
                    problems=[
                        Problem(
                            line,
                            "",
                            _("%(found)s colonnes au lieu de %(expected)s")
                            % {"found": len(row), "expected": len(header)},
                        )
                    ],
                )
            )
            continue
        values = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        number = values["number"]
        invoice_values = {name: values.get(name, "") for name in INVOICE_FIELDS}
        record = records.get(number)
        if record is None:
            record = records[number] = Record(line=line, number=number, header=invoice_values)
        elif invoice_values != record.header:
            differing = [
                name for name in INVOICE_FIELDS if invoice_values[name] != record.header[name]
            ]
            record.problems.append(
                Problem(
                    line,
                    number,
                    _("%(fields)s diffère de la ligne %(line)s de la même facture")
                    % {"fields": ", ".join(differing), "line": record.line},
                )
            )
        record.lines.append((line, {name: values.get(name, "") for name in LINE_FIELDS}))
    return list(records.values()) + orphans, warnings


def _read_json(text: str) -> list[Record]:
    """A JSON array of invoices; each is located by the line where its object starts."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if position >= len(text) or text[position] != "[":
        raise ImportFileError(_("un tableau JSON de factures est attendu ([ {…}, {…} ])"))
    position = _skip_space(text, position + 1)
    records = []
    while position < len(text) and text[position] != "]":
        line = text.count("\n", 0, position) + 1
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as exc:
            raise ImportFileError(
                _("JSON invalide ligne %(line)s : %(error)s")
                % {"line": exc.lineno, "error": exc.msg}
            ) from None
        records.append(record_from_object(value, line))
        position = _skip_space(text, position)
        if position < len(text) and text[position] == ",":
            position = _skip_space(text, position + 1)
    if position >= len(text):
        raise ImportFileError(_("JSON invalide : le tableau n'est pas fermé"))
    return records


def _read_json_lines(text: str) -> list[Record]:
    records = []
    for line, raw in enumerate(text.splitlines(), 1):
        if not raw.strip():
            continue
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as exc:
            records.append(
                Record(line=line, number="", header={}, problems=[Problem(line, "", exc.msg)])
            )
            continue
        records.append(record_from_object(value, line))
    return records


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def record_from_object(value, line: int) -> Record:
    """One invoice object of a JSON file (or of an API call's body), located at ``line``."""
    if not isinstance(value, dict):
        return Record(line, "", {}, problems=[Problem(line, "", _("une facture est un objet {…}"))])
    number = str(value.get("number", ""))
    record = Record(
        line=line, number=number, header={name: value.get(name) for name in INVOICE_FIELDS}
    )
    lines = value.get("lines")
    if not isinstance(lines, list) or not lines:
        record.problems.append(
            Problem(line, number, _("« lines » : une liste non vide est attendue"))
        )
        return record
    for index, item in enumerate(lines, 1):
        if not isinstance(item, dict):
            record.problems.append(
                Problem(line, number, _("détail n° %(index)s : objet attendu") % {"index": index})
            )
            continue
        record.lines.append(
            (line, {"_index": index, **{name: item.get(name) for name in LINE_FIELDS}})
        )
    unknown = sorted(set(value) - set(INVOICE_FIELDS) - {"lines"})
    if unknown:
        record.problems.append(
            Problem(
                line,
                number,
                ngettext("champ inconnu : %(fields)s", "champs inconnus : %(fields)s", len(unknown))
                % {"fields": ", ".join(unknown)},
            )
        )
    return record


# -- Parsing ---------------------------------------------------------------------------------


@dataclass
class ParsedInvoice:
    """An invoice's values, typed; `lines[i]` came from the file line `line_numbers[i]`."""

    record: Record
    customer_reference: str
    period: datetime.date
    issue_date: datetime.date
    due_date: datetime.date
    payment_method: str
    status: str
    paid_at: datetime.datetime | None
    lines: list[LineDraft]
    line_numbers: list[tuple[int, str]]

    def draft(self, customer: Customer) -> InvoiceDraft:
        return InvoiceDraft(
            customer=customer,
            period=self.period,
            issue_date=self.issue_date,
            payment_method=self.payment_method,
            due_date=self.due_date,
            lines=self.lines,
            source=Invoice.Source.IMPORT,
            number=self.record.number,
            status=self.status,
            paid_at=self.paid_at,
        )

    def problems(self, draft: InvoiceDraft) -> list[Problem]:
        """The draft's problems, each at the file line it came from."""
        found = []
        for position, message in draft.problems():
            if position is None:
                found.append(Problem(self.record.line, self.record.number, message))
            else:
                line, prefix = self.line_numbers[position - 1]
                found.append(Problem(line, self.record.number, prefix + message))
        return found


def parse(record: Record) -> tuple[ParsedInvoice | None, list[Problem]]:
    """The typed values of one invoice, or every value that cannot be read, with its line."""
    problems = list(record.problems)
    number, header = record.number, record.header

    def fail(line: int, message: str) -> None:
        problems.append(Problem(line, number, message))

    for name in REQUIRED_INVOICE_FIELDS:
        if _text(header.get(name)) == "":
            fail(record.line, _("« %(field)s » est obligatoire") % {"field": name})
    if problems:
        return None, problems
    period = _parse(fail, record.line, "period", header["period"], parse_period)
    issue_date = _parse(fail, record.line, "issue_date", header["issue_date"], parse_import_date)
    due_date = _parse(fail, record.line, "due_date", header["due_date"], parse_import_date)
    payment_method = PAYMENT_METHODS.get(_text(header.get("payment_method")).lower())
    if payment_method is None:
        fail(record.line, _("payment_method : « direct_debit » ou « on_receipt » attendu"))
    status = STATUSES.get(_text(header.get("status")).lower())
    if status is None:
        fail(record.line, _("status : « issued » ou « paid » attendu"))
    paid_at = None
    if _text(header.get("paid_date")):
        paid_date = _parse(
            fail, record.line, "paid_date", header.get("paid_date"), parse_import_date
        )
        if paid_date:
            paid_at = timezone.make_aware(datetime.datetime.combine(paid_date, datetime.time(12)))
    # The history of another system, not invoices of tomorrow.
    if issue_date and issue_date > timezone.localdate():
        fail(record.line, _("issue_date est dans le futur"))

    drafts, line_numbers = [], []
    for line, values in record.lines:
        prefix = (
            _("détail n° %(index)s : ") % {"index": values["_index"]} if "_index" in values else ""
        )
        draft, line_problems = _parse_line(values, period)
        for message in line_problems:
            fail(line, prefix + message)
        if draft:
            drafts.append(draft)
            line_numbers.append((line, prefix))
    if problems:
        return None, problems
    return (
        ParsedInvoice(
            record=record,
            customer_reference=_text(header["customer_reference"]),
            period=period,
            issue_date=issue_date,
            due_date=due_date,
            payment_method=payment_method,
            status=status,
            paid_at=paid_at,
            lines=drafts,
            line_numbers=line_numbers,
        ),
        [],
    )


def _parse_line(values: dict, period: datetime.date | None) -> tuple[LineDraft | None, list[str]]:
    problems = []
    fail = problems.append

    rate = _parse_rate(values.get("vat_rate"))
    if rate is None:
        fail(
            _("vat_rate « %(value)s » invalide (ex. 20, 10, 5,5, 2,1, 0)")
            % {"value": _text(values.get("vat_rate"))}
        )
    quantity = 1
    if _text(values.get("quantity")):
        quantity = _parse_int(values.get("quantity"))
        if quantity is None:
            fail(_("quantity : un nombre entier est attendu"))
    amounts = {}
    for name in (
        "amount_incl_vat_cents",
        "amount_excl_vat_cents",
        "vat_cents",
        "unit_price_excl_vat_cents",
    ):
        raw = values.get(name)
        amounts[name] = None if _text(raw) == "" else _parse_int(raw)
        if _text(raw) == "":
            if name == "amount_incl_vat_cents":
                fail(_("amount_incl_vat_cents est obligatoire"))
        elif amounts[name] is None:
            fail(
                _("%(field)s « %(value)s » : un nombre entier de centimes est attendu")
                % {"field": name, "value": _text(raw)}
            )
    excl, vat = amounts["amount_excl_vat_cents"], amounts["vat_cents"]
    if (excl is None) != (vat is None):
        fail(_("amount_excl_vat_cents et vat_cents vont ensemble (les deux ou aucun)"))
    start = end = None
    if period:
        start = _parse_optional_date(fail, "period_start", values.get("period_start")) or period
        end = _parse_optional_date(fail, "period_end", values.get("period_end")) or month_end(
            period
        )
    if problems or period is None:
        return None, problems

    incl = amounts["amount_incl_vat_cents"]
    if excl is None:
        excl, vat = split_vat(incl, rate)
    unit = amounts["unit_price_excl_vat_cents"]
    if unit is None:
        unit = div_round(excl, max(quantity, 1))
    return (
        LineDraft(
            group=_text(values.get("group")) or LineGroup.SUBSCRIPTIONS,
            label=_text(values.get("label")),
            period_start=start,
            period_end=end,
            vat_rate_bp=rate,
            unit_price_excl_vat_cents=unit,
            amount_excl_vat_cents=excl,
            vat_cents=vat,
            amount_incl_vat_cents=incl,
            quantity=quantity,
        ),
        [],
    )


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _parse(fail, line, name, value, parser):
    try:
        return parser(_text(value))
    except ValueError as exc:
        fail(line, f"{name} : {exc}")
        return None


def _parse_optional_date(fail, name, value):
    if _text(value) == "":
        return None
    try:
        return parse_import_date(_text(value))
    except ValueError as exc:
        fail(f"{name} : {exc}")
        return None


def _parse_int(value) -> int | None:
    if isinstance(value, bool | float):
        return None  # amounts are whole cents, never floating point numbers
    text = _text(value)
    return int(text) if CENTS.match(text) else None


def _parse_rate(value) -> int | None:
    if isinstance(value, bool):
        return None
    match = RATE.match(_text(value))
    if not match:
        return None
    bp = int(match[1]) * 100 + int((match[2] or "0").ljust(2, "0"))
    return bp if bp <= BP else None


# -- Storing ---------------------------------------------------------------------------------


def import_invoices(
    *, records: Iterable[Record], notify: bool = True, dry_run: bool = False
) -> ImportReport:
    """Validate and store each invoice on its own: all of it, or nothing of it."""
    report = ImportReport()
    parsed = []
    for record in records:
        invoice, problems = parse(record)
        if problems:
            report.problems.extend(problems)
            report.refused.append(record.number)
        else:
            parsed.append(invoice)

    references = {invoice.customer_reference for invoice in parsed}
    customers = {
        customer.reference: customer
        for customer in Customer.objects.filter(reference__in=references).prefetch_related(
            "holders"
        )
    }
    existing = dict(
        Invoice.objects.filter(number__in=[p.record.number for p in parsed]).values_list(
            "number", "customer_reference"
        )
    )
    for invoice in parsed:
        number, line = invoice.record.number, invoice.record.line
        customer = customers.get(invoice.customer_reference)

        def refuse(message: str, number=number, line=line) -> None:
            report.problems.append(Problem(line, number, message))
            report.refused.append(number)

        if number in existing:
            if existing[number] == invoice.customer_reference:
                report.already_imported.append(number)
            else:
                refuse(_("ce numéro est déjà celui d'une facture d'un autre client"))
            continue
        if customer is None:
            refuse(_("client %(reference)s inconnu") % {"reference": invoice.customer_reference})
            continue
        draft = invoice.draft(customer)
        problems = invoice.problems(draft)
        if problems:
            report.problems.extend(problems)
            report.refused.append(number)
            continue
        already = _("le client %(reference)s a déjà une facture pour cette période") % {
            "reference": customer.reference
        }
        try:
            _store(draft, notify=notify, dry_run=dry_run, already=already)
        except _DryRun:
            report.imported.append(number)
        except ValidationError as exc:
            refuse("; ".join(exc.messages))
        except IntegrityError:
            if Invoice.objects.filter(customer=customer, period=draft.period).exists():
                refuse(already)
            else:
                refuse(_("refusée par la base de données (numéro en double ?)"))
        else:
            report.imported.append(number)
    return report


class _DryRun(Exception):
    pass


def _store(draft: InvoiceDraft, *, notify: bool, dry_run: bool, already: str) -> None:
    with transaction.atomic():
        # The database refuses it anyway; asked first to say why in the operator's words.
        if Invoice.objects.filter(customer=draft.customer, period=draft.period).exists():
            raise ValidationError(already)
        invoice_issue(
            draft=draft,
            notify=notify and draft.status != Invoice.Status.PAID,
            render_pdf=True,
        )
        if dry_run:
            raise _DryRun


def iter_problems(report: ImportReport) -> Iterator[str]:
    for problem in sorted(report.problems, key=lambda p: p.line):
        yield str(problem)
