"""The shapes the API reads and writes (pydantic, through ninja): the OpenAPI description is
made from them. Values are checked further by the file imports' own validation."""

import datetime
from typing import Annotated

from ninja import Field, Schema
from pydantic import AfterValidator, ConfigDict, StrictFloat, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

MAX_ITEMS = 500


def _printable(value: str) -> str:
    """NUL (PostgreSQL refuses it) and lone UTF-16 surrogates (JSON's "\\ud800", which no
    database stores) are refused here, with the field named, rather than by the database."""
    if "\x00" in value or any("\ud800" <= char <= "\udfff" for char in value):
        raise PydanticCustomError("text_characters", "forbidden characters")
    return value


Str = Annotated[StrictStr, AfterValidator(_printable)]
Text = Annotated[Str, Field(max_length=255)]
DateText = Annotated[
    Str, Field(max_length=10, description="AAAA-MM-JJ or JJ/MM/AAAA", examples=["2026-11-25"])
]


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


# -- Pushes ----------------------------------------------------------------------------------


class HolderIn(StrictSchema):
    civility: Text | None = Field(None, description="`Mme`, `M.` or empty")
    first_name: Text | None = None
    last_name: Text


class CustomerIn(StrictSchema):
    """A customer as the operator's system knows it: the whole record, replacing what Guichet
    has for this reference (a field left out is emptied). docs/customer-import.md."""

    reference: Text = Field(description="8 digits, without the V", examples=["01900001"])
    contract_postal_code: Text = Field(examples=["68000"])
    installation_street: Text
    installation_street2: Text | None = None
    installation_postal_code: Text
    installation_city: Text
    billing_street: Text | None = Field(None, description="empty: the installation address")
    billing_street2: Text | None = None
    billing_postal_code: Text | None = None
    billing_city: Text | None = None
    billing_country: Text | None = Field(None, description="`France` by default")
    contact_email: Text | None = None
    phone_mobile: Text | None = Field(None, examples=["06 12 34 56 78"])
    phone_home: Text | None = None
    phone_other: Text | None = None
    holders: list[HolderIn] = Field(min_length=1, max_length=3)


class CustomerBatch(StrictSchema):
    items: list[CustomerIn] = Field(min_length=1, max_length=MAX_ITEMS)


class SubscriptionIn(StrictSchema):
    """Matched by customer, product code and start date: created, or updated."""

    customer_reference: Text = Field(examples=["01900001"])
    product_code: Text = Field(examples=["fibre-1g"])
    start_date: DateText
    end_date: DateText | None = None
    line_number: Text | None = None
    price_cents: StrictInt | None = Field(
        None, description="empty: the catalogue's price; 0: included in a bundle"
    )
    equipment: Text | None = None


class SubscriptionBatch(StrictSchema):
    items: list[SubscriptionIn] = Field(min_length=1, max_length=MAX_ITEMS)


class InvoiceLineIn(StrictSchema):
    group: Text | None = Field(
        None, description="`subscriptions` (default), `communications`, `third_party`"
    )
    label: Text
    period_start: DateText | None = None
    period_end: DateText | None = None
    quantity: StrictInt | None = None
    unit_price_excl_vat_cents: StrictInt | None = None
    vat_rate: Annotated[Str, Field(max_length=10)] | StrictInt | StrictFloat = Field(
        description='per cent: 20, 10, "5,5", 5.5, 0', examples=[20]
    )
    amount_incl_vat_cents: StrictInt
    amount_excl_vat_cents: StrictInt | None = None
    vat_cents: StrictInt | None = None


class InvoiceIn(StrictSchema):
    """An invoice of the operator's billing system; docs/invoice-import.md. Issued once,
    never changed: the same number pushed again is left as it is."""

    number: Text = Field(examples=["F2026-0001"])
    customer_reference: Text = Field(examples=["01776108"])
    issue_date: DateText
    period: Annotated[Str, Field(max_length=7, description="AAAA-MM", examples=["2026-11"])]
    due_date: DateText
    payment_method: Text | None = Field(
        None, description="`on_receipt` (default) or `direct_debit`"
    )
    status: Text | None = Field(None, description="`issued` (default) or `paid`")
    paid_date: DateText | None = None
    lines: list[InvoiceLineIn] = Field(min_length=1, max_length=MAX_ITEMS)


class InvoiceBatch(StrictSchema):
    items: list[InvoiceIn] = Field(min_length=1, max_length=MAX_ITEMS)
    notify: bool = Field(True, description="send the « facture disponible » e-mails")


class ItemError(Schema):
    index: int
    field: str | None
    message: str


class ItemResult(Schema):
    index: int = Field(description="position in `items`, from 0")
    key: str = Field(description="reference, or invoice number")
    status: str = Field(description="`created`, `updated`, `unchanged` or `refused`")
    errors: list[ItemError]


class BatchResult(Schema):
    created: int
    updated: int
    unchanged: int
    refused: int
    results: list[ItemResult]


class Problem(Schema):
    """RFC 9457 problem details (`application/problem+json`)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[ItemError] | None = None
    results: list[ItemResult] | None = None


# -- Reads -----------------------------------------------------------------------------------


class PaymentOut(Schema):
    reference: str
    customer_reference: str
    method: str
    status: str
    amount_cents: int
    currency: str
    created_at: datetime.datetime
    confirmed_at: datetime.datetime | None
    updated_at: datetime.datetime


class MandateOut(Schema):
    rum: str
    customer_reference: str
    status: str
    iban_masked: str = Field(description="last four characters only, never the IBAN")
    bic: str
    account_holder: str
    debit_day: int
    signed_at: datetime.datetime
    revoked_at: datetime.datetime | None
    created_at: datetime.datetime


class ContactRequestOut(Schema):
    reference: str
    customer_reference: str
    request_type: str
    department: str
    status: str
    message: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class TerminatedSubscriptionOut(Schema):
    product_code: str
    start_date: datetime.date
    line_number: str


class TerminationRequestOut(Schema):
    reference: str
    customer_reference: str
    subscription: TerminatedSubscriptionOut | None = Field(description="empty: the whole contract")
    status: str
    requested_at: datetime.datetime
    effective_date: datetime.date
    processed_at: datetime.datetime | None


class Page(Schema):
    count: int
    page: int
    page_size: int
    pages: int


class PaymentPage(Page):
    items: list[PaymentOut]


class MandatePage(Page):
    items: list[MandateOut]


class ContactRequestPage(Page):
    items: list[ContactRequestOut]


class TerminationRequestPage(Page):
    items: list[TerminationRequestOut]
