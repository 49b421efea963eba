"""What a throttled customer reads: the wait, with the word agreeing with its number."""

import datetime

import pytest
import time_machine
from django.utils import translation

from guichet.accounts.throttle import Decision
from guichet.core.tests.english_catalogue import install_english

NOW = datetime.datetime(2026, 3, 2, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def refused(reason: str, wait: datetime.timedelta) -> str:
    return Decision(False, NOW.timestamp() + wait.total_seconds(), reason).message


@pytest.mark.parametrize(
    ("wait", "when"),
    [
        (datetime.timedelta(seconds=20), "1 minute avant"),
        (datetime.timedelta(minutes=1), "1 minute avant"),
        (datetime.timedelta(minutes=2), "2 minutes avant"),
        (datetime.timedelta(minutes=1, seconds=1), "2 minutes avant"),
    ],
)
def test_the_account_wait_agrees_with_its_number(wait, when):
    message = refused("account", wait)

    assert f"merci de patienter {when} de réessayer" in message
    assert "(s)" not in message


@pytest.mark.parametrize(
    ("wait", "when"),
    [(datetime.timedelta(minutes=1), "1 minute"), (datetime.timedelta(minutes=5), "5 minutes")],
)
def test_the_address_wait_agrees_with_its_number(wait, when):
    assert f"Merci de patienter {when} avant de réessayer." in refused("address", wait)


@pytest.mark.parametrize(
    ("wait", "when"),
    [
        (datetime.timedelta(minutes=1), "1 minute"),
        (datetime.timedelta(minutes=90), "90 minutes"),
        (datetime.timedelta(hours=2), "2 heures"),
        (datetime.timedelta(hours=23, minutes=10), "23 heures"),
    ],
)
def test_the_daily_wait_is_in_minutes_then_in_hours(wait, when):
    assert f"Réessayez dans {when}, ou réinitialisez" in refused("daily", wait)


@pytest.mark.django_db
def test_a_reset_request_refused_for_a_minute_says_one_minute(client, settings):
    settings.GUICHET_RESET_MAX_PER_IP = 1
    # At the start of one of the cap's slices (4 minutes each), so the first request ages out
    # of the hour's window exactly one hour later.
    start = datetime.datetime(2026, 3, 2, 9, 36, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False) as traveller:
        client.post("/mot-de-passe-oublie/", {"reference": "01776108"})
        traveller.shift(datetime.timedelta(minutes=59))
        response = client.post("/mot-de-passe-oublie/", {"reference": "01776108"})

    assert response.status_code == 429
    assert "réessayer dans 1 minute. Le dernier lien" in response.content.decode()


@pytest.mark.parametrize(
    ("reason", "wait", "expected"),
    [
        ("account", datetime.timedelta(minutes=1), "please wait 1 minute before trying again"),
        ("address", datetime.timedelta(minutes=4), "Please wait 4 minutes before trying again."),
        ("daily", datetime.timedelta(hours=2), "Try again in 2 hours, or reset"),
        ("busy", datetime.timedelta(seconds=5), "try again in a few seconds"),
    ],
)
def test_the_waits_read_in_english_with_the_english_catalogue(
    settings, tmp_path, reason, wait, expected
):
    install_english(settings)

    with translation.override("en"):
        assert expected in refused(reason, wait)
    assert "patienter" in refused("account", datetime.timedelta(minutes=1))  # French outside
