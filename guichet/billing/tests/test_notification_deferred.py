"""The « facture disponible » e-mails of a billing run are queued unrendered (decision 0018):
the worker that sends them renders exactly what `invoice_issue` would have written at once."""

import datetime

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from guichet.billing.services.issue import _notification, invoice_notification_defer
from guichet.billing.tests.test_languages import english, issue  # noqa: F401 (fixture)
from guichet.core.emails import email_build, email_defer, outbox_render, outbox_send_many
from guichet.core.models import OutboxEmail

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["", "fr", "en"])
def test_the_deferred_notice_is_the_one_rendered_at_once(english, customer, language):  # noqa: F811
    invoice = issue(customer)
    at_once = email_build(**_notification(invoice, to="c@example.fr", language=language))

    deferred = invoice_notification_defer(
        invoice_id=invoice.pk, to="c@example.fr", language=language
    )
    assert (deferred.subject, deferred.body_text, deferred.body_html) == ("", "", "")
    assert outbox_render(email=deferred)

    assert deferred.subject == at_once.subject
    assert deferred.body_text == at_once.body_text
    assert deferred.body_html == at_once.body_html
    assert invoice.number in deferred.subject


def test_the_worker_renders_sends_and_keeps_the_rendered_copy(customer):
    invoice = issue(customer)
    email = invoice_notification_defer(invoice_id=invoice.pk, to="c@example.fr", language="")
    email.save()

    assert outbox_send_many(email_ids=[email.pk]) == 1

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.subject == f"Votre facture {invoice.number} est disponible"
    assert invoice.number in email.body_text and "Voir mes factures" in email.body_html
    [sent] = mail.outbox
    assert (sent.subject, sent.body) == (email.subject, email.body_text)


def test_a_notice_that_cannot_be_rendered_waits_for_a_retry(customer):
    email = invoice_notification_defer(invoice_id=999_999, to="c@example.fr", language="")
    email.save()

    assert outbox_send_many(email_ids=[email.pk]) == 0

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    assert email.attempts == 1
    assert "DoesNotExist" in email.last_error
    assert email.next_attempt_at > datetime.datetime.now(datetime.UTC)
    assert not mail.outbox


def test_a_deferred_email_checks_its_address_and_template():
    with pytest.raises(ValidationError):
        email_defer(to="c@example.fr\nBcc: x@example.fr", template="invoice_available", args={})
    with pytest.raises(LookupError):
        email_defer(to="c@example.fr", template="no_such_template", args={})


def test_the_demo_mailbox_shows_a_notice_not_sent_yet_as_it_will_leave(client, settings, customer):
    settings.GUICHET_DEMO = True
    invoice = issue(customer)
    email = invoice_notification_defer(invoice_id=invoice.pk, to="c@example.fr", language="")
    email.save()

    response = client.get(reverse("core:demo_mailbox_detail", args=[email.pk]))

    html = response.content.decode()
    assert f"Votre facture {invoice.number} est disponible" in html
    assert "Consultez-la et téléchargez-la" in html
    email.refresh_from_db()
    assert email.body_text == ""  # a page view writes nothing


def test_the_demo_mailbox_shows_a_notice_that_cannot_be_written_now_without_failing(
    client, settings, customer
):
    settings.GUICHET_DEMO = True
    email = invoice_notification_defer(invoice_id=999_999, to="c@example.fr", language="")
    email.save()

    response = client.get(reverse("core:demo_mailbox_detail", args=[email.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert "ne peut pas être rédigé maintenant" in html
    assert "<h1>(rédigé à l&#x27;envoi : invoice_available)</h1>" in html


def test_one_notice_that_cannot_be_rendered_does_not_hold_back_the_others(customer, other_customer):
    invoices = [issue(customer), issue(other_customer)]
    emails = [
        invoice_notification_defer(invoice_id=invoice_id, to="c@example.fr", language="")
        for invoice_id in (invoices[0].pk, 999_999, invoices[1].pk)
    ]
    for email in emails:
        email.save()

    assert outbox_send_many(email_ids=[email.pk for email in emails]) == 2

    assert [OutboxEmail.objects.get(pk=email.pk).status for email in emails] == [
        OutboxEmail.Status.SENT,
        OutboxEmail.Status.PENDING,
        OutboxEmail.Status.SENT,
    ]
    assert sorted(message.subject for message in mail.outbox) == [
        f"Votre facture {invoice.number} est disponible" for invoice in invoices
    ]


def test_the_back_office_says_a_notice_is_written_when_it_leaves(admin_client, customer):
    invoice = issue(customer)
    email = invoice_notification_defer(invoice_id=invoice.pk, to="c@example.fr", language="")
    email.save()
    pending = "(rédigé à l&#x27;envoi : invoice_available)"
    changelist = admin_client.get(reverse("admin:core_outboxemail_changelist"))
    change = admin_client.get(reverse("admin:core_outboxemail_change", args=[email.pk]))
    assert pending in changelist.content.decode() and pending in change.content.decode()

    outbox_send_many(email_ids=[email.pk])
    changelist = admin_client.get(reverse("admin:core_outboxemail_changelist"))
    assert pending not in changelist.content.decode()
    assert f"Votre facture {invoice.number} est disponible" in changelist.content.decode()
