"""« Mes données » › « Mon profil »: identifier (A6), password change (A7), upgrade (A5)."""

from html import unescape

import pytest
from django.core import mail
from django.test import Client

from guichet.accounts.models import SecurityEvent, User
from guichet.accounts.tests.factories import CustomerUserFactory

PROFILE = "/mes-donnees/mon-profil/"
NEW_PASSWORD = "Girafe#Nuage7Lac"

# Real transactions: security e-mails leave the outbox when the change commits.
pytestmark = pytest.mark.django_db(transaction=True)


def set_identifier(client, identifier):
    return client.post(PROFILE, {"action": "identifier", "identifier": identifier})


def change_password(client, old, new, confirm=None):
    return client.post(
        PROFILE,
        {
            "action": "password",
            "old_password": old,
            "new_password1": new,
            "new_password2": confirm or new,
        },
    )


def test_the_profile_page_is_in_the_menu_and_labelled(customer_client):
    html = customer_client.get("/accueil/").content.decode()
    assert 'href="/mes-donnees/mon-profil/"' in html
    page = customer_client.get(PROFILE).content.decode()
    for field in ("id_identifier", "id_old_password", "id_new_password1", "id_new_password2"):
        assert f'<label for="{field}">' in page
    assert "Mes éléments de connexion" in page


def test_a_customer_creates_an_identifier_and_logs_in_with_it(
    customer_client, customer_user, password
):
    response = set_identifier(customer_client, "Claire.M-68")
    assert response.status_code == 302
    customer_user.refresh_from_db()
    assert customer_user.identifier == "Claire.M-68"
    assert "Claire.M-68" in customer_client.get(PROFILE).content.decode()
    assert any("Claire.M-68" in m.body for m in mail.outbox)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.IDENTIFIER_CHANGED).exists()
    fresh = Client()
    assert fresh.post("/connexion/", {"login": " claire.m-68 ", "password": password}).url == (
        "/accueil/"
    )


@pytest.mark.parametrize(
    ("identifier", "message"),
    [
        ("abc", "de 4 à 40 caractères"),
        ("x" * 41, "40 caractères"),
        ("clé-accentuée", "lettres sans accent"),
        ("avec espace", "lettres sans accent"),
        ("01776109", "ressembler à une référence client"),
        ("V01776109", "ressembler à une référence client"),
        ("123456", "ressembler à une référence client"),
    ],
)
def test_it_refuses_bad_identifiers(customer_client, customer_user, identifier, message):
    response = set_identifier(customer_client, identifier)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    customer_user.refresh_from_db()
    assert customer_user.identifier == ""


def test_identifiers_are_unique_without_regard_to_case(customer_client, other_customer):
    other_customer.user.identifier = "famille.autre"
    other_customer.user.save()
    response = set_identifier(customer_client, "FAMILLE.Autre")
    assert "Cet identifiant est déjà utilisé." in unescape(response.content.decode())


def test_the_database_refuses_a_duplicate_identifier_too(db):
    from django.db import IntegrityError, transaction

    CustomerUserFactory(identifier="doublon")
    with pytest.raises(IntegrityError), transaction.atomic():
        CustomerUserFactory(identifier="DOUBLON")


def test_changing_the_password(customer_client, customer_user, password):
    response = change_password(customer_client, password, NEW_PASSWORD)
    assert response.status_code == 302
    customer_user.refresh_from_db()
    assert customer_user.check_password(NEW_PASSWORD)
    assert customer_user.password_changed_at is not None
    # The session that made the change stays open.
    assert customer_client.get("/accueil/").status_code == 200
    assert any("modifié" in m.body for m in mail.outbox)
    assert mail.outbox[-1].to == [customer_user.customer.contact_email]


def test_changing_the_password_ends_the_other_sessions(customer_user, password):
    laptop, phone = Client(), Client()
    for device in (laptop, phone):
        device.post("/connexion/", {"login": "01776108", "password": password})
    old_cookie = phone.cookies["sessionid"].value
    change_password(laptop, password, NEW_PASSWORD)
    assert laptop.get("/accueil/").status_code == 200
    assert phone.get("/accueil/").status_code == 302
    replay = Client()
    replay.cookies["sessionid"] = old_cookie
    assert replay.get("/accueil/").status_code == 302


@pytest.mark.parametrize(
    ("old", "new", "confirm", "message"),
    [
        ("faux-ancien-mot", NEW_PASSWORD, None, "ancien mot de passe n'est pas le bon"),
        (None, NEW_PASSWORD, NEW_PASSWORD + "!", "ne sont pas identiques"),
        (None, "Azerty123456!", None, "trop facile à deviner"),
        (None, "Court1!", None, "au moins 12 caractères"),
        (None, "Muller-Zq8!xW3#v", None, "ni votre nom"),
    ],
)
def test_bad_password_changes_say_why(
    customer_client, customer_user, password, old, new, confirm, message
):
    response = change_password(customer_client, old or password, new, confirm)
    assert response.status_code == 200
    assert message in unescape(response.content.decode())
    customer_user.refresh_from_db()
    assert customer_user.check_password(password)


