"""E-mails are written in the language given to email_queue, the default language otherwise."""

import copy

import pytest
from django.utils import translation

from guichet.core.emails import email_queue

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
    return "language_probe"


@pytest.mark.django_db
def test_it_renders_the_email_in_the_language_given(probe_template):
    email = email_queue(to="a@example.fr", template=probe_template, context={}, language="en")

    assert email.subject == "Subject en"
    assert email.body_text == "Text en\n"
    assert email.body_html == '<html lang="en">HTML</html>'


@pytest.mark.parametrize("language", [None, ""])
@pytest.mark.django_db
def test_it_renders_the_email_in_french_when_no_language_was_chosen(probe_template, language):
    email = email_queue(to="a@example.fr", template=probe_template, context={}, language=language)

    assert email.subject == "Subject fr"
    assert email.body_html == '<html lang="fr">HTML</html>'


@pytest.mark.django_db
def test_the_language_of_the_page_that_triggered_it_does_not_count(probe_template):
    with translation.override("en"):
        email = email_queue(to="a@example.fr", template=probe_template, context={})

        assert translation.get_language() == "en"  # and the page's language is restored
    assert email.subject == "Subject fr"
