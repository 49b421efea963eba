"""Customers, holders, addresses, contact details, subscriptions and catalogue products from
the operator's systems (J3): `manage.py import_customers FILE`, CSV or JSON.

The format is described in docs/customer-import.md. Each customer is stored whole or not at
all: a bad line is reported with its number and reason and nothing of that customer is
written; the others are imported. A customer already known is matched by its reference and
updated; a subscription by its product code and start date; a product by its code. The same
file twice changes nothing the second time.

Customers go by chunks (CHUNK_SIZE): a CSV file is streamed (read once to check it and find the
products and where each customer's last line is, then again record by record), each chunk's
customers and subscriptions are looked up in a few queries, every record is checked in memory
by the services' validation, and the good ones are written in one transaction per chunk with a
few bulk statements. A chunk the database still refuses (a constraint, a reference created
meanwhile) is rolled back and replayed customer by customer, each in its own transaction,
which names the culprit and keeps the others.

This module only turns the file's text into typed values; the values are checked by the
models' validation through the services of customers and catalog, the ones staff and the
demo go through too.
"""

import contextlib
import datetime
import io
import itertools
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.utils.translation import gettext as _

from guichet.core.formatting import normalize_phone
from guichet.core.imports import (
    ImportFileError,
    csv_table,
    import_file_lines,
    import_file_text,
    parse_import_date,
)
from guichet.customers.models import Customer
from guichet.customers.services import (
    CustomerChange,
    HolderData,
    customer_create,
    customer_import_prepare,
    customer_update,
    customers_import_write,
)

from .models import Product, Subscription
from .services import (
    SubscriptionChange,
    product_create,
    product_update,
    subscription_create,
    subscription_import_prepare,
    subscription_update,
    subscriptions_import_write,
)

CUSTOMER_FIELDS = (
    "reference",
    "contract_postal_code",
    "installation_street",
    "installation_street2",
    "installation_postal_code",
    "installation_city",
    "billing_street",
    "billing_street2",
    "billing_postal_code",
    "billing_city",
    "billing_country",
    "contact_email",
    "phone_mobile",
    "phone_home",
    "phone_other",
)
HOLDER_COLUMNS = tuple(
    f"holder{n}_{name}" for n in (1, 2, 3) for name in ("civility", "first_name", "last_name")
)
PRODUCT_COLUMNS = (
    "product_code",
    "product_kind",
    "product_name",
    "product_monthly_price_cents",
    "product_vat_rate",
)
SUBSCRIPTION_FIELDS = ("start_date", "end_date", "line_number", "price_cents", "equipment")
REQUIRED_COLUMNS = (
    "reference",
    "contract_postal_code",
    "installation_street",
    "installation_postal_code",
    "installation_city",
    "holder1_last_name",
)
PHONE_FIELDS = ("phone_mobile", "phone_home", "phone_other")
# Customers per chunk: the lookups' IN lists stay under SQLite's 999 parameters, a chunk's rows
# in memory stay small, and a chunk replayed after a refusal costs a few seconds at most.
CHUNK_SIZE = 500
CENTS = re.compile(r"^\d{1,12}$")
RATE = re.compile(r"^(\d{1,3})(?:[.,](\d{1,2}))?$")


class BadValue(Exception):
    pass


class _DryRun(Exception):
    pass


@dataclass
class Problem:
    line: int
    reference: str
    message: str

    def __str__(self) -> str:
        if self.reference:
            return _("ligne %(line)s, client %(reference)s : %(message)s") % {
                "line": self.line,
                "reference": self.reference,
                "message": self.message,
            }
        return _("ligne %(line)s : %(message)s") % {"line": self.line, "message": self.message}


