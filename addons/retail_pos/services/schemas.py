"""The documents of the partner API: tickets, their batch, cash-ups, answers.

Plain pydantic v2 models; the same models validate the requests and make the
OpenAPI document (:mod:`.openapi`). Scalars are strict: money and quantities
are decimal strings (``"12.50"``, never a JSON number), times ISO 8601 with
an offset (``2026-12-01T10:15:00+01:00``), business dates ``YYYY-MM-DD``;
unknown fields are refused.

- :class:`TicketBatch`: the envelope ``{"tickets": [...]}``, 1 to
  :data:`MAX_TICKETS` tickets, each an object (its content is validated
  ticket by ticket, so one bad ticket never blocks the batch);
- :class:`Ticket` with :class:`Line`, :class:`Payment`, :class:`Customer`,
  :class:`RefundOf`;
- :class:`Cashup` (the Z report of one terminal and business date) with
  :class:`MethodTotal`;
- :class:`TicketResult`, :class:`BatchResult`, :class:`CashupResult` and
  :class:`FieldError`: the answers;
- :class:`CatalogPage` with :class:`CatalogItem`, :class:`StockPage` with
  :class:`StockItem`: the pages of the catalog and stock feeds;
- :func:`validate_ticket`, :func:`validate_cashup` and
  :func:`validate_envelope`: a document in, the model and the list of field
  errors (``{"field": "lines[0].qty", "message": ...}``) out.
"""

import datetime
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    WithJsonSchema,
)

from odoo.addons.retail_connector_base.services.validation import (
    WHOLE_PAYLOAD,
    field_path,
    json_kind,
)

MAX_TICKETS = 500
#: where the OpenAPI document keeps the schemas of these models
SCHEMA_REF_PREFIX = "#/components/schemas/"
MAX_LINES = 500
MAX_PAYMENTS = 50
MAX_TOTALS = 50

MONEY_PATTERN = r"^-?[0-9]{1,12}(\.[0-9]{1,6})?$"
QTY_PATTERN = r"^-?[0-9]{1,9}(\.[0-9]{1,6})?$"
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"
TIMESTAMP_PATTERN = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})$"
)
TICKET_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,63}$"
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$"
EMAIL_PATTERN = r"^[^@\s]{1,64}@[^@\s]{1,189}$"

_MONEY_RE = re.compile(MONEY_PATTERN)
_QTY_RE = re.compile(QTY_PATTERN)
_DATE_RE = re.compile(DATE_PATTERN)
_TIMESTAMP_RE = re.compile(TIMESTAMP_PATTERN)


def _decimal_text(pattern_re, what, example):
    def parse(value):
        if not pattern_re.match(value):
            raise ValueError(
                f"{value[:40]!r} is not {what} written as a decimal string "
                f"such as {example!r}"
            )
        return Decimal(value)

    return parse


def _business_date(value):
    if not _DATE_RE.match(value):
        raise ValueError(f"{value[:40]!r} is not a date written YYYY-MM-DD")
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{value!r} is not a calendar date") from None


def _timestamp(value):
    if not _TIMESTAMP_RE.match(value):
        raise ValueError(
            f"{value[:40]!r} is not an ISO 8601 time with an offset, such as "
            "'2026-12-01T10:15:00+01:00'"
        )
    text = value[:-1] + "+00:00" if value.endswith("Z") else value
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{value!r} is not a valid time") from None


def _positive(value):
    if value <= 0:
        raise ValueError(f"{value} must be greater than zero")
    return value


def _not_negative(value):
    if value < 0:
        raise ValueError(f"{value} cannot be negative")
    return value


def _percentage(value):
    if not Decimal(0) <= value <= Decimal(100):
        raise ValueError(f"{value} is not a percentage between 0 and 100")
    return value


def _non_zero(value):
    if value == 0:
        raise ValueError("0 is not allowed here")
    return value


def _text_type(pattern, description, example):
    return Annotated[
        str,
        Field(pattern=pattern, description=description, examples=[example]),
    ]


