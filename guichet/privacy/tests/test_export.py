"""« Télécharger mes données » (I2): the archive, its access, its expiry, audit and e-mail."""

import datetime
import io
import json
import zipfile

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.models import SecurityEvent
from guichet.billing.tests.factories import InvoiceFactory
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.core.models import OutboxEmail
from guichet.payments.models import Payment
from guichet.payments.services.ledger import payment_record
from guichet.payments.services.mandates import BankDetails, mandate_create
from guichet.privacy.models import DataExport
from guichet.privacy.services.export import data_export_request
from guichet.support.models import RequestType
from guichet.support.services import contact_request_submit


def _contact(customer, message):
    request_type = RequestType.objects.get(label="Mise à jour données client")
    return contact_request_submit(customer=customer, request_type=request_type, message=message)


pytestmark = pytest.mark.django_db

IBAN = "FR7630006000011234567890189"
OTHER_IBAN = "DE89370400440532013000"
EXPORT_URL = reverse("privacy:export")


def _archive(response) -> zipfile.ZipFile:
    return zipfile.ZipFile(
        io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content)
    )


def _login(client, user):
    """Again after a jump in time: the session's idle time-out has passed meanwhile."""
    client.force_login(user, backend="guichet.accounts.backends.CustomerBackend")


def _request(client, capture):
    with capture(execute=True):
        return client.post(EXPORT_URL)


@pytest.fixture
def rich_customer(customer_user, customer):
    customer.phone_mobile = "+33612345678"
    customer.save()
    SubscriptionFactory(customer=customer, line_number="0389001122", product__name="Fibre Max")
    InvoiceFactory(customer=customer, render_pdf=True)
    payment_record(customer=customer, amount_cents=1234, method=Payment.Method.OTHER)
    mandate_create(
        user=customer_user,
        details=BankDetails(iban=IBAN, bic="", account_holder="Claire Muller", debit_day=5),
    )
    _contact(customer, "Merci de corriger mon adresse, bâtiment B.")
    return customer


@pytest.fixture
def rich_other(other_customer):
    other_customer.contact_email = "bruno.secret@example.org"
    other_customer.phone_mobile = "+33699887766"
    other_customer.save()
    SubscriptionFactory(customer=other_customer, line_number="0388776655")
    InvoiceFactory(customer=other_customer)
    mandate_create(
        user=other_customer.user,
        details=BankDetails(iban=OTHER_IBAN, bic="", account_holder="Bruno Autre", debit_day=5),
    )
    _contact(other_customer, "Message confidentiel de Bruno au service client.")
    return other_customer