@dataclass
class Record:
    """One customer as read from the file, before validation."""

    line: int
    reference: str
    customer: dict
    holders: list[dict] = field(default_factory=list)
    subscriptions: list[tuple[int, dict]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class ProductRow:
    line: int
    code: str
    values: dict


@dataclass
class ImportFile:
    """``records`` may be read once only (a CSV file is streamed); ``count`` is how many it
    holds. ``problems`` may grow while ``records`` is read."""

    records: Iterable[Record]
    products: list[ProductRow]
    warnings: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    count: int | None = None


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)
    products_created: list[str] = field(default_factory=list)
    products_updated: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


# -- Reading ---------------------------------------------------------------------------------


def read_file(path: Path) -> ImportFile:
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(lambda: import_file_lines(path))
    if suffix == ".json":
        return read_json(import_file_text(path))
    raise ImportFileError(
        _("extension « %(suffix)s » inconnue : .csv ou .json attendu") % {"suffix": suffix}
    )


def read_csv(text: str) -> ImportFile:
    return _read_csv(lambda: io.StringIO(text, newline=""))


def _read_csv(open_text: Callable[[], TextIO]) -> ImportFile:
    """Read the file through once (encoding, header, column counts, products, the last line of
    each customer), so that a file to refuse whole is refused before anything is written and
    products come before customers; ``records`` then reads it again, a customer at a time."""
    try:
        with open_text() as stream:
            reader, header, warnings = csv_table(
                stream,
                required=REQUIRED_COLUMNS,
                known=CUSTOMER_FIELDS + HOLDER_COLUMNS + PRODUCT_COLUMNS + SUBSCRIPTION_FIELDS,
            )
            result = ImportFile(records=[], products=[], warnings=warnings)
            last_lines: dict[str, int] = {}
            products: dict[str, ProductRow] = {}
            for line, values in _csv_rows(reader, header, result.problems):
                last_lines[values["reference"]] = line
                product = {
                    name.removeprefix("product_"): values.get(name, "") for name in PRODUCT_COLUMNS
                }
                code = product["code"]
                if not (code and any(product[name] for name in ("kind", "name"))):
                    continue
                # Rows repeating a product are many (one per subscription): only the first is
                # kept, and the ones that differ from it reported now.
                first = products.get(code)
                if first is None:
                    products[code] = ProductRow(line, code, product)
                elif product != first.values:
                    result.problems.append(
                        Problem(
                            line,
                            "",
                            _("produit %(code)s : diffère de la ligne %(line)s")
                            % {"code": code, "line": first.line},
                        )
                    )
    except UnicodeDecodeError:
        raise ImportFileError(_("le fichier n'est pas encodé en UTF-8")) from None
    result.products = list(products.values())
    result.count = len(last_lines)
    result.records = _csv_records(open_text, last_lines)
    return result


def _csv_rows(reader, header: list[str], problems: list[Problem] | None):
    """(line number, values by column) of each row that is not blank; a row with the wrong
    number of columns is reported (when ``problems`` is given) and skipped."""
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            if problems is not None:
                problems.append(
                    Problem(
                        line,
                        "",
                        _("%(found)s colonnes au lieu de %(expected)s")
                        % {"found": len(row), "expected": len(header)},
                    )
                )
            continue
        yield line, {name: cell.strip() for name, cell in zip(header, row, strict=True)}


def _csv_records(open_text: Callable[[], TextIO], last_lines: dict[str, int]) -> Iterator[Record]:
    """Each customer once its last line is read: only customers whose lines are not all read
    yet are held (one, when a customer's lines follow each other)."""
    with open_text() as stream:
        reader, header, _warnings = csv_table(stream, required=(), known=())
        records: dict[str, Record] = {}
        for line, values in _csv_rows(reader, header, None):
            reference = values["reference"]
            customer = {name: values.get(name, "") for name in CUSTOMER_FIELDS}
            holders = [
                {
                    "civility": values.get(f"holder{n}_civility", ""),
                    "first_name": values.get(f"holder{n}_first_name", ""),
                    "last_name": values.get(f"holder{n}_last_name", ""),
                }
                for n in (1, 2, 3)
            ]
            holders = [holder for holder in holders if any(holder.values())]
            record = records.get(reference)
            if record is None:
                record = records[reference] = Record(line, reference, customer, holders)
            elif (customer, holders) != (record.customer, record.holders):
                record.problems.append(
                    Problem(
                        line,
                        reference,
                        _("le client diffère de la ligne %(line)s de la même référence")
                        % {"line": record.line},
                    )
                )
            code = values.get("product_code", "")
            subscription = {name: values.get(name, "") for name in SUBSCRIPTION_FIELDS}
            if code or any(subscription.values()):
                record.subscriptions.append((line, {"product_code": code, **subscription}))
            if last_lines.get(reference) == line:
                yield records.pop(reference)


