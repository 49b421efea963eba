"""Invoices from the operator's own billing system (J3): `manage.py import_invoices FILE`."""

import datetime
import io
import json

import pytest
import time_machine
from django.core.management import CommandError, call_command

from guichet.billing.models import Invoice, LineGroup
from guichet.core.models import OutboxEmail
from guichet.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

HEADER = (
    "number;customer_reference;issue_date;period;due_date;payment_method;status;paid_date;"
    "group;label;period_start;period_end;quantity;unit_price_excl_vat_cents;vat_rate;"
    "amount_excl_vat_cents;vat_cents;amount_incl_vat_cents"
)
DATES = "2026-10-05;2026-10;2026-10-20"  # issue_date;period;due_date
GOOD_AND_BAD = "\n".join(
    [
        HEADER,
        f"F-1001;01776108;{DATES};direct_debit;;;subscriptions;Offre Confort;;;1;;20;;;5990",
        f"F-1001;01776108;{DATES};direct_debit;;;communications;Appels internationaux;"
        "2026-09-01;2026-09-30;;;20;1000;200;1200",
        f"F-1001;01776108;{DATES};direct_debit;;;third_party;Vidéo à la demande;;;1;;20;;;499",
        f"F-1002;09999999;{DATES};on_receipt;;;subscriptions;Internet;;;1;;20;;;2990",
        f"F-1002;09999999;{DATES};on_receipt;;;subscriptions;TV;;;1;;19,6x;;;1290",
        f"F-1003;01776109;{DATES};on_receipt;paid;2026-10-12;subscriptions;Mobile;;;2;495;5,5;"
        "990;54;1044",
        f"F-1004;01776110;{DATES};on_receipt;;;subscriptions;Internet;;;1;;20;2000;300;2300",
        f"F-1005;77777777;{DATES};;;;subscriptions;Internet;;;1;;20;;;2990",
    ]
)


@pytest.fixture(autouse=True)
def setting():
    with time_machine.travel(datetime.datetime(2026, 11, 2, 9, tzinfo=datetime.UTC), tick=False):
        for reference in ("01776108", "09999999", "01776109", "01776110"):
            CustomerFactory(
                reference=reference,
                invoice_email=f"c{reference}@example.fr",
                invoice_email_opt_in=True,
            )
        yield


def import_file(tmp_path, name: str, content: str, *args) -> tuple[str, str]:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("import_invoices", str(path), *args, stdout=out, stderr=err)
    except CommandError as exc:
        err.write(f"CommandError: {exc}\n")
    return out.getvalue(), err.getvalue()


def test_it_imports_the_good_invoices_and_reports_each_bad_line(tmp_path):
    out, err = import_file(tmp_path, "factures.csv", GOOD_AND_BAD)

    assert sorted(Invoice.objects.values_list("number", flat=True)) == ["F-1001", "F-1003"]
    first = Invoice.objects.get(number="F-1001")
    assert first.source == Invoice.Source.IMPORT
    assert first.payment_method == Invoice.PaymentMethod.DIRECT_DEBIT
    assert first.total_incl_vat_cents == 5990 + 1200 + 499
    assert [(line.group, line.amount_incl_vat_cents) for line in first.lines.all()] == [
        (LineGroup.SUBSCRIPTIONS, 5990),
        (LineGroup.COMMUNICATIONS, 1200),
        (LineGroup.THIRD_PARTY, 499),
    ]
    assert first.lines.all()[1].period_start == datetime.date(2026, 9, 1)
    paid = Invoice.objects.get(number="F-1003")
    assert paid.status == Invoice.Status.PAID
    line = paid.lines.get()
    assert (line.quantity, line.unit_price_excl_vat_cents, line.vat_rate_bp) == (2, 495, 550)

    # Nothing of an invoice with a bad line is stored, not even its good lines.
    assert not Invoice.objects.filter(customer__reference="09999999").exists()
    assert "ligne 6, facture F-1002 : vat_rate « 19,6x » invalide" in err
    assert "ligne 8, facture F-1004 : TVA 300 incohérente avec le taux" in err
    assert "ligne 9, facture F-1005 : client 77777777 inconnu" in err
    assert "2 factures importées, 0 déjà importées, 3 refusées" in out
    assert "CommandError: 3 factures refusées" in err
    # « Facture disponible » for the invoice to pay, none for the one already paid.
    assert list(OutboxEmail.objects.values_list("to", flat=True)) == ["c01776108@example.fr"]


