"""The e-mail outbox: queued with the change, sent once, kept when the server is down."""

import datetime
import importlib
import re
from smtplib import SMTPServerDisconnected

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlsafe_base64_encode

from guichet.core import emails
from guichet.core.emails import (
    SecretLinkUnavailable,
    email_queue,
    outbox_resend,
    outbox_send,
    outbox_sweep,
)
from guichet.core.models import OutboxEmail
from guichet.core.tasks import send_outbox_email, sweep_outbox

NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)
MESSAGE = "Le mot de passe de l'Espace Client 01776108 a été modifié."


def queue_notice(to="claire.muller@example.fr", message=MESSAGE):
    return email_queue(to=to, template="security_notice", context={"message": message})


@pytest.fixture
def smtp_down(monkeypatch):
    def fail(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(EmailBackend, "send_messages", fail)
    return monkeypatch


@pytest.fixture
def demo_on(settings):
    settings.GUICHET_DEMO = True


@pytest.mark.django_db
def test_it_renders_the_branded_email_in_french(settings):
    settings.GUICHET_BRAND = {**settings.GUICHET_BRAND, "name": "Opérateur Test"}
    settings.GUICHET_SITE_URL = "https://espace.example.fr"

    email = queue_notice()

    assert email.to == "claire.muller@example.fr"
    assert email.template == "security_notice"
    assert email.subject == "Information de sécurité sur votre Espace Client"
    assert MESSAGE in email.body_text  # plain text: the apostrophe is not escaped
    assert "Opérateur Test" in email.body_text
    assert "https://espace.example.fr/" in email.body_text
    assert "l&#x27;Espace Client 01776108" in email.body_html
    assert "Opérateur Test" in email.body_html
    assert 'href="https://espace.example.fr/"' in email.body_html
    assert email.status == OutboxEmail.Status.PENDING
    assert email.attempts == 0


@pytest.mark.django_db
def test_it_escapes_the_context_in_the_html_body():
    email = queue_notice(message="<script>alert(1)</script>")

    assert "<script>" not in email.body_html
    assert "&lt;script&gt;" in email.body_html


@pytest.mark.django_db
def test_it_sends_the_email_when_the_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        email = queue_notice()
        assert mail.outbox == []

    assert len(callbacks) == 1
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.to == ["claire.muller@example.fr"]
    assert sent.from_email == "Espace Client <espace-client@example.fr>"
    assert sent.subject == "Information de sécurité sur votre Espace Client"
    assert MESSAGE in sent.body
    assert sent.alternatives[0].mimetype == "text/html"
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.sent_at is not None
    assert email.attempts == 1


@pytest.mark.django_db
def test_it_queues_nothing_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        queue_notice()
        raise RuntimeError("the change failed")

    assert callbacks == []
    assert not OutboxEmail.objects.exists()
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_keeps_email_pending_when_smtp_fails(smtp_down, django_capture_on_commit_callbacks):
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        email = queue_notice()  # the eager task must not raise

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    assert email.attempts == 1
    assert email.next_attempt_at == NOW + datetime.timedelta(minutes=1)
    assert email.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert email.sent_at is None
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_keeps_email_pending_when_the_network_fails(monkeypatch):
    def fail(self, messages):
        raise OSError("Network is unreachable")

    monkeypatch.setattr(EmailBackend, "send_messages", fail)

    with time_machine.travel(NOW, tick=False):
        email = queue_notice()
        send_outbox_email.delay(email.pk)

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    assert email.attempts == 1
    assert email.next_attempt_at > NOW
    assert email.last_error == "OSError: Network is unreachable"


@pytest.mark.django_db
def test_sweep_sends_the_email_exactly_once_when_the_server_is_back(smtp_down):
    with time_machine.travel(NOW, tick=False) as traveller:
        email = queue_notice()
        assert outbox_send(email_id=email.pk) is False
        smtp_down.undo()

        assert outbox_sweep() == 0  # not due yet: the server gets a minute
        assert mail.outbox == []

        traveller.shift(datetime.timedelta(minutes=1))
        assert sweep_outbox.delay().get() == 1
        assert outbox_sweep() == 0

    assert len(mail.outbox) == 1
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert email.attempts == 2
    assert email.sent_at == NOW + datetime.timedelta(minutes=1)


@pytest.mark.django_db
def test_it_backs_off_exponentially_then_gives_up_after_ten_attempts(smtp_down):
    delays = []
    with time_machine.travel(NOW, tick=False) as traveller:
        email = queue_notice()
        for _ in range(10):
            outbox_sweep()
            email.refresh_from_db()
            if email.status == OutboxEmail.Status.PENDING:
                delay = email.next_attempt_at - timezone.now()
                delays.append(int(delay.total_seconds() // 60))
                traveller.move_to(email.next_attempt_at)

    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]
    assert email.status == OutboxEmail.Status.FAILED
    assert email.attempts == 10
    assert mail.outbox == []


@pytest.mark.django_db
def test_it_sends_an_email_only_once_when_sent_twice():
    email = queue_notice()

    assert outbox_send(email_id=email.pk) is True
    assert outbox_send(email_id=email.pk) is False
    send_outbox_email.delay(email.pk)

    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_second_worker_does_not_send_an_email_being_sent(monkeypatch):
    email = queue_notice()
    real_send_messages = EmailBackend.send_messages
    second_worker_results = []

    def send_while_another_worker_runs(self, messages):
        second_worker_results.append(outbox_send(email_id=email.pk))
        second_worker_results.append(outbox_sweep())
        return real_send_messages(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", send_while_another_worker_runs)

    assert outbox_send(email_id=email.pk) is True
    assert second_worker_results == [False, 0]
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_resend_puts_only_failed_emails_back_in_the_queue(django_capture_on_commit_callbacks):
    failed = queue_notice(to="failed@example.fr")
    OutboxEmail.objects.filter(pk=failed.pk).update(status=OutboxEmail.Status.FAILED, attempts=10)
    sent = queue_notice(to="sent@example.fr")
    outbox_send(email_id=sent.pk)

    with django_capture_on_commit_callbacks(execute=True):
        assert outbox_resend(email_ids=[failed.pk, sent.pk]) == 1

    failed.refresh_from_db()
    assert failed.status == OutboxEmail.Status.SENT
    assert failed.attempts == 1
    assert [m.to for m in mail.outbox] == [["sent@example.fr"], ["failed@example.fr"]]


def test_the_sweep_runs_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["sweep-outbox"]
    assert entry == {"task": "guichet.core.tasks.sweep_outbox", "schedule": 60.0}
    assert sweep_outbox.name == entry["task"]


@pytest.mark.django_db
def test_admin_resend_action_sends_a_failed_email_again(
    client, staff, staff_login, django_capture_on_commit_callbacks
):
    staff.user_permissions.add(
        Permission.objects.get(codename="view_outboxemail"),
        Permission.objects.get(codename="change_outboxemail"),
    )
    staff_login(client, staff)
    email = queue_notice()
    OutboxEmail.objects.filter(pk=email.pk).update(status=OutboxEmail.Status.FAILED)
    url = reverse("admin:core_outboxemail_changelist")

    assert client.get(url, {"status__exact": "failed", "q": "claire"}).status_code == 200
    detail = client.get(reverse("admin:core_outboxemail_change", args=[email.pk]))
    assert detail.status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"action": "resend", "_selected_action": [email.pk]})

    assert response.status_code == 302
    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.SENT
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_admin_resend_action_needs_the_change_permission(client, staff, staff_login):
    staff.user_permissions.add(Permission.objects.get(codename="view_outboxemail"))
    staff_login(client, staff)
    email = queue_notice()
    OutboxEmail.objects.filter(pk=email.pk).update(status=OutboxEmail.Status.FAILED)

    client.post(
        reverse("admin:core_outboxemail_changelist"),
        {"action": "resend", "_selected_action": [email.pk]},
    )

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED


@pytest.mark.django_db
def test_demo_mailbox_is_404_when_demo_mode_is_off(client, settings):
    settings.GUICHET_DEMO = False
    email = queue_notice()

    assert client.get("/boite-de-demonstration/").status_code == 404
    assert client.get(f"/boite-de-demonstration/{email.pk}/").status_code == 404


@pytest.mark.django_db
def test_demo_mailbox_lists_the_latest_emails_newest_first(
    client, demo_on, django_assert_num_queries
):
    with time_machine.travel(NOW, tick=False) as traveller:
        for number in range(52):
            queue_notice(to=f"client{number}@example.fr")
            traveller.shift(datetime.timedelta(minutes=1))

    with django_assert_num_queries(1):
        response = client.get(reverse("core:demo_mailbox"))

    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex, nofollow"
    emails = list(response.context["emails"])
    assert len(emails) == 50
    assert emails[0].to == "client51@example.fr"
    assert emails[-1].to == "client2@example.fr"
    html = response.content.decode()
    assert "<caption>" in html
    assert '<th scope="col">Destinataire</th>' in html
    assert "client1@example.fr" not in html
    assert "Information de sécurité sur votre Espace Client" in html
    detail_url = reverse("core:demo_mailbox_detail", args=[emails[0].pk])
    assert f'href="{detail_url}"' in html


@pytest.mark.django_db
def test_demo_mailbox_says_when_it_is_empty(client, demo_on):
    response = client.get(reverse("core:demo_mailbox"))

    assert "Aucun e-mail pour le moment." in response.content.decode()


@pytest.mark.django_db
def test_demo_mailbox_shows_the_text_with_clickable_links_and_no_raw_html(
    client, demo_on, django_assert_num_queries
):
    email = queue_notice(message="Voir https://exemple.fr/reinitialiser/abc <b>gras</b>")

    with django_assert_num_queries(1):
        response = client.get(reverse("core:demo_mailbox_detail", args=[email.pk]))

    assert response.status_code == 200
    html = response.content.decode()
    assert '<a href="https://exemple.fr/reinitialiser/abc" rel="nofollow">' in html
    assert "&lt;b&gt;gras&lt;/b&gt;" in html
    assert "<b>gras</b>" not in html
    assert "claire.muller@example.fr" in html


@pytest.mark.django_db
def test_demo_mailbox_detail_is_404_for_an_unknown_email(client, demo_on):
    assert client.get(reverse("core:demo_mailbox_detail", args=[999])).status_code == 404


# Secret links (issue 7, item 3): staff read the outbox, so a reset or confirmation link is
# stored as a placeholder and made when the e-mail leaves.
PLACEHOLDER = "[lien confidentiel, créé au moment de l’envoi]"
RESET_CONTEXT = {"reference": "01776108", "minutes": 15, "first_access": False}


@pytest.fixture
def numbered_links(monkeypatch):
    """A builder that makes a new link each time, like a token with a timestamp."""
    made = []

    def build(*, account: int) -> str:
        made.append(account)
        return f"https://espace.example.fr/secret/{account}/{len(made)}/?a=1&b=2"

    monkeypatch.setitem(emails._secret_link_builders, "numbered", build)
    return made


def queue_with_link(**args):
    return email_queue(
        to="claire.muller@example.fr",
        template="password_reset",
        context=RESET_CONTEXT,
        secret_links={"link": ("numbered", {"account": 7, **args})},
    )


@pytest.mark.django_db
def test_a_secret_link_is_stored_as_a_placeholder_and_made_when_sent(numbered_links):
    email = queue_with_link()

    stored = OutboxEmail.objects.filter(pk=email.pk).values()[0]
    assert "/secret/" not in " ".join(str(value) for value in stored.values())
    assert PLACEHOLDER in email.body_text and PLACEHOLDER in email.body_html
    assert email.secret_links == {
        "link": {"builder": "numbered", "args": {"account": 7}, "placeholder": PLACEHOLDER}
    }
    assert numbered_links == []

    assert outbox_send(email_id=email.pk) is True

    sent = mail.outbox[0]
    assert "https://espace.example.fr/secret/7/1/?a=1&b=2" in sent.body
    assert 'href="https://espace.example.fr/secret/7/1/?a=1&amp;b=2"' in sent.alternatives[0][0]
    assert PLACEHOLDER not in sent.body + sent.alternatives[0][0]
    email.refresh_from_db()
    assert "/secret/" not in email.body_text + email.body_html
    assert numbered_links == [7]


@pytest.mark.django_db
def test_a_retry_makes_a_fresh_link(numbered_links, monkeypatch):
    def fail(self, messages):
        raise SMTPServerDisconnected("Connection unexpectedly closed")

    with time_machine.travel(NOW, tick=False) as traveller:
        email = queue_with_link()
        with monkeypatch.context() as smtp_down:
            smtp_down.setattr(EmailBackend, "send_messages", fail)
            assert outbox_send(email_id=email.pk) is False
        traveller.shift(datetime.timedelta(minutes=1))
        assert outbox_sweep() == 1

    assert numbered_links == [7, 7]
    assert "/secret/7/2/" in mail.outbox[0].body
    email.refresh_from_db()
    assert "/secret/" not in email.body_text + email.body_html + email.last_error


@pytest.mark.django_db
def test_an_email_whose_link_must_not_be_made_fails_at_once(monkeypatch):
    def refuse(*, account: int) -> str:
        raise SecretLinkUnavailable(f"le compte n° {account} n'existe plus")

    monkeypatch.setitem(emails._secret_link_builders, "numbered", refuse)

    email = queue_with_link()
    assert outbox_send(email_id=email.pk) is False

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.FAILED
    assert email.last_error == (
        "Non envoyé : le lien confidentiel n'a pas pu être créé (le compte n° 7 n'existe plus)."
    )
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_worker_without_the_builder_keeps_the_email_for_later(numbered_links):
    email = queue_with_link()
    OutboxEmail.objects.filter(pk=email.pk).update(
        secret_links={"link": {**email.secret_links["link"], "builder": "absent"}}
    )

    assert outbox_send(email_id=email.pk) is False

    email.refresh_from_db()
    assert email.status == OutboxEmail.Status.PENDING
    assert email.last_error == "LookupError: no secret link builder named 'absent'"
    assert mail.outbox == []


@pytest.mark.django_db
def test_queueing_refuses_an_unknown_builder_or_a_link_also_in_the_context(numbered_links):
    with pytest.raises(LookupError):
        email_queue(
            to="claire.muller@example.fr",
            template="password_reset",
            context=RESET_CONTEXT,
            secret_links={"link": ("absent", {})},
        )
    with pytest.raises(ValueError, match="both"):
        email_queue(
            to="claire.muller@example.fr",
            template="password_reset",
            context={**RESET_CONTEXT, "link": "https://espace.example.fr/secret/"},
            secret_links={"link": ("numbered", {"account": 7})},
        )
    with pytest.raises(ValueError, match="unchanged"):
        # security_notice shows no {{ link }}: the customer would get no link at all.
        email_queue(
            to="claire.muller@example.fr",
            template="security_notice",
            context={"message": "x"},
            secret_links={"link": ("numbered", {"account": 7})},
        )
    assert not OutboxEmail.objects.exists()


@pytest.mark.django_db
def test_staff_see_the_placeholder_never_the_link(admin_client, numbered_links):
    email = queue_with_link()
    outbox_send(email_id=email.pk)

    change = admin_client.get(reverse("admin:core_outboxemail_change", args=[email.pk]))
    changelist = admin_client.get(reverse("admin:core_outboxemail_changelist"))

    assert "/secret/" in mail.outbox[0].body
    assert "/secret/" not in change.content.decode() + changelist.content.decode()
    assert PLACEHOLDER in change.content.decode()


@pytest.mark.django_db
def test_the_demo_mailbox_shows_the_email_as_sent(client, demo_on, numbered_links):
    email = queue_with_link()

    html = client.get(reverse("core:demo_mailbox_detail", args=[email.pk])).content.decode()

    assert '<a href="https://espace.example.fr/secret/7/1/?a=1&amp;b=2"' in html
    assert PLACEHOLDER not in html


def _migration_0007():
    return importlib.import_module("guichet.core.migrations.0007_outboxemail_secret_links")


@pytest.mark.django_db
def test_the_migration_redacts_reset_links_already_stored(customer_user):
    from django.apps import apps
    from django.contrib.auth.tokens import default_token_generator

    old_link = "http://testserver/mot-de-passe/{uid}/d4k2ab-0123456789abcdef0123/"
    uid = urlsafe_base64_encode(str(customer_user.pk).encode())
    pending = OutboxEmail.objects.create(
        to=customer_user.customer.contact_email,
        subject="Réinitialisation de votre mot de passe",
        body_text=f"Bonjour,\n\n{old_link.format(uid=uid)}\n\nCe lien n'est valable que…\n",
        body_html=f'<p><a href="{old_link.format(uid=uid)}" style="x">Cliquez ici</a></p>',
        template="password_reset",
    )
    sent = OutboxEmail.objects.create(
        to="ancien@example.fr",
        subject="Réinitialisation",
        body_text=f"Voir {old_link.format(uid='Mg')} ou /mot-de-passe/Mg/abc-123",
        template="password_reset",
        status=OutboxEmail.Status.SENT,
        sent_at=timezone.now(),
    )
    notice = queue_notice(message="Allez sur /mot-de-passe-oublie/ ou /mot-de-passe/termine/")

    _migration_0007().redact_reset_links(apps, None)

    for row in OutboxEmail.objects.all():
        stored = " ".join(
            str(value) for value in OutboxEmail.objects.filter(pk=row.pk).values()[0].values()
        )
        assert "0123456789abcdef0123" not in stored and "abc-123" not in stored
    sent.refresh_from_db()
    assert sent.body_text == f"Voir {PLACEHOLDER} ou {PLACEHOLDER}"
    notice_text = notice.body_text
    notice.refresh_from_db()
    assert notice.body_text == notice_text and notice.secret_links == {}
    # The e-mail still waiting leaves with a fresh, working link.
    assert outbox_send(email_id=pending.pk) is True
    token = re.search(rf"/mot-de-passe/{uid}/([^/]+)/", mail.outbox[0].body).group(1)
    assert default_token_generator.check_token(customer_user, token)
    assert f"/mot-de-passe/{uid}/{token}/" in mail.outbox[0].alternatives[0][0]