def read_json(text: str) -> ImportFile:
    """{"products": [...], "customers": [...]} or a list of customers; the « line » of a
    customer or product is its position in its list, from 1."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            _("JSON invalide (ligne %(line)s) : %(message)s")
            % {"line": exc.lineno, "message": exc.msg}
        ) from None
    return read_data(data)


def read_data(data) -> ImportFile:
    """The decoded JSON of a file (or an API call's body): the same reading for both."""
    if isinstance(data, list):
        data = {"customers": data}
    if not isinstance(data, dict) or not isinstance(data.get("customers", []), list):
        raise ImportFileError(_("un objet avec « customers » (liste) est attendu"))
    result = ImportFile(records=[], products=[])
    for position, item in enumerate(data.get("products") or [], start=1):
        if not isinstance(item, dict):
            result.problems.append(Problem(position, "", _("un objet est attendu")))
            continue
        values = {name: _text(item.get(name)) for name in ("code", "kind", "name")}
        values["monthly_price_cents"] = _text(item.get("monthly_price_cents"))
        values["vat_rate"] = _text(item.get("vat_rate"))
        result.products.append(ProductRow(position, values["code"], values))
    seen: dict[str, int] = {}
    for position, item in enumerate(data.get("customers") or [], start=1):
        if not isinstance(item, dict):
            result.problems.append(Problem(position, "", _("un objet est attendu")))
            continue
        customer = {name: _text(item.get(name)) for name in CUSTOMER_FIELDS}
        reference = customer["reference"]
        holders = [
            {name: _text(h.get(name)) for name in ("civility", "first_name", "last_name")}
            for h in item.get("holders") or []
            if isinstance(h, dict)
        ]
        record = Record(position, reference, customer, holders)
        if reference in seen:
            record.problems.append(
                Problem(
                    position,
                    reference,
                    _("référence déjà présente au client %(line)s du fichier")
                    % {"line": seen[reference]},
                )
            )
        seen.setdefault(reference, position)
        for sub in item.get("subscriptions") or []:
            if isinstance(sub, dict):
                values = {name: _text(sub.get(name)) for name in SUBSCRIPTION_FIELDS}
                values["product_code"] = _text(sub.get("product_code"))
                record.subscriptions.append((position, values))
        result.records.append(record)
    result.count = len(result.records)
    return result


def _text(value) -> str:
    if value is None:
        return ""
    return str(value).strip()


# -- Parsing values --------------------------------------------------------------------------


def parse_date(text: str) -> datetime.date:
    try:
        return parse_import_date(text)
    except ValueError as error:
        raise BadValue(str(error)) from None


def parse_cents(text: str, name: str) -> int:
    if not CENTS.match(text):
        raise BadValue(
            _("%(name)s « %(value)s » : un nombre entier de centimes est attendu")
            % {"name": name, "value": text}
        )
    return int(text)


def parse_rate(text: str) -> int:
    """« 20 », « 5,5 », « 2.1 » (per cent) as basis points."""
    match = RATE.match(text)
    if not match:
        raise BadValue(_("taux de TVA « %(value)s » invalide") % {"value": text})
    whole, decimals = match.groups()
    return int(whole) * 100 + int((decimals or "0").ljust(2, "0"))


def _messages(error: ValidationError) -> list[str]:
    if hasattr(error, "error_dict"):
        return [
            f"{name} : {message}" if name != "__all__" else message
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return list(error.messages)


def _customer_values(raw: dict) -> dict:
    values = dict(raw)
    for name in PHONE_FIELDS:
        try:
            values[name] = normalize_phone(values[name])
        except ValidationError as error:
            raise BadValue(f"{name} : {error.messages[0]}") from None
    if not values["billing_street"]:
        for part in ("street", "street2", "postal_code", "city"):
            values[f"billing_{part}"] = values[f"installation_{part}"]
    values["billing_country"] = values["billing_country"] or "France"
    return values


def _product_values(row: ProductRow) -> dict:
    values = {"kind": row.values["kind"], "name": row.values["name"]}
    values["monthly_price_cents"] = parse_cents(
        row.values["monthly_price_cents"], "monthly_price_cents"
    )
    values["vat_rate_bp"] = parse_rate(row.values["vat_rate"])
    return values


def _subscription_values(raw: dict) -> dict:
    if not raw["start_date"]:
        raise BadValue(_("start_date : la date de début est requise"))
    # The line number as typed (« 06 12 34 56 78 »), stored in E.164 like the phone columns.
    try:
        line_number = normalize_phone(raw["line_number"])
    except ValidationError as error:
        raise BadValue(f"line_number : {error.messages[0]}") from None
    return {
        "start_date": parse_date(raw["start_date"]),
        "end_date": parse_date(raw["end_date"]) if raw["end_date"] else None,
        "line_number": line_number,
        "price_cents": parse_cents(raw["price_cents"], "price_cents")
        if raw["price_cents"]
        else None,
        "equipment": raw["equipment"],
    }


# -- Writing ---------------------------------------------------------------------------------


def import_customers(
    data: ImportFile,
    *,
    dry_run: bool = False,
    progress: Callable[[Iterable], Iterable] | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportReport:
    """Products first, then the customers by chunks of ``chunk_size``, one transaction each;
    with ``dry_run`` everything is checked the same way and rolled back at the end."""
    report = ImportReport()
    try:
        with transaction.atomic() if dry_run else contextlib.nullcontext():
            _import_products(data.products, report)
            products = {product.code: product for product in Product.objects.all()}
            records = progress(data.records) if progress else data.records
            for chunk in _chunks(records, chunk_size):
                _import_chunk(chunk, products, report)
            if dry_run:
                raise _DryRun
    except _DryRun:
        pass
    # Read last: reading a streamed file's records finds problems of its own.
    report.problems.extend(data.problems)
    report.problems.sort(key=lambda problem: problem.line)
    return report


def _chunks(records: Iterable[Record], size: int) -> Iterator[list[Record]]:
    # itertools.batched once Python 3.12 is the floor.
    iterator = iter(records)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


class _Refused(Exception):
    def __init__(self, line: int, messages: list[str]):
        self.line = line
        self.messages = messages


def _import_chunk(
    records: Iterable[Record], products: dict[str, Product], report: ImportReport
) -> None:
    """Look the chunk's customers and subscriptions up in a few queries, check every record in
    memory, write the good ones together; replay the chunk one by one if the database refuses."""
    good = []
    for record in records:
        if record.problems:
            report.problems.extend(record.problems)
            report.refused.append(record.reference)
        else:
            good.append(record)
    if not good:
        return
    customers = {
        customer.reference: customer
        for customer in Customer.objects.filter(
            reference__in=[record.reference for record in good]
        ).prefetch_related("holders")
    }
    known: dict[int, dict[tuple[int, datetime.date], Subscription]] = {}
    # The first of equal ones, as .filter(...).first() finds it in _import_record.
    found = Subscription.objects.filter(customer__in=customers.values()) if customers else ()
    for subscription in found:
        key = (subscription.product_id, subscription.start_date)
        known.setdefault(subscription.customer_id, {}).setdefault(key, subscription)
    planned = []
    for record in good:
        customer = customers.get(record.reference)
        subscriptions = known.get(customer.pk, {}) if customer else {}
        try:
            planned.append((record, *_plan_record(record, products, customer, subscriptions)))
        except _Refused as refusal:
            for message in refusal.messages:
                report.problems.append(Problem(refusal.line, record.reference, message))
            report.refused.append(record.reference)
    to_write = [item for item in planned if item[1].changed or item[2]]
    replayed = False
    try:
        if to_write:
            with transaction.atomic():
                customers_import_write(changes=[change for _record, change, _subs in to_write])
                subscriptions_import_write(
                    changes=[sub for _record, _change, subs in to_write for sub in subs]
                )
    except DatabaseError:
        # What only the database checks (a constraint, a reference created meanwhile): each
        # customer alone through the services, whose full validation names the problem.
        for record, _change, _subs in to_write:
            _import_record(record, products, report)
        replayed = True
    for record, change, subs in planned:
        if not (change.changed or subs):
            report.unchanged.append(record.reference)
        elif replayed:
            continue
        elif change.created:
            report.created.append(record.reference)
        else:
            report.updated.append(record.reference)


def _plan_record(
    record: Record,
    products: dict[str, Product],
    customer: Customer | None,
    known: dict[tuple[int, datetime.date], Subscription],
) -> tuple[CustomerChange, list[SubscriptionChange]]:
    """The checks of _import_record, in the same order, without writing: _Refused with the
    line and messages it would report."""
    line = record.line
    try:
        values = _record_values(record)
        holders = [HolderData(**holder) for holder in record.holders]
        change = customer_import_prepare(
            customer=customer, reference=record.reference, values=values, holders=holders
        )
        planned: dict[tuple[int, datetime.date], SubscriptionChange] = {}
        for sub_line, raw in record.subscriptions:
            line = sub_line
            product = _product(raw, products)
            sub_values = _subscription_values(raw)
            key = (product.pk, sub_values["start_date"])
            earlier = planned.get(key)
            sub_change = subscription_import_prepare(
                customer=change.customer,
                product=product,
                subscription=earlier.subscription if earlier else known.get(key),
                values=sub_values,
            )
            if earlier and sub_change and not earlier.created:
                earlier.fields = [
                    *earlier.fields,
                    *(f for f in sub_change.fields if f not in earlier.fields),
                ]
            elif sub_change and not earlier:
                planned[key] = sub_change
    except BadValue as error:
        raise _Refused(line, [str(error)]) from None
    except ValidationError as error:
        raise _Refused(line, _messages(error)) from None
    return change, list(planned.values())


def _record_values(record: Record) -> dict:
    """The customer's values for the services (reference apart); BadValue when the file's
    values cannot be read, or the holders are missing a name."""
    values = _customer_values(record.customer)
    if not record.holders:
        raise BadValue(_("au moins un titulaire (nom) est requis"))
    for position, holder in enumerate(record.holders, start=1):
        if not holder["last_name"]:
            raise BadValue(_("titulaire %(position)s : le nom est requis") % {"position": position})
    values.pop("reference")
    return values


def _product(raw: dict, products: dict[str, Product]) -> Product:
    code = raw["product_code"]
    product = products.get(code)
    if product is None:
        raise BadValue(_("produit « %(code)s » inconnu") % {"code": code})
    return product


def _import_products(rows: list[ProductRow], report: ImportReport) -> None:
    seen: dict[str, ProductRow] = {}
    for row in rows:
        if row.code in seen:
            if row.values != seen[row.code].values:
                report.problems.append(
                    Problem(
                        row.line,
                        "",
                        _("produit %(code)s : diffère de la ligne %(line)s")
                        % {"code": row.code, "line": seen[row.code].line},
                    )
                )
            continue
        seen[row.code] = row
        try:
            values = _product_values(row)
            with transaction.atomic():
                product = Product.objects.filter(code=row.code).first()
                if product is None:
                    product_create(code=row.code, **values)
                    report.products_created.append(row.code)
                elif product_update(product=product, values=values):
                    report.products_updated.append(row.code)
        except BadValue as error:
            message = str(error)
            report.problems.append(Problem(row.line, "", f"{row.code} : {message}"))
        except ValidationError as error:
            for message in _messages(error):
                report.problems.append(Problem(row.line, "", f"{row.code} : {message}"))


def _import_record(record: Record, products: dict[str, Product], report: ImportReport) -> None:
    """One customer in its own transaction through the services, with their full validation:
    the way back when the database refuses a chunk."""
    if record.problems:
        report.problems.extend(record.problems)
        report.refused.append(record.reference)
        return
    line = record.line
    try:
        with transaction.atomic():
            values = _record_values(record)
            holders = [HolderData(**holder) for holder in record.holders]
            customer = Customer.objects.filter(reference=record.reference).first()
            if customer is None:
                customer = customer_create(reference=record.reference, holders=holders, **values)
                created, changed = True, True
            else:
                created = False
                changed = customer_update(customer=customer, values=values, holders=holders)
            for sub_line, raw in record.subscriptions:
                line = sub_line
                if _subscription_apply(customer, raw, products):
                    changed = True
    except BadValue as error:
        report.problems.append(Problem(line, record.reference, str(error)))
        report.refused.append(record.reference)
        return
    except ValidationError as error:
        for message in _messages(error):
            report.problems.append(Problem(line, record.reference, message))
        report.refused.append(record.reference)
        return
    except IntegrityError:
        # Another import or API call stored the same customer or subscription between our
        # reading and our writing: nothing of this record was kept; the sender tries again.
        report.problems.append(
            Problem(
                line,
                record.reference,
                _("enregistré au même moment par un autre envoi : renvoyez ce client"),
            )
        )
        report.refused.append(record.reference)
        return
    if created:
        report.created.append(record.reference)
    elif changed:
        report.updated.append(record.reference)
    else:
        report.unchanged.append(record.reference)


def _subscription_apply(customer: Customer, raw: dict, products: dict[str, Product]) -> bool:
    """Create or update one subscription, matched by product code and start date; True when
    something changed. BadValue or ValidationError when a value is refused."""
    product = _product(raw, products)
    values = _subscription_values(raw)
    existing = Subscription.objects.filter(
        customer=customer, product=product, start_date=values["start_date"]
    ).first()
    if existing is None:
        subscription_create(customer=customer, product=product, **values)
        return True
    return subscription_update(subscription=existing, values=values)


@dataclass
class RowResult:
    line: int
    outcome: str  # "created", "updated", "unchanged" or "refused"
    problems: list[Problem] = field(default_factory=list)


def import_subscriptions(rows: Iterable[tuple[int, dict]]) -> list[RowResult]:
    """Subscriptions of customers already known, each row on its own (the operator's API):
    ``{"customer_reference", "product_code", "start_date", "end_date", "line_number",
    "price_cents", "equipment"}``, read and checked as the customer import's own rows."""
    products = {product.code: product for product in Product.objects.all()}
    results = []
    for line, item in rows:
        raw = {name: _text(item.get(name)) for name in ("product_code", *SUBSCRIPTION_FIELDS)}
        reference = _text(item.get("customer_reference"))
        try:
            with transaction.atomic():
                customer = Customer.objects.filter(reference=reference).first()
                if customer is None:
                    raise BadValue(_("client %(reference)s inconnu") % {"reference": reference})
                existed = Subscription.objects.filter(
                    customer=customer,
                    product__code=raw["product_code"],
                    start_date=_subscription_values(raw)["start_date"],
                ).exists()
                changed = _subscription_apply(customer, raw, products)
        except BadValue as error:
            problems = [Problem(line, reference, str(error))]
            results.append(RowResult(line, "refused", problems))
            continue
        except ValidationError as error:
            problems = [Problem(line, reference, message) for message in _messages(error)]
            results.append(RowResult(line, "refused", problems))
            continue
        outcome = "unchanged" if not changed else ("updated" if existed else "created")
        results.append(RowResult(line, outcome))
    return results
