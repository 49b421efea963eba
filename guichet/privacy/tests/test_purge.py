"""The retention purge (I3): each limit removes what is just past it, keeps what is just within."""

import datetime
import io

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.models import SecurityEvent, User
from guichet.accounts.services import security_event_record
from guichet.billing.models import Invoice
from guichet.billing.tests.factories import InvoiceFactory
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.core.models import OutboxEmail, StaffAccess
from guichet.customers.models import Customer
from guichet.payments.models import Mandate, Payment
from guichet.payments.services.ledger import payment_record
from guichet.payments.services.mandates import BankDetails, mandate_create
from guichet.privacy.models import CustomerErasure, DataExport
from guichet.privacy.services.purge import purge_run

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2030, 6, 15, 10, 0, tzinfo=datetime.UTC)
SECOND = datetime.timedelta(seconds=1)


@pytest.fixture(autouse=True)
def limits(settings):
    settings.PRIVACY_SECURITY_EVENT_RETENTION_DAYS = 365
    settings.PRIVACY_STAFF_ACCESS_RETENTION_DAYS = 365
    settings.PRIVACY_OUTBOX_RETENTION_DAYS = 90
    settings.PRIVACY_ENDED_CONTRACT_RETENTION_DAYS = 1095
    settings.PRIVACY_EXPORT_DAYS = 7


def _at(moment, make):
    with time_machine.travel(moment, tick=False):
        return make()


def _limit(days):
    return NOW - datetime.timedelta(days=days)


def _outbox(status):
    return OutboxEmail.objects.create(
        to="a@example.fr",
        subject="s",
        body_text="t",
        template="x",
        status=status,
        sent_at=timezone.now() if status == OutboxEmail.Status.SENT else None,
    )


@pytest.fixture
def dated_rows(customer_user):
    rows = {}
    for name, moment in (("old", _limit(365) - SECOND), ("young", _limit(365) + SECOND)):
        rows[f"event_{name}"] = _at(
            moment,
            lambda: security_event_record(user=customer_user, kind=SecurityEvent.Kind.LOGIN_FAILED),
        )
        rows[f"access_{name}"] = _at(
            moment,
            lambda: StaffAccess.objects.create(
                staff_username="agent", action=StaffAccess.Action.VIEW, model="customers.customer"
            ),
        )
    for name, moment in (("old", _limit(90) - SECOND), ("young", _limit(90) + SECOND)):
        rows[f"sent_{name}"] = _at(moment, lambda: _outbox(OutboxEmail.Status.SENT))
        rows[f"failed_{name}"] = _at(moment, lambda: _outbox(OutboxEmail.Status.FAILED))
    rows["pending_old"] = _at(_limit(400), lambda: _outbox(OutboxEmail.Status.PENDING))
    for name, expires in (("old", NOW - SECOND), ("young", NOW + SECOND)):
        path = default_storage.save(f"privacy/exports/test-{name}.zip", ContentFile(b"zip"))
        rows[f"export_{name}"] = DataExport.objects.create(
            customer=customer_user.customer,
            status=DataExport.Status.READY,
            file=path,
            created_at=expires - datetime.timedelta(days=7),
            ready_at=expires - datetime.timedelta(days=7),
            expires_at=expires,
        )
    return rows


def _exists(row) -> bool:
    return type(row).objects.filter(pk=row.pk).exists()


