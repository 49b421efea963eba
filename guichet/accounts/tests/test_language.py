"""The language switcher in the footer, the language saved on the account, the JS catalogue."""

import re

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import translation

from guichet.accounts.tests.factories import PASSWORD
from guichet.customers.services import customer_language_set

TWO_LANGUAGES = [("fr", "Français"), ("en", "English")]
COOKIE = django_settings.LANGUAGE_COOKIE_NAME


@pytest.fixture(autouse=True)
def two_languages(settings):
    # The English catalogue arrives later; the switcher must already work with two languages.
    settings.LANGUAGES = TWO_LANGUAGES


def switcher(html: str) -> str:
    match = re.search(r'<form class="language-switcher".*?</form>', html, re.S)
    assert match, "no language switcher"
    return match.group(0)


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


def test_with_one_language_there_is_no_switcher(client, db, settings):
    settings.LANGUAGES = [("fr", "Français")]
    assert 'class="language-switcher"' not in client.get("/connexion/").content.decode()


def test_choosing_a_language_sets_the_cookie_and_goes_back(client, db):
    response = client.post("/langue/", {"language": "en", "next": "/mot-de-passe-oublie/"})
    assert response.status_code == 302
    assert response["Location"] == "/mot-de-passe-oublie/"
    cookie = response.cookies[COOKIE]
    assert cookie.value == "en"
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["max-age"]
    page = client.get("/mot-de-passe-oublie/")
    assert html_lang(page) == "en"
    assert '<option value="en" lang="en" selected>' in switcher(page.content.decode())


def test_a_logged_in_customer_keeps_the_choice_on_the_account(customer_client, customer):
    response = customer_client.post("/langue/", {"language": "en", "next": "/mes-services/"})
    assert response["Location"] == "/mes-services/"
    customer.refresh_from_db()
    assert customer.language == "en"
    assert html_lang(customer_client.get("/mes-services/")) == "en"


def test_an_unoffered_language_changes_nothing(customer_client, customer):
    response = customer_client.post("/langue/", {"language": "de", "next": "/accueil/"})
    assert response["Location"] == "/accueil/"
    assert COOKIE not in response.cookies
    customer.refresh_from_db()
    assert customer.language == ""


@pytest.mark.parametrize(
    "next_url", ["https://evil.example/", "//evil.example/", "javascript:alert(1)", ""]
)
def test_next_never_leaves_the_portal(client, db, next_url):
    response = client.post("/langue/", {"language": "en", "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_the_switcher_needs_the_csrf_token(customer, db):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/langue/", {"language": "en", "next": "/"})
    assert response.status_code == 403
    assert COOKIE not in response.cookies


def test_only_post_changes_the_language(client, db):
    assert client.get("/langue/?language=en").status_code == 405


def test_the_saved_language_survives_logout_and_login(customer, customer_user):
    customer_language_set(customer=customer, language="en")
    browser = Client()
    response = browser.post("/connexion/", {"login": "01776108", "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"
    assert html_lang(browser.get("/accueil/")) == "en"
    browser.post("/deconnexion/")
    assert html_lang(browser.get("/connexion/")) == "en"

    # Another browser, set to French: logging in brings the account's language back.
    other = Client(headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert html_lang(other.get("/connexion/")) == "fr"
    other.post("/connexion/", {"login": "01776108", "password": PASSWORD})
    assert html_lang(other.get("/accueil/")) == "en"


def test_without_a_saved_language_the_page_follows_the_browser(customer, customer_user):
    browser = Client(headers={"accept-language": "en-GB,en;q=0.8"})
    assert html_lang(browser.get("/connexion/")) == "en"
    response = browser.post("/connexion/", {"login": "01776108", "password": PASSWORD})
    assert COOKIE not in response.cookies
    assert html_lang(browser.get("/accueil/")) == "en"
    assert html_lang(Client().get("/connexion/")) == "fr"
    assert html_lang(Client(headers={"accept-language": "de"}).get("/connexion/")) == "fr"


def test_customer_language_set_refuses_a_language_not_offered(customer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        customer_language_set(customer=customer, language="xx")
    customer.refresh_from_db()
    assert customer.language == ""


def test_the_javascript_catalogue_is_loaded_before_guichet_js(client, db):
    html = client.get("/connexion/").content.decode()
    catalog = html.index('<script src="/jsi18n/fr/" defer></script>')
    assert catalog < html.index("guichet/guichet.js")
    with translation.override("en"):
        html = client.get("/connexion/", headers={"accept-language": "en"}).content.decode()
    assert '<script src="/jsi18n/en/" defer></script>' in html


def test_the_javascript_catalogue_is_cacheable_per_language(client, db):
    response = client.get("/jsi18n/en/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert "django.gettext" in response.content.decode()
    cache_control = response["Cache-Control"]
    assert "public" in cache_control and "no-store" not in cache_control
    assert not response.cookies
    assert client.get("/jsi18n/xx/").status_code == 404


def test_the_anti_robot_widget_speaks_the_page_language(client, db):
    assert 'language="fr-fr"' in client.get("/mot-de-passe-oublie/").content.decode()
    client.cookies[COOKIE] = "en"
    assert 'language="en"' in client.get("/mot-de-passe-oublie/").content.decode()
