"""A fault of ours is a 500 problem (no traceback, audited); every message has its English."""

import ast
import datetime
import gettext
from pathlib import Path

import pytest
import time_machine
from django.conf import settings

from guichet.api.models import ApiCall, Scope
from guichet.api.tasks import purge_calls

pytestmark = pytest.mark.django_db

CUSTOMER = {
    "reference": "01900001",
    "contract_postal_code": "68000",
    "installation_street": "3 rue des Clefs",
    "installation_postal_code": "68000",
    "installation_city": "Colmar",
    "holders": [{"last_name": "Meyer"}],
}


def test_an_unexpected_fault_is_a_500_problem_without_traceback(api, make_token, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr("guichet.api.push.import_customers", broken)
    response = api("POST", "/customers", make_token(Scope.CUSTOMERS_WRITE), {"items": [CUSTOMER]})
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "secret internals" not in response.content.decode()
    assert "Traceback" not in response.content.decode()
    assert ApiCall.objects.get().status == 500


def _msgids() -> dict:
    """Every string the API marks for translation (and the customer import's new ones)."""
    root = Path(settings.BASE_DIR)
    files = [
        path
        for path in (root / "guichet" / "api").rglob("*.py")
        if "tests" not in path.parts and "migrations" not in path.parts
    ]
    found = {}
    for path in [*files, root / "guichet" / "catalog" / "imports.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ("_", "gettext", "gettext_lazy") and isinstance(node.args[0], ast.Constant):
                found[node.args[0].value] = None
            elif name in ("ngettext", "ngettext_lazy"):
                found[node.args[0].value] = node.args[1].value
    return found


def test_every_message_has_its_english_in_the_catalogue():
    with open(Path(settings.BASE_DIR) / "locale/en/LC_MESSAGES/django.mo", "rb") as mo:
        catalogue = gettext.GNUTranslations(mo)
    english = {key if isinstance(key, str) else key[0] for key in catalogue._catalog}
    assert [msgid for msgid in _msgids() if msgid not in english] == []


def test_old_call_records_are_purged(api, token, settings):
    settings.API_CALL_RETENTION_DAYS = 30
    with time_machine.travel(datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)):
        api("GET", "/payments", token)
    with time_machine.travel(datetime.datetime(2026, 1, 25, tzinfo=datetime.UTC)):
        api("GET", "/payments", token)
    with time_machine.travel(datetime.datetime(2026, 2, 5, tzinfo=datetime.UTC)):
        purge_calls()
    assert ApiCall.objects.count() == 1
