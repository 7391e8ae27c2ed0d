"""Payloads of remote systems validated with pydantic, errors naming the field.

A connector declares the fields it reads as pydantic models on
:class:`PayloadModel` (snake_case JSON) or :class:`CamelPayloadModel`
(camelCase JSON), typed with the scalars below, and validates a payload
through a :class:`PayloadContext`. Whatever is missing or invalid raises
:class:`~.errors.PayloadValidationError` naming what the payload is about and
the path of the first faulty field, ``line_items[2].price``; its details hold
that path (``field``), the other faulty paths (``other_fields``) and the remote
object (``remote_ref``).

* :func:`field_path` and :func:`describe_error` read one pydantic error;
* :func:`json_kind` names the JSON type of a value;
* :func:`parse_money` and :func:`text` read amounts and text;
* ``Money``, ``OptionalMoney``, ``Timestamp``, ``OptionalTimestamp``,
  ``Currency``, ``Quantity`` and ``NumericId`` are the annotated field types.
"""

import dataclasses
import datetime
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Annotated, NoReturn

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, ValidationError
from pydantic.alias_generators import to_camel

from .errors import PayloadValidationError
from .timeutils import parse_remote_datetime

#: the path of a problem with the payload as a whole
WHOLE_PAYLOAD = "(payload)"
#: other faulty fields named in a message (details list them all)
MAX_NAMED_FIELDS = 5
#: characters of a refused value quoted in a message
MAX_QUOTED_CHARS = 60

_MONEY_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_CURRENCY_RE = re.compile(r"^[A-Z]{3}$")


# ----------------------------------------------------------------------
# pydantic errors
# ----------------------------------------------------------------------
def field_path(loc):
    """The location of a pydantic error as a path: ``line_items[2].price``.

    An empty location is the payload itself: :data:`WHOLE_PAYLOAD`.
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or WHOLE_PAYLOAD


def describe_error(error):
    """What is wrong with the field of one pydantic error, for a message.

    ``"is missing"``, else ``"is invalid: "`` and the reason: the text of the
    ValueError a validator raised, or pydantic's message and the value.
    """
    if error["type"] == "missing":
        return "is missing"
    exc = (error.get("ctx") or {}).get("error")
    if exc is not None:
        return f"is invalid: {exc}"
    shown = repr(error.get("input"))
    if len(shown) > MAX_QUOTED_CHARS:
        shown = shown[: MAX_QUOTED_CHARS - 3] + "..."
    message = error["msg"]
    return f"is invalid: {message[:1].lower()}{message[1:]} (got {shown})"


def json_kind(value):
    """The JSON type of a decoded value, with its article: ``"an array"``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, (list, tuple)):
        return "an array"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, (int, float, Decimal)):
        return "a number"
    return f"a {type(value).__name__}"


