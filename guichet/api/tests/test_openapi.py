"""The OpenAPI description: served, valid, and the committed copy up to date."""

import json
from pathlib import Path

import pytest
from django.conf import settings
from openapi_spec_validator import validate

pytestmark = pytest.mark.django_db

COMMITTED = Path(settings.BASE_DIR) / "docs" / "api" / "openapi.json"


def test_the_served_description_is_the_committed_one(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    served = response.json()
    committed = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert served == committed, "docs/api/openapi.json is stale: run `make openapi`"


def test_the_description_is_valid_openapi():
    validate(json.loads(COMMITTED.read_text(encoding="utf-8")))


def test_it_does_not_depend_on_the_language(client):
    french = client.get("/api/v1/openapi.json").json()
    english = client.get("/api/v1/openapi.json", HTTP_ACCEPT_LANGUAGE="en").json()
    assert french == english


def test_every_operation_needs_a_bearer_token_and_names_its_scope():
    description = json.loads(COMMITTED.read_text(encoding="utf-8"))
    assert description["components"]["securitySchemes"] == {
        "BearerToken": {"type": "http", "scheme": "bearer"}
    }
    for path, operations in description["paths"].items():
        for method, operation in operations.items():
            assert operation["security"] == [{"BearerToken": []}], (method, path)
            assert operation["x-scope"] in operation["summary"]


def test_no_docs_page_with_inline_scripts(client):
    # Swagger UI needs an inline script, which the Content-Security-Policy refuses.
    assert client.get("/api/v1/docs").status_code == 404
