"""Debit files (F6): which invoices a date's file carries, FRST then RCUR, amendments once,
« Prélèvement émis », collection through the ledger, rejects, the command and the back office."""

import datetime
import io
import xml.etree.ElementTree as ET

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command
from django.urls import reverse

from guichet.billing.models import Invoice
from guichet.billing.terms import direct_debit
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.core.models import OutboxEmail
from guichet.customers.tests.factories import CustomerFactory
from guichet.payments.balance import balance_for
from guichet.payments.models import Debit, DebitBatch, Mandate, Payment
from guichet.payments.sepa import pain008_validate
from guichet.payments.services.debits import (
    debit_collections_confirm,
    debit_export,
    debit_reject,
)
from guichet.payments.services.mandates import BankDetails, mandate_amend, mandate_record

from .test_sepa import NS, xmlschema_validate

pytestmark = pytest.mark.django_db

PARIS = datetime.timezone(datetime.timedelta(hours=1))
DEBIT_DATE = datetime.date(2026, 12, 5)
IBAN_FR = "FR7630004000031234567890143"
IBAN_FR_SAME_BANK = "FR7630004000030000000000106"
IBAN_DE = "DE89370400440532013000"


def at(day: datetime.date, hour: int = 10):
    return time_machine.travel(
        datetime.datetime.combine(day, datetime.time(hour), PARIS), tick=False
    )


def debit_customer(customer=None, iban=IBAN_FR):
    customer = customer or CustomerFactory()
    mandate_record(
        customer=customer,
        details=BankDetails(iban=iban, bic="", account_holder="Claire Muller", debit_day=5),
        signed_at=datetime.datetime(2026, 1, 15, 9, tzinfo=PARIS),
    )
    return customer


def debit_invoice(customer, issue_date=datetime.date(2026, 11, 20), cents=6290) -> Invoice:
    period = issue_date.replace(day=1)
    terms = direct_debit(issue_date=issue_date, debit_day=5)
    return InvoiceFactory(
        customer=customer,
        period=period,
        issue_date=issue_date,
        payment_method=terms.method,
        due_date=terms.due_date,
        lines=[line_draft(period=period, price_incl_vat_cents=cents)],
    )


def transactions(batch: DebitBatch) -> dict[str, ET.Element]:
    with batch.file.open("rb") as stored:
        root = ET.fromstring(stored.read())
    found = {}
    for block in root.iterfind("p:CstmrDrctDbtInitn/p:PmtInf", NS):
        for tx in block.iterfind("p:DrctDbtTxInf", NS):
            tx.set("sequence", block.findtext("p:PmtTpInf/p:SeqTp", namespaces=NS))
            found[tx.findtext("p:PmtId/p:EndToEndId", namespaces=NS)] = tx
    return found


def export(day=DEBIT_DATE, today=datetime.date(2026, 11, 28)):
    with at(today):
        return debit_export(debit_date=day, created_by="test")


def test_the_file_carries_that_dates_debit_invoices_only(customer):
    with at(datetime.date(2026, 11, 20)):
        debit_customer(customer)
        due = debit_invoice(customer)
        other_date = debit_invoice(debit_customer(), issue_date=datetime.date(2026, 10, 20))
        card = InvoiceFactory(due_date=DEBIT_DATE, issue_date=datetime.date(2026, 11, 20))
        no_mandate = debit_invoice(CustomerFactory())

    result = export()

    batch = result.batch
    assert [debit.invoice for debit in batch.debits.all()] == [due]
    assert (batch.count, batch.total_cents, batch.debit_date) == (1, 6290, DEBIT_DATE)
    assert [excluded.number for excluded in result.excluded] == [no_mandate.number]
    with batch.file.open("rb") as stored:
        content = stored.read()
    pain008_validate(content)
    xmlschema_validate(content)
    import hashlib

    assert hashlib.sha256(content).hexdigest() == batch.sha256
    assert list(transactions(batch)) == [f"{due.number}-1"]
    for invoice, status in [
        (due, Invoice.Status.DEBIT_SENT),
        (other_date, Invoice.Status.ISSUED),
        (card, Invoice.Status.ISSUED),
        (no_mandate, Invoice.Status.ISSUED),
    ]:
        invoice.refresh_from_db()
        assert invoice.status == status
    # Exported once: a second run finds nothing left.
    assert export().batch is None


