"""Argon2id sized for the server (ARGON2_*): parameters from settings, old hashes upgraded."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher, make_password
from django.test import override_settings

from guichet.accounts.hashers import (
    OWASP_CONFIGURATIONS,
    ServerArgon2PasswordHasher,
    argon2_parameters_problem,
)

ROOT = Path(__file__).resolve().parents[3]
LOGIN = "/connexion/"
SERVER_ARGON2 = "guichet.accounts.hashers.ServerArgon2PasswordHasher"
# Small parameters keep the tests fast; only start-up holds them to OWASP's floor.
SMALL = {"ACCOUNTS_ARGON2_MEMORY_KIB": 256, "ACCOUNTS_ARGON2_TIME_COST": 1}


def _parameters(encoded: str) -> dict:
    decoded = identify_hasher(encoded).decode(encoded)
    return {key: decoded[key] for key in ("variety", "memory_cost", "time_cost", "parallelism")}


@override_settings(
    PASSWORD_HASHERS=[SERVER_ARGON2],
    ACCOUNTS_ARGON2_MEMORY_KIB=512,
    ACCOUNTS_ARGON2_TIME_COST=3,
    ACCOUNTS_ARGON2_PARALLELISM=2,
)
def test_the_hash_takes_its_parameters_from_settings():
    encoded = make_password("Un-Mot-De-Passe-Solide-2026")
    assert encoded.startswith("argon2$argon2id$")
    assert _parameters(encoded) == {
        "variety": "argon2id",
        "memory_cost": 512,
        "time_cost": 3,
        "parallelism": 2,
    }
    assert not ServerArgon2PasswordHasher().must_update(encoded)


@override_settings(PASSWORD_HASHERS=[SERVER_ARGON2], **SMALL)
def test_a_hash_made_with_other_parameters_is_upgraded_at_login(client, customer_user, password):
    # What Django's own Argon2 hasher stored before this one (100 MiB, 8 lanes, 2 passes).
    customer_user.password = make_password(password, hasher=Argon2PasswordHasher())
    customer_user.save(update_fields=["password"])
    assert _parameters(customer_user.password)["memory_cost"] == 102400

    response = client.post(LOGIN, {"login": "01776108", "password": password})

    assert response.status_code == 302
    customer_user.refresh_from_db()
    assert _parameters(customer_user.password) == {
        "variety": "argon2id",
        "memory_cost": 256,
        "time_cost": 1,
        "parallelism": 1,
    }
    assert customer_user.check_password(password)


@override_settings(PASSWORD_HASHERS=[SERVER_ARGON2], **SMALL)
def test_a_wrong_password_upgrades_nothing(client, customer_user, password):
    old = make_password(password, hasher=Argon2PasswordHasher())
    customer_user.password = old
    customer_user.save(update_fields=["password"])
    client.post(LOGIN, {"login": "01776108", "password": "pas-le-bon-mot-de-passe"})
    customer_user.refresh_from_db()
    assert customer_user.password == old


def test_owasp_configurations_are_accepted_and_weaker_ones_refused():
    for memory_kib, time_cost in OWASP_CONFIGURATIONS:
        assert not argon2_parameters_problem(
            memory_kib=memory_kib, time_cost=time_cost, parallelism=1
        )
    assert not argon2_parameters_problem(memory_kib=65536, time_cost=3, parallelism=4)
    assert "OWASP" in argon2_parameters_problem(memory_kib=19455, time_cost=2, parallelism=1)
    assert argon2_parameters_problem(memory_kib=47104, time_cost=0, parallelism=1)
    assert "8 KiB per lane" in argon2_parameters_problem(
        memory_kib=47104, time_cost=1, parallelism=10000
    )


def _settings_with(**env) -> subprocess.CompletedProcess:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ARGON2_")}
    base.pop("DJANGO_SETTINGS_MODULE", None)
    code = (
        "from django.conf import settings as s;"
        "print(s.PASSWORD_HASHERS[0], s.ACCOUNTS_ARGON2_MEMORY_KIB,"
        " s.ACCOUNTS_ARGON2_TIME_COST, s.ACCOUNTS_ARGON2_PARALLELISM)"
    )
    return subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code],
        cwd=ROOT,
        env={**base, "DEBUG": "1", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _printed(result: subprocess.CompletedProcess) -> list[str]:
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()[-1].split()


def test_the_defaults_are_owasp_7_mib_5_passes_1_lane_and_env_changes_them():
    assert _printed(_settings_with()) == [SERVER_ARGON2, "7168", "5", "1"]
    result = _settings_with(ARGON2_MEMORY_KIB="47104", ARGON2_TIME_COST="1")
    assert _printed(result) == [SERVER_ARGON2, "47104", "1", "1"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"ARGON2_MEMORY_KIB": "19 MiB"}, "ARGON2_MEMORY_KIB must be an integer, got '19 MiB'"),
        ({"ARGON2_TIME_COST": "0"}, "ARGON2_TIME_COST must be at least 1, got 0"),
        ({"ARGON2_PARALLELISM": "0"}, "ARGON2_PARALLELISM must be at least 1, got 0"),
        ({"ARGON2_MEMORY_KIB": "4096"}, "weaker than every configuration OWASP recommends"),
    ],
)
def test_a_bad_value_stops_start_up_naming_it(env, message):
    result = _settings_with(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
