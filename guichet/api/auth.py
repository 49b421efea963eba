"""Who calls: a bearer token of an active client, within its rate limit, with the scope the
endpoint needs. A session cookie never authenticates the API (and so no CSRF token is asked:
nothing the browser sends on its own counts)."""

from ninja.security import HttpBearer

from guichet.core.net import client_ip

from .services import (
    api_client_for_token,
    api_client_touch,
    api_rate_limit_hit,
    api_refused_hit,
)


class ScopeMissing(Exception):
    def __init__(self, scope: str):
        super().__init__(scope)
        self.scope = scope


class RateLimited(Exception):
    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


class BearerToken(HttpBearer):
    """`Authorization: Bearer gch_…` of a client holding ``scope``."""

    def __init__(self, scope: str):
        super().__init__()
        self.scope = scope

    def __call__(self, request):
        # ninja's own reading logs a malformed header in DEBUG: a token must never be logged.
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        request.api_token_given = bool(scheme or token)
        client = None
        if scheme.lower() == "bearer" and token.strip():
            client = self.authenticate(request, token.strip())
        if client is None:
            retry_after = api_refused_hit(address=client_ip(request))
            if retry_after:
                raise RateLimited(retry_after)
        return client

    def authenticate(self, request, token):
        client = api_client_for_token(token)
        if client is None:
            return None
        request.api_client = client  # the audit names it even when the call is refused
        retry_after = api_rate_limit_hit(client=client)
        if retry_after:
            raise RateLimited(retry_after)
        if not client.has_scope(self.scope):
            raise ScopeMissing(self.scope)
        api_client_touch(client=client)
        return client
