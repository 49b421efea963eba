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
    assert "Lien envoyé à 1 client." in response.content.decode()
    assert "https://espaceclient.example.fr/mot-de-passe/" in mail.outbox[-1].body
    assert SecurityEvent.objects.filter(
        user=customer_user, kind=SecurityEvent.Kind.RESET_LINK_SENT_BY_STAFF
    ).exists()


def test_the_count_of_links_sent_agrees_with_its_number(
    admin_client, customer_user, other_customer
):
    response = admin_client.post(
        "/back-office/accounts/user/",
        {
            "action": "send_first_access_link",
            "_selected_action": [customer_user.pk, other_customer.user.pk],
        },
        follow=True,
    )

    assert "Lien envoyé à 2 clients." in response.content.decode()
    assert len(mail.outbox) == 2


def test_staff_see_the_security_events(admin_client, client, customer_user):
    SecurityEvent.objects.create(
        user=customer_user, kind=SecurityEvent.Kind.LOGIN_FAILED, ip_address="203.0.113.5"
    )
    html = admin_client.get(f"/back-office/accounts/user/{customer_user.pk}/change/").content
    assert b"203.0.113.5" in html
    listing = admin_client.get("/back-office/accounts/securityevent/").content.decode()
    assert "chec de connexion" in listing


def test_staff_setting_a_password_is_logged_and_notified(admin_client, customer_user):
    from guichet.core.models import StaffAccess

    response = admin_client.post(
        f"/back-office/accounts/user/{customer_user.pk}/password/",
        {
            "password1": "Girafe#Nuage7Lac",
            "password2": "Girafe#Nuage7Lac",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert StaffAccess.objects.filter(action="change", detail="mot de passe").exists()
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PASSWORD_CHANGED)
    assert event.detail == "par le personnel"
    assert "service client" in mail.outbox[-1].body