def test_recent_logins_are_listed(client, customer_user, password):
    client.post(
        "/connexion/",
        {"login": "01776108", "password": "pas-le-bon"},
        HTTP_USER_AGENT="Firefox de test",
    )
    client.post(
        "/connexion/",
        {"login": "01776108", "password": password},
        HTTP_USER_AGENT="Firefox de test",
    )
    html = client.get(PROFILE).content.decode()
    assert "Mes dernières connexions" in html
    assert "Connexion réussie" in html and "Échec de connexion" in html
    assert "Firefox de test" in html and "127.0.0.1" in html


def test_a_weak_stored_password_must_be_replaced_before_anything_else(client, db):
    user = CustomerUserFactory(password="azerty123456")
    reference = user.customer.reference
    response = client.post("/connexion/", {"login": reference, "password": "azerty123456"})
    assert response.url == "/mes-donnees/nouveau-mot-de-passe/"
    for url in ("/accueil/", "/mes-services/", PROFILE):
        assert client.get(url).url == "/mes-donnees/nouveau-mot-de-passe/"
    page = client.get("/mes-donnees/nouveau-mot-de-passe/")
    assert "Renforcez votre mot de passe" in page.content.decode()
    bad = client.post(
        "/mes-donnees/nouveau-mot-de-passe/",
        {"new_password1": "azerty1234567", "new_password2": "azerty1234567"},
    )
    assert bad.status_code == 200
    done = client.post(
        "/mes-donnees/nouveau-mot-de-passe/",
        {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )
    assert done.url == "/accueil/"
    assert client.get("/accueil/").status_code == 200
    assert User.objects.get(pk=user.pk).check_password(NEW_PASSWORD)
    # Logging out remains possible while the upgrade is pending.
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_UPGRADE_REQUIRED).exists()


def test_logout_stays_possible_during_the_upgrade(client, db):
    user = CustomerUserFactory(password="azerty123456")
    client.post("/connexion/", {"login": user.customer.reference, "password": "azerty123456"})
    assert client.post("/deconnexion/").url == "/connexion/"


def test_the_criteria_endpoint_ticks_what_is_met(customer_client):
    weak = customer_client.post("/mot-de-passe/criteres/", {"password": "Muller"}).json()
    assert weak == {"length": False, "guess": False, "personal": False}
    good = customer_client.post("/mot-de-passe/criteres/", {"password": NEW_PASSWORD}).json()
    assert good == {"length": True, "guess": True, "personal": True}


def test_the_profile_needs_a_login(client, db):
    assert client.get(PROFILE).url.startswith("/connexion/")


def test_guesses_of_the_current_password_are_throttled(customer_client, customer_user, password):
    """A session left open is no way to guess the password: 5 wrong answers, then a wait."""
    import datetime

    import time_machine

    start = datetime.datetime(2026, 11, 26, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        for _ in range(5):
            wrong = change_password(customer_client, "faux-ancien-mot", NEW_PASSWORD)
            assert "ancien mot de passe n'est pas le bon" in unescape(wrong.content.decode())
        blocked = change_password(customer_client, password, NEW_PASSWORD)
        assert "patienter 2 minutes" in unescape(blocked.content.decode())
        customer_user.refresh_from_db()
        assert customer_user.check_password(password)
        traveller.shift(datetime.timedelta(minutes=2, seconds=1))
        assert change_password(customer_client, password, NEW_PASSWORD).status_code == 302
    kinds = list(SecurityEvent.objects.filter(user=customer_user).values_list("kind", flat=True))
    assert kinds.count(SecurityEvent.Kind.CURRENT_PASSWORD_WRONG) == 5
    assert kinds.count(SecurityEvent.Kind.LOGIN_THROTTLED) == 1


def test_a_staff_username_is_not_revealed_by_the_identifier_check(
    customer_client, customer_user, password
):
    from guichet.accounts.tests.factories import StaffUserFactory

    StaffUserFactory(username="operateur")
    response = set_identifier(customer_client, "operateur")
    assert response.status_code == 302
    customer_user.refresh_from_db()
    assert customer_user.identifier == "operateur"
    # The customer logs in with it on the portal; staff usernames live on the back office.
    client = Client()
    assert (
        client.post("/connexion/", {"login": "operateur", "password": password}).status_code == 302
    )
