"""« Mon dossier » › « Mes données personnelles » (issue 10, D1 D2 D3)."""

import datetime
import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.models import EmailChange, SecurityEvent
from guichet.accounts.services import mask_email
from guichet.accounts.tests.factories import PASSWORD
from guichet.core.emails import outbox_sweep
from guichet.core.models import OutboxEmail
from guichet.customers.models import AddressChangeRequest

URL = "/mon-dossier/mes-donnees-personnelles/"
LINK = re.compile(
    r"https?://[^\s\"'<>]+(?P<path>/mon-dossier/confirmer-mon-adresse-e-mail/[^/\s]+/)"
)


def phones(client, mobile="", home="", other=""):
    return client.post(
        URL, {"action": "phones", "phone_mobile": mobile, "phone_home": home, "phone_other": other}
    )


# D1 ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed",
    ["03.89.00.00.00", "0389000000", "+33 3 89 00 00 00", "0033 3 89 00 00 00", "03 89 00 00 00"],
)
def test_every_french_spelling_is_stored_in_e164(customer_client, customer, typed):
    response = phones(customer_client, home=typed)
    assert response.status_code == 302 and response.url == URL
    customer.refresh_from_db()
    assert customer.phone_home == "+33389000000"
    page = customer_client.get(URL).content.decode()
    assert "Vos numéros de téléphone sont enregistrés." in page
    assert 'value="03 89 00 00 00"' in page


def test_an_international_number_is_accepted(customer_client, customer):
    phones(customer_client, other="+41 21 345 67 89", mobile="06 12 34 56 78")
    customer.refresh_from_db()
    assert customer.phone_other == "+41213456789"
    assert customer.phone_mobile == "+33612345678"
    assert "+41 21 345 67 89" in customer_client.get(URL).content.decode()


@pytest.mark.parametrize("bad", ["03 89", "bonjour", "+33 1 23", "0612345678901234"])
def test_a_bad_number_says_why_and_keeps_every_field(customer_client, customer, bad):
    customer.phone_home = "+33389000000"
    customer.save()
    response = phones(customer_client, mobile=bad, home="03 89 41 41 41", other="+41213456789")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ce numéro de téléphone" in page
    assert f'value="{bad}"' in page
    assert 'value="03 89 41 41 41"' in page and 'value="+41213456789"' in page
    customer.refresh_from_db()
    assert customer.phone_home == "+33389000000"  # nothing written
    assert customer.phone_mobile == ""


def test_an_empty_field_clears_that_number(customer_client, customer):
    customer.phone_mobile = "+33612345678"
    customer.phone_home = "+33389000000"
    customer.save()
    phones(customer_client, mobile="", home="03 89 00 00 00")
    customer.refresh_from_db()
    assert customer.phone_mobile == "" and customer.phone_home == "+33389000000"


def test_anonymous_visitors_go_to_login(client, db):
    response = client.get(URL)
    assert response.status_code == 302 and "/connexion/" in response.url


def test_the_page_needs_csrf(customer_user, customer):
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(customer_user, backend="guichet.accounts.backends.CustomerBackend")
    assert phones(browser, mobile="0612345678").status_code == 403
    customer.refresh_from_db()
    assert customer.phone_mobile == ""


def test_the_query_budget_is_flat(customer_client, customer):
    from guichet.customers.tests.factories import CustomerFactory

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert customer_client.get(URL).status_code == 200
        return len(queries)

    first = count()
    for _ in range(3):
        AddressChangeRequest.objects.create(
            customer=CustomerFactory(), street="1 rue", postal_code="68000", city="Colmar"
        )
    AddressChangeRequest.objects.create(
        customer=customer, street="2 rue", postal_code="68000", city="Colmar"
    )
    customer_client.post(
        URL,
        {
            "action": "email",
            "new_email": "n@example.fr",
            "new_email2": "n@example.fr",
            "password": PASSWORD,
        },
    )
    assert count() <= first
    assert first <= 12


def test_the_menu_leads_to_the_page(customer_client):
    page = customer_client.get(reverse("home:home")).content.decode()
    assert f'href="{URL}"' in page
    assert "Mes données personnelles" in page


def test_payer_en_ligne_links_here(customer_client):
    page = customer_client.get(reverse("payments:pay")).content.decode()
    assert f'href="{URL}"' in page


