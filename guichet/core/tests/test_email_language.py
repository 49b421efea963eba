"""E-mails are written in the language given to email_queue, the default language otherwise."""

import copy

import pytest
from django.core import mail
from django.utils import translation

from guichet.core import emails
from guichet.core.emails import email_queue, outbox_send
from guichet.core.tests.english_catalogue import install_english, offer_english

# Each part of the e-mail says which language it was rendered in.
LANG = "{% load i18n %}{% get_current_language as lang %}"
LANGUAGE_TEMPLATES = {
    "language_probe.subject.txt": LANG + "Subject {{ lang }}",
    "language_probe.txt": LANG + "Text {{ lang }}",
    "language_probe.html": LANG + '<html lang="{{ lang }}">HTML</html>',
}


@pytest.fixture
def probe_template(settings, tmp_path):
    emails_dir = tmp_path / "emails"
    emails_dir.mkdir()
    for name, source in LANGUAGE_TEMPLATES.items():
        (emails_dir / name).write_text(source, encoding="utf-8")
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    offer_english(settings)
    return "language_probe"


@pytest.mark.django_db
def test_it_renders_the_email_in_the_language_given(probe_template):
    email = email_queue(to="a@example.fr", template=probe_template, context={}, language="en")

    assert email.subject == "Subject en"
    assert email.body_text == "Text en\n"
    assert email.body_html == '<html lang="en">HTML</html>'


@pytest.mark.parametrize("language", [None, "", "de"])
@pytest.mark.django_db
def test_it_renders_the_email_in_french_when_no_offered_language_was_chosen(
    probe_template, language
):
    email = email_queue(to="a@example.fr", template=probe_template, context={}, language=language)

    assert email.subject == "Subject fr"
    assert email.body_html == '<html lang="fr">HTML</html>'


@pytest.mark.django_db
def test_the_language_of_the_page_that_triggered_it_does_not_count(probe_template):
    with translation.override("en"):
        email = email_queue(to="a@example.fr", template=probe_template, context={})

        assert translation.get_language() == "en"  # and the page's language is restored
    assert email.subject == "Subject fr"


@pytest.fixture
def link_templates(settings, tmp_path):
    """A reset-like e-mail with two secret links, in an English catalogue of our strings."""
    install_english(settings)
    emails_dir = tmp_path / "emails"
    emails_dir.mkdir()
    (emails_dir / "two_links.subject.txt").write_text("Links")
    (emails_dir / "two_links.txt").write_text("First {{ first }}\nSecond {{ second }}")
    (emails_dir / "two_links.html").write_text(
        '<a href="{{ first }}">first</a> <a href="{{ second }}">second</a>'
    )
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    return "two_links"


@pytest.fixture
def links(monkeypatch):
    monkeypatch.setitem(
        emails._secret_link_builders, "fresh", lambda *, n: f"https://espace.example.fr/s/{n}/?a&b"
    )


@pytest.mark.django_db
def test_an_english_email_stores_english_placeholders_and_leaves_with_the_links(
    link_templates, links
):
    email = email_queue(
        to="a@example.fr",
        template=link_templates,
        context={},
        secret_links={"first": ("fresh", {"n": 1}), "second": ("fresh", {"n": 2})},
        language="en",
    )

    assert email.body_text == (
        "First [confidential link, made when the e-mail is sent]\n"
        "Second [confidential link no. 2, made when the e-mail is sent]\n"
    )
    assert outbox_send(email_id=email.pk) is True
    sent = mail.outbox[0]
    assert sent.body == (
        "First https://espace.example.fr/s/1/?a&b\nSecond https://espace.example.fr/s/2/?a&b\n"
    )
    assert sent.alternatives[0][0] == (
        '<a href="https://espace.example.fr/s/1/?a&amp;b">first</a> '
        '<a href="https://espace.example.fr/s/2/?a&amp;b">second</a>'
    )


@pytest.mark.django_db
def test_a_french_email_keeps_its_french_placeholder_with_the_english_catalogue(
    link_templates, links
):
    email = email_queue(
        to="a@example.fr",
        template=link_templates,
        context={},
        secret_links={"first": ("fresh", {"n": 1}), "second": ("fresh", {"n": 2})},
    )

    assert email.body_text.startswith("First [lien confidentiel, créé au moment de l’envoi]\n")
