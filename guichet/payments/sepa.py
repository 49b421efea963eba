"""The pain.008.001.08 direct debit file (F6): built with sepaxml, checked against the XSD.

sepaxml builds the message (group header, one payment information block per sequence type,
one transaction per debit) from the XSD it ships; it has no field for the amendment of a
mandate, so `pain008_build` adds the elements the XSD defines for it (`AmdmntInd` and
`AmdmntInfDtls` in `MndtRltdInf`) to the tree sepaxml made, before serialising.

Every file is validated against that official XSD by libxml2 (lxml) before anyone may use
it: `pain008_validate` raises `SepaFileInvalid` with the validator's messages. sepaxml's own
check runs xmlschema, pure Python, which needs 45 s for 100,000 debits (and refuses files of
more than a million elements); libxml2 needs about one second (bench/sepa_bench.py).
"""

import datetime
import os
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from functools import cache

import sepaxml
from lxml import etree
from sepaxml import SepaDD

SCHEMA = "pain.008.001.08"
NAMESPACE = f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"
# EPC rulebook (SDD Core), « Original Debtor Account »: the debtor moved to another bank, whose
# account the creditor does not know (Same Mandate New Debtor Agent).
SMNDA = "SMNDA"


class SepaFileInvalid(Exception):
    """The file does not validate against the XSD: it must never be offered to anyone."""

    def __init__(self, errors: list[str]):
        self.errors = errors
        super().__init__("; ".join(errors[:5]))


@dataclass(frozen=True)
class Creditor:
    name: str
    iban: str
    bic: str  # may be empty: pain.008.001.08 accepts a creditor agent without BIC
    creditor_id: str  # ICS


@dataclass(frozen=True)
class DebitLine:
    """One transaction of the file, amounts in cents."""

    end_to_end_id: str
    amount_cents: int
    sequence_type: str  # FRST or RCUR
    mandate_id: str  # RUM
    mandate_signed_on: datetime.date
    debtor_name: str
    iban: str
    bic: str = ""
    remittance: str = ""
    # A change of bank details since the last debit: the original IBAN, or SMNDA.
    amended_from: str | None = None


@cache
def _schema() -> etree.XMLSchema:
    path = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{SCHEMA}.xsd")
    return etree.XMLSchema(etree.parse(path))


def pain008_validate(content: bytes) -> None:
    """Raise SepaFileInvalid unless `content` is a pain.008.001.08 valid against the XSD."""
    try:
        # huge_tree: a file of 100,000 debits is past libxml2's default safety limits.
        document = etree.fromstring(
            content, etree.XMLParser(huge_tree=True, resolve_entities=False, no_network=True)
        )
    except etree.XMLSyntaxError as error:
        raise SepaFileInvalid([str(error)]) from None
    schema = _schema()
    if not schema.validate(document):
        raise SepaFileInvalid(
            [f"line {error.line}: {error.message}" for error in schema.error_log][:20]
        )


def pain008_build(
    *,
    creditor: Creditor,
    collection_date: datetime.date,
    message_id: str,
    lines: list[DebitLine],
) -> bytes:
    """The file's bytes (UTF-8), not yet validated: call `pain008_validate` on them."""
    config = {
        "name": creditor.name,
        "IBAN": creditor.iban,
        "batch": True,
        "creditor_id": creditor.creditor_id,
        "currency": "EUR",
    }
    if creditor.bic:
        config["BIC"] = creditor.bic
    document = SepaDD(config, schema=SCHEMA, clean=True)
    # Our message id, recorded on the DebitBatch, is the one the bank reports back.
    document._xml.find("CstmrDrctDbtInitn/GrpHdr/MsgId").text = message_id
    amended: dict[str, str] = {}
    for line in lines:
        payment = {
            "name": line.debtor_name,
            "IBAN": line.iban,
            "amount": line.amount_cents,
            "type": line.sequence_type,
            "collection_date": collection_date,
            "mandate_id": line.mandate_id,
            "mandate_date": line.mandate_signed_on,
            "description": line.remittance,
            "endtoend_id": line.end_to_end_id,
        }
        if line.bic:
            payment["BIC"] = line.bic
        document.add_payment(payment)
        if line.amended_from:
            amended[line.end_to_end_id] = line.amended_from
    if amended:
        _amendments_add(document, amended)
    return document.export(validate=False)


def _amendments_add(document: SepaDD, amended: dict[str, str]) -> None:
    """Insert the amendment details after DtOfSgntr, where the XSD's sequence puts them."""
    for batch in document._batches.values():
        for transaction in batch:
            original = amended.get(transaction.findtext("PmtId/EndToEndId"))
            if original is None:
                continue
            mandate = transaction.find("DrctDbtTx/MndtRltdInf")
            indicator = ET.Element("AmdmntInd")
            indicator.text = "true"
            details = ET.Element("AmdmntInfDtls")
            account = ET.SubElement(ET.SubElement(details, "OrgnlDbtrAcct"), "Id")
            if original == SMNDA:
                ET.SubElement(ET.SubElement(account, "Othr"), "Id").text = SMNDA
            else:
                ET.SubElement(account, "IBAN").text = original
            position = list(mandate).index(mandate.find("DtOfSgntr")) + 1
            mandate.insert(position, indicator)
            mandate.insert(position + 1, details)
