"""The operator's HTTP API, /api/v1/ (J3 « or an API »): django-ninja (docs/decisions/0009).

Pushes go through the file imports' own reading and validation (customers and subscriptions:
guichet/catalog/imports.py; invoices: guichet/billing/services/imports.py), so a value the
files refuse, the API refuses with the same words. Errors are problem details (problems.py).
"""

import logging

from django.core.exceptions import RequestDataTooBig
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from . import problems
from .auth import RateLimited, ScopeMissing
from .push import router as push_router
from .reads import router as reads_router

logger = logging.getLogger(__name__)

DESCRIPTION = """\
The HTTP API of Guichet for the operator's own systems: push customers, subscriptions and
invoices (validated exactly as the file imports are), read payments, SEPA mandates (IBAN
masked), contact requests and termination requests.

Every call carries `Authorization: Bearer <token>`; each operation needs the scope it names.
Errors are problem details (RFC 9457, `application/problem+json`). Guide: docs/api.md.
"""


class GuichetApi(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """ninja describes every response as application/json; errors are problem details."""
        schema = super().get_openapi_schema(**kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                for status, response in operation.get("responses", {}).items():
                    content = response.get("content", {})
                    if int(status) >= 400 and "application/json" in content:
                        content[problems.CONTENT_TYPE] = content.pop("application/json")
        return schema


api = GuichetApi(
    title="Guichet API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    openapi_url="/openapi.json",
    # ninja's docs page loads Swagger UI with an inline script, which our strict
    # Content-Security-Policy refuses: the description is read from openapi.json instead.
    docs_url=None,
)
api.add_router("/", push_router)
api.add_router("/", reads_router)


@api.exception_handler(AuthenticationError)
def unauthenticated(request, exc):
    challenge = 'Bearer realm="guichet"'
    if getattr(request, "api_token_given", False):
        challenge += ', error="invalid_token"'
    return problems.problem(
        401,
        detail=_("Jeton absent, inconnu ou révoqué : « Authorization: Bearer <jeton> »."),
        headers={"WWW-Authenticate": challenge},
    )


@api.exception_handler(ScopeMissing)
def insufficient_scope(request, exc):
    return problems.problem(
        403,
        type=problems.INSUFFICIENT_SCOPE,
        detail=_("Ce jeton n'a pas le droit « %(scope)s » que cet appel demande.")
        % {"scope": exc.scope},
        required_scope=exc.scope,
    )


@api.exception_handler(RateLimited)
def rate_limited(request, exc):
    return problems.problem(
        429,
        type=problems.RATE_LIMITED,
        detail=_("Trop d'appels pour ce client en une minute ; réessayez dans %(seconds)s s.")
        % {"seconds": exc.retry_after},
        headers={"Retry-After": str(exc.retry_after)},
    )


@api.exception_handler(ValidationError)
def invalid(request, exc):
    return problems.problem(
        422,
        type=problems.VALIDATION,
        detail=_("Les données envoyées ne respectent pas le format attendu (voir « errors »)."),
        errors=problems.validation_errors(exc.errors),
    )


@api.exception_handler(HttpError)
def http_error(request, exc):
    if exc.status_code == 400:
        return problems.problem(400, detail=_("Le corps de la requête n'est pas du JSON valide."))
    return problems.problem(exc.status_code)


@api.exception_handler(Http404)
def not_found(request, exc):
    return problems.problem(404)


@api.exception_handler(RequestDataTooBig)
def too_big(request, exc):
    return problems.problem(413)


@api.exception_handler(Exception)
def server_error(request, exc):
    logger.exception("API call failed: %s %s", request.method, request.path)
    return problems.problem(500)
