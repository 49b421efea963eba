"""Back-office messages that count agree with their number; core's labels are translatable."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation

from guichet.core.emails import email_queue
from guichet.core.models import OutboxEmail, StaffAccess
from guichet.core.tests.english_catalogue import install_english


def failed_emails(count: int) -> list[int]:
    ids = []
    for n in range(count):
        email = email_queue(
            to=f"client{n}@example.fr", template="security_notice", context={"message": "Test"}
        )
        ids.append(email.pk)
    OutboxEmail.objects.filter(pk__in=ids).update(status=OutboxEmail.Status.FAILED)
    return ids


@pytest.mark.parametrize(
    ("count", "message"),
    [
        (1, "1 e-mail en échec remis en file d&#x27;envoi."),
        (2, "2 e-mails en échec remis en file d&#x27;envoi."),
    ],
)
@pytest.mark.django_db
def test_resending_says_how_many_emails_went_back(client, staff, staff_login, count, message):
    staff.user_permissions.add(
        Permission.objects.get(codename="view_outboxemail"),
        Permission.objects.get(codename="change_outboxemail"),
    )
    staff_login(client, staff)

    response = client.post(
        reverse("admin:core_outboxemail_changelist"),
        {"action": "resend", "_selected_action": failed_emails(count)},
        follow=True,
    )

    assert message in response.content.decode()


def test_core_labels_read_in_english_with_the_english_catalogue(settings, tmp_path):
    install_english(settings)

    with translation.override("en"):
        assert str(OutboxEmail._meta.get_field("subject").verbose_name) == "subject"
        assert str(StaffAccess._meta.get_field("object_id").verbose_name) == "object"
        assert str(OutboxEmail.Status.FAILED.label) == "Failed"
    assert str(OutboxEmail.Status.FAILED.label) == "Échec"
