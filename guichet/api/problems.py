"""Errors of the API as problem details (RFC 9457): `application/problem+json`, in French by
default and in English for a client sending Accept-Language: en (LocaleMiddleware)."""

import json
import re
from http import HTTPStatus

from django.http import HttpResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

CONTENT_TYPE = "application/problem+json"
# Problems the status says all about are `about:blank`; these carry more members.
VALIDATION = "urn:guichet:api:problem:validation"
ITEMS_REFUSED = "urn:guichet:api:problem:items-refused"
INSUFFICIENT_SCOPE = "urn:guichet:api:problem:insufficient-scope"
RATE_LIMITED = "urn:guichet:api:problem:rate-limited"

TITLES = {
    400: gettext_lazy("Requête invalide"),
    401: gettext_lazy("Authentification requise"),
    403: gettext_lazy("Accès refusé"),
    404: gettext_lazy("Introuvable"),
    405: gettext_lazy("Méthode non permise"),
    413: gettext_lazy("Requête trop volumineuse"),
    415: gettext_lazy("Type de contenu non pris en charge"),
    422: gettext_lazy("Données invalides"),
    429: gettext_lazy("Trop de requêtes"),
    500: gettext_lazy("Erreur interne"),
}
DETAILS = {
    400: gettext_lazy("La requête ne peut pas être lue."),
    401: gettext_lazy("Un jeton valable est attendu : « Authorization: Bearer <jeton> »."),
    403: gettext_lazy("Ce jeton ne permet pas cet appel."),
    404: gettext_lazy("Cette adresse de l'API n'existe pas."),
    405: gettext_lazy("Cette adresse n'accepte pas cette méthode."),
    413: gettext_lazy("Le corps de la requête est trop volumineux."),
    500: gettext_lazy("L'appel n'a pas abouti ; rien n'a été enregistré à moitié."),
}
NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
UNION_MEMBERS = {"str", "int", "float", "bool", "list", "dict", "none"}
# Headers an error response keeps when it is rewritten as problem details.
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")

# Pydantic's error types, said in our words (its own messages are English only).
PYDANTIC_MESSAGES = {
    "missing": gettext_lazy("champ obligatoire"),
    "extra_forbidden": gettext_lazy("champ inconnu"),
    "string_type": gettext_lazy("une chaîne de caractères est attendue"),
    "int_type": gettext_lazy("un nombre entier est attendu"),
    "int_parsing": gettext_lazy("un nombre entier est attendu"),
    "int_from_float": gettext_lazy("un nombre entier est attendu"),
    "float_type": gettext_lazy("un nombre est attendu"),
    "bool_type": gettext_lazy("true ou false est attendu"),
    "bool_parsing": gettext_lazy("true ou false est attendu"),
    "list_type": gettext_lazy("une liste est attendue"),
    "dict_type": gettext_lazy("un objet est attendu"),
    "model_type": gettext_lazy("un objet est attendu"),
    "model_attributes_type": gettext_lazy("un objet est attendu"),
    "too_short": gettext_lazy("trop peu d'éléments"),
    "too_long": gettext_lazy("trop d'éléments"),
    "string_too_long": gettext_lazy("texte trop long"),
    "date_type": gettext_lazy("date invalide (AAAA-MM-JJ)"),
    "date_parsing": gettext_lazy("date invalide (AAAA-MM-JJ)"),
    "date_from_datetime_parsing": gettext_lazy("date invalide (AAAA-MM-JJ)"),
    "datetime_type": gettext_lazy("date invalide (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM:SS+01:00)"),
    "datetime_parsing": gettext_lazy("date invalide (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM:SS+01:00)"),
    "datetime_from_date_parsing": gettext_lazy(
        "date invalide (AAAA-MM-JJ ou AAAA-MM-JJTHH:MM:SS+01:00)"
    ),
    "greater_than_equal": gettext_lazy("valeur trop petite"),
    "less_than_equal": gettext_lazy("valeur trop grande"),
    "literal_error": gettext_lazy("valeur non admise"),
    "enum": gettext_lazy("valeur non admise"),
    "text_characters": gettext_lazy("caractères non admis (NUL ou UTF-16 isolé)"),
}


def problem(
    status: int,
    *,
    detail: str = "",
    title: str = "",
    type: str = "about:blank",
    headers: dict | None = None,
    **members,
) -> HttpResponse:
    body = {
        "type": type,
        "title": str(title or TITLES.get(status) or HTTPStatus(status).phrase),
        "status": status,
        "detail": str(detail or DETAILS.get(status, "")),
        **members,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=CONTENT_TYPE
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def is_problem(response) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == CONTENT_TYPE


def problem_for(response) -> HttpResponse:
    """An error response of Django or ninja (404 page, 405, 500 page) as problem details."""
    return problem(
        response.status_code,
        headers={name: response[name] for name in KEPT_HEADERS if name in response},
    )


def validation_errors(errors: list[dict]) -> list[dict]:
    """ninja's validation errors as {"field", "message"} (and "index" for an item of a
    batch): `items[3].holders[0].last_name`, `since`."""
    found = []
    for error in errors:
        loc = list(error.get("loc", ()))
        # ("body", "payload", "items", 3, "reference") or ("query", "since")
        if loc and loc[0] == "body":
            loc = loc[2:]
        elif loc and loc[0] in ("query", "path", "header"):
            loc = loc[1:]
        field = ""
        for part in loc:
            if isinstance(part, int):
                field += f"[{part}]"
            elif NAME.match(str(part)) and part not in UNION_MEMBERS:
                field += f".{part}" if field else str(part)
            else:
                break  # a member of a union ("str", "function-after[…]"): not a field
        entry = {"field": field or None, "message": pydantic_message(error)}
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            entry = {"index": loc[1], **entry}
        if entry not in found:
            found.append(entry)
    return found


def pydantic_message(error: dict) -> str:
    message = PYDANTIC_MESSAGES.get(error.get("type", ""))
    if message is None:
        return _("valeur invalide")
    return str(message)