# D2 ----------------------------------------------------------------------------------------


def ask_change(client, new="nouvelle@example.fr", again=None, password=PASSWORD):
    return client.post(
        URL,
        {"action": "email", "new_email": new, "new_email2": again or new, "password": password},
    )


def sent_link_path(to):
    outbox_sweep()
    for message in mail.outbox:
        if message.to == [to]:
            match = LINK.search(message.body)
            if match:
                return match["path"]
    raise AssertionError([(m.to, m.body) for m in mail.outbox])


def test_the_address_changes_only_after_the_link(customer_client, customer, customer_user):
    old = customer.contact_email
    response = ask_change(customer_client)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.contact_email == old
    rows = OutboxEmail.objects.order_by("pk")
    assert {row.to for row in rows} == {"nouvelle@example.fr", old}
    notice = rows.get(to=old)
    assert notice.template == "security_notice"
    assert mask_email("nouvelle@example.fr") in notice.body_text
    path = sent_link_path("nouvelle@example.fr")
    token = path.rstrip("/").rsplit("/", 1)[-1]
    # The outbox and the change row never hold the link readable.
    for row in OutboxEmail.objects.values():
        assert token not in " ".join(str(v) for v in row.values())
    change = EmailChange.objects.get()
    assert token not in change.token_hash and change.token_hash
    confirmed = customer_client.get(path)
    assert confirmed.status_code == 302 and confirmed.url == URL
    customer.refresh_from_db()
    customer_user.refresh_from_db()
    assert customer.contact_email == "nouvelle@example.fr"
    assert customer_user.email == "nouvelle@example.fr"
    assert SecurityEvent.objects.filter(
        user=customer_user, kind=SecurityEvent.Kind.EMAIL_CHANGED
    ).exists()
    # The old address is told the change happened.
    assert OutboxEmail.objects.filter(to=old, template="security_notice").count() == 2
    # Single use.
    again = customer_client.get(path)
    assert again.status_code == 400
    assert "déjà servi" in again.content.decode()


def test_the_link_expires_after_24_hours(customer_client, customer):
    old = customer.contact_email
    ask_change(customer_client)
    before = timezone.now()
    path = sent_link_path("nouvelle@example.fr")
    after = timezone.now()
    # The 24 hours start when the e-mail leaves the outbox, with the token.
    change = EmailChange.objects.get()
    day = datetime.timedelta(hours=24)
    assert before + day <= change.expires_at <= after + day
    # Moved back rather than travelling forward: the session would not survive the journey.
    EmailChange.objects.filter(pk=change.pk).update(
        expires_at=datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=1)
    )
    response = customer_client.get(path)
    assert response.status_code == 400
    assert "a expiré" in response.content.decode()
    customer.refresh_from_db()
    assert customer.contact_email == old


def test_a_link_for_another_account_changes_nothing(
    client, customer_client, customer, other_customer
):
    ask_change(customer_client)
    path = sent_link_path("nouvelle@example.fr")
    client.logout()
    client.force_login(other_customer.user, backend="guichet.accounts.backends.CustomerBackend")
    response = client.get(path)
    assert response.status_code == 400
    assert "un autre compte" in response.content.decode()
    other_customer.refresh_from_db()
    customer.refresh_from_db()
    assert other_customer.contact_email != "nouvelle@example.fr"
    assert customer.contact_email != "nouvelle@example.fr"


def test_a_made_up_token_changes_nothing(customer_client, customer):
    response = customer_client.get("/mon-dossier/confirmer-mon-adresse-e-mail/inventé/")
    assert response.status_code == 400


def test_only_the_latest_link_works(customer_client, customer):
    ask_change(customer_client, new="premiere@example.fr")
    first = sent_link_path("premiere@example.fr")
    ask_change(customer_client, new="seconde@example.fr")
    assert customer_client.get(first).status_code == 400
    customer.refresh_from_db()
    assert customer.contact_email != "premiere@example.fr"


def test_the_two_addresses_must_match(customer_client, customer):
    response = ask_change(customer_client, new="a@example.fr", again="b@example.fr")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Les deux adresses e-mail saisies sont différentes." in page
    assert 'value="a@example.fr"' in page and 'value="b@example.fr"' in page
    assert not OutboxEmail.objects.exists()