def _money_type(*checks, description=None):
    schema = {
        "type": "string",
        "pattern": MONEY_PATTERN,
        "description": description
        or "An amount as a decimal string (never a JSON number).",
        "examples": ["12.50"],
    }
    return Annotated[
        str,
        AfterValidator(_decimal_text(_MONEY_RE, "an amount", "12.50")),
        *(AfterValidator(check) for check in checks),
        WithJsonSchema(schema),
    ]


def _qty_type(*checks, description):
    return Annotated[
        str,
        AfterValidator(_decimal_text(_QTY_RE, "a quantity", "2")),
        *(AfterValidator(check) for check in checks),
        WithJsonSchema(
            {
                "type": "string",
                "pattern": QTY_PATTERN,
                "description": description,
                "examples": ["2"],
            }
        ),
    ]


SignedMoney = _money_type()
MoneyPositive = _money_type(_positive, description="An amount greater than zero.")
MoneyNotNegative = _money_type(_not_negative, description="An amount, zero or more.")
SignedNonZeroMoney = _money_type(
    _non_zero, description="An amount, not zero: negative for money given back."
)
Percentage = _money_type(
    _not_negative,
    _percentage,
    description="A percentage between 0 and 100, as a decimal string.",
)
LineQty = _qty_type(
    _non_zero,
    description="Units sold (greater than zero) or returned (below zero, with "
    "refund_of), as a decimal string.",
)
BusinessDate = Annotated[
    str,
    AfterValidator(_business_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": DATE_PATTERN,
            "description": "The store's trading day, YYYY-MM-DD.",
            "examples": ["2026-12-01"],
        }
    ),
]
Timestamp = Annotated[
    str,
    AfterValidator(_timestamp),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date-time",
            "pattern": TIMESTAMP_PATTERN,
            "description": "ISO 8601 time with its offset (Z or +01:00).",
            "examples": ["2026-12-01T10:15:00+01:00"],
        }
    ),
]
TicketId = _text_type(
    TICKET_ID_PATTERN,
    "The ticket's id, unique in the store forever.",
    "T1-000123",
)
Code = _text_type(CODE_PATTERN, "A code of the till system.", "T1")
ProductCode = Annotated[
    str,
    Field(
        min_length=1,
        max_length=64,
        pattern=r"^\S(.*\S)?$",
        description="A product reference of the till (no surrounding blanks).",
        examples=["TOTE-BLK"],
    ),
]


class ApiModel(BaseModel):
    """A document of the API: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Customer(ApiModel):
    """Who bought, when the till knows."""

    loyalty_id: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    email: Annotated[str, Field(max_length=254, pattern=EMAIL_PATTERN)] | None = None


class RefundOf(ApiModel):
    """The line of an earlier ticket a return line gives back."""

    ticket_id: TicketId
    line_no: Annotated[int, Field(strict=True, ge=1)]


class Line(ApiModel):
    """One line of a ticket: a product sold, or returned with ``refund_of``."""

    line_no: Annotated[
        int, Field(strict=True, ge=1, description="Unique in the ticket.")
    ]
    sku: ProductCode | None = Field(
        None, description="The product's Internal Reference in Odoo."
    )
    barcode: ProductCode | None = Field(
        None, description="The product's barcode, when there is no SKU."
    )
    qty: LineQty
    unit_price: MoneyNotNegative = Field(
        description="Price of one unit, taxes included, before the discount."
    )
    discount: Percentage = Field(
        "0", description="Discount on the line, a percentage (0 to 100)."
    )
    tax_code: Code = Field(description="The till's tax code (mapped on the store).")
    refund_of: RefundOf | None = None


class Payment(ApiModel):
    """One tender of a ticket."""

    method: Code = Field(description="The till's payment method code.")
    amount: SignedNonZeroMoney


class Ticket(ApiModel):
    """A closed ticket of one terminal."""

    ticket_id: TicketId
    terminal: Code
    number: Annotated[
        int,
        Field(strict=True, ge=1, description="The terminal's ticket number."),
    ]
    business_date: BusinessDate
    closed_at: Timestamp
    cashier: Annotated[str, Field(min_length=1, max_length=64)] | None = None
    customer: Customer | None = None
    lines: Annotated[list[Line], Field(min_length=1, max_length=MAX_LINES)]
    payments: Annotated[list[Payment], Field(max_length=MAX_PAYMENTS)]
    change: MoneyNotNegative = Field("0", description="Cash given back.")
    total: SignedMoney = Field(
        description="What the customer owes, taxes included: the payments "
        "less the change."
    )


class TicketBatch(ApiModel):
    """The body of ``POST .../tickets``."""

    tickets: Annotated[
        list[Any],
        Field(min_length=1, max_length=MAX_TICKETS),
        WithJsonSchema(
            {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_TICKETS,
                "items": {"$ref": f"{SCHEMA_REF_PREFIX}Ticket"},
                "description": "1 to 500 tickets; each one is validated on "
                "its own, and answered in its own result.",
            }
        ),
    ]


class MethodTotal(ApiModel):
    """What one payment method took on the day, by the till's count."""

    method: Code
    amount: SignedMoney


