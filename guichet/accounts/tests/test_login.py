"""Login by client reference (A1) and sessions (A9)."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from guichet.accounts.forms import LOGIN_FAILED

LOGIN = "/connexion/"


@pytest.mark.parametrize("typed", ["01776108", "V01776108", "v01776108", "  V01776108  "])
def test_it_accepts_every_spelling_of_the_reference(client, customer_user, password, typed):
    response = client.post(LOGIN, {"login": typed, "password": password})
    assert response.status_code == 302
    assert response.url == reverse("home:home")
    assert client.get(reverse("home:home")).status_code == 200


def test_wrong_password_and_unknown_reference_read_the_same(client, customer_user, password):
    wrong = client.post(LOGIN, {"login": "01776108", "password": "pas-le-bon-mot-de-passe"})
    unknown = client.post(LOGIN, {"login": "01234567", "password": password})
    malformed = client.post(LOGIN, {"login": "personne", "password": password})
    for response in (wrong, unknown, malformed):
        assert response.status_code == 200
        assert LOGIN_FAILED in response.content.decode()
        assert "_auth_user_id" not in client.session
    assert wrong.content.decode().count(LOGIN_FAILED) == 1


def test_it_asks_for_both_fields(client, db):
    response = client.post(LOGIN, {"login": "", "password": ""})
    assert response.status_code == 200
    assert "Ce champ est obligatoire." in response.content.decode()


def test_staff_cannot_use_the_customer_login(client, staff, password):
    response = client.post(LOGIN, {"login": staff.username, "password": password})
    assert response.status_code == 200
    assert LOGIN_FAILED in response.content.decode()


def test_an_inactive_account_cannot_log_in(client, customer_user, password):
    customer_user.is_active = False
    customer_user.save(update_fields=["is_active"])
    response = client.post(LOGIN, {"login": "01776108", "password": password})
    assert LOGIN_FAILED in response.content.decode()


def test_login_gives_a_new_session_id(client, customer_user, password):
    client.get(LOGIN)
    session = client.session
    session["avant"] = "connexion"
    session.save()
    before = session.session_key
    client.post(LOGIN, {"login": "01776108", "password": password})
    assert client.session.session_key != before


def test_it_follows_a_local_next_but_not_a_foreign_one(client, customer_user, password):
    ok = client.post(LOGIN, {"login": "01776108", "password": password, "next": "/mes-services/"})
    assert ok.url == "/mes-services/"
    client.post(reverse("accounts:logout"))
    evil = client.post(
        LOGIN, {"login": "01776108", "password": password, "next": "https://evil.example/"}
    )
    assert evil.url == reverse("home:home")


def test_pages_need_a_login(client, db):
    response = client.get(reverse("home:home"))
    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_logout_is_a_post_and_ends_the_session(customer_client):
    assert customer_client.get(reverse("accounts:logout")).status_code == 405
    response = customer_client.post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert customer_client.get(reverse("home:home")).status_code == 302


def test_every_customer_page_offers_logout(customer_client):
    for url in ("/accueil/", "/mes-services/", "/mes-services/tv/", "/donnees-personnelles/"):
        assert 'action="/deconnexion/"' in customer_client.get(url).content.decode(), url


def test_it_logs_out_after_30_idle_minutes(client, customer_user, password):
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.post(LOGIN, {"login": "01776108", "password": password})
        traveller.shift(datetime.timedelta(minutes=29))
        assert client.get("/accueil/").status_code == 200
        # Activity 29 minutes in keeps the session: 29 more minutes are fine.
        traveller.shift(datetime.timedelta(minutes=29))
        assert client.get("/accueil/").status_code == 200
        traveller.shift(datetime.timedelta(minutes=30, seconds=1))
        response = client.get("/accueil/")
        assert response.status_code == 302
        assert response.url == LOGIN
        assert "_auth_user_id" not in client.session


def test_it_logs_out_12_hours_after_login_even_when_active(client, customer_user, password):
    start = datetime.datetime(2026, 11, 26, 8, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.post(LOGIN, {"login": "01776108", "password": password})
        for _ in range(12 * 3):
            traveller.shift(datetime.timedelta(minutes=20))
            assert client.get("/accueil/").status_code == 200
        traveller.shift(datetime.timedelta(minutes=1))
        assert client.get("/accueil/").status_code == 302


def test_the_expired_session_says_why(client, customer_user, password):
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.post(LOGIN, {"login": "01776108", "password": password})
        traveller.shift(datetime.timedelta(hours=1))
        response = client.get("/accueil/", follow=True)
    assert "Votre session a expiré" in response.content.decode()


def test_idle_timeout_is_configurable(client, customer_user, password, settings):
    settings.GUICHET_SESSION_IDLE_SECONDS = 5 * 60
    start = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.post(LOGIN, {"login": "01776108", "password": password})
        traveller.shift(datetime.timedelta(minutes=6))
        assert client.get("/accueil/").status_code == 302


def test_the_login_page_has_csrf_and_labels(client, db):
    html = client.get(LOGIN).content.decode()
    assert "csrfmiddlewaretoken" in html
    assert '<label for="id_login">' in html
    assert '<label for="id_password">' in html
    assert 'lang="fr"' in html


def test_a_browser_asking_for_a_language_without_catalogue_reads_french(client, db):
    """German has no catalogue (yet): the page is all French, not half in Django's German."""
    response = client.post(LOGIN, {"login": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="de")
    page = response.content.decode()
    assert '<html lang="fr">' in page
    assert "Ce champ est obligatoire." in page


def test_a_browser_asking_for_english_reads_english(client, db):
    response = client.post(LOGIN, {"login": "", "password": ""}, HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "This field is required." in page
    assert "Ce champ est obligatoire." not in page