# ----------------------------------------------------------------------
# the context of a payload
# ----------------------------------------------------------------------
@dataclasses.dataclass
class PayloadContext:
    """What the errors about one payload say.

    ``subject`` and ``label`` open the message (``Shopify order #1042:``);
    ``remote_ref`` is the remote object, when known; ``hint`` is the hint of
    every error, a text (``{path}`` is replaced by the faulty path) or a
    function of the path; ``details`` are added to the details of every
    error. A mapper may update ``label`` and ``remote_ref`` once it has read
    them.
    """

    subject: str
    label: str
    remote_ref: str | None = None
    hint: str | Callable[[str], str] | None = None
    details: dict = dataclasses.field(default_factory=dict)

    def hint_for(self, path):
        """The hint of an error about ``path``."""
        if callable(self.hint):
            return self.hint(path)
        if self.hint:
            return self.hint.replace("{path}", path)
        return (
            f"The payload does not give a usable {path}: correct it at the "
            "source, then replay the event."
        )

    def error(self, path, problem, more=()):
        """The PayloadValidationError saying that ``path`` ``problem``.

        ``more`` are the paths of other faulty fields: the message names the
        first few, the details all of them.
        """
        message = f"{self.subject} {self.label}: {path} {problem}."
        more = list(more)
        if more:
            message += f" Also invalid: {', '.join(more[:MAX_NAMED_FIELDS])}"
            message += " and more." if len(more) > MAX_NAMED_FIELDS else "."
        details = dict(self.details, field=path)
        if more:
            details["other_fields"] = more
        if self.remote_ref:
            details["remote_ref"] = self.remote_ref
        return PayloadValidationError(
            message, hint=self.hint_for(path), details=details
        )

    def fail(self, path, problem, more=()) -> NoReturn:
        """Raise :meth:`error`."""
        raise self.error(path, problem, more)

    def validate(self, model, data):
        """``model`` validated from ``data`` (a decoded JSON object).

        Raises PayloadValidationError naming the first faulty field and
        listing the others; anything but an object is refused as a whole.
        """
        if not isinstance(data, dict):
            self.fail(WHOLE_PAYLOAD, f"is {json_kind(data)}, not an object")
        try:
            return model.model_validate(data)
        except ValidationError as exc:
            problems = exc.errors(include_url=False)
        first = field_path(problems[0]["loc"])
        more = []
        for problem in problems[1:]:
            path = field_path(problem["loc"])
            if path != first and path not in more:
                more.append(path)
        self.fail(first, describe_error(problems[0]), more)


# ----------------------------------------------------------------------
# models and scalars
# ----------------------------------------------------------------------
class PayloadModel(BaseModel):
    """A frozen model of the fields read from a payload; others are ignored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class CamelPayloadModel(BaseModel):
    """A :class:`PayloadModel` whose snake_case fields read camelCase keys."""

    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


def parse_money(value):
    """An amount as JSON gives it (``"10.00"``, ``10``, ``10.5``) → Decimal.

    Floats go through their shortest text form, so ``0.1`` gives
    ``Decimal("0.1")``. Raises ValueError for anything else (None, booleans,
    empty or non-numeric text, NaN, infinity).
    """
    if value is None or isinstance(value, bool):
        raise ValueError(f"{value!r} is not an amount")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str) and _MONEY_RE.match(value.strip()):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation as exc:
            raise ValueError(f"{value!r} is not an amount") from exc
    else:
        raise ValueError(f"{value!r} is not an amount")
    if not amount.is_finite():
        raise ValueError(f"{value!r} is not a finite amount")
    return amount


def text(value):
    """Text stripped of surrounding blanks; None and blank text give None."""
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _optional_money(value):
    return None if value is None else parse_money(value)


def _timestamp(value):
    if not isinstance(value, (str, datetime.datetime)) or not value:
        raise ValueError(f"{value!r} is not a timestamp")
    try:
        return parse_remote_datetime(value)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not an ISO 8601 timestamp") from exc


def _optional_timestamp(value):
    if value is None or value == "":
        return None
    return _timestamp(value)


def _currency(value):
    if not isinstance(value, str) or not _CURRENCY_RE.match(value.strip().upper()):
        raise ValueError(f"{value!r} is not a three-letter currency code")
    return value.strip().upper()


#: an amount (see :func:`parse_money`)
Money = Annotated[Decimal, PlainValidator(parse_money)]
#: an amount or null
OptionalMoney = Annotated[Decimal | None, PlainValidator(_optional_money)]
#: an ISO 8601 timestamp, as a naive UTC datetime
Timestamp = Annotated[datetime.datetime, PlainValidator(_timestamp)]
#: a timestamp, or null or empty text (None)
OptionalTimestamp = Annotated[
    datetime.datetime | None, PlainValidator(_optional_timestamp)
]
#: an ISO 4217 currency code, upper-cased
Currency = Annotated[str, PlainValidator(_currency)]
#: a count of units, zero or more
Quantity = Annotated[int, Field(ge=0)]
#: a positive numeric id
NumericId = Annotated[int, Field(ge=1)]
