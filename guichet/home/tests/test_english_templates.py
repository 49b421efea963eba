"""The portal's templates in English: with the project's catalogue, no French is left.

A template string left unmarked (or marked and not translated) shows up as French on an
English page: each page is checked against every French sentence of the catalogue.
"""

import html
import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.utils import translation
from django.views.defaults import server_error

from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.core.tests.english_catalogue import french_left, install_english


@pytest.fixture
def english(settings):
    install_english(settings)


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_the_portal_pages_have_no_french_left_in_english(english, customer, customer_user):
    SubscriptionFactory(customer=customer, line_number="+33389000000")
    anonymous = Client(headers={"accept-language": "en"})
    pages = {}
    for url in (
        "/connexion/",
        "/mot-de-passe-oublie/",
        "/mot-de-passe/termine/",
        "/page-qui-n-existe-pas/",
    ):
        pages[url] = anonymous.get(url)
    logged_in = Client(headers={"accept-language": "en"})
    logged_in.force_login(customer_user, backend="guichet.accounts.backends.CustomerBackend")
    for url in ("/accueil/", "/mes-services/", "/mes-services/mobile/", "/mes-donnees/mon-profil/"):
        pages[url] = logged_in.get(url)
    for url, response in pages.items():
        page = response.content.decode()
        assert '<html lang="en">' in page, url
        text = visible_text(page)
        assert not french_left(text), (url, french_left(text))
    assert "Log out" in visible_text(pages["/accueil/"].content.decode())
    assert "My services" in visible_text(pages["/mes-services/"].content.decode())
    assert "+33 3 89 00 00 00" in visible_text(pages["/mes-services/"].content.decode())


def test_the_french_pages_are_unchanged_next_to_english(english, customer_client):
    page = customer_client.get("/mes-services/").content.decode()
    assert '<html lang="fr">' in page
    assert "Mes services" in page and "Se déconnecter" in page


def test_the_server_error_page_follows_the_language_without_context_processors(english, rf):
    with translation.override("en"):
        response = server_error(rf.get("/"))
    page = response.content.decode()
    assert '<html lang="en">' in page
    assert "Temporary error" in page and "Erreur temporaire" not in page
    with translation.override("fr"):
        assert '<html lang="fr">' in server_error(rf.get("/")).content.decode()


def test_the_emails_base_is_in_the_language_it_is_rendered_in(english, settings):
    context = {"brand": settings.GUICHET_BRAND, "site_url": "https://guichet.example"}
    with translation.override("en"):
        page = render_to_string("emails/base.html", context)
    assert '<html lang="en">' in page
    assert "please do not reply" in page


def test_the_javascript_catalogue_carries_the_scripts_translations(english, client):
    catalogue = client.get("/jsi18n/en/").content.decode()
    assert '"(not met)"' in catalogue
    assert "criteria met" in catalogue
    assert "(not met)" not in client.get("/jsi18n/fr/").content.decode()
