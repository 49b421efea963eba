"""Brute force (A8): growing waits after 5 failures, a daily cap, a per-address limit."""

import datetime
from html import unescape

import pytest
import time_machine
from django.test import Client, RequestFactory

from guichet.accounts import throttle
from guichet.accounts.models import SecurityEvent

LOGIN = "/connexion/"
START = datetime.datetime(2026, 11, 26, 8, 0, tzinfo=datetime.UTC)


def fail(client, login="01776108", **extra):
    return client.post(LOGIN, {"login": login, "password": "pas-le-bon"}, **extra)


def succeed(client, password, login="01776108", **extra):
    return client.post(LOGIN, {"login": login, "password": password}, **extra)


def test_five_failures_are_free_then_the_wait_grows(client, customer_user, password):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(5):
            assert fail(client).status_code == 200
        blocked = fail(client)
        assert blocked.status_code == 429
        assert "patienter 2 minutes" in blocked.content.decode()
        # Even the right password waits: the try is refused before any hashing.
        assert succeed(client, password).status_code == 429
        traveller.shift(datetime.timedelta(seconds=61))
        assert succeed(client, password).status_code == 429  # more than a minute
        traveller.shift(datetime.timedelta(seconds=60))
        assert fail(client).status_code == 200  # the 6th real failure
        blocked = fail(client)
        assert blocked.status_code == 429
        assert "patienter 4 minutes" in blocked.content.decode()
        traveller.shift(datetime.timedelta(minutes=3))
        assert fail(client).status_code == 429
        traveller.shift(datetime.timedelta(minutes=1, seconds=1))
        assert succeed(client, password).status_code == 302


def test_a_throttled_try_never_hashes(client, customer_user, password, monkeypatch):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            fail(client)
        calls = []
        monkeypatch.setattr(
            type(customer_user), "check_password", lambda self, raw: calls.append(raw) or False
        )
        assert fail(client).status_code == 429
        assert calls == []


def test_at_most_25_failures_a_day_and_never_for_ever(client, customer_user, password, settings):
    settings.GUICHET_LOGIN_MAX_DELAY = 120
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(25):
            assert fail(client).status_code == 200
            traveller.shift(datetime.timedelta(minutes=3))
        blocked = succeed(client, password)
        assert blocked.status_code == 429
        assert "Trop d'essais infructueux aujourd'hui" in unescape(blocked.content.decode())
        assert "Mot de passe oublié" in blocked.content.decode()
        traveller.shift(datetime.timedelta(hours=20))
        assert succeed(client, password).status_code == 429
        # 24 hours after the first failure, one more try is possible: no permanent lock.
        traveller.shift(datetime.timedelta(hours=4, minutes=1))
        assert succeed(client, password).status_code == 302


def test_a_success_starts_afresh(client, customer_user, password):
    with time_machine.travel(START, tick=False):
        for _ in range(4):
            fail(client)
        assert succeed(client, password).status_code == 302
        client.post("/deconnexion/")
        for _ in range(5):
            assert fail(client).status_code == 200


def test_an_identifier_and_its_reference_count_apart(client, customer_user, password):
    """One counter per name typed: failures on an identifier never show which reference it
    belongs to (through the wait they would cause there), known or unknown alike."""
    customer_user.identifier = "claire.m"
    customer_user.save()
    with time_machine.travel(START, tick=False):
        for login in ("claire.m", "CLAIRE.M", "claire.m", "Claire.M", "claire.m"):
            assert fail(client, login=login).status_code == 200
        assert fail(client, login="claire.m").status_code == 429
        for _ in range(5):
            assert fail(client, login="inconnu.x").status_code == 200
        assert fail(client, login="inconnu.x").status_code == 429
        # The reference, typed any way, was never held back by the identifier's failures.
        assert succeed(client, password, login="V01776108").status_code == 302


def test_unknown_references_are_throttled_the_same(client, db):
    with time_machine.travel(START, tick=False):
        for _ in range(5):
            assert fail(client, login="01234567").status_code == 200
        assert fail(client, login="01234567").status_code == 429


def test_one_address_cannot_spray_many_accounts(client, db, settings):
    settings.GUICHET_IP_MAX_FAILURES = 10
    with time_machine.travel(START, tick=False) as traveller:
        for n in range(10):
            assert fail(client, login=f"0{1000000 + n}").status_code == 200
        blocked = fail(client, login="02999999")
        assert blocked.status_code == 429
        assert "depuis votre connexion Internet" in blocked.content.decode()
        # Another address is not affected.
        assert fail(client, login="02999999", REMOTE_ADDR="198.51.100.7").status_code == 200
        traveller.shift(datetime.timedelta(minutes=16))
        assert fail(client, login="02999998").status_code == 200


def test_a_forged_forwarded_for_does_not_escape_the_throttle(client, customer_user, settings):
    settings.GUICHET_TRUSTED_PROXY_COUNT = 1
    with time_machine.travel(START, tick=False):
        for n in range(5):
            fail(client, HTTP_X_FORWARDED_FOR=f"10.0.0.{n}, 203.0.113.9")
        # The client changes the part it controls; the proxy's entry stays the same.
        blocked = fail(client, HTTP_X_FORWARDED_FOR="10.9.9.9, 203.0.113.9")
        assert blocked.status_code == 429
    event = SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).first()
    assert event.ip_address == "203.0.113.9"


