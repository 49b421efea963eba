"""Configuration from the environment: typed helpers and a safe production mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_color, env_int, env_list, env_secret

ROOT = Path(__file__).resolve().parents[3]
GOOD_KEY = "k" * 30 + "Z9!q-w_e+r.t/y" + "x" * 20


PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": GOOD_KEY,
    "ALLOWED_HOSTS": "espaceclient.example.fr",
    "GUICHET_SITE_URL": "https://espaceclient.example.fr",
    # Payments: the card provider must be named in production, with its secrets, and IBANs
    # need their encryption key (fixed test values, never used for anything real).
    "PAYMENTS_PROVIDER": "stripe",
    "STRIPE_SECRET_KEY": "sk_live_" + "x" * 24,
    "STRIPE_WEBHOOK_SECRET": "whsec_" + "y" * 32,
    "PAYMENTS_IBAN_KEY": "q0cH0rX7b8mT9kR1s2v3w4x5y6z7A8B9C0D1E2F3G4H=",
}


def _manage(*args, **env):
    dropped = {
        "DEBUG",
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DJANGO_SETTINGS_MODULE",
        "DJANGO_ALLOW_ASYNC_UNSAFE",
        "GUICHET_SITE_URL",
    }
    base = {k: v for k, v in os.environ.items() if k not in dropped}
    base.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=base,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_refuses_to_start_without_secret_key_and_hosts():
    result = _manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "ALLOWED_HOSTS" in result.stderr
    assert "GUICHET_SITE_URL" in result.stderr


def test_production_settings_pass_the_deploy_check():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("env", [{"DEBUG": "1"}, PRODUCTION], ids=["development", "production"])
def test_every_model_change_has_its_migration(env):
    # As `make lint` runs it, and under production settings too: a model change without its
    # migration, or a module touching models before Django has loaded them, fails here.
    result = _manage("makemigrations", "--check", "--dry-run", **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout


def test_a_bad_value_names_the_variable():
    result = _manage("check", DEBUG="peut-être")
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_production_cookies_are_host_prefixed_and_secure():
    code = (
        "from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_NAME, s.SESSION_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY,"
        " s.SESSION_COOKIE_SAMESITE, s.CSRF_COOKIE_NAME, s.CSRF_COOKIE_SECURE)"
    )
    result = _manage("shell", "-c", code, **PRODUCTION)
    assert result.stdout.strip().splitlines()[-1].split() == [
        "__Host-guichet-session",
        "True",
        "True",
        "Lax",
        "__Host-guichet-csrf",
        "True",
    ]


def test_env_helpers(monkeypatch, tmp_path):
    monkeypatch.setenv("X_BOOL", "yes")
    assert env_bool("X_BOOL") is True
    monkeypatch.setenv("X_BOOL", "nope")
    with pytest.raises(ImproperlyConfigured, match="X_BOOL"):
        env_bool("X_BOOL")
    monkeypatch.setenv("X_INT", "trente")
    with pytest.raises(ImproperlyConfigured, match="X_INT"):
        env_int("X_INT", 1)
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("X_INT", 1, minimum=1)
    monkeypatch.setenv("X_LIST", "a.fr, b.fr,,")
    assert env_list("X_LIST") == ["a.fr", "b.fr"]
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_secret("X_SECRET") == "from-a-file"
    monkeypatch.setenv("X_SECRET_FILE", str(tmp_path / "missing"))
    with pytest.raises(ImproperlyConfigured, match="X_SECRET_FILE"):
        env_secret("X_SECRET")
    monkeypatch.setenv("X_COLOR", "red; }")
    with pytest.raises(ImproperlyConfigured, match="X_COLOR"):
        env_color("X_COLOR", "#000000")


def test_brand_colours_are_served_as_css(client, settings):
    settings.GUICHET_BRAND = {**settings.GUICHET_BRAND, "primary": "#123456"}
    response = client.get("/theme.css")
    assert response["Content-Type"].startswith("text/css")
    assert "--brand:#123456" in response.content.decode()


def test_health_check(client, db):
    assert client.get("/healthz").json()["status"] == "ok"


def test_demo_mode_is_refused_in_production():
    result = _manage("check", **PRODUCTION, GUICHET_DEMO="1")
    assert result.returncode != 0
    assert "GUICHET_DEMO" in result.stderr
