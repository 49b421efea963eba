"""The pages staff edit (policy, accessibility statement) exist once per language."""

from html import unescape

import pytest
from django.test import Client

from guichet.core.models import SitePage
from guichet.core.tests.english_catalogue import install_english


@pytest.fixture
def english(settings):
    install_english(settings)


def test_each_language_reads_its_own_version(english, db):
    french = Client(headers={"accept-language": "fr"}).get("/accessibilite/").content.decode()
    english_page = Client(headers={"accept-language": "en"}).get("/accessibilite/")
    english_page = english_page.content.decode()
    assert "Déclaration d'accessibilité" in unescape(french)
    assert "Accessibility statement" in english_page
    assert "partially compliant" in english_page
    assert '<article class="prose">' in english_page


def test_a_page_without_a_version_in_the_language_is_shown_marked_as_french(english, db):
    SitePage.objects.filter(slug=SitePage.Slug.PRIVACY, language="en").delete()
    page = unescape(
        Client(headers={"accept-language": "en"}).get("/donnees-personnelles/").content.decode()
    )
    assert "This page is not yet available in your language: here it is in French." in page
    # Screen readers read the French text as French.
    assert '<article class="prose" lang="fr">' in page
    assert "<title>Personal data protection policy" in page


def test_staff_add_a_language_version_of_a_page(admin_client, english, db):
    SitePage.objects.filter(slug=SitePage.Slug.PRIVACY, language="en").delete()
    response = admin_client.post(
        "/back-office/core/sitepage/add/",
        {"slug": "donnees-personnelles", "language": "en", "title": "Privacy", "body": "Ours."},
    )
    assert response.status_code == 302
    page = Client(headers={"accept-language": "en"}).get("/donnees-personnelles/").content
    assert b"<p>Ours.</p>" in page
    duplicate = admin_client.post(
        "/back-office/core/sitepage/add/",
        {"slug": "donnees-personnelles", "language": "en", "title": "Again", "body": "x"},
    )
    assert duplicate.status_code == 200
    assert SitePage.objects.filter(slug="donnees-personnelles", language="en").count() == 1