def test_first_debit_then_recurrent(customer):
    with at(datetime.date(2026, 11, 20)):
        debit_customer(customer)
        november = debit_invoice(customer)
    first = export().batch
    assert transactions(first)[f"{november.number}-1"].get("sequence") == "FRST"
    assert Mandate.objects.get(customer=customer).first_debit_done

    with at(datetime.date(2026, 12, 20)):
        december = debit_invoice(customer, issue_date=datetime.date(2026, 12, 20))
    second = export(datetime.date(2027, 1, 5), today=datetime.date(2026, 12, 28)).batch
    assert transactions(second)[f"{december.number}-1"].get("sequence") == "RCUR"


def amendment_of(tx):
    mandate = tx.find("p:DrctDbtTx/p:MndtRltdInf", NS)
    if mandate.findtext("p:AmdmntInd", namespaces=NS) != "true":
        return None
    account = mandate.find("p:AmdmntInfDtls/p:OrgnlDbtrAcct/p:Id", NS)
    return account.findtext("p:IBAN", namespaces=NS) or account.findtext(
        "p:Othr/p:Id", namespaces=NS
    )


@pytest.mark.parametrize(
    ("new_iban", "reported"), [(IBAN_FR_SAME_BANK, IBAN_FR), (IBAN_DE, "SMNDA")]
)
def test_a_change_of_bank_details_is_in_the_next_file_only(customer_user, new_iban, reported):
    customer = customer_user.customer
    with at(datetime.date(2026, 10, 20)):
        debit_customer(customer)
        debit_invoice(customer, issue_date=datetime.date(2026, 10, 20))
    export(datetime.date(2026, 11, 5), today=datetime.date(2026, 10, 28))

    with at(datetime.date(2026, 11, 10)):
        mandate_amend(
            user=customer_user,
            details=BankDetails(iban=new_iban, bic="", account_holder="Claire Muller", debit_day=5),
        )
    with at(datetime.date(2026, 11, 20)):
        november = debit_invoice(customer)
    batch = export().batch
    tx = transactions(batch)[f"{november.number}-1"]
    assert amendment_of(tx) == reported
    assert tx.get("sequence") == "RCUR"
    assert tx.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == new_iban
    assert Mandate.objects.get().amendments.get().reported_in == batch

    with at(datetime.date(2026, 12, 20)):
        december = debit_invoice(customer, issue_date=datetime.date(2026, 12, 20))
    later = export(datetime.date(2027, 1, 5), today=datetime.date(2026, 12, 28)).batch
    assert amendment_of(transactions(later)[f"{december.number}-1"]) is None


def test_an_invoice_announced_less_than_14_days_before_is_left_out():
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        announced = debit_invoice(customer)
    # Imported on the 25th though dated the 20th: the customer heard of it 10 days ahead.
    late_customer = debit_customer()
    with at(datetime.date(2026, 11, 25)):
        late = debit_invoice(late_customer)

    result = export()

    assert [debit.invoice for debit in result.batch.debits.all()] == [announced]
    assert [(e.number, e.reason) for e in result.excluded] == [
        (late.number, "annoncée 10 jours seulement avant le prélèvement (14 au moins)")
    ]
    late.refresh_from_db()
    assert late.status == Invoice.Status.ISSUED


def test_a_partly_paid_invoice_is_debited_for_what_remains():
    from guichet.payments.services.ledger import payment_record

    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        invoice = debit_invoice(customer, cents=6290)
        payment_record(customer=customer, amount_cents=2000, method=Payment.Method.CARD)

    debit = export().batch.debits.get()

    assert debit.amount_cents == 4290
    assert debit.invoice == invoice


