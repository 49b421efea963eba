import json

import pytest

from guichet.api.models import Scope
from guichet.api.services import api_client_create


@pytest.fixture
def make_token(db):
    def make(*scopes, name=None):
        scopes = scopes or tuple(Scope.values)
        _, token = api_client_create(name=name or "-".join(scopes)[:100], scopes=scopes)
        return token

    return make


@pytest.fixture
def token(make_token):
    return make_token(name="erp")


@pytest.fixture
def api(client):
    """Call the API as the operator's system would: JSON body, bearer token."""

    def call(method, path, token=None, body=None, raw=None, **headers):
        if token:
            headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        if body is not None:
            raw = json.dumps(body)
        kwargs = {"content_type": "application/json"} if raw is not None else {}
        if raw is not None:
            kwargs["data"] = raw
        return getattr(client, method.lower())(f"/api/v1{path}", **kwargs, **headers)

    return call
