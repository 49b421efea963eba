"""The pain.008.001.08 file itself: valid against the official XSD, amendments where they go."""

import datetime
import os
import xml.etree.ElementTree as ET

import pytest
import sepaxml
import xmlschema

from guichet.payments.sepa import (
    SCHEMA,
    SMNDA,
    Creditor,
    DebitLine,
    SepaFileInvalid,
    pain008_build,
    pain008_validate,
)

NS = {"p": f"urn:iso:std:iso:20022:tech:xsd:{SCHEMA}"}
CREDITOR = Creditor(
    name="Vialis Télécom", iban="FR7630006000011234567890189", bic="AGRIFRPP",
    creditor_id="FR72ZZZ123456",
)  # fmt: skip


def line(n: int, **overrides) -> DebitLine:
    values = {
        "end_to_end_id": f"T{n:07d}-1",
        "amount_cents": 6290 + n,
        "sequence_type": "RCUR",
        "mandate_id": f"VIALIS-0177610{n}-1",
        "mandate_signed_on": datetime.date(2026, 1, 15),
        "debtor_name": "Claire Müller",
        "iban": "DE89370400440532013000",
        "bic": "",
        "remittance": f"Facture T{n:07d} du 20/11/2026",
    }
    values.update(overrides)
    return DebitLine(**values)


def build(lines, **kwargs) -> bytes:
    return pain008_build(
        creditor=kwargs.get("creditor", CREDITOR),
        collection_date=datetime.date(2026, 12, 5),
        message_id="GUICHET-20261205-ABC",
        lines=lines,
    )


def xmlschema_validate(content: bytes) -> None:
    """A second, independent validator of the same XSD (sepaxml's own choice)."""
    path = os.path.join(os.path.dirname(sepaxml.__file__), "schemas", f"{SCHEMA}.xsd")
    xmlschema.XMLSchema(path).validate(content.decode())


def test_a_file_with_first_and_recurrent_debits_is_valid():
    content = build(
        [line(1, sequence_type="FRST", bic="CCBPFRPPMTZ"), line(2), line(3, amount_cents=1)]
    )

    pain008_validate(content)
    xmlschema_validate(content)
    root = ET.fromstring(content)
    header = root.find("p:CstmrDrctDbtInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == "GUICHET-20261205-ABC"
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "3"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "125.84"  # 62,91 + 62,92 + 0,01
    blocks = {
        block.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS): block
        for block in root.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", NS)
    }
    assert set(blocks) == {"FRST", "RCUR"}
    assert blocks["FRST"].findtext("p:ReqdColltnDt", namespaces=NS) == "2026-12-05"
    assert blocks["FRST"].findtext("p:NbOfTxs", namespaces=NS) == "1"
    assert blocks["RCUR"].findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert (
        blocks["RCUR"].findtext("p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id", namespaces=NS)
        == "FR72ZZZ123456"
    )
    first = blocks["FRST"].find("p:DrctDbtTxInf", NS)
    assert first.findtext("p:InstdAmt", namespaces=NS) == "62.91"
    assert first.findtext("p:DbtrAgt/p:FinInstnId/p:BICFI", namespaces=NS) == "CCBPFRPPMTZ"
    # Names reach the bank in the SEPA character set (sepaxml's clean=True).
    assert first.findtext("p:Dbtr/p:Nm", namespaces=NS) == "Claire Muller"


def test_an_amendment_names_the_original_iban_or_smnda():
    content = build(
        [
            line(1, amended_from="FR7630004000031234567890143"),
            line(2, amended_from=SMNDA),
            line(3),
        ]
    )

    pain008_validate(content)
    xmlschema_validate(content)
    transactions = {
        tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS): tx.find("p:DrctDbtTx/p:MndtRltdInf", NS)
        for tx in ET.fromstring(content).iter(f"{{{NS['p']}}}DrctDbtTxInf")
    }
    same_bank = transactions["T0000001-1"]
    assert same_bank.findtext("p:AmdmntInd", namespaces=NS) == "true"
    assert (
        same_bank.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:IBAN", namespaces=NS)
        == "FR7630004000031234567890143"
    )
    other_bank = transactions["T0000002-1"]
    assert (
        other_bank.findtext("p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id/p:Othr/p:Id", namespaces=NS)
        == "SMNDA"
    )
    assert transactions["T0000003-1"].find("p:AmdmntInd", NS) is None


def test_a_file_that_breaks_the_schema_is_refused():
    # A BIC of the wrong shape goes through sepaxml untouched: the XSD is what catches it.
    content = build([line(1, bic="NOT-A-BIC")])
    with pytest.raises(SepaFileInvalid) as refused:
        pain008_validate(content)
    assert "BICFI" in str(refused.value)

    with pytest.raises(SepaFileInvalid):
        pain008_validate(content.replace(b"<InstdAmt", b"<Amount"))
    with pytest.raises(SepaFileInvalid):
        pain008_validate(b"<Document>not closed")