def test_exported_invoices_read_prelevement_emis(customer, customer_user, client, other_customer):
    with at(datetime.date(2026, 11, 20)):
        debit_customer(customer)
        mine = debit_invoice(customer)
        theirs = InvoiceFactory(customer=other_customer, issue_date=datetime.date(2026, 11, 20))
    export()

    with at(datetime.date(2026, 11, 28)):
        client.force_login(customer_user, backend="guichet.accounts.backends.CustomerBackend")
        response = client.get(reverse("billing:invoices"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Prélèvement émis" in page
    assert mine.number in page
    assert theirs.number not in page
    theirs.refresh_from_db()
    assert theirs.status == Invoice.Status.ISSUED


def test_the_money_counts_from_the_collection_date(customer):
    with at(datetime.date(2026, 11, 20)):
        debit_customer(customer)
        invoice = debit_invoice(customer)
    debit = export().batch.debits.get()
    assert debit.payment.status == Payment.Status.PENDING
    assert debit.payment.method == Payment.Method.DIRECT_DEBIT

    assert debit_collections_confirm(today=datetime.date(2026, 12, 4)) == 0
    assert debit_collections_confirm(today=DEBIT_DATE) == 1
    assert debit_collections_confirm(today=DEBIT_DATE) == 0  # once

    debit.payment.refresh_from_db()
    invoice.refresh_from_db()
    assert debit.payment.status == Payment.Status.CONFIRMED
    assert invoice.status == Invoice.Status.PAID
    assert balance_for(customer).owed_cents == 0


@pytest.mark.parametrize("collected", [False, True])
def test_a_reject_reopens_the_invoice_and_the_balance(customer, other_customer, collected):
    with at(datetime.date(2026, 11, 20)):
        debit_customer(customer)
        invoice = debit_invoice(customer)
        debit_customer(other_customer)
        other = debit_invoice(other_customer)
    batch = export().batch
    if collected:
        debit_collections_confirm(today=DEBIT_DATE)
    debit = batch.debits.get(invoice=invoice)
    OutboxEmail.objects.all().delete()

    with at(datetime.date(2026, 12, 8)):
        debit_reject(debit_id=debit.pk, reason=" am04 ")

    debit.refresh_from_db()
    invoice.refresh_from_db()
    debit.payment.refresh_from_db()
    assert (debit.status, debit.reject_reason) == (Debit.Status.REJECTED, "AM04")
    assert debit.payment.status == Payment.Status.REFUSED
    assert not debit.payment.allocations.exists()
    assert (invoice.status, invoice.paid_at) == (Invoice.Status.ISSUED, None)
    assert balance_for(customer).owed_cents == 6290
    # The first debit was rejected: the next one is a first one again.
    assert not Mandate.objects.get(customer=customer).first_debit_done
    email = OutboxEmail.objects.get()
    assert email.to == customer.contact_email
    assert "Provision insuffisante" in email.body_text
    assert invoice.number in email.body_text
    assert "62,90" in email.body_text
    # The other customer's debit is untouched.
    other.refresh_from_db()
    assert other.status == (Invoice.Status.PAID if collected else Invoice.Status.DEBIT_SENT)


def test_a_reject_needs_a_known_code_and_happens_once():
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        debit_invoice(customer)
    debit = export().batch.debits.get()

    with pytest.raises(ValidationError) as refused:
        debit_reject(debit_id=debit.pk, reason="ZZ99")
    assert "Code de rejet « ZZ99 » inconnu" in refused.value.messages[0]
    debit_reject(debit_id=debit.pk, reason="MD01")
    with pytest.raises(ValidationError, match="déjà rejeté"):
        debit_reject(debit_id=debit.pk, reason="AM04")
    with pytest.raises(ValidationError, match="n'existe pas"):
        debit_reject(debit_id=debit.pk + 1000, reason="AM04")


def test_a_file_that_does_not_validate_is_never_stored(settings):
    settings.PAYMENTS_CREDITOR_BIC = "NOTABIC1X"  # past settings' check: the XSD refuses it
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        invoice = debit_invoice(customer)

    from guichet.payments.sepa import SepaFileInvalid

    with pytest.raises(SepaFileInvalid):
        export()
    assert not DebitBatch.objects.exists()
    assert not Debit.objects.exists()
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED
    assert not Mandate.objects.get().first_debit_done


# --- The command ------------------------------------------------------------------------------


def run(*args, today=datetime.date(2026, 11, 28)):
    out, err = io.StringIO(), io.StringIO()
    with at(today):
        call_command("sepa_export", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_writes_the_file_and_says_so():
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        invoice = debit_invoice(customer)
    late = debit_customer()
    with at(datetime.date(2026, 11, 25)):
        late_invoice = debit_invoice(late)

    out, err = run("--date", "2026-12-05")

    batch = DebitBatch.objects.get()
    assert "1 prélèvement de 62,90\xa0€ le 05/12/2026" in out
    assert batch.file.path in out and batch.sha256 in out
    assert f"Facture {late_invoice.number} non prélevée" in err
    assert invoice.number not in err

    out, err = run("--date", "2026-12-05")
    assert out.strip() == "Aucun prélèvement à émettre le 05/12/2026."


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("05/12/2026", "date « 05/12/2026 » invalide (format attendu : AAAA-MM-JJ)"),
        ("2026-11-28", "La date de prélèvement doit être postérieure à aujourd'hui"),
        ("2026-11-01", "La date de prélèvement doit être postérieure à aujourd'hui"),
    ],
)
def test_the_command_refuses_a_bad_date(date, message):
    with pytest.raises(CommandError) as refused:
        run("--date", date)
    assert message in str(refused.value)


def test_the_command_needs_the_creditor_settings(settings):
    settings.PAYMENTS_CREDITOR_IBAN = ""
    with pytest.raises(CommandError, match="renseignez PAYMENTS_CREDITOR_IBAN"):
        run("--date", "2026-12-05")


def test_the_reject_command():
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        invoice = debit_invoice(customer)
    debit = export().batch.debits.get()
    out = io.StringIO()

    with pytest.raises(CommandError, match="Aucun prélèvement ne porte la référence « X-1 »"):
        call_command("sepa_reject", "X-1", "AM04")
    with pytest.raises(CommandError, match="inconnu"):
        call_command("sepa_reject", debit.end_to_end_id, "NOPE")
    call_command("sepa_reject", debit.end_to_end_id, "ac04", stdout=out)

    assert f"Prélèvement {invoice.number}-1 rejeté (AC04 : Compte clôturé)" in out.getvalue()
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.ISSUED


# --- The back office --------------------------------------------------------------------------


def staff_with(client, staff, staff_login, *codenames):
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    return staff_login(client, staff)


def test_staff_without_the_permission_cannot_export_nor_reject(client, staff, staff_login):
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        debit_invoice(customer)
    debit = export().batch.debits.get()
    staff_with(client, staff, staff_login, "view_debitbatch", "view_debit")

    changelist = client.get(reverse("admin:payments_debitbatch_changelist"))
    assert changelist.status_code == 200
    assert reverse("admin:payments_debitbatch_export") not in changelist.content.decode()
    url = reverse("admin:payments_debitbatch_export")
    assert client.get(url).status_code == 403
    assert client.post(url, {"debit_date": "05/01/2027"}).status_code == 403
    reject = reverse("admin:payments_debit_reject", args=[debit.pk])
    assert client.post(reject, {"reason": "AM04"}).status_code == 403
    debit.refresh_from_db()
    assert debit.status == Debit.Status.EXPORTED
    assert DebitBatch.objects.count() == 1


def test_staff_export_a_date_and_download_the_file(client, staff, staff_login):
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        invoice = debit_invoice(customer)
    url = reverse("admin:payments_debitbatch_export")

    with at(datetime.date(2026, 11, 28)):
        staff_with(client, staff, staff_login, "view_debitbatch", "add_debitbatch")
        assert (
            "Exporter les prélèvements"
            in client.get(reverse("admin:payments_debitbatch_changelist")).content.decode()
        )
        form = client.get(url)
        assert form.status_code == 200
        for typed, message in [
            ("31/02/2026", "Date invalide : écrivez-la JJ/MM/AAAA"),
            ("", "Indiquez la date de prélèvement."),
            ("27/11/2026", "La date de prélèvement doit être postérieure à aujourd&#x27;hui"),
        ]:
            page = client.post(url, {"debit_date": typed})
            assert page.status_code == 200
            assert message in page.content.decode()
            assert f'value="{typed}"' in page.content.decode() or not typed
        assert not DebitBatch.objects.exists()

        done = client.post(url, {"debit_date": "05/12/2026"}, follow=True)
        batch = DebitBatch.objects.get()
        assert done.redirect_chain[-1][0] == reverse(
            "admin:payments_debitbatch_change", args=[batch.pk]
        )
        assert "1 prélèvement exporté pour le 05/12/2026" in done.content.decode()
        assert batch.created_by == staff.username
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.DEBIT_SENT

        download = client.get(reverse("admin:payments_debitbatch_file", args=[batch.pk]))
        assert download.status_code == 200
        assert download["Content-Disposition"].startswith("attachment")
        pain008_validate(download.content)
        # A file changed on disk since it was validated is never handed out.
        name = batch.file.name
        with default_storage.open(name, "rb") as stored:
            changed = stored.read() + b"<!-- changed -->"
        default_storage.delete(name)
        default_storage.save(name, ContentFile(changed))
        assert (
            client.get(reverse("admin:payments_debitbatch_file", args=[batch.pk])).status_code
            == 503
        )


def test_staff_record_a_reject(client, staff, staff_login):
    customer = debit_customer()
    with at(datetime.date(2026, 11, 20)):
        invoice = debit_invoice(customer)
    debit = export().batch.debits.get()
    staff_with(client, staff, staff_login, "view_debit", "change_debit")
    url = reverse("admin:payments_debit_reject", args=[debit.pk])

    page = client.get(url)
    assert page.status_code == 200
    assert "AM04 — Provision insuffisante" in page.content.decode()
    refused = client.post(url, {"reason": "ZZ99"})
    assert "Ce code de rejet n&#x27;existe pas." in refused.content.decode()
    done = client.post(url, {"reason": "MS02"}, follow=True)
    assert "est de nouveau à payer" in done.content.decode()
    debit.refresh_from_db()
    invoice.refresh_from_db()
    assert (debit.status, debit.reject_reason) == (Debit.Status.REJECTED, "MS02")
    assert invoice.status == Invoice.Status.ISSUED
    again = client.post(url, {"reason": "MS02"})
    assert "déjà rejeté" in again.content.decode()
    assert (
        client.get(reverse("admin:payments_debit_reject", args=[debit.pk + 99])).status_code == 404
    )


def test_the_daily_task_confirms_the_collections_due(customer):
    from guichet.payments.tasks import confirm_debit_collections

    with at(datetime.date(2026, 11, 20)):
        debit_customer(customer)
        invoice = debit_invoice(customer)
    export()

    with at(DEBIT_DATE, hour=13):
        assert confirm_debit_collections.delay().get() == 1
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID


# --- Pre-notification: the invoice announces the debit, 14 days ahead at least ------------------


def test_the_invoice_and_its_email_announce_the_debit(customer):
    from guichet.billing.services import invoice_pdf_bytes
    from guichet.billing.tests.test_pdf import pdf_text

    customer.invoice_email_opt_in, customer.invoice_email = True, "claire@example.fr"
    customer.save(update_fields=["invoice_email_opt_in", "invoice_email"])
    with at(datetime.date(2026, 11, 20)):
        debit_customer(customer)
        period = datetime.date(2026, 11, 1)
        terms = direct_debit(issue_date=datetime.date(2026, 11, 20), debit_day=5)
        invoice = InvoiceFactory(
            customer=customer,
            period=period,
            issue_date=datetime.date(2026, 11, 20),
            payment_method=terms.method,
            due_date=terms.due_date,
            lines=[line_draft(period=period, price_incl_vat_cents=6290)],
            notify=True,
        )
    assert (invoice.due_date - invoice.issue_date).days >= 14
    assert invoice.due_date == DEBIT_DATE

    email = OutboxEmail.objects.get(template="invoice_available")
    assert "Montant total de la facture : 62,90\xa0€" in email.body_text
    assert "Ce montant sera prélevé sur votre compte le 05/12/2026." in email.body_text
    assert "Prélèvement prévu le" in email.body_html and "05/12/2026" in email.body_html
    text = " ".join(pdf_text(invoice_pdf_bytes(invoice)).split())
    assert "Montant de 62,90 € prélevé le 05/12/2026" in text.replace("\xa0", " ")
    assert invoice.status_label == "Prélèvement prévu le 05/12/2026"
    # And the export of that date takes it: announced 15 days before.
    assert export().batch.debits.get().invoice == invoice
