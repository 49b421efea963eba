"""First access and « Mot de passe oublié » (A2, A3)."""

import datetime
import re
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from guichet.accounts.models import SecurityEvent, User
from guichet.accounts.services import mask_email
from guichet.core.emails import outbox_sweep
from guichet.core.models import OutboxEmail
from guichet.customers.tests.factories import CustomerFactory

# Real transactions: the e-mails leave the outbox when the change commits.
pytestmark = pytest.mark.django_db(transaction=True)

REQUEST = "/mot-de-passe-oublie/"
NEW_PASSWORD = "Girafe#Nuage7Lac"
START = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)


def ask(client, reference="01776108", postal_code="68000", captcha="ok", **extra):
    return client.post(
        REQUEST,
        {"reference": reference, "postal_code": postal_code, "captcha": captcha},
        **extra,
    )


def reset_link() -> str:
    body = mail.outbox[-1].body
    return re.search(r"http://\S+/mot-de-passe/\S+/", body).group(0)


def path_of(link: str) -> str:
    return re.sub(r"^https?://[^/]+", "", link)


def choose(client, link, password=NEW_PASSWORD, confirm=None):
    response = client.get(path_of(link))
    if response.status_code != 302:
        return response
    return client.post(
        response.url, {"new_password1": password, "new_password2": confirm or password}
    )


def test_it_sends_a_link_and_shows_the_masked_address(client, customer):
    response = ask(client, reference=" V01776108 ")
    html = response.content.decode()
    assert response.status_code == 200
    assert mask_email(customer.contact_email) in html
    assert "pensez à consulter vos spams" in html
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [customer.contact_email]
    assert "15 minutes" in mail.outbox[0].body
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RESET_REQUESTED).count() == 1


def test_masking_keeps_the_first_letter_and_the_tld():
    assert mask_email("claire.muller@example.fr") == "c" + "*" * 12 + "@….fr"
    assert mask_email("c@ex.com") == "c***@….com"


def test_unknown_reference_and_wrong_postal_code_read_the_same(client, customer):
    unknown = ask(client, reference="01234567")
    wrong_code = ask(client, postal_code="67000")
    no_email_customer = CustomerFactory(reference="05555555", contact_email="")
    no_email = ask(client, reference=no_email_customer.reference)

    def body(response):
        # Every form on the page (the reset form, the footer's language switcher) carries a
        # CSRF token masked afresh: what differs there says nothing about the account.
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())

    assert unknown.status_code == wrong_code.status_code == no_email.status_code == 200
    assert body(unknown) == body(wrong_code) == body(no_email)
    assert "Nous n'avons pas pu vous envoyer de lien" in body(unknown)
    assert mail.outbox == []


def test_the_anti_robot_check_is_required(client, customer):
    response = ask(client, captcha="")
    assert "Merci de cocher la case" in response.content.decode()
    assert mail.outbox == []


def test_a_forged_anti_robot_payload_is_refused(client, customer, settings):
    settings.ALTCHA_TEST_MODE = False
    response = ask(client, captcha="eyJmYWtlIjp0cnVlfQ==")
    assert "vérification anti-robot a échoué" in response.content.decode()
    assert mail.outbox == []


def test_first_access_creates_the_account(client, db):
    customer = CustomerFactory(reference="04444444", contract_postal_code="67600")
    assert not User.objects.filter(customer=customer).exists()
    ask(client, reference="04444444", postal_code="67600")
    user = User.objects.get(customer=customer)
    assert not user.has_usable_password()
    assert "première connexion" in mail.outbox[0].body
    choose(client, reset_link())
    assert client.post("/connexion/", {"login": "04444444", "password": NEW_PASSWORD}).url == (
        "/accueil/"
    )


def test_the_whole_reset_then_login(client, customer_user):
    ask(client)
    link = reset_link()
    first = client.get(path_of(link))
    assert first.status_code == 302  # the token leaves the address bar
    assert first["Referrer-Policy"] == "no-referrer"
    form_page = client.get(first.url)
    assert "token" not in first.url and path_of(link).split("/")[3] not in first.url
    assert "Au moins 12 caractères" in form_page.content.decode()
    done = client.post(first.url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.url == reverse("accounts:reset_done")
    assert "Vous pouvez vous authentifier" in client.get(done.url).content.decode()
    # No automatic login.
    assert client.get("/accueil/").status_code == 302
    customer_user.refresh_from_db()
    assert customer_user.check_password(NEW_PASSWORD)
    assert any("réinitialisé" in m.body for m in mail.outbox)
    assert SecurityEvent.objects.filter(
        user=customer_user, kind=SecurityEvent.Kind.RESET_USED
    ).exists()


def test_the_new_password_must_meet_the_criteria(client, customer_user, password):
    ask(client)
    response = choose(client, reset_link(), password="Azerty123456!")
    assert response.status_code == 200
    assert "trop facile à deviner" in response.content.decode()
    response = choose(client, reset_link(), password=NEW_PASSWORD, confirm=NEW_PASSWORD + "x")
    assert "ne sont pas identiques" in response.content.decode()
    customer_user.refresh_from_db()
    assert customer_user.check_password(password)


def test_a_link_works_at_14_59_and_not_at_15_01(client, customer_user):
    with time_machine.travel(START, tick=False) as traveller:
        ask(client)
        link = reset_link()
        traveller.shift(datetime.timedelta(minutes=14, seconds=59))
        assert client.get(path_of(link)).status_code == 302
        traveller.shift(datetime.timedelta(seconds=2))
        expired = client.get(path_of(link))
        assert expired.status_code == 400
        assert "Ce lien n'est plus valable" in expired.content.decode()
        assert 'href="/mot-de-passe-oublie/"' in expired.content.decode()
        # Having opened it in time is no way around expiry either.
        form_url = reverse("accounts:reset_confirm", args=[path_of(link).split("/")[2], "nouveau"])
        assert (
            client.post(
                form_url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
            ).status_code
            == 400
        )


def test_a_used_link_fails_the_second_time(client, customer_user):
    ask(client)
    link = reset_link()
    choose(client, link)
    again = client.get(path_of(link))
    assert again.status_code == 400
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.RESET_LINK_INVALID).exists()