def test_importing_the_same_file_again_adds_nothing(tmp_path):
    import_file(tmp_path, "factures.csv", GOOD_AND_BAD)
    out, _ = import_file(tmp_path, "factures.csv", GOOD_AND_BAD)

    assert Invoice.objects.count() == 2
    assert "0 factures importées, 2 déjà importées" in out


def test_a_second_invoice_for_the_same_month_is_refused(tmp_path):
    import_file(tmp_path, "factures.csv", GOOD_AND_BAD)
    other_number = GOOD_AND_BAD.replace("F-1003", "F-2003")

    _, err = import_file(tmp_path, "encore.csv", other_number)

    assert "facture F-2003 : le client 01776109 a déjà une facture pour cette période" in err
    assert not Invoice.objects.filter(number="F-2003").exists()


def test_rows_of_one_invoice_must_agree(tmp_path):
    content = f"""{HEADER}
F-3001;01776108;2026-10-05;2026-10;2026-10-20;;;;;Offre;;;1;;20;;;5990
F-3001;01776108;2026-10-06;2026-10;2026-10-20;;;;;Option;;;1;;20;;;300
"""
    _, err = import_file(tmp_path, "factures.csv", content)

    assert "ligne 3, facture F-3001 : issue_date diffère de la ligne 2" in err
    assert not Invoice.objects.exists()


def test_a_file_without_the_needed_columns_is_refused_whole(tmp_path):
    header = HEADER.replace(";vat_rate;", ";taux;")
    path = _write(tmp_path, "x.csv", f"{header}\n" + GOOD_AND_BAD.splitlines()[1])
    with pytest.raises(CommandError, match="colonne manquante : vat_rate$"):
        call_command("import_invoices", str(path))
    assert not Invoice.objects.exists()


def test_json_reports_the_line_where_the_invoice_starts(tmp_path):
    invoices = [
        {
            "number": "J-1",
            "customer_reference": "01776108",
            "issue_date": "05/10/2026",
            "period": "2026-10",
            "due_date": "2026-10-20",
            "lines": [{"label": "Offre Confort", "vat_rate": 20, "amount_incl_vat_cents": 5990}],
        },
        {
            "number": "J-2",
            "customer_reference": "01776109",
            "issue_date": "2026-10-05",
            "period": "2026-10",
            "due_date": "2026-10-20",
            "lines": [
                {"label": "Internet", "vat_rate": "20", "amount_incl_vat_cents": 2990},
                {"label": "Mobile", "vat_rate": "20", "amount_incl_vat_cents": 9.9},
            ],
        },
    ]
    text = json.dumps(invoices, indent=2, ensure_ascii=False)
    starts = [number for number, line in enumerate(text.splitlines(), 1) if line == "  {"]
    second_line = starts[1]

    out, err = import_file(tmp_path, "factures.json", text)

    assert list(Invoice.objects.values_list("number", flat=True)) == ["J-1"]
    assert Invoice.objects.get().issue_date == datetime.date(2026, 10, 5)
    assert (
        f"ligne {second_line}, facture J-2 : détail n° 2 : amount_incl_vat_cents « 9.9 » : "
        "un nombre entier de centimes est attendu" in err
    )
    assert "1 facture importée" in out


def test_json_lines_and_dry_run(tmp_path):
    invoice = {
        "number": "L-1",
        "customer_reference": "01776108",
        "issue_date": "2026-10-05",
        "period": "2026-10",
        "due_date": "2026-10-20",
        "lines": [{"label": "Offre", "vat_rate": "20", "amount_incl_vat_cents": 5990}],
    }
    content = json.dumps(invoice) + "\n" + json.dumps({**invoice, "number": "L 2"}) + "\n"

    out, err = import_file(tmp_path, "factures.jsonl", content, "--dry-run")

    assert not Invoice.objects.exists()
    assert not OutboxEmail.objects.exists()
    assert "1 facture vérifiée, importable" in out
    assert "ligne 2, facture L 2 : numéro" in err


def _write(tmp_path, name, content):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("number", "reason"),
    [("F2026-0001\n", "1 à 30 lettres"), ("T0000001", "un autre préfixe")],
)
def test_it_refuses_numbers_that_would_break_or_collide(tmp_path, number, reason):
    invoice = {
        "number": number,
        "customer_reference": "01776108",
        "issue_date": "2026-10-05",
        "period": "2026-10",
        "due_date": "2026-10-20",
        "lines": [{"label": "Internet", "vat_rate": 20, "amount_incl_vat_cents": 2990}],
    }
    out, err = import_file(tmp_path, "factures.json", json.dumps([invoice]))
    assert not Invoice.objects.exists()
    assert reason in err
