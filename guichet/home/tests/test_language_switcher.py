"""The language switcher is in the footer of every portal page, anonymous or logged in."""

import re

import pytest
from django.test import Client

from guichet.catalog.tests.factories import SubscriptionFactory


@pytest.fixture(autouse=True)
def two_languages(settings):
    # The English catalogue arrives later; the switcher must already show with two languages.
    settings.LANGUAGES = [("fr", "Français"), ("en", "English")]


def switcher(html: str) -> str:
    match = re.search(r'<form class="language-switcher".*?</form>', html, re.S)
    assert match, "no language switcher"
    return match.group(0)


def test_every_portal_page_has_the_switcher(client, customer_client, customer):
    SubscriptionFactory(customer=customer)
    anonymous = Client()
    for url in (
        "/connexion/",
        "/mot-de-passe-oublie/",
        "/mot-de-passe/termine/",
        "/accessibilite/",
        "/donnees-personnelles/",
    ):
        response = anonymous.get(url)
        assert response.status_code == 200, url
        form = switcher(response.content.decode())
        assert 'action="/langue/"' in form
        assert f'name="next" value="{url}"' in form
        assert "csrfmiddlewaretoken" in form
        assert '<label for="choix-langue">Langue</label>' in form
        assert '<option value="fr" lang="fr" selected>Français</option>' in form
        assert '<option value="en" lang="en">English</option>' in form
    assert switcher(anonymous.get("/page-qui-n-existe-pas/").content.decode())
    for url in (
        "/accueil/",
        "/mes-services/",
        "/mes-services/internet/",
        "/mes-factures/",
        "/mes-donnees/mon-profil/",
    ):
        response = customer_client.get(url)
        assert response.status_code == 200, url
        assert f'name="next" value="{url}"' in switcher(response.content.decode())
