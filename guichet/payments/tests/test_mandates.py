"""SEPA mandate services (F5): sign, amend under the same RUM, revoke; audit and e-mails."""

import datetime
import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection

from guichet.accounts.models import SecurityEvent
from guichet.billing.models import Invoice
from guichet.core.models import OutboxEmail
from guichet.payments.demo import DEMO_MANDATE_IBAN, demo_mandates
from guichet.payments.iban import iban_decrypt
from guichet.payments.models import DebitBatch, Mandate, MandateAmendment
from guichet.payments.services.mandates import (
    RUM_MAX,
    BankDetails,
    iban_keys_rotate,
    mandate_amend,
    mandate_create,
    mandate_revoke,
)
from guichet.payments.terms import by_mandate

pytestmark = pytest.mark.django_db

FRENCH = "FR7630006000011234567890189"
GERMAN = "DE89370400440532013000"
ITALIAN = "IT60X0542811101000000123456"


def _details(iban=FRENCH, bic="", holder="Claire Muller", day=5):
    return BankDetails(iban=iban, bic=bic, account_holder=holder, debit_day=day)


def _outbox_text() -> str:
    return " ".join(
        f"{e.subject} {e.body_text} {e.body_html}" for e in OutboxEmail.objects.order_by("pk")
    )


def test_switching_to_direct_debit_signs_a_mandate_with_a_new_rum(customer_user):
    mandate = mandate_create(
        user=customer_user, details=_details(iban="fr76 3000 6000 0112 3456 7890 189")
    )
    assert mandate.status == Mandate.Status.ACTIVE
    assert mandate.rum == "123456-01776108-1" and len(mandate.rum) <= RUM_MAX
    assert mandate.iban_last4 == "0189" and mandate.bic == "AGRIFRPPXXX"
    assert mandate.debit_day == 5
    assert iban_decrypt(mandate.iban_encrypted) == FRENCH
    event = SecurityEvent.objects.get(user=customer_user)
    assert event.kind == SecurityEvent.Kind.MANDATE_SIGNED
    assert FRENCH not in event.detail and mandate.rum in event.detail


def test_the_database_column_holds_no_iban(customer_user):
    mandate = mandate_create(user=customer_user, details=_details())
    with connection.cursor() as cursor:
        cursor.execute("SELECT iban_encrypted FROM payments_mandate WHERE id = %s", [mandate.pk])
        (stored,) = cursor.fetchone()
    assert FRENCH not in stored and "30006000" not in stored and "0189" not in stored
    assert iban_decrypt(stored) == FRENCH


def test_the_confirmation_and_the_security_notice_go_out_without_the_iban(customer_user):
    mandate_create(user=customer_user, details=_details())
    emails = list(OutboxEmail.objects.order_by("pk"))
    assert [e.template for e in emails] == ["mandate_signed", "security_notice"]
    assert {e.to for e in emails} == {customer_user.customer.contact_email}
    text = _outbox_text()
    assert "123456-01776108-1" in text and "FR76 •••• •••• 0189" in text
    assert "le 5 du mois" in text
    assert FRENCH not in text.replace(" ", "") and "30006000" not in text.replace(" ", "")


def test_a_second_mandate_is_refused_while_one_is_active(customer_user):
    mandate_create(user=customer_user, details=_details())
    with pytest.raises(ValidationError, match="déjà un mandat"):
        mandate_create(user=customer_user, details=_details(iban=GERMAN))
    assert Mandate.objects.count() == 1


def test_services_check_the_details_themselves(customer_user):
    with pytest.raises(ValidationError) as caught:
        mandate_create(user=customer_user, details=_details(iban=FRENCH[:-1] + "8", day=6))
    assert set(caught.value.message_dict) == {"iban", "debit_day"}
    assert not Mandate.objects.exists() and not OutboxEmail.objects.exists()


def test_no_direct_debit_without_a_creditor_identifier(customer_user, settings):
    settings.PAYMENTS_CREDITOR_ID = ""
    with pytest.raises(ValidationError, match="pas proposé"):
        mandate_create(user=customer_user, details=_details())


def test_an_amendment_keeps_the_rum_and_records_the_original_account(customer_user):
    mandate = mandate_create(user=customer_user, details=_details())
    OutboxEmail.objects.all().delete()
    amended = mandate_amend(
        user=customer_user, details=_details(iban="de89 3704 0044 0532 0130 00", day=5)
    )
    assert amended.pk == mandate.pk and amended.rum == mandate.rum
    assert iban_decrypt(amended.iban_encrypted) == GERMAN
    assert (amended.iban_last4, amended.bic) == ("3000", "COBADEFFXXX")
    amendment = MandateAmendment.objects.get(mandate=mandate)
    assert iban_decrypt(amendment.original_iban_encrypted) == FRENCH
    assert (amendment.original_iban_last4, amendment.original_bic) == ("0189", "AGRIFRPPXXX")
    assert amendment.reported_in is None
    assert SecurityEvent.objects.filter(
        user=customer_user, kind=SecurityEvent.Kind.BANK_DETAILS_CHANGED
    ).exists()
    assert [e.template for e in OutboxEmail.objects.order_by("pk")] == [
        "mandate_amended",
        "security_notice",
    ]
    assert "DE89 •••• •••• 3000" in _outbox_text() and GERMAN not in _outbox_text()


