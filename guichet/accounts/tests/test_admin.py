"""Staff side (J2): security events and sending the first-access link."""

import pytest
from django.core import mail

from guichet.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_send_the_first_access_link(admin_client, customer_user, settings):
    settings.GUICHET_SITE_URL = "https://espaceclient.example.fr"
    response = admin_client.post(
        "/back-office/accounts/user/",
        {"action": "send_first_access_link", "_selected_action": [customer_user.pk]},
        follow=True,
    )
    assert "Lien envoyé à 1 client(s)." in response.content.decode()
    assert "https://espaceclient.example.fr/mot-de-passe/" in mail.outbox[-1].body
    assert SecurityEvent.objects.filter(
        user=customer_user, kind=SecurityEvent.Kind.RESET_LINK_SENT_BY_STAFF
    ).exists()


def test_staff_see_the_security_events(admin_client, client, customer_user):
    SecurityEvent.objects.create(
        user=customer_user, kind=SecurityEvent.Kind.LOGIN_FAILED, ip_address="203.0.113.5"
    )
    html = admin_client.get(f"/back-office/accounts/user/{customer_user.pk}/change/").content
    assert b"203.0.113.5" in html
    listing = admin_client.get("/back-office/accounts/securityevent/").content.decode()
    assert "chec de connexion" in listing