class Cashup(ApiModel):
    """The Z report of one terminal and business date."""

    terminal: Code
    business_date: BusinessDate
    ticket_count: Annotated[int, Field(strict=True, ge=0)]
    first_number: Annotated[int, Field(strict=True, ge=1)] | None = None
    last_number: Annotated[int, Field(strict=True, ge=1)] | None = None
    totals: Annotated[list[MethodTotal], Field(max_length=MAX_TOTALS)]
    counted_cash: MoneyNotNegative
    closed_at: Timestamp


class FieldError(BaseModel):
    """A field of a document and what is wrong with it."""

    field: str = Field(examples=["lines[0].qty"])
    message: str


class TicketResult(BaseModel):
    """What became of one ticket of a batch."""

    ticket_id: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    errors: list[FieldError] = []


class BatchResult(BaseModel):
    """The answer to a batch: one result per ticket, in request order."""

    results: list[TicketResult]


class CashupResult(BaseModel):
    """The answer to a cash-up."""

    terminal: str | None
    business_date: str | None
    status: Literal["accepted", "duplicate", "rejected"]
    errors: list[FieldError] = []


class ErrorAnswer(BaseModel):
    """A refused request (authentication, size, malformed envelope, bad
    feed parameters)."""

    error: str
    errors: list[FieldError] = []


FeedCursor = Annotated[
    str,
    Field(
        description="Where to read from next: give it as ?cursor= to get what "
        "changed since this page (opaque).",
        examples=["Y2F0YWxvZzo3NDE6MTI"],
    ),
]


class CatalogItem(BaseModel):
    """A product the store sells (or no longer sells: ``active`` false)."""

    sku: str = Field(description="The product's Internal Reference in Odoo.")
    barcode: str | None
    name: str
    price: str = Field(
        pattern=MONEY_PATTERN,
        description="Price of one unit at the store's pricelist, taxes "
        "included, as a decimal string.",
        examples=["12.50"],
    )
    tax_code: str | None = Field(
        description="The till tax code mapped to the product's tax; null when "
        "the product's tax is not mapped on the store."
    )
    active: bool = Field(
        description="False once: the product was archived, is no longer sold "
        "in the point of sale, or its Internal Reference changed."
    )


class CatalogPage(BaseModel):
    """The answer of ``GET .../catalog``: what changed after the cursor."""

    items: list[CatalogItem]
    next_cursor: FeedCursor
    has_more: bool = Field(description="Another page follows at once.")


class StockItem(BaseModel):
    """The quantity of a product the store's warehouse can promise."""

    sku: str
    barcode: str | None
    quantity: str = Field(
        pattern=QTY_PATTERN,
        description="On hand less reserved, zero or more, as a decimal string.",
        examples=["12"],
    )


class StockPage(BaseModel):
    """The answer of ``GET .../stock``: what changed after the cursor."""

    items: list[StockItem]
    next_cursor: FeedCursor
    has_more: bool = Field(description="Another page follows at once.")


# ----------------------------------------------------------------------
# validation
# ----------------------------------------------------------------------
def _message(error):
    if error["type"] == "missing":
        return "is missing"
    if error["type"] == "extra_forbidden":
        return "is not a field of this document"
    exc = (error.get("ctx") or {}).get("error")
    if exc is not None:
        return str(exc)
    return error["msg"]


