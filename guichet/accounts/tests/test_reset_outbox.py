"""Reset and first-access links never rest readable in the outbox (issue 7, item 3).

Staff read the outbox in the back office: a link stored there would let them take over the
account. The row keeps a placeholder; the link is made when the e-mail leaves.
"""

import datetime
import re
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.test import Client
from django.urls import reverse

from guichet.accounts.models import User
from guichet.core.emails import outbox_sweep
from guichet.core.models import OutboxEmail
from guichet.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db(transaction=True)

NEW_PASSWORD = "Girafe#Nuage7Lac"
START = datetime.datetime(2026, 11, 26, 9, 0, tzinfo=datetime.UTC)
LINK = re.compile(r"https?://[^\s\"'<>]+/mot-de-passe/(?P<uid>[^/\s]+)/(?P<token>[^/\s]+)/")
PLACEHOLDER = "[lien confidentiel, créé au moment de l’envoi]"


def ask(client, reference="01776108", postal_code="68000"):
    return client.post(
        "/mot-de-passe-oublie/",
        {"reference": reference, "postal_code": postal_code, "captcha": "ok"},
    )


def sent_link(message) -> re.Match:
    match = LINK.search(message.body)
    assert match, message.body
    return match


def set_password_with(link: str, password=NEW_PASSWORD):
    """Follow the link as the customer would, in a browser of their own."""
    browser = Client()
    first = browser.get(re.sub(r"^https?://[^/]+", "", link))
    assert first.status_code == 302, first.content.decode()
    done = browser.post(first.url, {"new_password1": password, "new_password2": password})
    assert done.status_code == 302 and done.url == reverse("accounts:reset_done")


def assert_row_holds_no_link(row: OutboxEmail, token: str):
    stored = " ".join(
        str(value) for value in OutboxEmail.objects.filter(pk=row.pk).values()[0].values()
    )
    assert "/mot-de-passe/" not in stored
    assert token not in stored
    assert PLACEHOLDER in row.body_text and PLACEHOLDER in row.body_html


def test_the_stored_reset_email_holds_a_placeholder_and_the_sent_one_a_working_link(
    client, customer_user
):
    ask(client)

    row = OutboxEmail.objects.get(template="password_reset")
    assert row.status == OutboxEmail.Status.SENT
    link = sent_link(mail.outbox[0])
    assert_row_holds_no_link(row, link["token"])
    html = mail.outbox[0].alternatives[0][0]
    assert f'href="{link.group(0)}"' in html
    assert PLACEHOLDER not in mail.outbox[0].body + html
    set_password_with(link.group(0))
    customer_user.refresh_from_db()
    assert customer_user.check_password(NEW_PASSWORD)


def test_the_stored_first_access_email_holds_no_link(client, db):
    customer = CustomerFactory(reference="04444444", contract_postal_code="67600")

    ask(client, reference="04444444", postal_code="67600")

    row = OutboxEmail.objects.get(template="password_reset")
    assert "première connexion" in row.body_text
    link = sent_link(mail.outbox[0])
    assert_row_holds_no_link(row, link["token"])
    set_password_with(link.group(0))
    assert User.objects.get(customer=customer).check_password(NEW_PASSWORD)


def test_staff_see_no_token_in_the_outbox(admin_client, customer_user):
    # Sent by staff from the back office, then read there: the list and the e-mail itself.
    admin_client.post(
        "/back-office/accounts/user/",
        {"action": "send_first_access_link", "_selected_action": [customer_user.pk]},
    )
    link = sent_link(mail.outbox[-1])
    row = OutboxEmail.objects.get(template="password_reset")

    changelist = admin_client.get(reverse("admin:core_outboxemail_changelist"))
    change = admin_client.get(reverse("admin:core_outboxemail_change", args=[row.pk]))

    assert changelist.status_code == change.status_code == 200
    for page in (changelist.content.decode(), change.content.decode()):
        assert link["token"] not in page
        assert f"/mot-de-passe/{link['uid']}/" not in page
    assert "lien confidentiel, créé au moment de l’envoi" in change.content.decode()


def test_a_link_queued_while_smtp_is_down_works_from_when_it_is_sent(
    client, customer_user, monkeypatch
):
    def down(self, messages):
        raise SMTPServerDisconnected("panne")

    with time_machine.travel(START, tick=False) as traveller:
        monkeypatch.setattr(EmailBackend, "send_messages", down)
        ask(client)
        assert mail.outbox == []
        monkeypatch.undo()
        # Longer than a link lives: one made at queue time would be dead on arrival.
        traveller.shift(datetime.timedelta(minutes=20))
        assert outbox_sweep() == 1
        traveller.shift(datetime.timedelta(minutes=14))
        link = sent_link(mail.outbox[0])
        assert_row_holds_no_link(OutboxEmail.objects.get(), link["token"])
        set_password_with(link.group(0))

    customer_user.refresh_from_db()
    assert customer_user.check_password(NEW_PASSWORD)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ("deactivate", "est désactivé"),
        ("delete", "n'existe plus"),
        ("new_address", "adresse de contact du client 01776108 a changé"),
    ],
)
def test_no_working_link_leaves_for_an_account_changed_meanwhile(
    client, customer_user, monkeypatch, change, reason
):
    def down(self, messages):
        raise SMTPServerDisconnected("panne")

    with time_machine.travel(START, tick=False) as traveller:
        monkeypatch.setattr(EmailBackend, "send_messages", down)
        ask(client)
        monkeypatch.undo()
        if change == "deactivate":
            User.objects.filter(pk=customer_user.pk).update(is_active=False)
        elif change == "delete":
            customer_user.delete()
        else:
            customer_user.customer.contact_email = "nouvelle.adresse@example.fr"
            customer_user.customer.save(update_fields=["contact_email"])
        traveller.shift(datetime.timedelta(minutes=2))
        assert outbox_sweep() == 0

    row = OutboxEmail.objects.get(template="password_reset")
    assert mail.outbox == []
    assert row.status == OutboxEmail.Status.FAILED  # no retry would bring the account back
    assert row.last_error.startswith("Non envoyé : le lien confidentiel n'a pas pu être créé (")
    assert reason in row.last_error


def test_the_demo_mailbox_shows_a_working_link(client, customer_user, settings):
    settings.GUICHET_DEMO = True
    ask(client)
    row = OutboxEmail.objects.get(template="password_reset")

    page = client.get(reverse("core:demo_mailbox_detail", args=[row.pk])).content.decode()

    link = LINK.search(page)
    assert link and f'<a href="{link.group(0)}"' in page
    assert PLACEHOLDER not in page
    set_password_with(link.group(0))
    customer_user.refresh_from_db()
    assert customer_user.check_password(NEW_PASSWORD)


def test_the_demo_mailbox_says_when_the_link_cannot_be_made(client, customer_user, settings):
    settings.GUICHET_DEMO = True
    ask(client)
    User.objects.filter(pk=customer_user.pk).update(is_active=False)
    row = OutboxEmail.objects.get(template="password_reset")

    response = client.get(reverse("core:demo_mailbox_detail", args=[row.pk]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Le lien de cet e-mail ne peut plus être créé" in page
    assert "/mot-de-passe/" not in page
