"""The back-office login (J2 + A8): staff only, one answer for every failure, throttled."""

import datetime
import re
from html import unescape

import pytest
import time_machine
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.models import SecurityEvent
from guichet.accounts.services import staff_backup_codes_create

LOGIN = "/back-office/login/"
PORTAL_LOGIN = "/connexion/"
START = datetime.datetime(2026, 11, 26, 8, 0, tzinfo=datetime.UTC)
STAFF_PASSWORD = "Pass-Agent-1-Solide"


@pytest.fixture
def agent(django_user_model):
    user = django_user_model.objects.create_user(
        "agent", "agent@example.fr", STAFF_PASSWORD, is_staff=True, is_superuser=True
    )
    # Enrolled (issue 11), with backup codes stored hashed as the service stores them.
    TOTPDevice.objects.create(user=user, name="app", confirmed=True)
    staff_backup_codes_create(
        user=user, name="secours", count=10, codes=[f"code000{n}" for n in range(10)]
    )
    return user


def post(client, username, password, token="code0000", **extra):
    return client.post(
        LOGIN,
        {"username": username, "password": password, "otp_token": token, "next": "/back-office/"},
        **extra,
    )


def answer(response) -> str:
    """What the page says, without what differs on every request (the CSRF token)."""
    html = response.content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", html)


def test_a_customer_right_password_looks_exactly_like_a_wrong_one(client, customer_user, password):
    with time_machine.travel(START, tick=False):
        right = post(client, "01776108", password)
        wrong = post(client, "01776108", "pas-le-bon-mot-de-passe")
    assert right.status_code == wrong.status_code == 200
    assert answer(right) == answer(wrong)
    assert "Identifiant, mot de passe ou code de vérification incorrect." in unescape(answer(right))
    # Nothing opened, and nothing about a second factor appeared for the right password.
    assert client.get("/back-office/").status_code == 302
    assert 'name="otp_device"' not in answer(right)
    # The code typed is not shown again.
    assert "code0000" not in answer(right)


def test_no_backend_authenticates_a_customer_by_username(customer_user, password, rf):
    from django.contrib.auth import authenticate

    assert authenticate(rf.post(LOGIN), username="01776108", password=password) is None


def test_staff_right_password_and_wrong_code_look_like_a_wrong_password(client, agent):
    with time_machine.travel(START, tick=False):
        right_password = post(client, "agent", STAFF_PASSWORD, token="mauvais0")
        wrong_password = post(client, "agent", "pas-le-bon", token="mauvais0")
        unknown = post(client, "personne", "pas-le-bon", token="mauvais0")
    assert answer(right_password) == answer(wrong_password)
    # An unknown username gives the same page but for the username typed back in the field.
    assert answer(unknown).replace("personne", "agent") == answer(wrong_password)


def test_staff_log_in_with_password_and_code_together(client, agent):
    response = post(client, "agent", STAFF_PASSWORD)
    assert response.status_code == 302
    assert client.get("/back-office/").status_code == 200
    event = SecurityEvent.objects.get(user=agent, kind=SecurityEvent.Kind.LOGIN_SUCCEEDED)
    assert event.detail == "back office"


def test_customer_guesses_on_the_back_office_are_throttled_and_recorded(
    client, customer_user, password
):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            assert post(client, "01776108", "pas-le-bon").status_code == 200
        blocked = post(client, "01776108", password)
        assert blocked.status_code == 429
        assert "patienter 2 minutes" in unescape(blocked.content.decode())
    kinds = list(
        SecurityEvent.objects.filter(user=customer_user, detail="back office").values_list(
            "kind", flat=True
        )
    )
    assert kinds.count(SecurityEvent.Kind.LOGIN_FAILED) == 5
    assert kinds.count(SecurityEvent.Kind.LOGIN_THROTTLED) == 1


def test_a_throttled_staff_account_is_refused_before_any_hashing(client, agent, monkeypatch):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            post(client, "agent", "pas-le-bon")
        calls = []
        monkeypatch.setattr(
            type(agent), "check_password", lambda self, raw: calls.append(raw) or True
        )
        assert post(client, "agent", STAFF_PASSWORD).status_code == 429
        assert calls == []
    assert client.get("/back-office/").status_code == 302


def test_the_back_office_has_its_own_address_counter(client, agent, settings, db):
    """A customer (or a robot) failing on the portal from one address cannot lock staff out."""
    settings.GUICHET_IP_MAX_FAILURES = 10
    with time_machine.travel(START, tick=False):
        for n in range(10):
            client.post(PORTAL_LOGIN, {"login": f"0{3000000 + n}", "password": "x"})
        refused = client.post(PORTAL_LOGIN, {"login": "03999999", "password": "x"})
        assert refused.status_code == 429
        assert post(client, "agent", STAFF_PASSWORD).status_code == 302


def test_the_back_office_address_cap_applies_to_staff_logins(client, db, settings):
    settings.GUICHET_IP_MAX_FAILURES = 10
    with time_machine.travel(START, tick=False):
        for n in range(10):
            assert post(client, f"inconnu{n}", "x").status_code == 200
        blocked = post(client, "inconnu99", "x")
        assert blocked.status_code == 429
        assert "depuis votre connexion Internet" in unescape(blocked.content.decode())
        # The portal's own counter is untouched.
        assert client.post(PORTAL_LOGIN, {"login": "03999999", "password": "x"}).status_code == 200
