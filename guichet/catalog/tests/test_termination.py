"""« Résilier » (C6): three steps at most, an acknowledgement by e-mail, staff processing."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.catalog.models import ProductKind, Subscription, TerminationRequest
from guichet.catalog.termination import termination_request_process, termination_request_submit
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory
from guichet.core.models import OutboxEmail

URL = "/mes-services/resilier/"
TODAY = datetime.date(2026, 3, 2)
EARLIEST = datetime.date(2026, 3, 12)  # ten days of notice


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=datetime.UTC)):
        yield


@pytest.fixture
def mobile(customer):
    return SubscriptionFactory(
        customer=customer,
        product=ProductFactory(kind=ProductKind.MOBILE, name="Mobile 10 Go"),
        line_number="+33612345602",
    )


def _journey(client, target, date: str):
    """The three POSTs of the journey; returns the last response."""
    first = client.post(URL, {"etape": "quoi", "cible": target})
    assert first.status_code == 200 and "Étape 2 sur 3" in first.content.decode()
    second = client.post(URL, {"etape": "quand", "cible": target, "date_effet": date})
    assert second.status_code == 200 and "Étape 3 sur 3" in second.content.decode()
    assert "Confirmer la résiliation" in second.content.decode()
    return client.post(URL, {"etape": "confirmer", "cible": target, "date_effet": date})


def test_a_service_is_terminated_in_three_posts(customer_client, customer, mobile):
    page = customer_client.get(f"{URL}?service={mobile.pk}").content.decode()
    assert "Étape 1 sur 3" in page and "Mobile 10 Go" in page
    response = _journey(customer_client, str(mobile.pk), "2026-03-12")
    termination = TerminationRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{URL}{termination.reference}/"
    assert (termination.customer, termination.subscription) == (customer, mobile)
    assert termination.effective_date == EARLIEST and termination.status == "requested"
    done = customer_client.get(response["Location"]).content.decode()
    assert "Résiliation demandée" in done and "12/03/2026" in done
    assert termination.reference in done
    mobile.refresh_from_db()
    assert mobile.end_date is None  # staff end it


def test_the_acknowledgement_gives_the_effective_date(
    customer_client, customer, mobile, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _journey(customer_client, str(mobile.pk), "2026-04-30")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [customer.contact_email]
    assert "Accusé de réception de votre demande de résiliation" in message.subject
    assert "Date d'effet : 30/04/2026" in message.body
    assert "Mobile 10 Go" in message.body
    assert TerminationRequest.objects.get().reference in message.body


def test_the_acknowledgement_is_in_the_customers_language(customer, mobile):
    customer.language = "en"
    customer.save(update_fields=["language"])
    termination_request_submit(customer=customer, subscription=mobile, effective_date=EARLIEST)
    email = OutboxEmail.objects.get()
    # The English catalogue holds « Hello, » already; these strings await the merge.
    assert "Hello," in email.body_text and "12 Mar 2026" in email.body_text


def test_the_whole_contract_can_be_terminated(customer_client, customer, mobile):
    internet = SubscriptionFactory(customer=customer)
    response = _journey(customer_client, "contrat", "2026-03-20")
    assert response.status_code == 302
    termination = TerminationRequest.objects.get()
    assert termination.subscription is None
    page = customer_client.get("/mes-services/").content.decode()
    # Both services, on their cards and in the offer summary beside them.
    assert page.count("Résiliation demandée (effet le 20/03/2026)") == 4
    assert f"?service={internet.pk}" not in page and f"?service={mobile.pk}" not in page


def test_the_status_shows_in_my_services_and_on_home(customer_client, customer, mobile):
    termination_request_submit(customer=customer, subscription=mobile, effective_date=EARLIEST)
    services = customer_client.get("/mes-services/").content.decode()
    assert "Résiliation demandée (effet le 12/03/2026)" in services
    assert f"?service={mobile.pk}" not in services
    home = customer_client.get("/accueil/").content.decode()
    assert "Résiliation demandée (effet le 12/03/2026)" in home


def test_entry_points_are_on_my_services_and_in_the_footer(customer_client, mobile):
    services = customer_client.get("/mes-services/").content.decode()
    assert f'href="{URL}?service={mobile.pk}"' in services
    assert "Résilier un service ou mon contrat" in services
    for page in ("/accueil/", "/mes-factures/"):
        assert f'<a href="{URL}">Résilier</a>' in customer_client.get(page).content.decode()


def test_staff_processing_ends_the_subscription_and_mails_the_customer(
    admin_client, customer, mobile, django_capture_on_commit_callbacks
):
    termination = termination_request_submit(
        customer=customer, subscription=mobile, effective_date=EARLIEST
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            "/back-office/catalog/terminationrequest/",
            {"action": "process", "_selected_action": [termination.pk]},
        )
    assert response.status_code == 302
    termination.refresh_from_db()
    mobile.refresh_from_db()
    assert termination.status == "processed" and termination.processed_at
    assert mobile.end_date == EARLIEST
    assert "Votre résiliation est enregistrée" in mail.outbox[-1].subject
    assert "le service prend fin le 12/03/2026" in mail.outbox[-1].body
    # Processed once only.
    with pytest.raises(Exception, match="plus en attente"):
        termination_request_process(termination=termination)


def test_processing_the_contract_ends_every_service(customer, mobile):
    internet = SubscriptionFactory(customer=customer)
    old = SubscriptionFactory(customer=customer, end_date=datetime.date(2025, 1, 31))
    termination = termination_request_submit(
        customer=customer, subscription=None, effective_date=EARLIEST
    )
    termination_request_process(termination=termination)
    assert set(
        Subscription.objects.filter(pk__in=[mobile.pk, internet.pk]).values_list(
            "end_date", flat=True
        )
    ) == {EARLIEST}
    old.refresh_from_db()
    assert old.end_date == datetime.date(2025, 1, 31)


@pytest.mark.parametrize(
    ("date", "message"),
    [
        ("2026-03-11", "La date d&#x27;effet ne peut pas précéder le 12/03/2026"),
        ("2026-03-01", "La date d&#x27;effet ne peut pas être dans le passé."),
        ("2028-01-01", "La date d&#x27;effet ne peut pas dépasser le 02/03/2027."),
        ("31/02/2026", "Indiquez une date valide"),
        ("", "Indiquez la date d&#x27;effet de la résiliation."),
    ],
)
def test_it_refuses_a_bad_date_and_keeps_it(customer_client, mobile, date, message):
    for step in ("quand", "confirmer"):
        response = customer_client.post(
            URL, {"etape": step, "cible": str(mobile.pk), "date_effet": date}
        )
        html = response.content.decode()
        assert response.status_code == 200
        assert "Étape 2 sur 3" in html and message in html
        assert f'value="{date}"' in html or not date
    assert not TerminationRequest.objects.exists()


def test_another_customers_subscription_is_a_404(customer_client, other_customer):
    theirs = SubscriptionFactory(customer=other_customer)
    assert customer_client.get(f"{URL}?service={theirs.pk}").status_code == 404
    for step in ("quoi", "quand", "confirmer"):
        response = customer_client.post(
            URL, {"etape": step, "cible": str(theirs.pk), "date_effet": "2026-03-20"}
        )
        assert response.status_code == 404
    assert not TerminationRequest.objects.exists()


def test_another_customers_request_page_is_a_404(customer_client, other_customer):
    theirs = termination_request_submit(
        customer=other_customer,
        subscription=SubscriptionFactory(customer=other_customer),
        effective_date=EARLIEST,
    )
    assert customer_client.get(f"{URL}{theirs.reference}/").status_code == 404


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"etape": "quoi"}, "Choisissez ce que vous souhaitez résilier."),
        ({"etape": "quoi", "cible": "abc"}, "Choisissez un de vos services ou tout votre"),
        ({"etape": "confirmer", "cible": "9" * 20}, "Choisissez un de vos services ou tout"),
        ({"etape": "sauter", "cible": "contrat"}, "Cette étape de la résiliation n&#x27;existe"),
    ],
)
def test_it_refuses_tampered_step_data(customer_client, mobile, data, message):
    response = customer_client.post(URL, {"date_effet": "2026-03-20", **data})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Étape 1 sur 3" in html and message in html
    assert not TerminationRequest.objects.exists()


def test_a_service_cannot_be_requested_twice(customer_client, customer, mobile):
    _journey(customer_client, str(mobile.pk), "2026-03-12")
    response = customer_client.post(
        URL, {"etape": "confirmer", "cible": str(mobile.pk), "date_effet": "2026-03-20"}
    )
    html = response.content.decode()
    assert "La résiliation de ce service est déjà demandée (effet le 12/03/2026)." in html
    assert TerminationRequest.objects.count() == 1


def test_an_ended_service_cannot_be_requested(customer_client, customer):
    ended = SubscriptionFactory(customer=customer, end_date=datetime.date(2026, 1, 31))
    html = customer_client.post(URL, {"etape": "quoi", "cible": str(ended.pk)}).content.decode()
    assert "Ce service est déjà terminé depuis le 31/01/2026." in html


def test_nothing_can_be_requested_once_the_contract_is(customer_client, customer, mobile):
    termination_request_submit(customer=customer, subscription=None, effective_date=EARLIEST)
    for target in ("contrat", str(mobile.pk)):
        html = customer_client.post(URL, {"etape": "quoi", "cible": target}).content.decode()
        assert "La résiliation de tout votre contrat est déjà demandée" in html


def test_an_empty_contract_has_nothing_to_terminate(customer_client):
    html = customer_client.post(URL, {"etape": "quoi", "cible": "contrat"}).content.decode()
    assert "Vous n&#x27;avez aucun service en cours à résilier." in html


def test_the_notice_is_a_setting(customer_client, mobile, settings):
    settings.CATALOG_TERMINATION_NOTICE_DAYS = 30
    html = customer_client.post(
        URL, {"etape": "quand", "cible": str(mobile.pk), "date_effet": "2026-03-12"}
    ).content.decode()
    assert "ne peut pas précéder le 01/04/2026, à cause du préavis de 30 jours" in html


def test_anonymous_visitors_go_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].endswith("?next=/mes-services/resilier/")


def _services_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/mes-services/").status_code == 200
    return len(queries)


def test_my_services_query_budget_stays_flat_with_requests(customer_client, customer):
    SubscriptionFactory(customer=customer)
    customer_client.get("/mes-services/")
    one = _services_queries(customer_client)
    for _ in range(20):
        subscription = SubscriptionFactory(customer=customer)
        termination_request_submit(
            customer=customer, subscription=subscription, effective_date=EARLIEST
        )
    assert _services_queries(customer_client) == one


def test_staff_see_the_requests_in_the_back_office(admin_client, customer, mobile):
    termination = termination_request_submit(
        customer=customer, subscription=mobile, effective_date=EARLIEST
    )
    html = admin_client.get("/back-office/catalog/terminationrequest/").content.decode()
    assert termination.reference in html
    html = admin_client.get(
        f"/back-office/catalog/terminationrequest/{termination.pk}/change/"
    ).content.decode()
    assert termination.reference in html
