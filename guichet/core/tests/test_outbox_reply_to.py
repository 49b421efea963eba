"""The outbox's Reply-To: stored with the row, put on the message when it leaves, and never a
way to add a header."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction

from guichet.core.emails import email_queue
from guichet.core.models import OutboxEmail

pytestmark = pytest.mark.django_db


def _queue(**kwargs):
    return email_queue(
        to="service-client@example.fr",
        template="security_notice",
        context={"message": "Bonjour"},
        **kwargs,
    )


def test_it_sends_the_reply_to_it_was_given(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email = _queue(reply_to="claire.muller@example.fr")
    assert OutboxEmail.objects.get(pk=email.pk).reply_to == "claire.muller@example.fr"
    (sent,) = mail.outbox
    assert sent.reply_to == ["claire.muller@example.fr"]
    assert sent.message()["Reply-To"] == "claire.muller@example.fr"


def test_without_a_reply_to_the_message_has_none(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        _queue()
    (sent,) = mail.outbox
    assert sent.reply_to == []
    assert "Reply-To" not in sent.message()


@pytest.mark.parametrize(
    "reply_to",
    [
        "claire@example.fr\r\nBcc: victime@example.org",
        "claire@example.fr\nBcc: victime@example.org",
        "pas une adresse",
    ],
)
def test_a_reply_to_with_a_line_break_is_refused(reply_to):
    with pytest.raises(ValidationError):
        _queue(reply_to=reply_to)
    assert not OutboxEmail.objects.exists()