def field_errors(exc, prefix=""):
    """The errors of a pydantic ValidationError as ``{"field", "message"}``,
    paths relative to the document, with ``prefix`` before them."""
    result = []
    for error in exc.errors(include_url=False):
        path = field_path(error["loc"])
        if prefix:
            path = prefix if path == WHOLE_PAYLOAD else f"{prefix}.{path}"
        result.append({"field": path, "message": _message(error)})
    return result


def _not_an_object(document):
    return [
        {
            "field": WHOLE_PAYLOAD,
            "message": f"is {json_kind(document)}, not an object",
        }
    ]


def ticket_rules(ticket):
    """What a well-typed ticket breaks of the rules between its fields."""
    problems = []
    seen = set()
    for index, line in enumerate(ticket.lines):
        where = f"lines[{index}]"
        if line.line_no in seen:
            problems.append(
                {
                    "field": f"{where}.line_no",
                    "message": f"line {line.line_no} appears twice in the ticket",
                }
            )
        seen.add(line.line_no)
        if not line.sku and not line.barcode:
            problems.append(
                {"field": f"{where}.sku", "message": "a line needs a sku or a barcode"}
            )
        qty = Decimal(line.qty)
        if line.refund_of is None and qty < 0:
            problems.append(
                {
                    "field": f"{where}.qty",
                    "message": "a negative quantity is a return: give refund_of",
                }
            )
        if line.refund_of is not None:
            if qty > 0:
                problems.append(
                    {
                        "field": f"{where}.qty",
                        "message": "a return line has a negative quantity",
                    }
                )
            if line.refund_of.ticket_id == ticket.ticket_id:
                problems.append(
                    {
                        "field": f"{where}.refund_of.ticket_id",
                        "message": "a ticket cannot return its own lines",
                    }
                )
    paid = sum((Decimal(p.amount) for p in ticket.payments), Decimal(0))
    change = Decimal(ticket.change)
    total = Decimal(ticket.total)
    if paid - change != total:
        problems.append(
            {
                "field": "total",
                "message": f"{total} is not the payments ({paid}) less the "
                f"change ({change})",
            }
        )
    return problems


def validate_ticket(document):
    """``(Ticket or None, errors)`` of one ticket of a batch."""
    if not isinstance(document, dict):
        return None, _not_an_object(document)
    try:
        ticket = Ticket.model_validate(document)
    except ValidationError as exc:
        return None, field_errors(exc)
    problems = ticket_rules(ticket)
    return (None if problems else ticket), problems


def cashup_rules(cashup):
    """What a well-typed cash-up breaks of the rules between its fields."""
    problems = []
    if cashup.ticket_count and (
        cashup.first_number is None or cashup.last_number is None
    ):
        problems.append(
            {
                "field": "first_number"
                if cashup.first_number is None
                else "last_number",
                "message": "is missing: the day has tickets",
            }
        )
    if (
        cashup.first_number is not None
        and cashup.last_number is not None
        and cashup.last_number < cashup.first_number
    ):
        problems.append(
            {"field": "last_number", "message": "is lower than first_number"}
        )
    methods = [total.method for total in cashup.totals]
    for index, method in enumerate(methods):
        if method in methods[:index]:
            problems.append(
                {
                    "field": f"totals[{index}].method",
                    "message": f"{method} is given twice",
                }
            )
    return problems


def validate_cashup(document):
    """``(Cashup or None, errors)`` of a cash-up document."""
    if not isinstance(document, dict):
        return None, _not_an_object(document)
    try:
        cashup = Cashup.model_validate(document)
    except ValidationError as exc:
        return None, field_errors(exc)
    problems = cashup_rules(cashup)
    return (None if problems else cashup), problems


def validate_envelope(document):
    """``(list of ticket documents or None, errors)`` of a batch's body."""
    if not isinstance(document, dict):
        return None, _not_an_object(document)
    try:
        batch = TicketBatch.model_validate(document)
    except ValidationError as exc:
        return None, field_errors(exc)
    return list(batch.tickets), []