def test_a_link_for_another_account_or_with_a_changed_byte_fails(
    client, customer_user, other_customer
):
    ask(client)
    link = path_of(reset_link())
    _, _, uid, token, _ = link.split("/")
    other_uid = link.replace(
        uid,
        __import__("base64")
        .urlsafe_b64encode(str(other_customer.user.pk).encode())
        .decode()
        .rstrip("="),
    )
    assert client.get(other_uid).status_code == 400
    changed = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert client.get(link.replace(token, changed)).status_code == 400
    assert client.get("/mot-de-passe/zzz/abc-def/").status_code == 400


def test_a_link_dies_when_the_password_changes_another_way(client, customer_user):
    ask(client)
    link = reset_link()
    customer_user.set_password("Une-Autre-Phrase-Secrete")
    customer_user.save()
    assert client.get(path_of(link)).status_code == 400


def test_links_never_use_the_request_host(client, customer, settings):
    settings.ALLOWED_HOSTS = ["*"]
    settings.GUICHET_SITE_URL = "https://espaceclient.example.fr"
    ask(client, HTTP_HOST="evil.example")
    body = mail.outbox[0].body + mail.outbox[0].alternatives[0][0]
    assert "evil.example" not in body
    assert "https://espaceclient.example.fr/mot-de-passe/" in body


def test_the_reset_ends_every_other_session(client, customer_user, password):
    from django.test import Client

    other_device = Client()
    other_device.post("/connexion/", {"login": "01776108", "password": password})
    assert other_device.get("/accueil/").status_code == 200
    ask(client)
    choose(client, reset_link())
    assert other_device.get("/accueil/").status_code == 302


def test_links_for_one_account_are_rate_limited(client, customer, settings):
    settings.GUICHET_RESET_MAX_PER_REFERENCE = 2
    ask(client, REMOTE_ADDR="198.51.100.1")
    ask(client, REMOTE_ADDR="198.51.100.2")
    blocked = ask(client, REMOTE_ADDR="198.51.100.3")
    assert blocked.status_code == 429
    assert "Trop de demandes de lien" in blocked.content.decode()
    assert len(mail.outbox) == 2


def test_a_stranger_without_the_postal_code_cannot_block_the_holder(client, customer, settings):
    settings.GUICHET_RESET_MAX_PER_REFERENCE = 2
    for n in range(5):
        assert ask(client, postal_code="75001", REMOTE_ADDR=f"198.51.100.{n}").status_code == 200
    assert ask(client, REMOTE_ADDR="203.0.113.50").status_code == 200
    assert len(mail.outbox) == 1


def test_one_address_is_rate_limited_whatever_it_asks(client, customer, settings):
    settings.GUICHET_RESET_MAX_PER_IP = 3
    for reference in ("01234567", "01234568", "01776108"):
        assert ask(client, reference=reference).status_code == 200
    blocked = ask(client, reference="01234569")
    assert blocked.status_code == 429
    assert ask(client, reference="01234569", REMOTE_ADDR="203.0.113.9").status_code == 200


def test_the_reset_mail_waits_in_the_outbox_while_the_mail_server_is_down(
    client, customer, monkeypatch
):
    from django.core.mail.backends.locmem import EmailBackend

    def down(self, messages):
        raise SMTPServerDisconnected("panne")

    with time_machine.travel(START, tick=False) as traveller:
        monkeypatch.setattr(EmailBackend, "send_messages", down)
        response = ask(client)
        assert "pensez à consulter vos spams" in response.content.decode()
        queued = OutboxEmail.objects.get(template="password_reset")
        assert queued.status == OutboxEmail.Status.PENDING
        assert mail.outbox == []
        monkeypatch.undo()
        traveller.shift(datetime.timedelta(minutes=2))
        assert outbox_sweep() == 1
    queued.refresh_from_db()
    assert queued.status == OutboxEmail.Status.SENT
    assert "/mot-de-passe/" in mail.outbox[0].body


@pytest.mark.parametrize("url", ["/mot-de-passe-oublie/"])
def test_the_request_page_is_french_and_labelled(client, db, url):
    html = client.get(url).content.decode()
    assert '<label for="id_reference">' in html and '<label for="id_postal_code">' in html
    assert "<altcha-widget" in html and 'language="fr-fr"' in html
    assert "csrfmiddlewaretoken" in html
