"""Reads for the operator's systems: payments, mandates, contact and termination requests,
paginated, filtered by status and by `since` (what changed from that moment on)."""

import datetime
import math
from typing import Literal

from django.db.models import Q
from django.utils import timezone
from ninja import Field, Query, Router, Schema

from guichet.catalog.models import TerminationRequest, TerminationStatus
from guichet.payments.models import Mandate, Payment
from guichet.support.models import ContactRequest

from .auth import BearerToken
from .models import Scope
from .schemas import (
    ContactRequestPage,
    MandatePage,
    PaymentPage,
    Problem,
    TerminationRequestPage,
)

router = Router(tags=["read"])

ERRORS = {401: Problem, 403: Problem, 422: Problem, 429: Problem}


class Filters(Schema):
    since: datetime.datetime | None = Field(
        None, description="changed at or after (2026-11-01, or 2026-11-01T08:00:00+01:00)"
    )
    customer_reference: str | None = Field(None, max_length=8)
    page: int = Field(1, ge=1, le=100000)
    page_size: int = Field(50, ge=1, le=200)


class PaymentFilters(Filters):
    status: Literal[tuple(Payment.Status.values)] | None = None


class MandateFilters(Filters):
    status: Literal[tuple(Mandate.Status.values)] | None = None


class ContactRequestFilters(Filters):
    status: Literal[tuple(ContactRequest.Status.values)] | None = None


class TerminationRequestFilters(Filters):
    status: Literal[tuple(TerminationStatus.values)] | None = None


def _since(filters: Filters) -> datetime.datetime | None:
    since = filters.since
    if since is not None and timezone.is_naive(since):
        since = timezone.make_aware(since)
    return since


def _page(queryset, filters: Filters, item) -> dict:
    if filters.status:
        queryset = queryset.filter(status=filters.status)
    if filters.customer_reference:
        queryset = queryset.filter(customer__reference=filters.customer_reference)
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    rows = queryset[start : start + filters.page_size]
    return {
        "count": count,
        "page": filters.page,
        "page_size": filters.page_size,
        "pages": max(1, math.ceil(count / filters.page_size)),
        "items": [item(row) for row in rows],
    }


@router.get(
    "/payments",
    auth=BearerToken(Scope.PAYMENTS_READ),
    response={200: PaymentPage, **ERRORS},
    summary="Payments, oldest change first (scope payments:read)",
    openapi_extra={"x-scope": Scope.PAYMENTS_READ.value},
)
def payments_list(request, filters: Query[PaymentFilters]):
    queryset = Payment.objects.select_related("customer").order_by("updated_at", "pk")
    if since := _since(filters):
        queryset = queryset.filter(updated_at__gte=since)
    return _page(
        queryset,
        filters,
        lambda p: {
            "reference": p.reference,
            "customer_reference": p.customer.reference,
            "method": p.method,
            "status": p.status,
            "amount_cents": p.amount_cents,
            "currency": p.currency,
            "created_at": p.created_at,
            "confirmed_at": p.confirmed_at,
            "updated_at": p.updated_at,
        },
    )


@router.get(
    "/mandates",
    auth=BearerToken(Scope.MANDATES_READ),
    response={200: MandatePage, **ERRORS},
    summary="SEPA mandates with the IBAN masked (scope mandates:read)",
    openapi_extra={"x-scope": Scope.MANDATES_READ.value},
)
def mandates_list(request, filters: Query[MandateFilters]):
    queryset = Mandate.objects.select_related("customer").order_by("created_at", "pk")
    if since := _since(filters):
        queryset = queryset.filter(Q(created_at__gte=since) | Q(revoked_at__gte=since))
    return _page(
        queryset,
        filters,
        lambda m: {
            "rum": m.rum,
            "customer_reference": m.customer.reference,
            "status": m.status,
            "iban_masked": m.iban_masked,
            "bic": m.bic,
            "account_holder": m.account_holder,
            "debit_day": m.debit_day,
            "signed_at": m.signed_at,
            "revoked_at": m.revoked_at,
            "created_at": m.created_at,
        },
    )


@router.get(
    "/contact-requests",
    auth=BearerToken(Scope.REQUESTS_READ),
    response={200: ContactRequestPage, **ERRORS},
    summary="Contact requests, oldest change first (scope requests:read)",
    openapi_extra={"x-scope": Scope.REQUESTS_READ.value},
)
def contact_requests_list(request, filters: Query[ContactRequestFilters]):
    queryset = ContactRequest.objects.select_related(
        "customer", "request_type", "department"
    ).order_by("updated_at", "pk")
    if since := _since(filters):
        queryset = queryset.filter(updated_at__gte=since)
    return _page(
        queryset,
        filters,
        lambda r: {
            "reference": r.reference,
            "customer_reference": r.customer.reference,
            "request_type": r.request_type.label,
            "department": r.department.name,
            "status": r.status,
            "message": r.message,
            "created_at": r.created_at,
            "updated_at": r.updated_at,
        },
    )


@router.get(
    "/termination-requests",
    auth=BearerToken(Scope.REQUESTS_READ),
    response={200: TerminationRequestPage, **ERRORS},
    summary="Termination requests, oldest first (scope requests:read)",
    openapi_extra={"x-scope": Scope.REQUESTS_READ.value},
)
def termination_requests_list(request, filters: Query[TerminationRequestFilters]):
    queryset = TerminationRequest.objects.select_related(
        "customer", "subscription__product"
    ).order_by("requested_at", "pk")
    if since := _since(filters):
        queryset = queryset.filter(Q(requested_at__gte=since) | Q(processed_at__gte=since))
    return _page(
        queryset,
        filters,
        lambda t: {
            "reference": t.reference,
            "customer_reference": t.customer.reference,
            "subscription": {
                "product_code": t.subscription.product.code,
                "start_date": t.subscription.start_date,
                "line_number": t.subscription.line_number,
            }
            if t.subscription
            else None,
            "status": t.status,
            "requested_at": t.requested_at,
            "effective_date": t.effective_date,
            "processed_at": t.processed_at,
        },
    )
