"""`manage.py apitoken create|revoke|list`: the token printed once, stored hashed."""

import hashlib
import io

import pytest
from django.core.management import CommandError, call_command

from guichet.api.models import ApiClient

pytestmark = pytest.mark.django_db


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("apitoken", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_once_and_keeps_its_hash(client):
    out, err = run(
        "create", "--name", "erp", "--scope", "customers:write", "--scope", "invoices:write"
    )
    token = out.strip()
    assert token.startswith("gch_")
    assert "une fois" in err or "seule fois" in err
    api_client = ApiClient.objects.get(name="erp")
    assert api_client.scopes == ["customers:write", "invoices:write"]
    assert api_client.token_hash == hashlib.sha256(token.encode()).hexdigest()
    listing, _ = run("list")
    assert "erp" in listing and token not in listing and api_client.token_hash not in listing
    assert f"gch_{api_client.token_prefix}_" in listing


def test_unknown_scope_and_duplicate_name_are_refused():
    with pytest.raises(CommandError):
        run("create", "--name", "erp", "--scope", "everything")
    run("create", "--name", "erp", "--scope", "payments:read")
    with pytest.raises(CommandError):
        run("create", "--name", "erp", "--scope", "payments:read")


def test_revoke_by_name_or_prefix(api):
    token = run("create", "--name", "erp", "--scope", "payments:read")[0].strip()
    assert api("GET", "/payments", token).status_code == 200
    prefix = ApiClient.objects.get(name="erp").token_prefix
    out, _ = run("revoke", prefix)
    assert "révoqué" in out
    assert api("GET", "/payments", token).status_code == 401
    out, _ = run("revoke", "erp")
    assert "déjà" in out
    with pytest.raises(CommandError):
        run("revoke", "nobody")
    assert "révoqué" in run("list")[0]