def test_a_wrong_password_is_refused_then_throttled(customer_client, customer, settings):
    for _ in range(settings.GUICHET_LOGIN_FREE_FAILURES):
        response = ask_change(customer_client, password="pas-le-bon")
        assert "Ce n&#x27;est pas votre mot de passe actuel." in response.content.decode()
    throttled = ask_change(customer_client, password=PASSWORD)
    assert throttled.status_code == 200
    assert "Ce n&#x27;est pas votre mot de passe actuel." not in throttled.content.decode()
    assert "essai" in throttled.content.decode()
    assert not EmailChange.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_the_page_points_to_the_invoice_address(customer_client):
    page = customer_client.get(URL).content.decode()
    assert reverse("payments:method") in page


# D3 ----------------------------------------------------------------------------------------


def ask_address(client, **overrides):
    data = {
        "action": "address",
        "street": "5 avenue de la Gare",
        "street2": "",
        "postal_code": "67000",
        "city": "Strasbourg",
        "country": "France",
        **overrides,
    }
    return client.post(URL, data)


def test_the_address_is_held_for_approval_by_default(customer_client, customer):
    response = ask_address(customer_client)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.billing_city == "Colmar"
    request = AddressChangeRequest.objects.get(customer=customer)
    assert request.status == AddressChangeRequest.Status.PENDING
    page = customer_client.get(URL).content.decode()
    assert "en attente de validation" in page


def test_the_address_applies_at_once_when_the_operator_says_so(customer_client, customer, settings):
    settings.CUSTOMERS_BILLING_ADDRESS_APPROVAL = False
    ask_address(customer_client)
    customer.refresh_from_db()
    assert customer.billing_city == "Strasbourg" and customer.billing_postal_code == "67000"
    assert "Votre adresse de facturation est modifiée." in customer_client.get(URL).content.decode()


def test_a_bad_postal_code_is_refused_and_kept(customer_client, customer):
    response = ask_address(customer_client, postal_code="6700")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Le code postal compte 5 chiffres." in page and 'value="6700"' in page
    assert 'value="5 avenue de la Gare"' in page
    assert not AddressChangeRequest.objects.exists()


@pytest.fixture
def back_office(django_user_model, staff_login):
    from django.test import Client

    admin = django_user_model.objects.create_superuser("chef", "chef@example.fr", "x")
    return staff_login(Client(), admin)


def test_staff_approve_in_the_back_office(customer_client, customer, back_office):
    ask_address(customer_client)
    request = AddressChangeRequest.objects.get()
    response = back_office.post(
        reverse("admin:customers_addresschangerequest_changelist"),
        {"action": "approve", "_selected_action": [request.pk]},
    )
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.billing_city == "Strasbourg"
    request.refresh_from_db()
    assert request.status == AddressChangeRequest.Status.APPROVED and request.decided_by == "chef"
    email = OutboxEmail.objects.get(template="address_change_decided")
    assert email.to == customer.contact_email and "STRASBOURG" in email.body_text


def test_staff_refuse_in_the_back_office(customer_client, customer, back_office):
    ask_address(customer_client)
    request = AddressChangeRequest.objects.get()
    back_office.post(
        reverse("admin:customers_addresschangerequest_changelist"),
        {"action": "refuse", "_selected_action": [request.pk]},
    )
    customer.refresh_from_db()
    assert customer.billing_city == "Colmar"
    assert OutboxEmail.objects.get(template="address_change_decided").to == customer.contact_email


def test_another_customers_request_is_never_shown(customer_client, other_customer):
    AddressChangeRequest.objects.create(
        customer=other_customer, street="99 rue Secrète", postal_code="68100", city="Mulhouse"
    )
    EmailChange.objects.create(
        user=other_customer.user,
        new_email="secret@example.fr",
        expires_at=datetime.datetime(2099, 1, 1, tzinfo=datetime.UTC),
    )
    page = customer_client.get(URL).content.decode()
    assert "Secrète" not in page and "MULHOUSE" not in page and "secret@example.fr" not in page


def test_the_back_office_never_shows_a_working_link(customer_client, back_office):
    ask_change(customer_client)
    path = sent_link_path("nouvelle@example.fr")
    email = OutboxEmail.objects.get(to="nouvelle@example.fr")
    page = back_office.get(
        reverse("admin:core_outboxemail_change", args=[email.pk])
    ).content.decode()
    assert path not in page