def test_each_limit_removes_just_past_and_keeps_just_within(
    dated_rows, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = purge_run(now=NOW)
    for kind in ("event", "access", "sent", "failed", "export"):
        assert not _exists(dated_rows[f"{kind}_old"]), kind
        assert _exists(dated_rows[f"{kind}_young"]), kind
    assert _exists(dated_rows["pending_old"])  # an unsent e-mail may still be due
    assert not default_storage.exists(dated_rows["export_old"].file.name)
    assert default_storage.exists(dated_rows["export_young"].file.name)
    assert report.as_dict() == {
        "security_events": 1,
        "staff_accesses": 1,
        "data_exports": 1,
        "outbox_emails": 2,
        "customers_anonymised": 0,
        "invoices": 0,
    }


def test_dry_run_counts_and_changes_nothing(dated_rows):
    before = {key: _exists(row) for key, row in dated_rows.items()}
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge", "--dry-run", stdout=out)
    assert {key: _exists(row) for key, row in dated_rows.items()} == before
    assert default_storage.exists(dated_rows["export_old"].file.name)
    assert "1 security events older than the retention would be purged" in out.getvalue()
    assert "2 sent or failed e-mails older than the retention would be purged" in out.getvalue()


def test_the_command_purges(dated_rows):
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge", stdout=out)
    assert not _exists(dated_rows["event_old"]) and _exists(dated_rows["event_young"])
    assert "1 data archives past their time purged" in out.getvalue()


# Ended contracts: the last service ended more than PRIVACY_ENDED_CONTRACT_RETENTION_DAYS ago
# (1095 here), nothing owed either way.
LAST_DAY_KEPT = timezone.localdate(NOW) - datetime.timedelta(days=1095)


def _ended_customer(*, end_date, settle=True, reference):
    from guichet.accounts.tests.factories import CustomerUserFactory

    user = CustomerUserFactory(
        customer__reference=reference,
        customer__phone_mobile="+33612345678",
        customer__holder__first_name="Hélène",
        customer__holder__last_name=f"Nom{reference}",
    )
    customer = user.customer
    SubscriptionFactory(customer=customer, start_date=datetime.date(2020, 1, 1), end_date=end_date)
    invoice = InvoiceFactory(customer=customer, period=datetime.date(2026, 1, 1))
    mandate_create(
        user=user,
        details=BankDetails(
            iban="FR7630006000011234567890189", bic="", account_holder="Hélène", debit_day=5
        ),
    )
    if settle:
        payment_record(
            customer=customer,
            amount_cents=invoice.total_incl_vat_cents,
            method=Payment.Method.OTHER,
        )
    return customer


def test_an_ended_contract_is_anonymised_only_past_its_time_and_settled(db):
    gone = _ended_customer(
        end_date=LAST_DAY_KEPT - datetime.timedelta(days=1), reference="11111111"
    )
    kept = _ended_customer(end_date=LAST_DAY_KEPT, reference="22222222")
    owing = _ended_customer(
        end_date=LAST_DAY_KEPT - datetime.timedelta(days=1), settle=False, reference="33333333"
    )
    running = _ended_customer(end_date=None, reference="44444444")
    issued_to = Invoice.objects.get(customer=gone).customer_name

    assert purge_run(now=NOW, dry_run=True).customers_anonymised == 1
    assert User.objects.filter(customer=gone).exists()

    report = purge_run(now=NOW)
    assert report.customers_anonymised == 1 and report.anonymised_references == ["11111111"]
    gone = Customer.objects.get(pk=gone.pk)
    assert gone.reference == "11111111"
    assert gone.phone_mobile == "" and gone.contact_email == ""
    assert "rue des Tanneurs" not in gone.installation_street + gone.billing_street
    assert "Hélène" not in gone.display_name and "Nom11111111" not in gone.display_name
    assert not User.objects.filter(customer=gone).exists()
    assert not SecurityEvent.objects.filter(detail__contains="11111111").exists()
    mandate = Mandate.objects.get(customer=gone)
    assert mandate.iban_encrypted == "" and mandate.status == Mandate.Status.REVOKED
    # The invoice stays, as issued (the law asks for it; the database forbids changing it).
    assert Invoice.objects.get(customer=gone).customer_name == issued_to
    assert CustomerErasure.objects.filter(customer=gone).exists()

    for other in (kept, owing, running):
        other.refresh_from_db()
        assert other.phone_mobile == "+33612345678", other.reference
        assert User.objects.filter(customer=other).exists()
        assert Mandate.objects.get(customer=other).iban_encrypted != ""

    # Done once: the next night does not count it again.
    assert purge_run(now=NOW).customers_anonymised == 0


def test_the_nightly_beat_entry_runs_the_purge(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["privacy-purge"]
    assert entry["task"] == "guichet.privacy.tasks.purge"
    assert entry["schedule"] == 86400.0
    from guichet.privacy import tasks

    assert tasks.purge.name == entry["task"]


def test_the_policy_shows_the_limits_the_purge_applies(client, settings):
    settings.PRIVACY_SECURITY_EVENT_RETENTION_DAYS = 400
    settings.PRIVACY_ENDED_CONTRACT_RETENTION_DAYS = 730
    settings.PRIVACY_INVOICE_RETENTION_YEARS = 10
    page = client.get(reverse("privacy:policy")).content.decode()
    assert "Durées de conservation" in page
    assert "400 jours" in page
    assert "2 ans" in page
    assert "au moins 10 ans" in page
    assert "supprimées ensuite" in page


def test_the_default_policy_text_points_to_the_periods_and_staff_edits_are_kept(db):
    import importlib

    from django.apps import apps

    from guichet.core.models import SitePage

    migration = importlib.import_module("guichet.core.migrations.0011_privacy_retention_text")
    # 0012 then says the invoices are deleted after their retention.
    latest = importlib.import_module("guichet.core.migrations.0012_privacy_invoice_retention_text")
    french = SitePage.objects.get(slug=SitePage.Slug.PRIVACY, language="fr")
    assert migration.OLD_FR not in french.body
    assert migration.NEW_FR.replace(latest.OLD_FR, latest.NEW_FR) in french.body
    english = SitePage.objects.get(slug=SitePage.Slug.PRIVACY, language="en")
    assert migration.NEW_EN.replace(latest.OLD_EN, latest.NEW_EN) in english.body

    SitePage.objects.filter(pk=french.pk).update(body="Texte de notre juriste.")
    migration.backwards(apps, None)
    migration.forwards(apps, None)
    assert SitePage.objects.get(pk=french.pk).body == "Texte de notre juriste."
    assert migration.NEW_EN.replace(latest.OLD_EN, latest.NEW_EN) in english.body
    latest.backwards(apps, None)
    english.refresh_from_db()
    assert migration.NEW_EN in english.body
    latest.forwards(apps, None)
    english.refresh_from_db()
    assert latest.NEW_EN in english.body
    assert SitePage.objects.get(pk=french.pk).body == "Texte de notre juriste."


# Invoices: kept PRIVACY_INVOICE_RETENTION_YEARS (10) after their issue date, then deleted with
# their lines, PDF and what payments keep about them.
INVOICE_LIMIT = datetime.date(2020, 6, 15)  # ten years before NOW


def _old_invoice(issue_date, *, settle=True):
    invoice = InvoiceFactory(period=issue_date.replace(day=1), issue_date=issue_date)
    name = default_storage.save(f"invoices/retention-{invoice.number}.pdf", ContentFile(b"%PDF"))
    Invoice.objects.pdf_claim(invoice_id=invoice.pk, name=name, sha256="0" * 64)
    payment = None
    if settle:
        # Paid the day it was issued: the payment is as old as the invoice.
        moment = datetime.datetime.combine(issue_date, datetime.time(8), tzinfo=datetime.UTC)
        payment = _at(
            moment,
            lambda: payment_record(
                customer=invoice.customer,
                amount_cents=invoice.total_incl_vat_cents,
                method=Payment.Method.OTHER,
            ),
        )
    return invoice, name, payment


@pytest.fixture
def invoices(settings):
    settings.PRIVACY_INVOICE_RETENTION_YEARS = 10
    old = _old_invoice(INVOICE_LIMIT - datetime.timedelta(days=1))
    kept = _old_invoice(INVOICE_LIMIT + datetime.timedelta(days=1))
    yield old, kept
    for _, name, _ in (old, kept):
        default_storage.delete(name)


def test_an_invoice_past_its_retention_goes_with_its_lines_pdf_and_payment(
    invoices, django_capture_on_commit_callbacks
):
    from guichet.billing.models import InvoiceLine
    from guichet.payments.models import Allocation

    (old, old_pdf, old_payment), (kept, kept_pdf, kept_payment) = invoices
    assert Allocation.objects.filter(invoice=old).exists()
    with django_capture_on_commit_callbacks(execute=True):
        report = purge_run(now=NOW)

    assert report.invoices == 1
    assert not Invoice.objects.filter(pk=old.pk).exists()
    assert not InvoiceLine.objects.filter(invoice_id=old.pk).exists()
    assert not default_storage.exists(old_pdf)
    assert not Allocation.objects.filter(invoice_id=old.pk).exists()
    # Fully spent on the purged invoice, older than the retention: it goes too.
    assert not Payment.objects.filter(pk=old_payment.pk).exists()

    assert Invoice.objects.filter(pk=kept.pk).exists()
    assert InvoiceLine.objects.filter(invoice_id=kept.pk).exists()
    assert default_storage.exists(kept_pdf)
    assert Allocation.objects.filter(invoice=kept).exists()
    assert Payment.objects.filter(pk=kept_payment.pk).exists()
    assert purge_run(now=NOW).invoices == 0


def test_the_invoice_purge_dry_run_counts_and_changes_nothing(invoices):
    (old, old_pdf, old_payment), _ = invoices
    out = io.StringIO()
    with time_machine.travel(NOW, tick=False):
        call_command("purge", "--dry-run", stdout=out)
    assert "1 invoices past their legal retention" in out.getvalue()
    assert Invoice.objects.filter(pk=old.pk).exists()
    assert default_storage.exists(old_pdf)
    assert Payment.objects.filter(pk=old_payment.pk).exists()


def test_an_old_invoice_settled_by_a_payment_with_credit_left_is_held_back(settings):
    from guichet.payments.models import Allocation

    settings.PRIVACY_INVOICE_RETENTION_YEARS = 10
    invoice, name, _ = _old_invoice(INVOICE_LIMIT - datetime.timedelta(days=40), settle=False)
    payment = _at(
        NOW - datetime.timedelta(days=4000),
        lambda: payment_record(
            customer=invoice.customer,
            amount_cents=invoice.total_incl_vat_cents + 500,
            method=Payment.Method.OTHER,
        ),
    )
    assert purge_run(now=NOW).invoices == 0
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    assert Allocation.objects.filter(payment=payment).exists()
    default_storage.delete(name)


def test_an_old_invoice_paid_within_the_retention_waits_for_its_payment(settings):
    settings.PRIVACY_INVOICE_RETENTION_YEARS = 10
    invoice, name, _ = _old_invoice(INVOICE_LIMIT - datetime.timedelta(days=1), settle=False)
    _at(
        NOW - datetime.timedelta(days=30),
        lambda: payment_record(
            customer=invoice.customer,
            amount_cents=invoice.total_incl_vat_cents,
            method=Payment.Method.OTHER,
        ),
    )
    assert purge_run(now=NOW).invoices == 0
    assert Invoice.objects.filter(pk=invoice.pk).exists()
    default_storage.delete(name)


def test_a_row_pointing_at_an_old_invoice_stops_the_purge_and_nothing_goes():
    from django.db.models import ProtectedError

    from guichet.billing.models import InvoiceLine
    from guichet.billing.services import invoices_purge
    from guichet.payments.models import Allocation

    LIMIT = INVOICE_LIMIT
    old, name, _ = _old_invoice(LIMIT - datetime.timedelta(days=400), settle=False)
    payment = Payment.objects.create(
        customer=old.customer, reference="P-OLD", method="other", amount_cents=100
    )
    Allocation.objects.create(payment=payment, invoice=old, amount_cents=100)
    with pytest.raises(ProtectedError):
        invoices_purge(issued_before=LIMIT)
    assert InvoiceLine.objects.filter(invoice_id=old.pk).exists()
    default_storage.delete(name)
