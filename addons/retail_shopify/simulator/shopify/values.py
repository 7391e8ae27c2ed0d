"""Values the modules share: money, timestamps, global ids, user errors.

Amounts are Decimals rounded to the cent (:func:`_money`); GraphQL shows
them as ``Decimal`` text (``12.5``) in ``MoneyBag``s (:func:`_bag`), REST as
two-decimal text (``12.50``) in ``*_set``s (:func:`_rest_set`). Timestamps
are ISO text in UTC at one-second precision (:func:`_iso`, REST's
:func:`_rest_time`).
"""

import re
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

_GID = re.compile(r"^gid://shopify/(?P<type>[A-Za-z]+)/(?P<id>\d+)(?:\?.*)?$")
_CENT = Decimal("0.01")
_ZERO = Decimal("0")
# where a location is and an order ships to when nothing else is given
DEFAULT_ADDRESS = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "address1": "350 Fifth Avenue",
    "city": "New York",
    "province": "New York",
    "province_code": "NY",
    "country": "United States",
    "country_code": "US",
    "zip": "10118",
    "phone": "+12125550100",
}


def _money(value):
    """``value`` as a Decimal rounded to the cent."""
    try:
        return Decimal(str(value if value is not None else 0)).quantize(
            _CENT, ROUND_HALF_UP
        )
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc


def _amount(value):
    """GraphQL ``Decimal`` text of an amount: ``12.5``, ``10.0``."""
    value = Decimal(value).normalize()
    if value == value.to_integral_value():
        return f"{value.quantize(Decimal(1))}.0"
    return format(value, "f")


def _rest_amount(value):
    """REST text of an amount: ``12.50``."""
    return f"{_money(value):.2f}"


def _bag(value, currency):
    money = {
        "__typename": "MoneyV2",
        "amount": _amount(value),
        "currencyCode": currency,
    }
    return {"shopMoney": money, "presentmentMoney": dict(money)}


def _rest_set(value, currency):
    money = {"amount": _rest_amount(value), "currency_code": currency}
    return {"shop_money": money, "presentment_money": dict(money)}


def _iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _rest_time(text):
    """REST timestamp of a GraphQL one: ``2026-01-02T03:04:05+00:00``."""
    if not text:
        return None
    return _parse_time(text).isoformat(timespec="seconds")


def _parse_time(text):
    text = str(text).strip()
    if len(text) == 10:
        text += "T00:00:00+00:00"
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment


def legacy_id(gid):
    """The numeric REST id of a GraphQL global id."""
    match = _GID.match(gid or "")
    if not match:
        raise ValueError(f"not a Shopify global id: {gid!r}")
    return int(match["id"])


def _user_error(path, message, code=None):
    error = {"field": list(path) if path is not None else None, "message": message}
    if code:
        error["code"] = code
    return error


def _count(value):
    return {"__typename": "Count", "count": value, "precision": "EXACT"}
