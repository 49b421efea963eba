"""Behind our reverse proxy, one client's failures must not lock the others out (A8)."""

from django.urls import reverse

PROXY = "10.0.0.1"  # every request reaches gunicorn from the proxy
ATTACKER = "203.0.113.66"
SUBSCRIBER = "198.51.100.20"


def _login(client, login, password, client_address):
    return client.post(
        reverse("accounts:login"),
        {"login": login, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=client_address,
        HTTP_X_FORWARDED_PROTO="https",
    )


def _spray(client, settings):
    """One client fails on as many references as the per-address cap allows, and one more."""
    for n in range(settings.GUICHET_IP_MAX_FAILURES):
        assert _login(client, f"0{2000000 + n}", "pas-le-bon", ATTACKER).status_code == 200
    blocked = _login(client, "02999999", "pas-le-bon", ATTACKER)
    assert blocked.status_code == 429
    assert "depuis votre connexion Internet" in blocked.content.decode()


def test_one_clients_failures_do_not_lock_out_another(client, customer_user, password, settings):
    settings.GUICHET_TRUSTED_PROXY_COUNT = 1
    _spray(client, settings)
    response = _login(client, "01776108", password, SUBSCRIBER)
    assert response.status_code == 302
    assert response.url == reverse("home:home")


def test_without_the_proxy_count_everyone_shares_the_proxys_limit(
    client, customer_user, password, settings
):
    # What the old deployment line did: this is the lockout TRUSTED_PROXY_COUNT prevents.
    settings.GUICHET_TRUSTED_PROXY_COUNT = 0
    _spray(client, settings)
    assert _login(client, "01776108", password, SUBSCRIBER).status_code == 429
