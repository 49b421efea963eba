"""Account e-mails go out in the customer's language, French when they never chose one."""

import copy
import datetime

import pytest
import time_machine

from guichet.accounts import services
from guichet.core.models import OutboxEmail
from guichet.core.tests.english_catalogue import install_english, offer_english

NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)  # 10:30 in Colmar
LANG = "{% load i18n %}{% get_current_language as lang %}"


@pytest.fixture
def probe_templates(settings, tmp_path):
    """E-mail templates that say which language they were rendered in, and show the message."""
    emails_dir = tmp_path / "emails"
    emails_dir.mkdir()
    for template, body in (("security_notice", "{{ message }}"), ("password_reset", "{{ link }}")):
        (emails_dir / f"{template}.subject.txt").write_text(LANG + "Subject {{ lang }}")
        (emails_dir / f"{template}.txt").write_text(LANG + "[{{ lang }}] " + body)
        (emails_dir / f"{template}.html").write_text(LANG + '<html lang="{{ lang }}">' + body)
    templates = copy.deepcopy(settings.TEMPLATES)
    templates[0]["DIRS"] = [tmp_path, *templates[0]["DIRS"]]
    settings.TEMPLATES = templates
    offer_english(settings)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def notices():
    return list(OutboxEmail.objects.filter(template="security_notice").order_by("pk"))


@pytest.mark.django_db
def test_a_security_notice_is_written_in_english_for_an_english_customer(
    customer_user, probe_templates
):
    customer_user.customer.language = "en"
    customer_user.customer.save(update_fields=["language"])

    services.password_set(user=customer_user, password="Un-Autre-Mot-De-Passe-2026")

    [email] = notices()
    assert email.subject == "Subject en"
    assert email.body_html.startswith('<html lang="en">')
    # The message itself is built in English: its date is in the English format.
    assert "2 Mar 2026" in email.body_text


@pytest.mark.django_db
def test_every_security_notice_follows_the_customer_language(customer_user, probe_templates):
    customer_user.customer.language = "en"
    customer_user.customer.save(update_fields=["language"])

    services.password_set(user=customer_user, password="Un-Autre-Mot-De-Passe-2026", reset=True)
    services.password_changed_by_staff(user=customer_user)
    services.identifier_change(user=customer_user, identifier="claire.m")

    assert [email.subject for email in notices()] == ["Subject en"] * 3
    assert "“claire.m”" in notices()[2].body_text


@pytest.mark.django_db
def test_the_reset_link_email_follows_the_customer_language(customer_user, probe_templates):
    customer_user.customer.language = "en"
    customer_user.customer.save(update_fields=["language"])

    services.password_reset_send(user=customer_user)

    email = OutboxEmail.objects.get(template="password_reset")
    assert email.subject == "Subject en"
    assert email.body_text.startswith("[en] [")  # the link's placeholder, made at send time


@pytest.mark.django_db
def test_a_customer_who_never_chose_gets_french_even_from_an_english_page(
    customer_user, probe_templates
):
    from django.utils import translation

    with translation.override("en"):
        services.password_set(user=customer_user, password="Un-Autre-Mot-De-Passe-2026")

    [email] = notices()
    assert email.subject == "Subject fr"
    assert "02/03/2026 à 10:30" in email.body_text


@pytest.mark.django_db
def test_a_french_customer_gets_the_same_notice_as_before(customer_user):
    services.password_set(user=customer_user, password="Un-Autre-Mot-De-Passe-2026")

    [email] = notices()
    assert email.subject == "Information de sécurité sur votre Espace Client"
    assert email.body_text == (
        "Bonjour,\n\n"
        "Le mot de passe de votre Espace Client a été modifié le 02/03/2026 à 10:30.\n\n"
        "Si vous n'êtes pas à l'origine de cette opération, connectez-vous sans attendre à "
        "votre Espace Client pour changer votre mot de passe, puis contactez votre service "
        "client :\nhttp://127.0.0.1:8000/\n\n"
        "Nous ne vous demanderons jamais votre mot de passe par e-mail ou par téléphone.\n\n"
        "--\nVialis · Espace Client\nhttp://127.0.0.1:8000/\n"
        "Cet e-mail vous est envoyé automatiquement ; merci de ne pas y répondre.\n"
    )


@pytest.mark.django_db
def test_the_other_french_notices_keep_their_wording(customer_user):
    services.password_set(user=customer_user, password="Un-Autre-Mot-De-Passe-2026", reset=True)
    services.password_changed_by_staff(user=customer_user)
    services.identifier_change(user=customer_user, identifier="claire.m")

    reset, by_staff, identifier = (email.body_text for email in notices())
    assert "Le mot de passe de votre Espace Client a été réinitialisé le 02/03/2026 à 10:30." in (
        reset
    )
    assert (
        "Le mot de passe de votre Espace Client a été modifié par notre service client le "
        "02/03/2026 à 10:30." in by_staff
    )
    assert (
        "Votre identifiant personnalisé est désormais « claire.m ». Vous pouvez l'utiliser à la "
        "place de votre référence client pour vous connecter." in identifier
    )


@pytest.mark.django_db
def test_with_the_english_catalogue_the_notice_is_english(customer_user, settings, tmp_path):
    install_english(settings)
    customer_user.customer.language = "en"
    customer_user.customer.save(update_fields=["language"])

    services.password_set(user=customer_user, password="Un-Autre-Mot-De-Passe-2026")
    services.identifier_change(user=customer_user, identifier="claire.m")

    changed, identifier = (email.body_text for email in notices())
    assert "The password of your Espace Client was changed on 2 Mar 2026 at 10:30." in changed
    assert "Your personal identifier is now “claire.m”." in identifier