def test_the_archive_holds_the_customers_data_and_nobody_elses(
    customer_client, rich_customer, rich_other, django_capture_on_commit_callbacks
):
    response = _request(customer_client, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    export = DataExport.objects.get(customer=rich_customer)
    assert export.status == DataExport.Status.READY and len(export.sha256) == 64

    response = customer_client.get(reverse("privacy:export_download", args=[export.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Disposition"].startswith("attachment;")
    archive = _archive(response)
    names = archive.namelist()
    invoice = rich_customer.invoices.get()
    assert f"factures/{invoice.number}.pdf" in names
    assert archive.read(f"factures/{invoice.number}.pdf").startswith(b"%PDF")
    raw = archive.read("mes-donnees.json").decode()
    data = json.loads(raw)
    assert data["customer"]["reference"] == "01776108"
    assert data["customer"]["phone_mobile"] == "+33612345678"
    assert data["holders"][0]["last_name"] == "Muller"
    assert data["subscriptions"][0]["line_number"] == "0389001122"
    assert data["invoices"][0]["number"] == invoice.number
    assert data["payments"][0]["amount_cents"] == 1234
    assert data["mandates"][0]["iban"] == "•••• 0189"
    assert {e["kind"] for e in data["security_events"]} >= {"mandate_signed"}
    assert data["contact_requests"][0]["message"] == "Merci de corriger mon adresse, bâtiment B."
    assert data["contact_requests"][0]["request_type__label"] == "Mise à jour données client"
    # Nothing of the other customer, and the IBAN never in clear, in any file of the archive.
    everything = raw + "".join(
        archive.read(name).decode("latin-1") for name in names if name.endswith(".pdf")
    )
    for secret in (
        "09999999",
        "Bruno",
        "Secrète",
        "bruno.secret",
        "+33699887766",
        "0388776655",
        rich_other.invoices.get().number,
        OTHER_IBAN,
        IBAN,
        "30006000011234567890",
    ):
        assert secret not in raw, secret
    assert IBAN not in everything


def test_the_request_is_audited_and_announced_by_email_with_the_page_link(
    customer_client, customer, django_capture_on_commit_callbacks
):
    _request(customer_client, django_capture_on_commit_callbacks)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.DATA_EXPORT_REQUESTED)
    assert event.user == customer.user
    email = OutboxEmail.objects.get(template="data_export_ready")
    assert email.to == customer.contact_email
    assert "Votre archive de données personnelles est prête" in email.subject
    assert "http://testserver" not in email.body_text
    assert reverse("privacy:export") in email.body_text
    # The e-mail points to the page, where the customer logs in: never to the file.
    assert reverse("privacy:export_download", args=[DataExport.objects.get().pk]) not in (
        email.body_text + email.body_html
    )


def test_the_email_is_in_the_customers_language(
    customer_client, customer, django_capture_on_commit_callbacks
):
    customer.language = "en"
    customer.save()
    _request(customer_client, django_capture_on_commit_callbacks)
    email = OutboxEmail.objects.get(template="data_export_ready")
    # The English text is merged into the catalogue later; the e-mail is rendered under English.
    assert email.template == "data_export_ready" and email.to == customer.contact_email


def test_another_customers_archive_is_a_404(
    client, customer, other_customer, django_capture_on_commit_callbacks
):
    client.force_login(other_customer.user, backend="guichet.accounts.backends.CustomerBackend")
    _request(client, django_capture_on_commit_callbacks)
    theirs = DataExport.objects.get(customer=other_customer)
    client.force_login(customer.user, backend="guichet.accounts.backends.CustomerBackend")
    assert client.get(reverse("privacy:export_download", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("privacy:export_download", args=[999999])).status_code == 404


def test_anonymous_visitors_are_sent_to_login(client, customer):
    response = client.get(EXPORT_URL)
    assert (
        response.status_code == 302
        and "connexion" in response["Location"]
        or response["Location"].startswith(reverse("accounts:login"))
    )


def test_the_archive_is_gone_after_its_time(
    customer_client, customer, settings, django_capture_on_commit_callbacks
):
    # No travel in time here: the session would not survive it on Redis. The expiry is moved
    # instead, after checking it was set from the setting.
    settings.PRIVACY_EXPORT_DAYS = 7
    _request(customer_client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get()
    assert export.expires_at - export.ready_at == datetime.timedelta(days=7)
    url = reverse("privacy:export_download", args=[export.pk])

    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() + datetime.timedelta(seconds=30)
    )
    assert customer_client.get(url).status_code == 200
    assert url in customer_client.get(EXPORT_URL).content.decode()

    DataExport.objects.filter(pk=export.pk).update(
        expires_at=timezone.now() - datetime.timedelta(seconds=1)
    )
    assert customer_client.get(url).status_code == 404
    page = customer_client.get(EXPORT_URL).content.decode()
    assert url not in page and "Expirée" in page


def test_a_tampered_archive_is_not_served(
    customer_client, customer, django_capture_on_commit_callbacks
):
    from django.core.files.storage import default_storage

    _request(customer_client, django_capture_on_commit_callbacks)
    export = DataExport.objects.get()
    default_storage.delete(export.file.name)
    default_storage.save(export.file.name, io.BytesIO(b"not the archive"))
    url = reverse("privacy:export_download", args=[export.pk])
    assert customer_client.get(url).status_code == 404


def test_one_request_at_a_time(customer_user):
    data_export_request(user=customer_user)  # not committed: its task has not run
    with pytest.raises(ValidationError, match="déjà en préparation"):
        data_export_request(user=customer_user)


def test_at_most_three_a_day_then_a_clear_message(
    customer_client, customer, settings, django_capture_on_commit_callbacks
):
    settings.PRIVACY_EXPORT_DAILY_MAX = 3
    start = datetime.datetime(2026, 11, 1, 8, tzinfo=datetime.UTC)
    for hour in range(3):
        moment = start + datetime.timedelta(hours=hour)
        with time_machine.travel(moment), django_capture_on_commit_callbacks(execute=True):
            data_export_request(user=customer.user)
    with time_machine.travel(start + datetime.timedelta(hours=23, minutes=59)):
        _login(customer_client, customer.user)
        response = customer_client.post(EXPORT_URL, follow=True)
    assert DataExport.objects.count() == 3
    assert "Vous avez déjà demandé 3 archives ces dernières 24 heures" in response.content.decode()
    with time_machine.travel(start + datetime.timedelta(hours=24, minutes=1)):
        _login(customer_client, customer.user)
        _request(customer_client, django_capture_on_commit_callbacks)
    assert DataExport.objects.count() == 4


def test_the_page_is_linked_from_the_profile_and_the_menu(customer_client):
    page = customer_client.get(reverse("accounts:profile")).content.decode()
    assert page.count(f'href="{EXPORT_URL}"') == 2


def test_the_page_refuses_other_methods_and_keeps_csrf(customer_user, client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(customer_user, backend="guichet.accounts.backends.CustomerBackend")
    assert strict.post(EXPORT_URL).status_code == 403
    assert DataExport.objects.count() == 0


@pytest.mark.parametrize("count", [1, 5])
def test_the_page_query_budget_is_flat(
    customer_client, customer, count, django_assert_max_num_queries
):
    for _ in range(count):
        DataExport.objects.create(customer=customer, status=DataExport.Status.EXPIRED)
    customer_client.get(EXPORT_URL)  # warm the session
    with django_assert_max_num_queries(8):
        assert customer_client.get(EXPORT_URL).status_code == 200


def test_the_back_office_lists_archives_without_their_content(
    admin_client, customer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        data_export_request(user=customer.user)
    export = DataExport.objects.get(status=DataExport.Status.READY)
    listing = admin_client.get(reverse("admin:privacy_dataexport_changelist"))
    assert listing.status_code == 200 and "01776108" in listing.content.decode()
    detail = admin_client.get(reverse("admin:privacy_dataexport_change", args=[export.pk]))
    assert detail.status_code == 200
    assert "privacy/exports" not in detail.content.decode()
