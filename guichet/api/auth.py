"""Who calls: a bearer token of an active client, within its rate limit, with the scope the
endpoint needs. A session cookie never authenticates the API (and so no CSRF token is asked:
nothing the browser sends on its own counts)."""

from ninja.security import HttpBearer

from .services import api_client_for_token, api_client_touch, api_rate_limit_hit


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
        if scheme.lower() != "bearer" or not token.strip():
            return None
        return self.authenticate(request, token.strip())

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