def test_a_second_change_before_the_next_file_keeps_the_account_the_bank_knows(customer_user):
    mandate = mandate_create(user=customer_user, details=_details())
    mandate_amend(user=customer_user, details=_details(iban=GERMAN))
    mandate_amend(user=customer_user, details=_details(iban=ITALIAN))
    amendment = MandateAmendment.objects.get(mandate=mandate)
    assert iban_decrypt(amendment.original_iban_encrypted) == FRENCH
    # Once a debit file has reported it, the next change is a new amendment.
    batch = DebitBatch.objects.create(debit_date=datetime.date(2026, 12, 5), message_id="M1")
    MandateAmendment.objects.filter(pk=amendment.pk).update(reported_in=batch)
    mandate_amend(user=customer_user, details=_details(iban=GERMAN))
    latest = MandateAmendment.objects.filter(mandate=mandate).order_by("-pk").first()
    assert iban_decrypt(latest.original_iban_encrypted) == ITALIAN


def test_changing_only_the_day_or_holder_is_no_bank_amendment(customer_user, settings):
    settings.PAYMENTS_DEBIT_DAYS = [5, 15]
    mandate = mandate_create(user=customer_user, details=_details())
    mandate_amend(user=customer_user, details=_details(day=15, holder="Claire Muller-Haas"))
    mandate.refresh_from_db()
    assert (mandate.debit_day, mandate.account_holder) == (15, "Claire Muller-Haas")
    assert not MandateAmendment.objects.exists()
    with pytest.raises(ValidationError, match="rien n'a changé"):
        mandate_amend(user=customer_user, details=_details(day=15, holder="Claire Muller-Haas"))


def test_amending_without_a_mandate_is_refused(customer_user):
    with pytest.raises(ValidationError):
        mandate_amend(user=customer_user, details=_details())


def test_revoking_returns_to_card_and_a_new_mandate_gets_a_new_rum(customer_user):
    customer = customer_user.customer
    issue = datetime.date(2026, 11, 1)
    mandate_create(user=customer_user, details=_details())
    terms = by_mandate(customer=customer, issue_date=issue)
    assert terms.method == Invoice.PaymentMethod.DIRECT_DEBIT
    assert terms.due_date == datetime.date(2026, 12, 5)

    revoked = mandate_revoke(user=customer_user)
    assert revoked.status == Mandate.Status.REVOKED and revoked.revoked_at is not None
    assert by_mandate(customer=customer, issue_date=issue).method == (
        Invoice.PaymentMethod.ON_RECEIPT
    )
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.MANDATE_REVOKED).count() == 1
    assert "mandate_revoked" in OutboxEmail.objects.values_list("template", flat=True)
    with pytest.raises(ValidationError):
        mandate_revoke(user=customer_user)

    again = mandate_create(user=customer_user, details=_details(iban=GERMAN))
    assert again.rum == "123456-01776108-2"


def test_another_customers_mandate_is_never_touched(customer_user, other_customer):
    theirs = mandate_create(user=other_customer.user, details=_details(holder="Bruno Autre"))
    with pytest.raises(ValidationError):
        mandate_amend(user=customer_user, details=_details(iban=GERMAN))
    with pytest.raises(ValidationError):
        mandate_revoke(user=customer_user)
    theirs.refresh_from_db()
    assert theirs.status == Mandate.Status.ACTIVE
    assert iban_decrypt(theirs.iban_encrypted) == FRENCH


def test_rotating_keys_re_encrypts_every_iban(customer_user, settings):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings.PAYMENTS_IBAN_KEYS = [old]
    mandate = mandate_create(user=customer_user, details=_details())
    mandate_amend(user=customer_user, details=_details(iban=GERMAN))
    settings.PAYMENTS_IBAN_KEYS = [new, old]
    assert iban_keys_rotate() == 2
    settings.PAYMENTS_IBAN_KEYS = [new]
    mandate.refresh_from_db()
    assert iban_decrypt(mandate.iban_encrypted) == GERMAN
    amendment = MandateAmendment.objects.get()
    assert iban_decrypt(amendment.original_iban_encrypted) == FRENCH


def test_the_demo_gives_the_guides_subscriber_a_mandate_on_the_5th(customer):
    assert demo_mandates() == 1
    mandate = Mandate.objects.get(customer=customer)
    assert mandate.status == Mandate.Status.ACTIVE and mandate.debit_day == 5
    assert iban_decrypt(mandate.iban_encrypted) == DEMO_MANDATE_IBAN
    # Recorded as signed on paper: nobody changed anything online, nothing is sent.
    assert not OutboxEmail.objects.exists() and not SecurityEvent.objects.exists()
    assert demo_mandates() == 0


def test_the_rotation_command_reports_and_a_missing_key_stops_it(customer_user, settings):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings.PAYMENTS_IBAN_KEYS = [old]
    mandate_create(user=customer_user, details=_details())
    out = io.StringIO()
    settings.PAYMENTS_IBAN_KEYS = [new, old]
    call_command("iban_keys_rotate", stdout=out)
    assert "1 IBAN chiffré à nouveau" in out.getvalue()
    settings.PAYMENTS_IBAN_KEYS = [Fernet.generate_key()]
    with pytest.raises(CommandError, match="PAYMENTS_IBAN_KEY"):
        call_command("iban_keys_rotate", stdout=out)


def test_the_back_office_shows_the_iban_masked_only(admin_client, customer_user):
    mandate = mandate_create(user=customer_user, details=_details())
    mandate_amend(user=customer_user, details=_details(iban=GERMAN))
    listing = admin_client.get("/back-office/payments/mandate/?q=3000").content.decode()
    assert mandate.rum in listing and "•••• 3000" in listing
    page = admin_client.get(f"/back-office/payments/mandate/{mandate.pk}/change/")
    html = page.content.decode()
    assert page.status_code == 200
    assert "DE89 •••• •••• 3000" in html and "•••• 0189" in html
    assert GERMAN not in html and FRENCH not in html and mandate.iban_encrypted not in html
