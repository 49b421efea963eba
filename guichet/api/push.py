"""Pushes from the operator's systems: customers, subscriptions, invoices, in batches.

Each item is stored whole or not at all, by the file imports' own code; the answer lists
every item with its index, what became of it and why it was refused. Pushing the same items
again changes nothing.
"""

import re

from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from ninja import Router

from guichet.billing.services import import_invoices, record_from_object
from guichet.catalog.imports import import_customers, import_subscriptions, read_data

from . import problems
from .auth import BearerToken
from .models import Scope
from .schemas import BatchResult, CustomerBatch, InvoiceBatch, Problem, SubscriptionBatch

router = Router(tags=["push"])

ERRORS = {401: Problem, 403: Problem, 422: Problem, 429: Problem}
# The imports write « field : message » when they know the field.
FIELD_PREFIX = re.compile(r"^([a-z][a-z0-9_]*) : (.+)$", re.DOTALL)


def _error(index: int, message: str) -> dict:
    match = FIELD_PREFIX.match(message)
    if match:
        return {"index": index, "field": match[1], "message": match[2]}
    return {"index": index, "field": None, "message": message}


def _answer(results: list[dict]):
    """200 with every item's result, or 422 problem details when one was refused (the others
    are stored all the same)."""
    counts = {
        outcome: sum(1 for r in results if r["status"] == outcome)
        for outcome in ("created", "updated", "unchanged", "refused")
    }
    if not counts["refused"]:
        return {**counts, "results": results}
    return problems.problem(
        422,
        type=problems.ITEMS_REFUSED,
        title=_("Éléments refusés"),
        detail=ngettext(
            "%(refused)s élément sur %(count)s refusé : rien n'en a été enregistré ; "
            "les autres sont traités (voir « results »).",
            "%(refused)s éléments sur %(count)s refusés : rien n'en a été enregistré ; "
            "les autres sont traités (voir « results »).",
            counts["refused"],
        )
        % {"refused": counts["refused"], "count": len(results)},
        errors=[error for result in results for error in result["errors"]],
        results=results,
        **counts,
    )


@router.post(
    "/customers",
    auth=BearerToken(Scope.CUSTOMERS_WRITE),
    response={200: BatchResult, **ERRORS},
    summary="Create or update customers by reference (scope customers:write)",
    openapi_extra={"x-scope": Scope.CUSTOMERS_WRITE.value},
)
def customers_push(request, payload: CustomerBatch):
    data = read_data({"customers": [item.model_dump() for item in payload.items]})
    report = import_customers(data)
    by_reference = {
        **dict.fromkeys(report.created, "created"),
        **dict.fromkeys(report.updated, "updated"),
        **dict.fromkeys(report.unchanged, "unchanged"),
    }
    results = []
    for index, item in enumerate(payload.items):
        errors = [_error(index, p.message) for p in report.problems if p.line == index + 1]
        status = "refused" if errors else by_reference.get(item.reference, "refused")
        results.append({"index": index, "key": item.reference, "status": status, "errors": errors})
    return _answer(results)


@router.post(
    "/subscriptions",
    auth=BearerToken(Scope.SUBSCRIPTIONS_WRITE),
    response={200: BatchResult, **ERRORS},
    summary="Create or update subscriptions by customer, product and start date "
    "(scope subscriptions:write)",
    openapi_extra={"x-scope": Scope.SUBSCRIPTIONS_WRITE.value},
)
def subscriptions_push(request, payload: SubscriptionBatch):
    rows = [(index + 1, item.model_dump()) for index, item in enumerate(payload.items)]
    results = []
    for (index, item), outcome in zip(
        enumerate(payload.items), import_subscriptions(rows), strict=True
    ):
        results.append(
            {
                "index": index,
                "key": f"{item.customer_reference} {item.product_code} {item.start_date}",
                "status": outcome.outcome,
                "errors": [_error(index, p.message) for p in outcome.problems],
            }
        )
    return _answer(results)


@router.post(
    "/invoices",
    auth=BearerToken(Scope.INVOICES_WRITE),
    response={200: BatchResult, **ERRORS},
    summary="Issue invoices of the operator's billing system (scope invoices:write)",
    openapi_extra={"x-scope": Scope.INVOICES_WRITE.value},
)
def invoices_push(request, payload: InvoiceBatch):
    records = [
        record_from_object(item.model_dump(), index + 1) for index, item in enumerate(payload.items)
    ]
    report = import_invoices(records=records, notify=payload.notify)
    imported, already = set(report.imported), set(report.already_imported)
    results = []
    for index, item in enumerate(payload.items):
        errors = [_error(index, p.message) for p in report.problems if p.line == index + 1]
        if errors:
            status = "refused"
        elif item.number in imported:
            status = "created"
        elif item.number in already:
            status = "unchanged"
        else:
            status = "refused"
        results.append({"index": index, "key": item.number, "status": status, "errors": errors})
    return _answer(results)