def test_client_ip_behind_proxies(settings):
    factory = RequestFactory()
    request = factory.get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.9, 10.0.0.2"
    )
    settings.GUICHET_TRUSTED_PROXY_COUNT = 0
    assert throttle.client_ip(request) == "10.0.0.1"
    settings.GUICHET_TRUSTED_PROXY_COUNT = 2
    assert throttle.client_ip(request) == "203.0.113.9"
    settings.GUICHET_TRUSTED_PROXY_COUNT = 5
    assert throttle.client_ip(request) == "10.0.0.1"


@pytest.mark.django_db(transaction=True)
def test_a_successful_reset_unlocks(client, customer_user):
    import re

    from django.core import mail

    with time_machine.travel(START, tick=False):
        for _ in range(6):
            fail(client)
        assert fail(client).status_code == 429
        client.post(
            "/mot-de-passe-oublie/",
            {"reference": "01776108", "postal_code": "68000", "captcha": "ok"},
        )
        link = re.search(r"http://[^/]+(/mot-de-passe/\S+/)", mail.outbox[-1].body).group(1)
        form_url = client.get(link).url
        client.post(
            form_url, {"new_password1": "Girafe#Nuage7Lac", "new_password2": "Girafe#Nuage7Lac"}
        )
        assert succeed(client, "Girafe#Nuage7Lac").status_code == 302


def test_failures_and_throttling_are_recorded(client, customer_user):
    with time_machine.travel(START, tick=False):
        for _ in range(6):
            fail(client, HTTP_USER_AGENT="Navigateur de test")
    kinds = list(SecurityEvent.objects.filter(user=customer_user).values_list("kind", flat=True))
    assert kinds.count(SecurityEvent.Kind.LOGIN_FAILED) == 5
    assert kinds.count(SecurityEvent.Kind.LOGIN_THROTTLED) == 1
    assert SecurityEvent.objects.first().user_agent == "Navigateur de test"


def test_an_unknown_reference_counts_the_same_however_it_is_typed(client, db):
    with time_machine.travel(START, tick=False):
        for login in ("01234567", "V01234567", " v01234567 ", "01234567", "V01234567"):
            assert fail(client, login=login).status_code == 200
        assert fail(client, login="v01234567").status_code == 429


def test_one_account_takes_one_try_at_a_time(client, customer_user, password, monkeypatch):
    """A try waiting for its hash holds the account: parallel tries are refused unhashed."""
    seen = []

    def slow_check(self, raw):
        seen.append(raw)
        # Meanwhile another request arrives for the same account.
        parallel = fail(Client())
        assert parallel.status_code == 429
        assert "déjà en cours" in unescape(parallel.content.decode())
        return raw == password

    monkeypatch.setattr(type(customer_user), "check_password", slow_check)
    assert succeed(client, password).status_code == 302
    assert seen == [password]


def test_an_ipv6_client_counts_by_its_64(client, db, settings):
    settings.GUICHET_IP_MAX_FAILURES = 3
    with time_machine.travel(START, tick=False):
        for n in range(3):
            fail(client, login=f"0{2000000 + n}", REMOTE_ADDR=f"2001:db8:1:2::{n + 1}")
        assert fail(client, login="02999990", REMOTE_ADDR="2001:db8:1:2::ff").status_code == 429
        assert fail(client, login="02999990", REMOTE_ADDR="2001:db8:1:3::1").status_code == 200


def test_a_success_gives_the_address_its_try_back(client, customer_user, password, settings):
    settings.GUICHET_IP_MAX_FAILURES = 2
    with time_machine.travel(START, tick=False):
        for _ in range(3):
            assert succeed(client, password).status_code == 302
            client.post("/deconnexion/")
        fail(client)
        assert succeed(client, password).status_code == 302


def test_a_reset_clears_the_counters_of_every_name_of_the_account(customer_user):
    from guichet.accounts.services import password_set, throttle_account

    customer_user.identifier = "claire.m"
    customer_user.save()
    with time_machine.travel(START, tick=False):
        for login in ("01776108", "claire.m"):
            for _ in range(5):
                decision = throttle.login_begin(account=throttle_account(login), ip="192.0.2.1")
                throttle.login_failed(decision)
            assert not throttle.login_begin(account=throttle_account(login), ip="192.0.2.1").allowed
        password_set(user=customer_user, password="Girafe#Nuage7Lac", reset=True)
        for login in ("01776108", "claire.m"):
            assert throttle.login_begin(account=throttle_account(login), ip="192.0.2.1").allowed


def test_reset_links_are_limited_per_address_in_a_sliding_window(settings, db):
    with time_machine.travel(START, tick=False) as traveller:
        for _ in range(3):
            assert throttle.hit(scope="t", value="a", limit=3, window=3600).allowed
        refused = throttle.hit(scope="t", value="a", limit=3, window=3600)
        assert not refused.allowed
        assert 3000 < refused.wait_seconds <= 3600
        # Refused tries are not counted: the window frees up an hour after the first hits.
        traveller.shift(datetime.timedelta(minutes=59))
        assert not throttle.hit(scope="t", value="a", limit=3, window=3600).allowed
        traveller.shift(datetime.timedelta(minutes=5))
        assert throttle.hit(scope="t", value="a", limit=3, window=3600).allowed


def test_a_nul_byte_in_the_browser_name_is_recorded_without_it(client, customer_user):
    response = fail(client, HTTP_USER_AGENT="Navigateur\x00piégé")
    assert response.status_code == 200
    event = SecurityEvent.objects.get(user=customer_user)
    assert event.user_agent == "Navigateurpiégé"
