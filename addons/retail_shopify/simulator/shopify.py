"""An in-memory Shopify store answering the Admin GraphQL API.

:class:`ShopifySimulator` keeps a shop (locations, products, variants,
inventory, orders, fulfilment orders, fulfilments, webhook subscriptions and
bulk operations) in memory and answers ``POST /admin/api/<version>/graphql.json``
the way Shopify does:

- the access token is checked (HTTP 401 with Shopify's message otherwise);
- every document is parsed and validated against Shopify's published schema
  of the version (:mod:`.schema`); validation errors are answered with HTTP
  200, an ``errors`` list and no ``data``;
- the requested cost is estimated, charged to a leaky bucket and the unused
  part refunded after execution; a request the bucket cannot afford is
  answered ``THROTTLED`` (HTTP 200) and a request above the single query
  limit ``MAX_COST_EXCEEDED``; every answer carries ``extensions.cost``;
- the document is executed by graphql-core against in-memory records shaped
  like the GraphQL types, so any valid selection on them is answered.

Cost model (a deterministic estimate, close to Shopify's published rules):

- a scalar or enum field costs 0;
- an object, interface or union field costs 1 plus the cost of its selection;
- a connection field (type named ``...Connection``) costs 2 plus the cost of
  its selection, where its ``nodes`` and ``edges`` are counted ``first`` (or
  ``last``) times; an edge costs nothing itself (``edges { node { id } }``
  costs what ``nodes { id }`` does);
- a list field with an ``ids`` argument (``nodes(ids:)``) is counted once per
  id, other lists once;
- a mutation costs 10 plus the cost of its selection;
- the actual cost is computed the same way on the returned data (connections
  counted for the items actually returned), never above the requested cost.

Records are dictionaries keyed by GraphQL field names with a ``__typename``;
a value may be a callable ``f(info, **arguments)`` for fields with arguments,
and a list returned for a connection field is paginated with ``first``,
``after``, ``last``, ``before`` and ``reverse``. A field the simulator does not
keep is answered with ``null`` when nullable, else with an empty value of its
type; a root field it does not implement is an error.

Timestamps never go back, and each creation or change of an order or a
product is at least one second after the previous stamp, so "updated since"
logic at Shopify's one-second precision is deterministic in tests.
"""

import base64
import copy
import hashlib
import hmac
import http
import itertools
import json
import re
import secrets
import threading
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from urllib.parse import urlsplit

import graphql
import requests
from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLEnumType,
    GraphQLError,
    GraphQLObjectType,
    GraphQLScalarType,
    InlineFragmentNode,
    OperationType,
    get_named_type,
    get_nullable_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
)
from graphql.execution.values import get_argument_values, get_directive_values

from .schema import load_schema

DEFAULT_TOKEN = "shpat_simulator_0123456789abcdef"
DEFAULT_SECRET = "simulator-client-secret"
MAX_QUERY_COST = 1000
MUTATION_COST = 10
CONNECTION_COST = 2
MAX_PAGE_SIZE = 250
WEBHOOK_RETRY_DELAY = 5.0
WEBHOOK_TIMEOUT = 5.0
THROTTLE_DOCUMENTATION = "https://shopify.dev/api/usage/rate-limits"
INVALID_TOKEN = (
    "[API] Invalid API key or access token (unrecognized login or wrong password)"
)
INVENTORY_NAMES = (
    "available",
    "committed",
    "damaged",
    "incoming",
    "on_hand",
    "quality_control",
    "reserved",
    "safety_stock",
)
INVENTORY_REASONS = frozenset(
    {
        "correction",
        "cycle_count_available",
        "damaged",
        "movement_created",
        "movement_updated",
        "movement_received",
        "movement_canceled",
        "other",
        "promotion",
        "quality_control",
        "received",
        "reservation_created",
        "reservation_deleted",
        "reservation_updated",
        "restock",
        "safety_stock",
        "shrinkage",
    }
)
FINANCIAL_STATUSES = (
    "pending",
    "authorized",
    "partially_paid",
    "paid",
    "partially_refunded",
    "refunded",
    "voided",
    "expired",
)
# REST topics whose resource part holds an underscore (orders/create has none)
_TOPIC_RESOURCES = (
    "app_purchases_one_time",
    "app_subscriptions",
    "bulk_operations",
    "carrier_services",
    "collection_listings",
    "collection_publications",
    "company_contact_roles",
    "company_contacts",
    "company_locations",
    "customer_account_settings",
    "customer_groups",
    "customer_payment_methods",
    "customers_email_marketing_consent",
    "customers_marketing_consent",
    "delivery_promise_settings",
    "draft_orders",
    "fulfillment_events",
    "fulfillment_holds",
    "fulfillment_orders",
    "inventory_items",
    "inventory_levels",
    "inventory_shipments",
    "inventory_transfers",
    "order_transactions",
    "payment_schedules",
    "payment_terms",
    "product_feeds",
    "product_listings",
    "product_publications",
    "reverse_deliveries",
    "reverse_fulfillment_orders",
    "scheduled_product_listings",
    "selling_plan_groups",
    "subscription_billing_attempts",
    "subscription_billing_cycle_edits",
    "subscription_billing_cycles",
    "subscription_contracts",
    "tender_transactions",
)
_COUNTRIES = {
    "US": "United States",
    "CA": "Canada",
    "GB": "United Kingdom",
    "FR": "France",
    "DE": "Germany",
    "BE": "Belgium",
    "NL": "Netherlands",
    "ES": "Spain",
    "IT": "Italy",
}
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
DEFAULT_CUSTOMER = {
    "first_name": "Ada",
    "last_name": "Lovelace",
    "email": "ada.lovelace@example.com",
    "phone": "+12125550100",
}
_GRAPHQL_PATH = re.compile(r"^/admin/api/(?P<version>[^/]+)/graphql\.json$")
_BULK_PATH = re.compile(r"^/simulator/bulk/(?P<id>\d+)\.jsonl$")
_GID = re.compile(r"^gid://shopify/(?P<type>[A-Za-z]+)/(?P<id>\d+)(?:\?.*)?$")
_SEARCH_TERM = re.compile(
    r"(?P<neg>-)?(?:(?P<field>[a-z_]+):(?P<op><=|>=|<|>)?)?"
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>\S+))"
)
_MISSING = object()
_STATIC = object()
_CENT = Decimal("0.01")
_ZERO = Decimal("0")
_SCALAR_DEFAULTS = {
    "Boolean": False,
    "Int": 0,
    "Float": 0.0,
    "Money": "0.00",
    "Decimal": "0.0",
    "UnsignedInt64": "0",
    "DateTime": "1970-01-01T00:00:00Z",
    "Date": "1970-01-01",
    "JSON": {},
}


# ----------------------------------------------------------------------
# small helpers
# ----------------------------------------------------------------------
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


def rest_topic(topic):
    """``ORDERS_CREATE`` -> ``orders/create``."""
    lowered = topic.lower()
    for resource in sorted(_TOPIC_RESOURCES, key=len, reverse=True):
        if lowered.startswith(resource + "_"):
            return f"{resource}/{lowered[len(resource) + 1 :]}"
    head, _sep, tail = lowered.partition("_")
    return f"{head}/{tail}"


def graphql_topic(topic):
    """``orders/create`` -> ``ORDERS_CREATE``."""
    return topic.replace("/", "_").upper()


def _user_error(path, message, code=None):
    error = {"field": list(path) if path is not None else None, "message": message}
    if code:
        error["code"] = code
    return error


def _slug(text):
    slug = re.sub(r"[^a-z0-9]+", "-", (text or "").lower()).strip("-")
    return slug or "product"


def _is_connection(named_type):
    return isinstance(named_type, GraphQLObjectType) and named_type.name.endswith(
        "Connection"
    )


def _line_key(variant, sku, title):
    """What a line sells: its variant, else its SKU, else its title."""
    if variant is not None:
        return ("variant", variant["id"])
    return ("sku", sku) if sku else ("title", title)


def _count(value):
    return {"__typename": "Count", "count": value, "precision": "EXACT"}


def _placeholder(type_):
    """Empty value of a type for a field the simulator does not keep."""
    if not is_non_null_type(type_):
        return None
    inner = type_.of_type
    if is_list_type(inner):
        return []
    if isinstance(inner, GraphQLEnumType):
        return next(iter(inner.values))
    if isinstance(inner, GraphQLScalarType):
        return copy.copy(_SCALAR_DEFAULTS.get(inner.name, ""))
    if isinstance(inner, GraphQLObjectType):
        return {}
    return None


# ----------------------------------------------------------------------
# execution: resolvers, pagination, search
# ----------------------------------------------------------------------
@dataclass
class _Context:
    """Per-request execution context."""

    bulk: bool = False


def _resolve_field(source, info, **args):
    """Field resolver over dict records (see the module docstring)."""
    name = info.field_name
    if isinstance(source, Mapping):
        value = source.get(name, _MISSING)
    else:
        value = getattr(source, name, _MISSING)
    if value is _MISSING:
        if info.parent_type in (info.schema.query_type, info.schema.mutation_type):
            raise GraphQLError(f"The Shopify simulator does not implement {name}.")
        return _placeholder(info.return_type)
    if callable(value):
        value = value(info, **args)
    if isinstance(value, list) and _is_connection(get_named_type(info.return_type)):
        return _paginate(value, args, info.context)
    return value


def _resolve_type(value, info, abstract_type):
    """Concrete type of an interface or union value, from its ``__typename``."""
    if isinstance(value, Mapping):
        return value.get("__typename")
    return getattr(value, "__typename", None)


def _cursor(item, index):
    key = item.get("id") if isinstance(item, Mapping) else None
    raw = json.dumps({"i": index, "id": key}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _cursor_position(cursor, items):
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        decoded = json.loads(base64.urlsafe_b64decode(padded.encode()))
        index, key = int(decoded["i"]), decoded.get("id")
    except (ValueError, KeyError, TypeError) as exc:
        raise GraphQLError(f"Invalid cursor for request: {cursor!r}") from exc
    if key is not None:
        for position, item in enumerate(items):
            if isinstance(item, Mapping) and item.get("id") == key:
                return position
    return index


def _paginate(items, args, context):
    first, last = args.get("first"), args.get("last")
    bulk = bool(getattr(context, "bulk", False))
    if bulk:
        first = last = None
    else:
        if first is None and last is None:
            raise GraphQLError("You must provide one of first or last.")
        for name, size in (("first", first), ("last", last)):
            if size is not None and not 0 <= size <= MAX_PAGE_SIZE:
                raise GraphQLError(
                    f"The {name} argument must be between 0 and {MAX_PAGE_SIZE}."
                )
    items = list(reversed(items)) if args.get("reverse") else list(items)
    start, end = 0, len(items)
    if args.get("after") and not bulk:
        start = _cursor_position(args["after"], items) + 1
    if args.get("before") and not bulk:
        end = _cursor_position(args["before"], items)
    window = list(range(start, max(start, end)))
    has_next = end < len(items)
    has_previous = start > 0
    if first is not None:
        has_next = has_next or len(window) > first
        window = window[:first]
    if last is not None:
        has_previous = has_previous or len(window) > last
        window = window[-last:] if last else []
    edges = [{"cursor": _cursor(items[i], i), "node": items[i]} for i in window]
    return {
        "edges": edges,
        "nodes": [edge["node"] for edge in edges],
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_previous,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def _search_terms(query):
    """Parse Shopify search syntax into ``(negated, field, op, value)`` terms."""
    terms = []
    for match in _SEARCH_TERM.finditer(query or ""):
        value = match["dq"] if match["dq"] is not None else match["sq"]
        if value is None:
            value = match["bare"]
        if match["field"] is None and value.upper() in ("AND", "OR"):
            continue
        terms.append((bool(match["neg"]), match["field"], match["op"] or "=", value))
    return terms


def _compare(actual, op, wanted):
    if actual is None:
        return False
    if isinstance(actual, datetime):
        try:
            wanted = _parse_time(wanted)
        except ValueError:
            return False
    elif isinstance(actual, int):
        try:
            wanted = int(wanted)
        except ValueError:
            return False
    else:
        actual, wanted = str(actual).lower(), str(wanted).lower()
        if op == "=" and wanted.endswith("*"):
            return actual.startswith(wanted[:-1])
    return {
        "=": actual == wanted,
        "<": actual < wanted,
        "<=": actual <= wanted,
        ">": actual > wanted,
        ">=": actual >= wanted,
    }[op]


def _matches(record, terms, getters, text_getter):
    for negated, name, op, value in terms:
        if name is None:
            found = value.lower() in (text_getter(record) or "").lower()
        elif name in getters:
            actual = getters[name](record)
            values = actual if isinstance(actual, (list, tuple, set)) else [actual]
            found = any(_compare(v, op, value) for v in values)
        else:
            continue  # Shopify ignores filters it does not know
        if found == negated:
            return False
    return True


# ----------------------------------------------------------------------
# cost
# ----------------------------------------------------------------------
class _Cost:
    """The cost estimate described in the module docstring."""

    def __init__(self, schema, document, variables):
        self.schema = schema
        self.variables = variables or {}
        self.fragments = {
            d.name.value: d
            for d in document.definitions
            if isinstance(d, FragmentDefinitionNode)
        }

    def operation(self, operation, data=_STATIC):
        mutation = operation.operation == OperationType.MUTATION
        root = self.schema.mutation_type if mutation else self.schema.query_type
        cost = self.selections(root, operation.selection_set, data)
        if mutation:
            cost += MUTATION_COST
        return max(cost, 1)

    def _condition(self, type_condition, parent):
        if type_condition is None:
            return parent
        return self.schema.get_type(type_condition.name.value) or parent

    def selections(self, parent, selection_set, data, list_size=None):
        total = 0
        for node in selection_set.selections if selection_set else ():
            if isinstance(node, FieldNode):
                total += self.field(parent, node, data, list_size)
            elif isinstance(node, InlineFragmentNode):
                target = self._condition(node.type_condition, parent)
                total += self.selections(target, node.selection_set, data, list_size)
            elif isinstance(node, FragmentSpreadNode):
                fragment = self.fragments.get(node.name.value)
                if fragment is not None:
                    target = self._condition(fragment.type_condition, parent)
                    total += self.selections(
                        target, fragment.selection_set, data, list_size
                    )
        return total

    def field(self, parent, node, data, list_size):
        definition = (getattr(parent, "fields", None) or {}).get(node.name.value)
        if definition is None:
            return 0
        named = get_named_type(definition.type)
        if is_leaf_type(named):
            return 0
        # an edge only wraps its node: ``edges { node }`` costs like ``nodes``
        own = 0 if _is_connection(parent) and node.name.value == "edges" else 1
        if data is _STATIC:
            return self._static(definition, named, node, list_size, own)
        key = node.alias.value if node.alias else node.name.value
        if not isinstance(data, Mapping) or key not in data:
            return 0
        return self._actual(named, node, data[key], own)

    def _arguments(self, definition, node):
        try:
            return get_argument_values(definition, node, self.variables)
        except (GraphQLError, TypeError, ValueError):
            return {}

    def _static(self, definition, named, node, list_size, own):
        args = self._arguments(definition, node)
        if _is_connection(named):
            size = args.get("first")
            if size is None:
                size = args.get("last")
            size = 1 if size is None else size
            return CONNECTION_COST + self.selections(
                named, node.selection_set, _STATIC, size
            )
        cost = own + self.selections(named, node.selection_set, _STATIC)
        if is_list_type(get_nullable_type(definition.type)):
            if list_size is not None:
                return list_size * cost
            ids = args.get("ids")
            if isinstance(ids, list):
                return len(ids) * cost
        return cost

    def _actual(self, named, node, value, own):
        if value is None:
            return own
        if isinstance(value, list):
            return sum(self._actual(named, node, item, own) for item in value)
        base = CONNECTION_COST if _is_connection(named) else own
        return base + self.selections(named, node.selection_set, value)


class _LeakyBucket:
    """Shopify's cost bucket: ``size`` points restored at ``rate`` per second."""

    def __init__(self, size, rate, clock):
        self.size = float(size)
        self.rate = float(rate)
        self.clock = clock
        self.level = float(size)
        self.stamp = clock()

    def _restore(self):
        now = self.clock()
        elapsed = max(0.0, now - self.stamp)
        self.level = min(self.size, self.level + elapsed * self.rate)
        self.stamp = now

    def take(self, cost):
        self._restore()
        if cost > self.level:
            return False
        self.level -= cost
        return True

    def refund(self, amount):
        self._restore()
        self.level = min(self.size, self.level + max(0, amount))

    def status(self):
        self._restore()
        return {
            "maximumAvailable": self.size,
            "currentlyAvailable": int(self.level),
            "restoreRate": self.rate,
        }


# ----------------------------------------------------------------------
# logs and outbox
# ----------------------------------------------------------------------
@dataclass(frozen=True)
class Call:
    """One request to the GraphQL endpoint, as logged in ``simulator.calls``.

    ``outcome`` is one of ok, invalid, throttled, max_cost, unauthorized,
    bad_request, injected_failure, not_found.
    """

    operation: str | None
    variables: dict
    cost: int
    actual_cost: int | None
    status: int
    outcome: str
    at: float


@dataclass
class Webhook:
    """A webhook the shop has to send (an item of ``simulator.outbox``)."""

    topic: str
    payload: dict
    event_id: str
    webhook_id: str
    triggered_at: str
    attempts: int = 0
    next_attempt_at: float = 0.0


@dataclass(frozen=True)
class Delivery:
    """One POST of a webhook by :meth:`ShopifySimulator.deliver`."""

    url: str
    topic: str
    event_id: str
    attempt: int
    status: int | None
    error: str | None = None


@dataclass
class _Spec:
    """What an order was built from (kept to rebuild it on an edit)."""

    lines: list
    shipping: list
    tax_lines: list
    taxes_included: bool
    discount_code: str | None
    location: str | None


def _locked(method):
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    wrapper.__name__ = method.__name__
    wrapper.__qualname__ = method.__qualname__
    wrapper.__doc__ = method.__doc__
    return wrapper


# ----------------------------------------------------------------------
# the simulator
# ----------------------------------------------------------------------
class ShopifySimulator:
    """An in-memory Shopify store (see the module docstring)."""

    def __init__(  # noqa: PLR0917 - positional like the store's settings
        self,
        shop_domain="retail-demo.myshopify.com",
        access_token=DEFAULT_TOKEN,
        client_secret=DEFAULT_SECRET,
        api_version="2026-10",
        bucket_size=2000,
        restore_rate=100,
        clock=time.monotonic,
        *,
        currency="USD",
        shop_name=None,
        timezone="America/New_York",
        max_query_cost=MAX_QUERY_COST,
    ):
        self.schema = load_schema(api_version)
        self.shop_domain = shop_domain
        self.access_token = access_token
        self.client_secret = client_secret
        self.api_version = api_version
        self.currency = currency
        self.max_query_cost = max_query_cost
        self.base_url = f"https://{shop_domain}"
        self._clock = clock
        self._lock = threading.RLock()
        self._ids = itertools.count(1_000_000_001)
        self._order_numbers = itertools.count(1)
        self._last_stamp = None
        self._bucket = _LeakyBucket(bucket_size, restore_rate, clock)
        self._nodes = {}
        self._idempotency = {}
        self._failures = []
        self._bulk_files = {}
        self._specs = {}
        self.locations = {}
        self.products = {}
        self.variants = {}
        self.inventory_items = {}
        self.levels = {}
        self.customers = {}
        self.orders = {}
        self.order_payloads = {}
        self.fulfillment_orders = {}
        self.fulfillments = {}
        self.webhook_subscriptions = {}
        self.bulk_operations = {}
        self.outbox = []
        self.deliveries = []
        self.calls = []
        stamp = self._stamp()
        name = shop_name or shop_domain.split(".")[0].replace("-", " ").title()
        self.shop = self._register(
            {
                "__typename": "Shop",
                "id": self._gid("Shop"),
                "name": name,
                "email": f"owner@{shop_domain}",
                "contactEmail": f"owner@{shop_domain}",
                "myshopifyDomain": shop_domain,
                "currencyCode": currency,
                "ianaTimezone": timezone,
                "taxesIncluded": False,
                "taxShipping": False,
                "createdAt": stamp,
                "updatedAt": stamp,
                "orderNumberFormatPrefix": "#",
                "orderNumberFormatSuffix": "",
                "setupRequired": False,
                "plan": {
                    "displayName": "Development",
                    "publicDisplayName": "Development",
                    "partnerDevelopment": True,
                    "shopifyPlus": False,
                },
            }
        )
        self._query_root = {
            "shop": lambda info: self.shop,
            "node": self._q_node,
            "nodes": self._q_nodes,
            "location": self._q_location,
            "locations": self._q_locations,
            "order": lambda info, id: self._typed(id, "Order"),
            "orders": self._q_orders,
            "product": lambda info, id: self._typed(id, "Product"),
            "products": self._q_products,
            "productVariant": lambda info, id: self._typed(id, "ProductVariant"),
            "productVariants": self._q_product_variants,
            "inventoryItem": lambda info, id: self._typed(id, "InventoryItem"),
            "inventoryItems": self._q_inventory_items,
            "fulfillment": lambda info, id: self._typed(id, "Fulfillment"),
            "fulfillmentOrder": lambda info, id: self._typed(id, "FulfillmentOrder"),
            "webhookSubscription": lambda info, id: self._typed(
                id, "WebhookSubscription"
            ),
            "webhookSubscriptions": self._q_webhook_subscriptions,
            "bulkOperation": self._q_bulk_operation,
            "currentBulkOperation": self._q_current_bulk_operation,
        }
        self._mutation_root = {
            "webhookSubscriptionCreate": self._m_webhook_subscription_create,
            "webhookSubscriptionUpdate": self._m_webhook_subscription_update,
            "webhookSubscriptionDelete": self._m_webhook_subscription_delete,
            "productSet": self._m_product_set,
            "bulkOperationRunQuery": self._m_bulk_operation_run_query,
            "inventorySetQuantities": self._m_inventory_set_quantities,
            "fulfillmentCreate": self._m_fulfillment_create,
            "fulfillmentTrackingInfoUpdate": self._m_fulfillment_tracking_update,
        }

    # ------------------------------------------------------------------
    # ids, time, registry
    # ------------------------------------------------------------------
    def _gid(self, kind):
        return f"gid://shopify/{kind}/{next(self._ids)}"

    def renumber(self, first_id, first_order_number):
        """Number the next records from here on.

        A store restarted with the same catalogue keeps the ids of its
        locations and products; renumbering after the catalogue gives its
        new orders ids no earlier run used.
        """
        with self._lock:
            self._ids = itertools.count(int(first_id))
            self._order_numbers = itertools.count(int(first_order_number))

    def _stamp(self, strict=False):
        """A GraphQL timestamp, never before the previous one.

        ``strict`` (creation and changes of orders and products) makes it
        at least one second after the previous one, so that "updated since"
        comparisons at Shopify's one-second precision always see the change.
        """
        now = datetime.now(UTC).replace(microsecond=0)
        if self._last_stamp is not None and now < self._last_stamp:
            now = self._last_stamp
        if strict and self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + timedelta(seconds=1)
        self._last_stamp = now
        return _iso(now)

    def _register(self, record):
        self._nodes[record["id"]] = record
        return record

    def _lookup(self, gid):
        if not isinstance(gid, str) or not _GID.match(gid):
            raise GraphQLError(f"Invalid global id '{gid}'")
        return self._nodes.get(gid)

    def _typed(self, gid, typename):
        record = self._lookup(gid)
        if record is None or record.get("__typename") != typename:
            return None
        return record

    def _location(self, ref):
        if ref in self.locations:
            return self.locations[ref]
        for location in self.locations.values():
            if location["name"] == ref:
                return location
        raise KeyError(f"unknown location {ref!r}")

    def _item(self, ref):
        """An inventory item from its gid, its variant's gid or its SKU."""
        if ref in self.inventory_items:
            return self.inventory_items[ref]
        if ref in self.variants:
            return self.variants[ref]["inventoryItem"]
        variant = self._variant_by_sku(ref)
        if variant is None:
            raise KeyError(f"unknown inventory item {ref!r}")
        return variant["inventoryItem"]

    def _variant_by_sku(self, sku):
        for variant in self.variants.values():
            if sku and variant["sku"] == sku:
                return variant
        return None

    # ------------------------------------------------------------------
    # locations and inventory
    # ------------------------------------------------------------------
    @_locked
    def add_location(self, name, *, active=True, address=None):
        """Add a location; return its gid."""
        gid = self._gid("Location")
        stamp = self._stamp()
        address = dict(DEFAULT_ADDRESS, **(address or {}))
        primary = not self.locations
        record = {
            "__typename": "Location",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "name": name,
            "isActive": active,
            "activatable": True,
            "deactivatable": True,
            "deletable": False,
            "addressVerified": True,
            "fulfillsOnlineOrders": True,
            "hasActiveInventory": True,
            "hasUnfulfilledOrders": False,
            "isFulfillmentService": False,
            "isPrimary": primary,
            "shipsInventory": True,
            "createdAt": stamp,
            "updatedAt": stamp,
            "deactivatedAt": None,
            "address": {
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "province": address.get("province"),
                "provinceCode": address.get("province_code"),
                "country": address.get("country"),
                "countryCode": address.get("country_code"),
                "zip": address.get("zip"),
                "phone": address.get("phone"),
                "latitude": None,
                "longitude": None,
                "formatted": [
                    part
                    for part in (
                        address.get("address1"),
                        address.get("city"),
                        address.get("country"),
                    )
                    if part
                ],
            },
            "inventoryLevel": lambda info, inventoryItemId, **_: self.levels.get(
                (inventoryItemId, gid)
            ),
            "inventoryLevels": lambda info, **_: [
                level for (_i, loc), level in self.levels.items() if loc == gid
            ],
        }
        self.locations[gid] = self._register(record)
        return gid

    def _default_location(self):
        for location in self.locations.values():
            if location["isActive"]:
                return location
        return self.locations[self.add_location("Shop location")]

    def _level(self, item, location, create=True):
        key = (item["id"], location["id"])
        level = self.levels.get(key)
        if level is None and create:
            stamp = self._stamp()
            number = next(self._ids)
            level = {
                "__typename": "InventoryLevel",
                "id": f"gid://shopify/InventoryLevel/{number}"
                f"?inventory_item_id={legacy_id(item['id'])}",
                "item": item,
                "location": location,
                "isActive": True,
                "canDeactivate": True,
                "deactivationAlert": None,
                "createdAt": stamp,
                "updatedAt": stamp,
                "_q": dict.fromkeys(INVENTORY_NAMES, 0),
            }
            level["quantities"] = lambda info, names: self._quantities(level, names)
            self.levels[key] = self._register(level)
        return level

    @staticmethod
    def _on_hand(level):
        q = level["_q"]
        return (
            q["available"]
            + q["committed"]
            + q["reserved"]
            + q["damaged"]
            + q["safety_stock"]
            + q["quality_control"]
        )

    def _quantity(self, level, name):
        if level is None:
            return 0
        if name == "on_hand":
            return self._on_hand(level)
        return level["_q"][name]

    def _quantities(self, level, names):
        result = []
        for name in names:
            if name not in INVENTORY_NAMES:
                raise GraphQLError(f"Invalid quantity name: {name!r}.")
            result.append(
                {
                    "__typename": "InventoryQuantity",
                    "id": f"gid://shopify/InventoryQuantity/{legacy_id(level['id'])}"
                    f"?inventory_item_id={legacy_id(level['item']['id'])}"
                    f"&name={name}",
                    "name": name,
                    "quantity": self._quantity(level, name),
                    "updatedAt": level["updatedAt"],
                }
            )
        return result

    def _change_quantity(self, level, name, value):
        """Set ``available``/``committed``/... (``on_hand`` moves ``available``)."""
        if name == "on_hand":
            level["_q"]["available"] += value - self._on_hand(level)
        else:
            level["_q"][name] = value
        level["updatedAt"] = self._stamp()

    def _emit_level(self, level):
        item, location = level["item"], level["location"]
        self._emit(
            "inventory_levels/update",
            {
                "inventory_item_id": legacy_id(item["id"]),
                "location_id": legacy_id(location["id"]),
                "available": level["_q"]["available"],
                "updated_at": _rest_time(level["updatedAt"]),
                "admin_graphql_api_id": level["id"],
            },
        )

    @_locked
    def set_available(self, item_gid, location_gid, qty, *, notify=False):
        """Set the available quantity (as a merchant would in the admin).

        ``item_gid`` may also be a variant gid or a SKU, ``location_gid`` a
        location name. ``notify`` records the ``inventory_levels/update``
        webhook Shopify would send.
        """
        level = self._level(self._item(item_gid), self._location(location_gid))
        self._change_quantity(level, "available", int(qty))
        if notify:
            self._emit_level(level)
        return level["id"]

    @_locked
    def available(self, item_gid, location_gid):
        """Available quantity of an item at a location (0 when not stocked)."""
        key = (self._item(item_gid)["id"], self._location(location_gid)["id"])
        return self._quantity(self.levels.get(key), "available")

    @_locked
    def quantity(self, item_gid, location_gid, name):
        """Any named quantity (``committed``, ``on_hand``...) of an item."""
        key = (self._item(item_gid)["id"], self._location(location_gid)["id"])
        return self._quantity(self.levels.get(key), name)

    def _total_available(self, item_gid):
        return sum(
            level["_q"]["available"]
            for (item, _loc), level in self.levels.items()
            if item == item_gid
        )

    # ------------------------------------------------------------------
    # products
    # ------------------------------------------------------------------
    @_locked
    def add_product(
        self,
        title,
        variants=None,
        *,
        handle=None,
        status="ACTIVE",
        vendor=None,
        product_type="",
    ):
        """Add a product; ``variants`` is a list of ``{sku, barcode, price}``.

        A variant may name its option value with ``option`` (the product has
        one option, ``Title``). Returns ``{id, title, handle, status,
        variants: [{id, sku, barcode, price, inventoryItem: {id}}]}``.
        """
        variants = variants or [{}]
        values = []
        for index, spec in enumerate(variants):
            default = "Default Title" if len(variants) == 1 else f"Variant {index + 1}"
            values.append(spec.get("option") or spec.get("title") or default)
        data = {
            "title": title,
            "status": status,
            "vendor": vendor or self.shop["name"],
            "productType": product_type,
            "productOptions": [
                {"name": "Title", "values": [{"name": v} for v in values]}
            ],
            "variants": [
                {
                    "sku": spec.get("sku"),
                    "barcode": spec.get("barcode"),
                    "price": str(spec.get("price", "0.00")),
                    "optionValues": [{"optionName": "Title", "name": value}],
                }
                for spec, value in zip(variants, values, strict=True)
            ],
        }
        if handle:
            data["handle"] = handle
        product, errors = self._product_set(data, None, notify=False)
        if errors:
            raise ValueError("; ".join(e["message"] for e in errors))
        return self.product_summary(product["id"])

    @_locked
    def delete_product(self, product_gid, *, notify=True):
        """Delete a product as from the Shopify admin (``products/delete``)."""
        product = self.products.pop(product_gid)
        for variant in product["variants"]:
            self._delete_variant(variant)
        self._nodes.pop(product_gid, None)
        if notify:
            self._emit("products/delete", {"id": legacy_id(product_gid)})

    def product_summary(self, product_gid):
        """Plain (JSON-safe) summary of a product and its variants."""
        product = self.products[product_gid]
        return {
            "id": product["id"],
            "title": product["title"],
            "handle": product["handle"],
            "status": product["status"],
            "variants": [
                {
                    "id": v["id"],
                    "sku": v["sku"],
                    "barcode": v["barcode"],
                    "price": v["price"],
                    "inventoryItem": {"id": v["inventoryItem"]["id"]},
                }
                for v in product["variants"]
            ],
        }

    def _new_product(self, data):
        gid = self._gid("Product")
        stamp = self._stamp()
        product = {
            "__typename": "Product",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "title": data.get("title") or "",
            "handle": "",
            "status": "ACTIVE",
            "vendor": self.shop["name"],
            "productType": "",
            "tags": [],
            "descriptionHtml": "",
            "createdAt": stamp,
            "updatedAt": stamp,
            "publishedAt": stamp,
            "isGiftCard": False,
            "tracksInventory": True,
            "requiresSellingPlan": False,
            "variants": [],
            "_options": [],
        }
        product["options"] = lambda info, first=None: product["_options"][:first]
        product["description"] = lambda info, truncateAt=None: re.sub(
            r"<[^>]+>", "", product["descriptionHtml"] or ""
        )[:truncateAt]
        product["hasOnlyDefaultVariant"] = lambda info: (
            [v["title"] for v in product["variants"]] == ["Default Title"]
        )
        product["totalInventory"] = lambda info: sum(
            self._total_available(v["inventoryItem"]["id"]) for v in product["variants"]
        )
        product["variantsCount"] = lambda info: _count(len(product["variants"]))
        product["hasOutOfStockVariants"] = lambda info: any(
            self._total_available(v["inventoryItem"]["id"]) <= 0
            for v in product["variants"]
        )
        return product

    def _new_variant(self, product):
        gid = self._gid("ProductVariant")
        item_gid = self._gid("InventoryItem")
        stamp = self._stamp()
        variant = {
            "__typename": "ProductVariant",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "title": "Default Title",
            "sku": None,
            "barcode": None,
            "price": "0.00",
            "compareAtPrice": None,
            "position": 1,
            "taxable": True,
            "inventoryPolicy": "DENY",
            "availableForSale": True,
            "requiresComponents": False,
            "showUnitPrice": False,
            "createdAt": stamp,
            "updatedAt": stamp,
            "product": product,
            "selectedOptions": [],
        }
        item = {
            "__typename": "InventoryItem",
            "id": item_gid,
            "legacyResourceId": str(legacy_id(item_gid)),
            "tracked": True,
            "requiresShipping": True,
            "createdAt": stamp,
            "updatedAt": stamp,
            "countryCodeOfOrigin": None,
            "provinceCodeOfOrigin": None,
            "harmonizedSystemCode": None,
            "unitCost": None,
            "variant": variant,
            "measurement": {"id": item_gid, "weight": {"unit": "GRAMS", "value": 0.0}},
            "sku": lambda info: variant["sku"],
            "variants": lambda info, **_: [variant],
            "duplicateSkuCount": lambda info: sum(
                1
                for other in self.variants.values()
                if variant["sku"]
                and other is not variant
                and other["sku"] == variant["sku"]
            ),
            "inventoryLevel": lambda info, locationId, **_: self.levels.get(
                (item_gid, locationId)
            ),
            "inventoryLevels": lambda info, **_: [
                level for (i, _l), level in self.levels.items() if i == item_gid
            ],
            "locationsCount": lambda info: _count(
                sum(1 for (i, _l) in self.levels if i == item_gid)
            ),
        }
        variant["inventoryItem"] = item
        variant["displayName"] = lambda info: f"{product['title']} - {variant['title']}"
        variant["inventoryQuantity"] = lambda info: self._total_available(item_gid)
        variant["sellableOnlineQuantity"] = variant["inventoryQuantity"]
        self.variants[gid] = self._register(variant)
        self.inventory_items[item_gid] = self._register(item)
        return variant

    def _delete_variant(self, variant):
        item = variant["inventoryItem"]
        for key in [k for k in self.levels if k[0] == item["id"]]:
            self._nodes.pop(self.levels.pop(key)["id"], None)
        self.variants.pop(variant["id"], None)
        self.inventory_items.pop(item["id"], None)
        self._nodes.pop(variant["id"], None)
        self._nodes.pop(item["id"], None)

    def _find_product(self, data, identifier):
        """``(product or None, errors)`` for productSet's target."""
        identifier = identifier or {}
        gid = identifier.get("id") or data.get("id")
        if gid:
            product = self._typed(gid, "Product")
            if product is None:
                field_path = (
                    ["identifier", "id"] if identifier.get("id") else ["input", "id"]
                )
                return None, [
                    _user_error(
                        field_path, "Product does not exist", "PRODUCT_DOES_NOT_EXIST"
                    )
                ]
            return product, []
        handle = identifier.get("handle")
        if handle:
            for product in self.products.values():
                if product["handle"] == handle:
                    return product, []
        return None, []

    def _check_options(self, data, product):
        """Validate productOptions; return ``({name: [values]}, errors)``."""
        errors = []
        if "productOptions" not in data:
            if product is not None:
                return {o["name"]: list(o["values"]) for o in product["_options"]}, []
            if data.get("variants"):
                return {}, [
                    _user_error(
                        ["input", "productOptions"],
                        "Options are required when variants are given.",
                        "PRODUCT_OPTIONS_INPUT_MISSING",
                    )
                ]
            return {"Title": ["Default Title"]}, []
        options = {}
        specs = data.get("productOptions") or []
        if len(specs) > 3:
            errors.append(
                _user_error(
                    ["input", "productOptions"],
                    "A product can have at most 3 options.",
                    "OPTIONS_OVER_LIMIT",
                )
            )
        for index, spec in enumerate(specs):
            path = ["input", "productOptions", str(index)]
            name = (spec.get("name") or "").strip()
            values = [v.get("name") for v in spec.get("values") or [] if v.get("name")]
            if name in options:
                errors.append(
                    _user_error(
                        [*path, "name"],
                        f"Option '{name}' already exists.",
                        "DUPLICATED_OPTION_NAME",
                    )
                )
            if not values:
                errors.append(
                    _user_error(
                        [*path, "values"],
                        f"Option '{name}' needs at least one value.",
                        "OPTION_VALUES_MISSING",
                    )
                )
            if len(set(values)) != len(values):
                errors.append(
                    _user_error(
                        [*path, "values"],
                        f"Option '{name}' has duplicated values.",
                        "DUPLICATED_OPTION_VALUE",
                    )
                )
            options[name] = values
        return options, errors

    def _check_variant(self, index, spec, options, product):
        """Validate one variant input; return ``(combination, errors)``."""
        path = ["input", "variants", str(index)]
        errors = []
        if spec.get("id") and (
            product is None or spec["id"] not in {v["id"] for v in product["variants"]}
        ):
            errors.append(
                _user_error(
                    [*path, "id"],
                    "Product variant does not exist",
                    "PRODUCT_VARIANT_DOES_NOT_EXIST",
                )
            )
        chosen = {}
        for value in spec.get("optionValues") or []:
            name, option_value = value.get("optionName"), value.get("name")
            if name not in options:
                errors.append(
                    _user_error(
                        [*path, "optionValues"],
                        f"Option '{name}' does not exist.",
                        "OPTION_DOES_NOT_EXIST",
                    )
                )
            elif option_value not in options[name]:
                errors.append(
                    _user_error(
                        [*path, "optionValues"],
                        f"Option value '{option_value}' does not exist for "
                        f"option '{name}'.",
                        "OPTION_VALUE_DOES_NOT_EXIST",
                    )
                )
            else:
                chosen[name] = option_value
        if not errors and set(chosen) != set(options):
            errors.append(
                _user_error(
                    [*path, "optionValues"],
                    "Every option of the product needs a value.",
                    "OPTION_VALUES_MISSING",
                )
            )
        try:
            if spec.get("price") is not None and _money(spec["price"]) < 0:
                raise ValueError("negative price")
        except ValueError:
            errors.append(
                _user_error([*path, "price"], "Price is invalid.", "INVALID_VARIANT")
            )
        for position, quantity in enumerate(spec.get("inventoryQuantities") or []):
            if quantity.get("locationId") not in self.locations or quantity.get(
                "name"
            ) not in ("available", "on_hand"):
                errors.append(
                    _user_error(
                        [*path, "inventoryQuantities", str(position)],
                        "Inventory quantity needs a known location and the name "
                        "available or on_hand.",
                        "INVALID_INPUT",
                    )
                )
        return tuple(chosen.get(name) for name in options), errors

    def _validate_product_set(self, data, product):
        options, errors = self._check_options(data, product)
        if product is None and not (data.get("title") or "").strip():
            errors.append(
                _user_error(
                    ["input", "title"], "Title can't be blank", "MISSING_FIELD_REQUIRED"
                )
            )
        handle = data.get("handle")
        if handle and any(
            p["handle"] == handle and p is not product for p in self.products.values()
        ):
            errors.append(
                _user_error(
                    ["input", "handle"],
                    f"Handle '{handle}' already in use. Please provide a new handle.",
                    "HANDLE_NOT_UNIQUE",
                )
            )
        specs = data.get("variants")
        combinations = []
        if specs is not None:
            if len(specs) > 2048:
                errors.append(
                    _user_error(
                        ["input", "variants"],
                        "A product can have at most 2048 variants.",
                        "VARIANTS_OVER_LIMIT",
                    )
                )
            for index, spec in enumerate(specs):
                combination, variant_errors = self._check_variant(
                    index, spec, options, product
                )
                errors.extend(variant_errors)
                if not variant_errors and combination in combinations:
                    errors.append(
                        _user_error(
                            ["input", "variants", str(index)],
                            f"The variant '{' / '.join(combination)}' already exists.",
                            "INVALID_VARIANT",
                        )
                    )
                combinations.append(combination)
        return options, combinations, errors

    def _unique_handle(self, title, product):
        base = _slug(title)
        handle, counter = base, itertools.count(1)
        taken = {p["handle"] for p in self.products.values() if p is not product}
        while handle in taken:
            handle = f"{base}-{next(counter)}"
        return handle

    def _apply_options(self, product, options):
        records = []
        for position, (name, values) in enumerate(options.items(), start=1):
            option = {
                "__typename": "ProductOption",
                "id": self._gid("ProductOption"),
                "name": name,
                "position": position,
                "values": list(values),
            }
            option["optionValues"] = [
                {
                    "__typename": "ProductOptionValue",
                    "id": self._gid("ProductOptionValue"),
                    "name": value,
                    "hasVariants": lambda info, n=name, v=value: any(
                        {"name": n, "value": v} in variant["selectedOptions"]
                        for variant in product["variants"]
                    ),
                }
                for value in values
            ]
            records.append(option)
        product["_options"] = records

    def _apply_variant(self, variant, spec, options, combination, position):
        stamp = self._stamp()
        inventory_input = spec.get("inventoryItem") or {}
        if "sku" in spec or "sku" in inventory_input:
            variant["sku"] = spec.get("sku", inventory_input.get("sku"))
        for key in ("barcode", "taxable", "inventoryPolicy", "showUnitPrice"):
            if key in spec:
                variant[key] = spec[key]
        if spec.get("price") is not None:
            variant["price"] = _rest_amount(spec["price"])
        if "compareAtPrice" in spec:
            price = spec["compareAtPrice"]
            variant["compareAtPrice"] = None if price is None else _rest_amount(price)
        names = list(options)
        variant["selectedOptions"] = [
            {"name": name, "value": value, "optionValue": {"name": value}}
            for name, value in zip(names, combination, strict=True)
        ]
        variant["title"] = " / ".join(combination) or "Default Title"
        variant["position"] = position
        variant["updatedAt"] = stamp
        item = variant["inventoryItem"]
        for key in ("tracked", "requiresShipping", "harmonizedSystemCode"):
            if key in inventory_input:
                item[key] = inventory_input[key]
        if inventory_input.get("cost") is not None:
            item["unitCost"] = {
                "__typename": "MoneyV2",
                "amount": _amount(_money(inventory_input["cost"])),
                "currencyCode": self.currency,
            }
        item["updatedAt"] = stamp

    def _apply_variants(self, product, specs, options, combinations):
        existing = {v["id"]: v for v in product["variants"]}
        by_combination = {
            tuple(o["value"] for o in v["selectedOptions"]): v
            for v in product["variants"]
        }
        kept = []
        for position, (spec, combination) in enumerate(
            zip(specs, combinations, strict=True), start=1
        ):
            variant = existing.get(spec.get("id")) or by_combination.get(combination)
            created = variant is None or variant in kept
            if created:
                variant = self._new_variant(product)
            self._apply_variant(variant, spec, options, combination, position)
            if created:
                for quantity in spec.get("inventoryQuantities") or []:
                    level = self._level(
                        variant["inventoryItem"], self.locations[quantity["locationId"]]
                    )
                    self._change_quantity(level, quantity["name"], quantity["quantity"])
            kept.append(variant)
        for variant in product["variants"]:
            if variant not in kept:
                self._delete_variant(variant)
        product["variants"] = kept

    def _product_set(self, data, identifier, notify=True):
        """Create or update a product like productSet; ``(product, errors)``."""
        product, errors = self._find_product(data, identifier)
        if errors:
            return None, errors
        options, combinations, errors = self._validate_product_set(data, product)
        if errors:
            return None, errors
        created = product is None
        if created:
            product = self._new_product(data)
            self.products[product["id"]] = self._register(product)
            product["handle"] = (
                data.get("handle")
                or (identifier or {}).get("handle")
                or self._unique_handle(data.get("title"), product)
            )
        for key in ("title", "status", "vendor", "productType", "descriptionHtml"):
            if data.get(key) is not None:
                product[key] = data[key]
        if data.get("handle"):
            product["handle"] = data["handle"]
        if data.get("tags") is not None:
            product["tags"] = list(data["tags"])
        if created or "productOptions" in data:
            self._apply_options(product, options)
        specs = data.get("variants")
        if specs is None and created:
            specs = [{"optionValues": []}]
            combinations = [tuple(values[0] for values in options.values())]
        if specs is not None:
            self._apply_variants(product, specs, options, combinations)
        product["updatedAt"] = self._stamp(strict=True)
        if notify:
            self._emit(
                "products/create" if created else "products/update",
                self._rest_product(product),
            )
        return product, []

    def _rest_product(self, product):
        return {
            "id": legacy_id(product["id"]),
            "admin_graphql_api_id": product["id"],
            "title": product["title"],
            "handle": product["handle"],
            "status": product["status"].lower(),
            "vendor": product["vendor"],
            "product_type": product["productType"],
            "tags": ", ".join(product["tags"]),
            "body_html": product["descriptionHtml"],
            "created_at": _rest_time(product["createdAt"]),
            "updated_at": _rest_time(product["updatedAt"]),
            "variants": [
                {
                    "id": legacy_id(v["id"]),
                    "admin_graphql_api_id": v["id"],
                    "product_id": legacy_id(product["id"]),
                    "title": v["title"],
                    "sku": v["sku"],
                    "barcode": v["barcode"],
                    "price": v["price"],
                    "position": v["position"],
                    "inventory_item_id": legacy_id(v["inventoryItem"]["id"]),
                    "inventory_quantity": self._total_available(
                        v["inventoryItem"]["id"]
                    ),
                }
                for v in product["variants"]
            ],
        }

    # ------------------------------------------------------------------
    # customers and addresses
    # ------------------------------------------------------------------
    def _address(self, data):
        if not data:
            return None
        country_code = data.get("country_code")
        country = data.get("country") or _COUNTRIES.get(country_code or "")
        name = " ".join(p for p in (data.get("first_name"), data.get("last_name")) if p)
        record = {
            "__typename": "MailingAddress",
            "id": self._gid("MailingAddress"),
            "firstName": data.get("first_name"),
            "lastName": data.get("last_name"),
            "name": name or None,
            "company": data.get("company"),
            "address1": data.get("address1"),
            "address2": data.get("address2"),
            "city": data.get("city"),
            "province": data.get("province"),
            "provinceCode": data.get("province_code"),
            "country": country,
            "countryCodeV2": country_code,
            "countryCode": country_code,
            "zip": data.get("zip"),
            "phone": data.get("phone"),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "coordinatesValidated": False,
            "timeZone": None,
            "formattedArea": ", ".join(
                p for p in (data.get("city"), data.get("province"), country) if p
            )
            or None,
        }
        record["formatted"] = lambda info, withName=False, withCompany=True: [
            p
            for p in (
                record["name"] if withName else None,
                record["company"] if withCompany else None,
                record["address1"],
                record["address2"],
                " ".join(p for p in (record["zip"], record["city"]) if p) or None,
                record["country"],
            )
            if p
        ]
        return self._register(record)

    @staticmethod
    def _rest_address(record):
        if record is None:
            return None
        return {
            "first_name": record["firstName"],
            "last_name": record["lastName"],
            "name": record["name"],
            "company": record["company"],
            "address1": record["address1"],
            "address2": record["address2"],
            "city": record["city"],
            "province": record["province"],
            "province_code": record["provinceCode"],
            "country": record["country"],
            "country_code": record["countryCodeV2"],
            "zip": record["zip"],
            "phone": record["phone"],
            "latitude": record["latitude"],
            "longitude": record["longitude"],
        }

    def _customer(self, data, address):
        """The customer of ``data`` (one per email), created on first use."""
        email = (data.get("email") or "").strip().lower() or None
        if email and email in self.customers:
            return self.customers[email]
        gid = self._gid("Customer")
        stamp = self._stamp()
        first, last = data.get("first_name"), data.get("last_name")
        phone = data.get("phone")
        customer = {
            "__typename": "Customer",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "firstName": first,
            "lastName": last,
            "displayName": " ".join(p for p in (first, last) if p) or email or "",
            "email": email,
            "phone": phone,
            "defaultEmailAddress": {
                "emailAddress": email,
                "marketingState": "NOT_SUBSCRIBED",
                "validFormat": True,
            }
            if email
            else None,
            "defaultPhoneNumber": {"phoneNumber": phone} if phone else None,
            "defaultAddress": self._address(address),
            "createdAt": stamp,
            "updatedAt": stamp,
            "locale": "en",
            "note": None,
            "tags": [],
            "taxExempt": False,
            "verifiedEmail": bool(email),
            "state": "ENABLED",
            "lifetimeDuration": "less than a minute",
        }
        customer["numberOfOrders"] = lambda info: str(
            sum(1 for o in self.orders.values() if o["customer"] is customer)
        )
        customer["amountSpent"] = lambda info: {
            "amount": _amount(
                sum(
                    (
                        o["_totals"]["total"]
                        for o in self.orders.values()
                        if o["customer"] is customer
                    ),
                    _ZERO,
                )
            ),
            "currencyCode": self.currency,
        }
        self._register(customer)
        if email:
            self.customers[email] = customer
        return customer

    def _rest_customer(self, customer):
        if customer is None:
            return None
        return {
            "id": legacy_id(customer["id"]),
            "admin_graphql_api_id": customer["id"],
            "email": customer["email"],
            "first_name": customer["firstName"],
            "last_name": customer["lastName"],
            "phone": customer["phone"],
            "state": "enabled",
            "verified_email": customer["verifiedEmail"],
            "tax_exempt": False,
            "tags": "",
            "note": None,
            "currency": self.currency,
            "created_at": _rest_time(customer["createdAt"]),
            "updated_at": _rest_time(customer["updatedAt"]),
            "default_address": self._rest_address(customer["defaultAddress"]),
        }

    # ------------------------------------------------------------------
    # orders
    # ------------------------------------------------------------------
    @_locked
    def create_order(
        self,
        lines,
        *,
        customer=None,
        financial_status="paid",
        email=None,
        phone=None,
        shipping_address=None,
        billing_address=None,
        shipping=None,
        tax_lines=None,
        taxes_included=False,
        discount_code=None,
        location=None,
        note=None,
        tags=(),
        source_name="web",
        test=False,
        notify=True,
    ):
        """Place an order; return its REST webhook payload (a copy).

        ``lines``: ``[{variant_gid | sku, quantity, price, discount, title,
        taxable, requires_shipping}]`` (a SKU no variant has gives a custom
        line without variant); ``customer``: ``{first_name, last_name, email,
        phone}`` (``None`` for a demo customer, ``False`` for a guest);
        addresses use REST keys; ``shipping``: ``{title, price, code,
        tax_lines}`` or a list of them; ``tax_lines``: ``[{title, rate}]``
        charged on every taxable line; ``discount``: amount off a line.

        The order gets a fulfilment order at ``location`` (default: the first
        active location); its items are committed there (available goes
        down). Records ``orders/create`` (and ``orders/paid`` when paid) plus
        the ``inventory_levels/update`` webhooks when ``notify``.
        """
        status = financial_status.lower()
        if status not in FINANCIAL_STATUSES:
            raise ValueError(f"unknown financial status {financial_status!r}")
        if not lines:
            raise ValueError("an order needs at least one line")
        customer_data = DEFAULT_CUSTOMER if customer is None else (customer or {})
        shipping_data = (
            DEFAULT_ADDRESS if shipping_address is None else shipping_address
        )
        gid = self._gid("Order")
        number = next(self._order_numbers)
        stamp = self._stamp(strict=True)
        order = {
            "__typename": "Order",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "name": f"#{1000 + number}",
            "number": number,
            "confirmationNumber": secrets.token_hex(5).upper()[:9],
            "createdAt": stamp,
            "updatedAt": stamp,
            "processedAt": stamp,
            "cancelledAt": None,
            "cancelReason": None,
            "closed": False,
            "closedAt": None,
            "confirmed": True,
            "test": test,
            "note": note,
            "tags": list(tags),
            "email": email or customer_data.get("email"),
            "phone": phone or customer_data.get("phone"),
            "currencyCode": self.currency,
            "presentmentCurrencyCode": self.currency,
            "sourceName": source_name,
            "customerLocale": "en",
            "customerAcceptsMarketing": False,
            "taxExempt": False,
            "edited": False,
            "estimatedTaxes": False,
            "dutiesIncluded": False,
            "customAttributes": [],
            "refunds": [],
            "transactions": [],
            "_financial_status": status,
            "_token": secrets.token_hex(16),
        }
        order["customer"] = (
            self._customer(customer_data, shipping_data) if customer_data else None
        )
        order["shippingAddress"] = self._address(shipping_data)
        order["billingAddress"] = self._address(billing_address or shipping_data)
        order["displayAddress"] = order["shippingAddress"] or order["billingAddress"]
        order["billingAddressMatchesShippingAddress"] = billing_address is None
        self._order_callables(order)
        spec = _Spec(
            lines=[dict(line) for line in lines],
            shipping=self._shipping_specs(shipping),
            tax_lines=[dict(t) for t in tax_lines or []],
            taxes_included=taxes_included,
            discount_code=discount_code,
            location=location,
        )
        self.orders[gid] = self._register(order)
        self._specs[gid] = spec
        self._build_lines(order, spec)
        self._apply_financial_status(order)
        self._commit_inventory(order, notify=False)
        self._refresh_payload(order)
        if notify:
            self._emit("orders/create", self.order_payloads[gid])
            if status == "paid":
                self._emit("orders/paid", self.order_payloads[gid])
        self._emit_levels(order, notify)
        return copy.deepcopy(self.order_payloads[gid])

    @staticmethod
    def _shipping_specs(shipping):
        if not shipping:
            return []
        if isinstance(shipping, Mapping):
            shipping = [shipping]
        return [dict(s) for s in shipping]

    def _order_callables(self, order):
        order["lineItems"] = lambda info, **_: order["_lines"]
        order["shippingLines"] = lambda info, includeRemovals=False, **_: order[
            "_shipping_lines"
        ]
        order["shippingLine"] = lambda info: (order["_shipping_lines"] or [None])[0]
        order["fulfillmentOrders"] = lambda info, **_: order["_fulfillment_orders"]
        order["fulfillments"] = lambda info, first=None, **_: order["_fulfillments"][
            :first
        ]
        order["fulfillmentsCount"] = lambda info: _count(len(order["_fulfillments"]))
        order["displayFulfillmentStatus"] = lambda info: self._fulfillment_status(order)
        order["discountApplications"] = lambda info, **_: order["_applications"]
        order["fulfillable"] = lambda info: (
            self._remaining(order) > 0 and not order["cancelledAt"]
        )
        order["statusPageUrl"] = lambda info, **_: (
            f"https://{self.shop_domain}/{legacy_id(order['id'])}/orders/"
            f"{order['_token']}/authenticate"
        )

    def _line_variant(self, line):
        ref = line.get("variant_gid") or line.get("variant_id") or line.get("variant")
        if isinstance(ref, int):
            ref = f"gid://shopify/ProductVariant/{ref}"
        if ref:
            variant = self.variants.get(ref)
            if variant is None:
                raise ValueError(f"unknown variant {ref!r}")
            return variant
        return self._variant_by_sku(line.get("sku"))

    @staticmethod
    def _taxes(base, rates, included):
        """``[(title, rate, amount)]`` of a discounted base amount."""
        taxes = []
        for tax in rates:
            rate = Decimal(str(tax["rate"]))
            if included:
                amount = _money(base - base / (1 + rate))
            else:
                amount = _money(base * rate)
            taxes.append((tax.get("title") or "Tax", rate, amount))
        return taxes

    def _tax_lines(self, taxes, currency):
        return [
            {
                "__typename": "TaxLine",
                "title": title,
                "rate": float(rate),
                "ratePercentage": float(rate * 100),
                "priceSet": _bag(amount, currency),
                "price": _rest_amount(amount),
                "channelLiable": False,
                "source": "Shopify",
            }
            for title, rate, amount in taxes
        ]

    def _discount_application(self, order, spec, total):
        currency = order["currencyCode"]
        value = {
            "__typename": "MoneyV2",
            "amount": _amount(total),
            "currencyCode": currency,
        }
        common = {
            "index": 0,
            "allocationMethod": "ACROSS",
            "targetSelection": "EXPLICIT",
            "targetType": "LINE_ITEM",
            "value": value,
        }
        if spec.discount_code:
            return {
                "__typename": "DiscountCodeApplication",
                "code": spec.discount_code,
                **common,
            }
        return {
            "__typename": "ManualDiscountApplication",
            "title": "Manual discount",
            "description": None,
            **common,
        }

    def _build_line(self, order, spec, index, line, application):
        currency = order["currencyCode"]
        variant = self._line_variant(line)
        quantity = int(line.get("quantity", 1))
        if quantity <= 0:
            raise ValueError("a line quantity must be positive")
        price = _money(
            line["price"]
            if line.get("price") is not None
            else (variant["price"] if variant else 0)
        )
        discount = _money(line.get("discount") or 0)
        original = price * quantity
        discounted = original - discount
        taxable = line.get("taxable", variant["taxable"] if variant else True)
        rates = line.get("tax_lines", spec.tax_lines) if taxable else []
        taxes = self._taxes(discounted, rates, spec.taxes_included)
        product = variant["product"] if variant else None
        title = line.get("title") or (product["title"] if product else "Custom item")
        variant_title = None
        if variant and variant["title"] != "Default Title":
            variant_title = variant["title"]
        # an edit keeps the id of a line whose item stays on the order
        reuse = order.get("_reuse_line_ids") or {}
        gid = reuse.pop(_line_key(variant, line.get("sku"), title), None)
        gid = gid or self._gid("LineItem")
        record = {
            "__typename": "LineItem",
            "id": gid,
            "name": f"{title} - {variant_title}" if variant_title else title,
            "title": title,
            "variantTitle": variant_title,
            "sku": line.get("sku") if variant is None else variant["sku"],
            "vendor": product["vendor"] if product else None,
            "quantity": quantity,
            "currentQuantity": quantity,
            "refundableQuantity": quantity,
            "nonFulfillableQuantity": 0,
            "requiresShipping": bool(line.get("requires_shipping", True)),
            "taxable": bool(taxable),
            "isGiftCard": False,
            "merchantEditable": True,
            "restockable": True,
            "canRestock": True,
            "variant": variant,
            "product": product,
            "customAttributes": [],
            "duties": [],
            "originalUnitPriceSet": _bag(price, currency),
            "originalTotalSet": _bag(original, currency),
            "discountedUnitPriceSet": _bag(_money(discounted / quantity), currency),
            "discountedUnitPriceAfterAllDiscountsSet": _bag(
                _money(discounted / quantity), currency
            ),
            "discountedTotalSet": _bag(discounted, currency),
            "priceAfterAllDiscountsBeforeTaxesSet": _bag(discounted, currency),
            "totalDiscountSet": _bag(discount, currency),
            "taxLines": self._tax_lines(taxes, currency),
            "discountAllocations": [
                {
                    "allocatedAmountSet": _bag(discount, currency),
                    "allocatedAmount": {
                        "amount": _amount(discount),
                        "currencyCode": currency,
                    },
                    "discountApplication": application,
                }
            ]
            if discount and application
            else [],
            "_index": index,
            "_price": price,
            "_discount": discount,
            "_taxes": taxes,
            "_fo_lines": [],
        }
        record["unfulfilledQuantity"] = lambda info: self._line_remaining(record)
        record["fulfillableQuantity"] = record["unfulfilledQuantity"]
        record["fulfillmentStatus"] = lambda info: (
            self._line_status(record) or "unfulfilled"
        )
        record["unfulfilledDiscountedTotalSet"] = lambda info: _bag(
            _money(discounted / quantity * self._line_remaining(record)), currency
        )
        record["unfulfilledOriginalTotalSet"] = lambda info: _bag(
            price * self._line_remaining(record), currency
        )
        return self._register(record)

    def _build_shipping_line(self, order, spec, shipping):
        currency = order["currencyCode"]
        price = _money(shipping.get("price") or 0)
        taxes = self._taxes(price, shipping.get("tax_lines") or [], spec.taxes_included)
        return {
            "__typename": "ShippingLine",
            "id": self._gid("ShippingLine"),
            "title": shipping.get("title") or "Standard",
            "code": shipping.get("code") or shipping.get("title") or "Standard",
            "source": "shopify",
            "carrierIdentifier": None,
            "custom": False,
            "isRemoved": False,
            "phone": None,
            "deliveryCategory": None,
            "shippingRateHandle": None,
            "originalPriceSet": _bag(price, currency),
            "discountedPriceSet": _bag(price, currency),
            "currentDiscountedPriceSet": _bag(price, currency),
            "taxLines": self._tax_lines(taxes, currency),
            "discountAllocations": [],
            "_price": price,
            "_taxes": taxes,
        }

    def _build_lines(self, order, spec):
        """(Re)build lines, shipping, totals and fulfilment orders of an order."""
        total_discount = sum(
            (_money(li.get("discount") or 0) for li in spec.lines), _ZERO
        )
        application = (
            self._discount_application(order, spec, total_discount)
            if total_discount
            else None
        )
        order["_applications"] = [application] if application else []
        order["_lines"] = [
            self._build_line(order, spec, index, line, application)
            for index, line in enumerate(spec.lines)
        ]
        order["_shipping_lines"] = [
            self._build_shipping_line(order, spec, shipping)
            for shipping in spec.shipping
        ]
        order["taxesIncluded"] = spec.taxes_included
        order["discountCodes"] = [spec.discount_code] if spec.discount_code else []
        order["discountCode"] = spec.discount_code
        self._compute_totals(order)
        self._build_fulfillment_orders(order, spec)

    def _compute_totals(self, order):
        currency = order["currencyCode"]
        lines, shipping = order["_lines"], order["_shipping_lines"]
        line_items = sum((li["_price"] * li["quantity"] for li in lines), _ZERO)
        discounts = sum((li["_discount"] for li in lines), _ZERO)
        subtotal = line_items - discounts
        shipping_total = sum((s["_price"] for s in shipping), _ZERO)
        taxes = {}
        for taxed in [*lines, *shipping]:
            for title, rate, amount in taxed["_taxes"]:
                taxes[(title, rate)] = taxes.get((title, rate), _ZERO) + amount
        tax_total = sum(taxes.values(), _ZERO)
        total = subtotal + shipping_total
        if not order["taxesIncluded"]:
            total += tax_total
        order["_totals"] = {
            "line_items": line_items,
            "discounts": discounts,
            "subtotal": subtotal,
            "shipping": shipping_total,
            "tax": tax_total,
            "total": total,
            "taxes": [(title, rate, amount) for (title, rate), amount in taxes.items()],
        }
        tax_lines = self._tax_lines(order["_totals"]["taxes"], currency)
        quantity = sum(li["quantity"] for li in lines)
        order.update(
            {
                "taxLines": tax_lines,
                "currentTaxLines": tax_lines,
                "subtotalLineItemsQuantity": quantity,
                "currentSubtotalLineItemsQuantity": quantity,
                "requiresShipping": any(li["requiresShipping"] for li in lines),
                "subtotalPriceSet": _bag(subtotal, currency),
                "currentSubtotalPriceSet": _bag(subtotal, currency),
                "totalDiscountsSet": _bag(discounts, currency),
                "currentTotalDiscountsSet": _bag(discounts, currency),
                "cartDiscountAmountSet": _bag(_ZERO, currency),
                "currentCartDiscountAmountSet": _bag(_ZERO, currency),
                "totalShippingPriceSet": _bag(shipping_total, currency),
                "currentShippingPriceSet": _bag(shipping_total, currency),
                "totalTaxSet": _bag(tax_total, currency),
                "currentTotalTaxSet": _bag(tax_total, currency),
                "totalPriceSet": _bag(total, currency),
                "currentTotalPriceSet": _bag(total, currency),
                "originalTotalPriceSet": _bag(total, currency),
                "totalTipReceivedSet": _bag(_ZERO, currency),
                "totalRefundedSet": _bag(_ZERO, currency),
                "totalRefundedShippingSet": _bag(_ZERO, currency),
                "refundDiscrepancySet": _bag(_ZERO, currency),
                "totalWeight": "0",
                "currentTotalWeight": "0",
            }
        )

    def _apply_financial_status(self, order):
        currency = order["currencyCode"]
        status = order["_financial_status"]
        total = order["_totals"]["total"]
        received = (
            total if status in ("paid", "partially_refunded", "refunded") else _ZERO
        )
        if status == "partially_paid":
            received = _money(total / 2)
        capturable = total if status == "authorized" else _ZERO
        order.update(
            {
                "displayFinancialStatus": status.upper(),
                "fullyPaid": status == "paid",
                "unpaid": status in ("pending", "authorized", "expired", "voided"),
                "capturable": status == "authorized",
                "canMarkAsPaid": status in ("pending", "partially_paid"),
                "refundable": received > 0,
                "paymentGatewayNames": ["manual"]
                if status == "pending"
                else ["shopify_payments"],
                "totalReceivedSet": _bag(received, currency),
                "netPaymentSet": _bag(received, currency),
                "totalCapturableSet": _bag(capturable, currency),
                "totalOutstandingSet": _bag(
                    _ZERO if status in ("refunded", "voided") else total - received,
                    currency,
                ),
            }
        )

    # ------------------------------------------------------------------
    # fulfilment orders
    # ------------------------------------------------------------------
    def _build_fulfillment_orders(self, order, spec):
        for old in order.get("_fulfillment_orders", []):
            self.fulfillment_orders.pop(old["id"], None)
            self._nodes.pop(old["id"], None)
        shipped = [li for li in order["_lines"] if li["requiresShipping"]]
        order["_fulfillment_orders"] = []
        order.setdefault("_fulfillments", [])
        if not shipped:
            return
        location = (
            self._location(spec.location) if spec.location else self._default_location()
        )
        stamp = self._stamp()
        gid = self._gid("FulfillmentOrder")
        address = order["shippingAddress"] or {}
        fulfillment_order = {
            "__typename": "FulfillmentOrder",
            "id": gid,
            "status": "OPEN",
            "requestStatus": "UNSUBMITTED",
            "order": order,
            "orderId": order["id"],
            "orderName": order["name"],
            "orderProcessedAt": order["processedAt"],
            "createdAt": stamp,
            "updatedAt": stamp,
            "fulfillAt": stamp,
            "fulfillBy": None,
            "fulfillmentHolds": [],
            "assignedLocation": {
                "location": location,
                "name": location["name"],
                "address1": location["address"]["address1"],
                "city": location["address"]["city"],
                "province": location["address"]["province"],
                "zip": location["address"]["zip"],
                "countryCode": location["address"]["countryCode"] or "US",
                "phone": location["address"]["phone"],
            },
            "destination": {
                "id": self._gid("FulfillmentOrderDestination"),
                "firstName": address.get("firstName"),
                "lastName": address.get("lastName"),
                "address1": address.get("address1"),
                "address2": address.get("address2"),
                "city": address.get("city"),
                "province": address.get("province"),
                "zip": address.get("zip"),
                "countryCode": address.get("countryCodeV2"),
                "phone": address.get("phone"),
                "email": order["email"],
            },
            "deliveryMethod": {
                "id": self._gid("DeliveryMethod"),
                "methodType": "SHIPPING",
            },
            "_fulfillments": [],
        }
        fulfillment_order["lineItems"] = lambda info, **_: fulfillment_order["_lines"]
        fulfillment_order["fulfillments"] = lambda info, **_: fulfillment_order[
            "_fulfillments"
        ]
        fulfillment_order["supportedActions"] = lambda info: (
            [{"action": "CREATE_FULFILLMENT", "externalUrl": None}]
            if fulfillment_order["status"] in ("OPEN", "IN_PROGRESS")
            else []
        )
        fulfillment_order["_lines"] = [
            self._fulfillment_order_line(fulfillment_order, line) for line in shipped
        ]
        self.fulfillment_orders[gid] = self._register(fulfillment_order)
        order["_fulfillment_orders"].append(fulfillment_order)

    def _fulfillment_order_line(self, fulfillment_order, line):
        variant = line["variant"]
        record = {
            "__typename": "FulfillmentOrderLineItem",
            "id": self._gid("FulfillmentOrderLineItem"),
            "remainingQuantity": line["quantity"],
            "totalQuantity": line["quantity"],
            "lineItem": line,
            "sku": line["sku"],
            "variant": variant,
            "inventoryItemId": variant["inventoryItem"]["id"] if variant else None,
            "productTitle": line["title"],
            "variantTitle": line["variantTitle"],
            "vendor": line["vendor"],
            "requiresShipping": True,
            "warnings": [],
            "financialSummaries": [],
            "originalUnitPriceSet": line["originalUnitPriceSet"],
            "_fulfillment_order": fulfillment_order,
        }
        line["_fo_lines"] = [*line.get("_fo_lines", []), record]
        return self._register(record)

    @staticmethod
    def _line_remaining(line):
        return sum(
            fo_line["remainingQuantity"]
            for fo_line in line["_fo_lines"]
            if (fo_line["_fulfillment_order"]["status"] != "CANCELLED")
        )

    @staticmethod
    def _line_fulfilled(line):
        return sum(
            fo_line["totalQuantity"] - fo_line["remainingQuantity"]
            for fo_line in line["_fo_lines"]
        )

    def _line_status(self, line):
        fulfilled = self._line_fulfilled(line)
        if not fulfilled:
            return None
        return "fulfilled" if fulfilled >= line["quantity"] else "partial"

    def _remaining(self, order):
        return sum(self._line_remaining(li) for li in order["_lines"])

    def _fulfillment_status(self, order):
        lines = [li for li in order["_lines"] if li["requiresShipping"]]
        if not lines:
            return "FULFILLMENT_NOT_REQUIRED"
        fulfilled = sum(self._line_fulfilled(li) for li in lines)
        if not fulfilled:
            return "UNFULFILLED"
        if fulfilled >= sum(li["quantity"] for li in lines):
            return "FULFILLED"
        return "PARTIALLY_FULFILLED"

    def _commit_inventory(self, order, notify, release=False):
        """Move unfulfilled quantities between ``available`` and ``committed``."""
        sign = -1 if release else 1
        touched = []
        for fulfillment_order in order["_fulfillment_orders"]:
            location = fulfillment_order["assignedLocation"]["location"]
            for fo_line in fulfillment_order["_lines"]:
                variant = fo_line["variant"]
                quantity = fo_line["remainingQuantity"]
                if variant is None or not quantity:
                    continue
                level = self._level(variant["inventoryItem"], location)
                level["_q"]["available"] -= sign * quantity
                level["_q"]["committed"] += sign * quantity
                level["updatedAt"] = self._stamp()
                touched.append(level)
        order["_touched_levels"] = touched
        if notify:
            self._emit_levels(order)

    def _emit_levels(self, order, notify=True):
        """Record ``inventory_levels/update`` for the levels an order moved."""
        seen = set()
        for level in order.pop("_touched_levels", []):
            if notify and level["id"] not in seen:
                seen.add(level["id"])
                self._emit_level(level)

    # ------------------------------------------------------------------
    # order changes
    # ------------------------------------------------------------------
    @_locked
    def order(self, gid):
        """The GraphQL-shaped record of an order."""
        return self.orders[gid]

    @_locked
    def update_order(self, gid, *, notify=True, **changes):
        """Change an order as the merchant would; return the new REST payload.

        Accepted changes: ``financial_status``, ``note``, ``tags``, ``email``,
        ``phone``, ``shipping_address``, ``billing_address`` and, while nothing
        is fulfilled (an order edit, ``orders/edited``), ``lines``,
        ``shipping``, ``tax_lines``, ``taxes_included``, ``discount_code``.
        """
        order = self.orders[gid]
        edit_keys = {
            "lines",
            "shipping",
            "tax_lines",
            "taxes_included",
            "discount_code",
        }
        simple_keys = {
            "financial_status",
            "note",
            "tags",
            "email",
            "phone",
            "shipping_address",
            "billing_address",
        }
        unknown = set(changes) - edit_keys - simple_keys
        if unknown:
            raise TypeError(f"update_order cannot change {sorted(unknown)}")
        if order["cancelledAt"]:
            raise ValueError("a cancelled order cannot be changed")
        topics = []
        newly_paid = self._apply_simple_changes(order, changes)
        if newly_paid:
            topics.append("orders/paid")
        if set(changes) & edit_keys:
            self._edit_order(order, changes)
            topics.insert(0, "orders/edited")
        order["updatedAt"] = self._stamp(strict=True)
        self._refresh_payload(order)
        if notify:
            self._emit("orders/updated", self.order_payloads[gid])
            for topic in topics:
                if topic == "orders/edited":
                    self._emit(topic, order.pop("_last_edit"))
                else:
                    self._emit(topic, self.order_payloads[gid])
        self._emit_levels(order, notify)
        return copy.deepcopy(self.order_payloads[gid])

    def _apply_simple_changes(self, order, changes):
        newly_paid = False
        if "financial_status" in changes:
            status = changes["financial_status"].lower()
            if status not in FINANCIAL_STATUSES:
                raise ValueError(f"unknown financial status {status!r}")
            newly_paid = status == "paid" and order["_financial_status"] != "paid"
            order["_financial_status"] = status
        for key in ("note", "email", "phone"):
            if key in changes:
                order[key] = changes[key]
        if "tags" in changes:
            order["tags"] = list(changes["tags"])
        if "shipping_address" in changes:
            order["shippingAddress"] = self._address(changes["shipping_address"])
            order["displayAddress"] = (
                order["shippingAddress"] or order["billingAddress"]
            )
        if "billing_address" in changes:
            order["billingAddress"] = self._address(changes["billing_address"])
        self._apply_financial_status(order)
        return newly_paid

    def _edit_order(self, order, changes):
        if any(self._line_fulfilled(li) for li in order["_lines"]):
            raise ValueError("the lines of a (partly) fulfilled order cannot be edited")
        if order["refunds"]:
            raise ValueError("the lines of a refunded order cannot be edited")
        spec = self._specs[order["id"]]
        self._commit_inventory(order, notify=False, release=True)
        released = order.pop("_touched_levels", [])
        if "lines" in changes:
            spec.lines = [dict(line) for line in changes["lines"]]
        if "shipping" in changes:
            spec.shipping = self._shipping_specs(changes["shipping"])
        if "tax_lines" in changes:
            spec.tax_lines = [dict(t) for t in changes["tax_lines"] or []]
        if "taxes_included" in changes:
            spec.taxes_included = bool(changes["taxes_included"])
        if "discount_code" in changes:
            spec.discount_code = changes["discount_code"]
        before = {line["id"]: line for line in order["_lines"]}
        order["_reuse_line_ids"] = {
            _line_key(line["variant"], line["sku"], line["title"]): line["id"]
            for line in order["_lines"]
        }
        for line in order["_lines"]:
            self._nodes.pop(line["id"], None)
        self._build_lines(order, spec)
        order.pop("_reuse_line_ids", None)
        order["_last_edit"] = self._order_edit_payload(order, before)
        self._apply_financial_status(order)
        self._commit_inventory(order, notify=False)
        order["_touched_levels"] = released + order["_touched_levels"]
        order["edited"] = True

    def _order_edit_payload(self, order, before):
        """The ``orders/edited`` payload: what the edit added and removed."""
        after = {line["id"]: line for line in order["_lines"]}
        additions, removals = [], []
        for gid in sorted(set(before) | set(after)):
            old = before[gid]["quantity"] if gid in before else 0
            new = after[gid]["quantity"] if gid in after else 0
            if new > old:
                additions.append({"id": legacy_id(gid), "delta": new - old})
            elif old > new:
                removals.append({"id": legacy_id(gid), "delta": old - new})
        stamp = _rest_time(self._stamp())
        return {
            "order_edit": {
                "id": legacy_id(self._gid("OrderEdit")),
                "app_id": None,
                "created_at": stamp,
                "committed_at": stamp,
                "notify_customer": False,
                "order_id": legacy_id(order["id"]),
                "staff_note": "",
                "user_id": None,
                "line_items": {"additions": additions, "removals": removals},
                "discounts": {"line_item": {"additions": [], "removals": []}},
                "shipping_lines": {"additions": [], "removals": []},
            }
        }

    @_locked
    def cancel_order(self, gid, *, reason="customer", restock=True, notify=True):
        """Cancel an order (open fulfilment orders are cancelled, stock restocked)."""
        order = self.orders[gid]
        if order["cancelledAt"]:
            raise ValueError(f"order {order['name']} is already cancelled")
        if restock:
            self._commit_inventory(order, notify=False, release=True)
        for fulfillment_order in order["_fulfillment_orders"]:
            if fulfillment_order["status"] in ("OPEN", "IN_PROGRESS", "SCHEDULED"):
                fulfillment_order["status"] = (
                    "CANCELLED" if fulfillment_order["status"] == "OPEN" else "CLOSED"
                )
                fulfillment_order["updatedAt"] = self._stamp()
        stamp = self._stamp(strict=True)
        status = order["_financial_status"]
        if status in ("paid", "partially_paid"):
            order["_financial_status"] = "refunded"
        elif status in ("authorized", "pending"):
            order["_financial_status"] = "voided"
        self._apply_financial_status(order)
        order.update(
            {
                "cancelledAt": stamp,
                "cancelReason": reason.upper(),
                "closed": True,
                "closedAt": stamp,
                "updatedAt": stamp,
            }
        )
        self._refresh_payload(order)
        if notify:
            self._emit("orders/cancelled", self.order_payloads[gid])
            self._emit("orders/updated", self.order_payloads[gid])
        self._emit_levels(order, notify)
        return copy.deepcopy(self.order_payloads[gid])

    # ------------------------------------------------------------------
    # refunds
    # ------------------------------------------------------------------
    @_locked
    def refund_order(
        self,
        gid,
        *,
        lines=None,
        shipping=False,
        restock_type="return",
        note=None,
        notify=True,
    ):
        """Refund part of a paid order as the merchant would; return the
        ``refunds/create`` payload (a copy).

        ``lines``: ``{line gid or SKU: quantity}``; ``restock_type``: one of
        ``return`` (shipped units back to stock), ``cancel`` (units not
        shipped, released), ``no_restock``, ``legacy_restock`` (shipped units
        returned, the others released), or ``{line gid or SKU: type}``;
        ``shipping``: ``True`` refunds what is left of the shipping, an amount
        refunds that much of it.

        Amounts are Shopify's: each line's discounted total and tax lines
        prorated by the units refunded so far (the rounding rest goes with
        the last unit); the money goes back on one refund transaction whose
        parent is the order's payment. Raises ValueError where Shopify
        refuses: an unpaid order, more units than refundable, a return of
        units not shipped, a cancel of shipped units, nothing to refund.

        The order gets the refund, its financial status (partially_refunded
        or refunded), the lines their current and refundable quantities, the
        fulfilment order loses the units taken off, inventory follows the
        restock type. Records ``refunds/create``, ``orders/updated`` and the
        ``inventory_levels/update`` of restocked items when ``notify``.
        """
        order = self.orders[gid]
        if order["cancelledAt"]:
            raise ValueError(f"order {order['name']} is cancelled")
        if order["_financial_status"] not in ("paid", "partially_refunded"):
            raise ValueError(
                f"order {order['name']} has no payment to refund "
                f"({order['_financial_status']})"
            )
        currency = order["currencyCode"]
        items = [
            self._refund_item(order, ref, quantity, restock_type)
            for ref, quantity in (lines or {}).items()
        ]
        shipping_items = self._refund_shipping_items(order, shipping)
        if not items and not shipping_items:
            raise ValueError("a refund needs at least one line or some shipping")
        stamp = self._stamp(strict=True)
        refund_gid = self._gid("Refund")
        location = self._refund_location(order)
        touched = []
        refund_lines = []
        for line, quantity, restock in items:
            refund_lines.append(
                self._refund_line_record(order, line, quantity, restock, location)
            )
            touched += self._restock_line(order, line, quantity, restock, location)
        refund_shipping = [
            self._refund_shipping_record(order, shipping_line, amount)
            for shipping_line, amount in shipping_items
        ]
        included = order["taxesIncluded"]
        total = sum(
            (
                rl["_subtotal"] + (_ZERO if included else rl["_tax"])
                for rl in refund_lines + refund_shipping
            ),
            _ZERO,
        )
        payment = self._payment_transaction(order)
        transaction = self._register(
            {
                "__typename": "OrderTransaction",
                "id": self._gid("OrderTransaction"),
                "kind": "REFUND",
                "status": "SUCCESS",
                "gateway": payment["gateway"],
                "formattedGateway": payment["formattedGateway"],
                "amountSet": _bag(total, currency),
                "createdAt": stamp,
                "processedAt": stamp,
                "parentTransaction": payment,
                "order": order,
                "test": order["test"],
                "manualPaymentGateway": False,
                "manuallyCapturable": False,
                "multiCapturable": False,
                "fees": [],
                "_amount": total,
            }
        )
        order["transactions"].append(transaction)
        record = {
            "__typename": "Refund",
            "id": refund_gid,
            "legacyResourceId": str(legacy_id(refund_gid)),
            "createdAt": stamp,
            "updatedAt": stamp,
            "processedAt": stamp,
            "note": note,
            "order": order,
            "totalRefundedSet": _bag(total, currency),
            "return": None,
            "duties": [],
            "staffMember": None,
            "_lines": refund_lines,
            "_shipping": refund_shipping,
            "_transactions": [transaction],
            "_total": total,
            "_restock": any(rl["restocked"] for rl in refund_lines),
        }
        record["refundLineItems"] = lambda info, **_: record["_lines"]
        record["refundShippingLines"] = lambda info, **_: record["_shipping"]
        record["transactions"] = lambda info, **_: record["_transactions"]
        record["orderAdjustments"] = lambda info, **_: []
        order["refunds"].append(self._register(record))
        self._apply_refunded_totals(order)
        order["updatedAt"] = self._stamp(strict=True)
        self._refresh_payload(order)
        payload = self._rest_refund(record)
        if notify:
            self._emit("refunds/create", payload)
            self._emit("orders/updated", self.order_payloads[gid])
            for level in {level["id"]: level for level in touched}.values():
                self._emit_level(level)
        return copy.deepcopy(payload)

    def _refund_item(self, order, ref, quantity, restock_type):
        """``(line, quantity, restock type)`` of a requested refund line."""
        line = next(
            (li for li in order["_lines"] if ref in (li["id"], li["sku"])), None
        )
        if line is None:
            raise ValueError(f"order {order['name']} has no line {ref!r}")
        if isinstance(restock_type, Mapping):
            restock_type = restock_type.get(ref, "no_restock")
        restock = str(restock_type).lower()
        if restock not in ("return", "cancel", "no_restock", "legacy_restock"):
            raise ValueError(f"unknown restock type {restock_type!r}")
        quantity = int(quantity)
        if quantity <= 0:
            raise ValueError("a refunded quantity must be positive")
        if quantity > line["refundableQuantity"]:
            raise ValueError(
                f"{line['name']}: {quantity} refunded but only "
                f"{line['refundableQuantity']} can be"
            )
        unshipped = self._line_remaining(line)
        shipped = self._line_fulfilled(line) - line.get("_shipped_refunded", 0)
        if restock == "cancel" and quantity > unshipped:
            raise ValueError(
                f"{line['name']}: only {unshipped} unit(s) are not fulfilled and "
                "can be cancelled; return the others"
            )
        if restock == "return" and quantity > shipped:
            raise ValueError(
                f"{line['name']}: only {shipped} fulfilled unit(s) can be returned"
            )
        return line, quantity, restock

    def _refund_shipping_items(self, order, shipping):
        """``[(shipping line, amount)]`` of a requested shipping refund."""
        if shipping is False or shipping is None:
            return []
        left = [
            (s, s["_price"] - s.get("_refunded", _ZERO))
            for s in order["_shipping_lines"]
        ]
        if shipping is True:
            return [(s, amount) for s, amount in left if amount > 0]
        wanted = _money(shipping)
        if wanted <= 0 or wanted > sum((amount for _s, amount in left), _ZERO):
            raise ValueError(f"cannot refund {wanted} of shipping")
        items = []
        for shipping_line, amount in left:
            take = min(amount, wanted)
            if take > 0:
                items.append((shipping_line, take))
                wanted -= take
        return items

    def _refund_location(self, order):
        for fulfillment_order in order["_fulfillment_orders"]:
            return fulfillment_order["assignedLocation"]["location"]
        return self._default_location()

    def _refund_line_record(self, order, line, quantity, restock, location):
        """The RefundLineItem of ``quantity`` units: amounts prorated."""
        currency = order["currencyCode"]
        total_units = line["quantity"]
        before = line["quantity"] - line["refundableQuantity"]
        after = before + quantity
        discounted = line["_price"] * total_units - line["_discount"]

        def share(amount):
            return _money(amount * after / total_units) - _money(
                amount * before / total_units
            )

        subtotal = share(discounted)
        tax = sum((share(amount) for _t, _r, amount in line["_taxes"]), _ZERO)
        line["refundableQuantity"] -= quantity
        line["currentQuantity"] -= quantity
        return self._register(
            {
                "__typename": "RefundLineItem",
                "id": self._gid("RefundLineItem"),
                "lineItem": line,
                "quantity": quantity,
                "restockType": restock.upper(),
                "restocked": restock != "no_restock",
                "location": location if restock != "no_restock" else None,
                "priceSet": _bag(line["_price"], currency),
                "subtotalSet": _bag(subtotal, currency),
                "totalTaxSet": _bag(tax, currency),
                "_subtotal": subtotal,
                "_tax": tax,
            }
        )

    def _refund_shipping_record(self, order, shipping_line, amount):
        currency = order["currencyCode"]
        price = shipping_line["_price"]
        before = shipping_line.get("_refunded", _ZERO)
        after = before + amount
        tax = sum(
            (
                _money(tax_amount * after / price) - _money(tax_amount * before / price)
                for _t, _r, tax_amount in shipping_line["_taxes"]
            ),
            _ZERO,
        )
        shipping_line["_refunded"] = after
        return self._register(
            {
                "__typename": "RefundShippingLine",
                "id": self._gid("RefundShippingLine"),
                "shippingLine": shipping_line,
                "subtotalAmountSet": _bag(amount, currency),
                "taxAmountSet": _bag(tax, currency),
                "_subtotal": amount,
                "_tax": tax,
            }
        )

    def _restock_line(self, order, line, quantity, restock, location):
        """Fulfilment order and inventory after refunding ``quantity`` units;
        return the inventory levels changed."""
        unshipped = self._line_remaining(line)
        if restock in ("cancel", "no_restock"):
            taken_off = min(quantity, unshipped)
        elif restock == "legacy_restock":
            shipped = self._line_fulfilled(line) - line.get("_shipped_refunded", 0)
            taken_off = max(0, quantity - shipped)
        else:
            taken_off = 0
        line["_shipped_refunded"] = (
            line.get("_shipped_refunded", 0) + quantity - taken_off
        )
        left = taken_off
        for fo_line in line["_fo_lines"]:
            fulfillment_order = fo_line["_fulfillment_order"]
            if fulfillment_order["status"] == "CANCELLED" or not left:
                continue
            take = min(left, fo_line["remainingQuantity"])
            fo_line["remainingQuantity"] -= take
            fo_line["totalQuantity"] -= take
            left -= take
            if not any(li["remainingQuantity"] for li in fulfillment_order["_lines"]):
                fulfillment_order["status"] = "CLOSED"
            fulfillment_order["updatedAt"] = self._stamp()
        variant = line["variant"]
        if variant is None:
            return []
        level = self._level(variant["inventoryItem"], location)
        quantities = level["_q"]
        # units still to ship were committed: they no longer are
        quantities["committed"] -= taken_off
        if restock != "no_restock":
            # restocked: units cancelled before shipping and units coming back
            quantities["available"] += quantity
        level["updatedAt"] = self._stamp()
        return [level]

    def _payment_transaction(self, order):
        """The order's payment (a SALE transaction), recorded when first needed."""
        for transaction in order["transactions"]:
            if transaction["kind"] in ("SALE", "CAPTURE"):
                return transaction
        received = order["totalReceivedSet"]["shopMoney"]["amount"]
        transaction = self._register(
            {
                "__typename": "OrderTransaction",
                "id": self._gid("OrderTransaction"),
                "kind": "SALE",
                "status": "SUCCESS",
                "gateway": "shopify_payments",
                "formattedGateway": "Shopify Payments",
                "amountSet": _bag(Decimal(received), order["currencyCode"]),
                "createdAt": order["processedAt"],
                "processedAt": order["processedAt"],
                "parentTransaction": None,
                "order": order,
                "test": order["test"],
                "manualPaymentGateway": False,
                "manuallyCapturable": False,
                "multiCapturable": False,
                "fees": [],
                "_amount": Decimal(received),
            }
        )
        order["transactions"].insert(0, transaction)
        return transaction

    def _apply_refunded_totals(self, order):
        """Financial status and refunded totals after a refund."""
        currency = order["currencyCode"]
        refunded = sum((refund["_total"] for refund in order["refunds"]), _ZERO)
        shipping = sum(
            (s.get("_refunded", _ZERO) for s in order["_shipping_lines"]), _ZERO
        )
        received = Decimal(order["totalReceivedSet"]["shopMoney"]["amount"])
        order["_financial_status"] = (
            "refunded" if refunded >= received else "partially_refunded"
        )
        self._apply_financial_status(order)
        order.update(
            {
                "totalRefundedSet": _bag(refunded, currency),
                "totalRefundedShippingSet": _bag(shipping, currency),
                "netPaymentSet": _bag(received - refunded, currency),
                "refundable": received > refunded,
            }
        )

    def _rest_refund(self, refund):
        """The REST shape of a refund (``refunds/create``, order ``refunds``)."""
        order = refund["order"]
        currency = order["currencyCode"]
        order_id = legacy_id(order["id"])
        return {
            "id": legacy_id(refund["id"]),
            "admin_graphql_api_id": refund["id"],
            "order_id": order_id,
            "created_at": _rest_time(refund["createdAt"]),
            "processed_at": _rest_time(refund["processedAt"]),
            "note": refund["note"],
            "restock": refund["_restock"],
            "user_id": None,
            "total_duties_set": _rest_set(_ZERO, currency),
            "duties": [],
            "additional_fees": [],
            "total_additional_fees_set": _rest_set(_ZERO, currency),
            "return": None,
            "order_adjustments": [],
            "refund_line_items": [
                {
                    "id": legacy_id(item["id"]),
                    "line_item_id": legacy_id(item["lineItem"]["id"]),
                    "location_id": legacy_id(item["location"]["id"])
                    if item["location"]
                    else None,
                    "quantity": item["quantity"],
                    "restock_type": item["restockType"].lower(),
                    "subtotal": _rest_amount(item["_subtotal"]),
                    "subtotal_set": _rest_set(item["_subtotal"], currency),
                    "total_tax": _rest_amount(item["_tax"]),
                    "total_tax_set": _rest_set(item["_tax"], currency),
                    "line_item": self._rest_line(item["lineItem"], currency),
                }
                for item in refund["_lines"]
            ],
            "refund_shipping_lines": [
                {
                    "id": legacy_id(item["id"]),
                    "shipping_line_id": legacy_id(item["shippingLine"]["id"]),
                    "subtotal_amount_set": _rest_set(item["_subtotal"], currency),
                    "tax_amount_set": _rest_set(item["_tax"], currency),
                    "shipping_line": self._rest_shipping_line(
                        item["shippingLine"], currency
                    ),
                }
                for item in refund["_shipping"]
            ],
            "transactions": [
                {
                    "id": legacy_id(transaction["id"]),
                    "admin_graphql_api_id": transaction["id"],
                    "order_id": order_id,
                    "kind": transaction["kind"].lower(),
                    "gateway": transaction["gateway"],
                    "status": transaction["status"].lower(),
                    "message": "Transaction approved",
                    "created_at": _rest_time(transaction["createdAt"]),
                    "processed_at": _rest_time(transaction["processedAt"]),
                    "amount": _rest_amount(transaction["_amount"]),
                    "currency": currency,
                    "test": transaction["test"],
                    "authorization": None,
                    "location_id": None,
                    "user_id": None,
                    "device_id": None,
                    "error_code": None,
                    "parent_id": legacy_id(transaction["parentTransaction"]["id"])
                    if transaction["parentTransaction"]
                    else None,
                    "receipt": {},
                    "source_name": "web",
                }
                for transaction in refund["_transactions"]
            ],
        }

    # ------------------------------------------------------------------
    # REST payloads
    # ------------------------------------------------------------------
    def _rest_taxes(self, taxes, currency):
        return [
            {
                "title": title,
                "rate": float(rate),
                "price": _rest_amount(amount),
                "price_set": _rest_set(amount, currency),
                "channel_liable": False,
            }
            for title, rate, amount in taxes
        ]

    def _rest_line(self, line, currency):
        variant, product = line["variant"], line["product"]
        return {
            "id": legacy_id(line["id"]),
            "admin_graphql_api_id": line["id"],
            "variant_id": legacy_id(variant["id"]) if variant else None,
            "product_id": legacy_id(product["id"]) if product else None,
            "product_exists": product is not None,
            "sku": line["sku"],
            "name": line["name"],
            "title": line["title"],
            "variant_title": line["variantTitle"],
            "vendor": line["vendor"],
            "quantity": line["quantity"],
            "current_quantity": line["currentQuantity"],
            "fulfillable_quantity": self._line_remaining(line),
            "fulfillment_status": self._line_status(line),
            "fulfillment_service": "manual",
            "variant_inventory_management": "shopify" if variant else None,
            "requires_shipping": line["requiresShipping"],
            "taxable": line["taxable"],
            "gift_card": False,
            "grams": 0,
            "price": _rest_amount(line["_price"]),
            "price_set": _rest_set(line["_price"], currency),
            "total_discount": _rest_amount(line["_discount"]),
            "total_discount_set": _rest_set(line["_discount"], currency),
            "discount_allocations": [
                {
                    "amount": _rest_amount(line["_discount"]),
                    "amount_set": _rest_set(line["_discount"], currency),
                    "discount_application_index": 0,
                }
            ]
            if line["_discount"]
            else [],
            "tax_lines": self._rest_taxes(line["_taxes"], currency),
            "properties": [],
            "duties": [],
            "attributed_staffs": [],
        }

    def _rest_shipping_line(self, shipping, currency):
        return {
            "id": legacy_id(shipping["id"]),
            "title": shipping["title"],
            "code": shipping["code"],
            "source": shipping["source"],
            "carrier_identifier": None,
            "requested_fulfillment_service_id": None,
            "phone": None,
            "is_removed": False,
            "price": _rest_amount(shipping["_price"]),
            "price_set": _rest_set(shipping["_price"], currency),
            "discounted_price": _rest_amount(shipping["_price"]),
            "discounted_price_set": _rest_set(shipping["_price"], currency),
            "tax_lines": self._rest_taxes(shipping["_taxes"], currency),
            "discount_allocations": [],
        }

    def _rest_discounts(self, order, currency):
        application = (order["_applications"] or [None])[0]
        if application is None:
            return [], []
        total = order["_totals"]["discounts"]
        entry = {
            "type": "discount_code" if order["discountCode"] else "manual",
            "value": _amount(total),
            "value_type": "fixed_amount",
            "allocation_method": "across",
            "target_selection": "explicit",
            "target_type": "line_item",
        }
        codes = []
        if order["discountCode"]:
            entry["code"] = order["discountCode"]
            codes = [
                {
                    "code": order["discountCode"],
                    "amount": _rest_amount(total),
                    "type": "fixed_amount",
                }
            ]
        else:
            entry.update(title=application["title"], description=None)
        return [entry], codes

    def _rest_order(self, order):
        currency = order["currencyCode"]
        totals = order["_totals"]
        applications, codes = self._rest_discounts(order, currency)
        fulfillment = {"FULFILLED": "fulfilled", "PARTIALLY_FULFILLED": "partial"}
        money = {
            "subtotal_price": totals["subtotal"],
            "current_subtotal_price": totals["subtotal"],
            "total_line_items_price": totals["line_items"],
            "total_discounts": totals["discounts"],
            "current_total_discounts": totals["discounts"],
            "total_tax": totals["tax"],
            "current_total_tax": totals["tax"],
            "total_price": totals["total"],
            "current_total_price": totals["total"],
            "total_shipping_price": totals["shipping"],
        }
        payload = {
            "id": legacy_id(order["id"]),
            "admin_graphql_api_id": order["id"],
            "name": order["name"],
            "number": order["number"],
            "order_number": 1000 + order["number"],
            "confirmation_number": order["confirmationNumber"],
            "token": order["_token"],
            "email": order["email"],
            "contact_email": order["email"],
            "phone": order["phone"],
            "created_at": _rest_time(order["createdAt"]),
            "updated_at": _rest_time(order["updatedAt"]),
            "processed_at": _rest_time(order["processedAt"]),
            "cancelled_at": _rest_time(order["cancelledAt"]),
            "cancel_reason": (order["cancelReason"] or "").lower() or None,
            "closed_at": _rest_time(order["closedAt"]),
            "confirmed": True,
            "test": order["test"],
            "currency": currency,
            "presentment_currency": currency,
            "financial_status": order["_financial_status"],
            "fulfillment_status": fulfillment.get(self._fulfillment_status(order)),
            "taxes_included": order["taxesIncluded"],
            "tax_exempt": False,
            "estimated_taxes": False,
            "source_name": order["sourceName"],
            "note": order["note"],
            "note_attributes": [],
            "tags": ", ".join(order["tags"]),
            "customer_locale": "en",
            "buyer_accepts_marketing": False,
            "payment_gateway_names": list(order["paymentGatewayNames"]),
            "order_status_url": order["statusPageUrl"](None),
            "total_outstanding": _rest_amount(
                order["totalOutstandingSet"]["shopMoney"]["amount"]
            ),
            "total_tip_received": "0.00",
            "total_weight": 0,
            "location_id": None,
            "user_id": None,
            "app_id": None,
            "po_number": None,
            "tax_lines": self._rest_taxes(totals["taxes"], currency),
            "discount_codes": codes,
            "discount_applications": applications,
            "customer": self._rest_customer(order["customer"]),
            "billing_address": self._rest_address(order["billingAddress"]),
            "shipping_address": self._rest_address(order["shippingAddress"]),
            "line_items": [self._rest_line(li, currency) for li in order["_lines"]],
            "shipping_lines": [
                self._rest_shipping_line(s, currency) for s in order["_shipping_lines"]
            ],
            "fulfillments": [self._rest_fulfillment(f) for f in order["_fulfillments"]],
            "refunds": [self._rest_refund(refund) for refund in order["refunds"]],
        }
        for key, value in money.items():
            if key != "total_shipping_price":
                payload[key] = _rest_amount(value)
            payload[f"{key}_set"] = _rest_set(value, currency)
        return payload

    def _refresh_payload(self, order):
        self.order_payloads[order["id"]] = self._rest_order(order)

    def _rest_fulfillment(self, fulfillment):
        tracking = fulfillment["_tracking"]
        order = fulfillment["order"]
        return {
            "id": legacy_id(fulfillment["id"]),
            "admin_graphql_api_id": fulfillment["id"],
            "order_id": legacy_id(order["id"]),
            "name": fulfillment["name"],
            "status": fulfillment["status"].lower(),
            "service": "manual",
            "shipment_status": None,
            "location_id": legacy_id(fulfillment["location"]["id"]),
            "created_at": _rest_time(fulfillment["createdAt"]),
            "updated_at": _rest_time(fulfillment["updatedAt"]),
            "tracking_company": tracking[0]["company"] if tracking else None,
            "tracking_number": tracking[0]["number"] if tracking else None,
            "tracking_numbers": [t["number"] for t in tracking if t["number"]],
            "tracking_url": tracking[0]["url"] if tracking else None,
            "tracking_urls": [t["url"] for t in tracking if t["url"]],
            "line_items": [
                dict(
                    self._rest_line(item["lineItem"], order["currencyCode"]),
                    quantity=item["quantity"],
                )
                for item in fulfillment["_items"]
            ],
        }

    # ------------------------------------------------------------------
    # webhooks
    # ------------------------------------------------------------------
    def _emit(self, topic, payload):
        self.outbox.append(
            Webhook(
                topic=topic,
                payload=copy.deepcopy(payload),
                event_id=str(uuid.uuid4()),
                webhook_id=str(uuid.uuid4()),
                triggered_at=datetime.now(UTC).isoformat(timespec="microseconds"),
            )
        )

    def signed_webhook(
        self, topic, payload, *, event_id=None, webhook_id=None, triggered_at=None
    ):
        """``(headers, body)`` of a webhook signed with the client secret."""
        if isinstance(payload, (bytes, bytearray)):
            body = bytes(payload)
        elif isinstance(payload, str):
            body = payload.encode("utf-8")
        else:
            body = json.dumps(
                payload, separators=(",", ":"), ensure_ascii=False
            ).encode("utf-8")
        digest = hmac.new(self.client_secret.encode("utf-8"), body, hashlib.sha256)
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Shopify-Captain-Hook",
            "X-Shopify-Topic": topic,
            "X-Shopify-Hmac-Sha256": base64.b64encode(digest.digest()).decode("ascii"),
            "X-Shopify-Shop-Domain": self.shop_domain,
            "X-Shopify-API-Version": self.api_version,
            "X-Shopify-Webhook-Id": webhook_id or str(uuid.uuid4()),
            "X-Shopify-Event-Id": event_id or str(uuid.uuid4()),
            "X-Shopify-Triggered-At": triggered_at
            or datetime.now(UTC).isoformat(timespec="microseconds"),
        }
        return headers, body

    def _destinations(self, webhook):
        wanted = graphql_topic(webhook.topic)
        return [
            subscription
            for subscription in self.webhook_subscriptions.values()
            if subscription["topic"] == wanted
            and subscription["uri"].startswith(("https://", "http://"))
        ]

    def deliver(self, url=None, session=None, *, force=False):
        """POST the due webhooks of the outbox; return the delivered ones.

        With ``url`` every webhook goes there; otherwise each goes to the
        HTTP subscriptions of its topic (and is dropped when there is none,
        as Shopify would never send it). A webhook answered with anything
        but 2xx (or not answered) stays in the outbox with the same event id
        and is due again 5 seconds later on the simulator's clock (``force``
        ignores that delay).
        """
        session = session or requests.Session()
        with self._lock:
            now = self._clock()
            due = [w for w in self.outbox if force or w.next_attempt_at <= now]
        delivered = []
        for webhook in due:
            if url:
                targets = [(url, None)]
            else:
                targets = [(s["uri"], s) for s in self._destinations(webhook)]
            ok = all(
                self._post(webhook, target, sub, session) for target, sub in targets
            )
            with self._lock:
                if ok:
                    if webhook in self.outbox:
                        self.outbox.remove(webhook)
                    delivered.append(webhook)
                else:
                    webhook.attempts += 1
                    webhook.next_attempt_at = self._clock() + WEBHOOK_RETRY_DELAY
        return delivered

    def _post(self, webhook, url, subscription, session):
        payload = webhook.payload
        fields = subscription and subscription.get("includeFields")
        if fields:
            payload = {k: v for k, v in payload.items() if k in fields}
        headers, body = self.signed_webhook(
            webhook.topic,
            payload,
            event_id=webhook.event_id,
            webhook_id=webhook.webhook_id,
            triggered_at=webhook.triggered_at,
        )
        status = error = None
        try:
            response = session.post(
                url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT
            )
            status = response.status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._lock:
            self.deliveries.append(
                Delivery(
                    url=url,
                    topic=webhook.topic,
                    event_id=webhook.event_id,
                    attempt=webhook.attempts + 1,
                    status=status,
                    error=error,
                )
            )
        return status is not None and 200 <= status < 300

    # ------------------------------------------------------------------
    # failures, throttling
    # ------------------------------------------------------------------
    @_locked
    def fail_next(self, n=1, status=503):
        """Answer the next ``n`` GraphQL requests with HTTP ``status``."""
        self._failures.extend([int(status)] * n)

    @_locked
    def throttle_status(self):
        """The bucket as reported in ``extensions.cost.throttleStatus``."""
        return self._bucket.status()

    # ------------------------------------------------------------------
    # query resolvers
    # ------------------------------------------------------------------
    def _q_node(self, info, id):
        record = self._lookup(id)
        if record is not None and record.get("__typename") == "BulkOperation":
            self._advance_bulk(record)
        return record

    def _q_nodes(self, info, ids):
        return [self._q_node(info, gid) for gid in ids]

    def _q_location(self, info, id=None):
        if id is None:
            return next(iter(self.locations.values()), None)
        return self._typed(id, "Location")

    def _q_locations(self, info, **args):
        records = list(self.locations.values())
        if not args.get("includeInactive"):
            records = [r for r in records if r["isActive"]]
        records = [
            r
            for r in records
            if _matches(
                r,
                _search_terms(args.get("query")),
                {
                    "name": lambda r: r["name"],
                    "active": lambda r: str(r["isActive"]).lower(),
                    "id": lambda r: legacy_id(r["id"]),
                },
                lambda r: r["name"],
            )
        ]
        if args.get("sortKey") == "ID":
            return sorted(records, key=lambda r: legacy_id(r["id"]))
        return sorted(records, key=lambda r: (r["name"].lower(), legacy_id(r["id"])))

    def _order_getters(self):
        return {
            "updated_at": lambda o: _parse_time(o["updatedAt"]),
            "created_at": lambda o: _parse_time(o["createdAt"]),
            "processed_at": lambda o: _parse_time(o["processedAt"]),
            "name": lambda o: [o["name"], o["name"].lstrip("#")],
            "id": lambda o: legacy_id(o["id"]),
            "email": lambda o: o["email"],
            "financial_status": lambda o: o["_financial_status"],
            "fulfillment_status": lambda o: {
                "UNFULFILLED": ["unfulfilled", "unshipped"],
                "PARTIALLY_FULFILLED": ["partial", "unfulfilled"],
                "FULFILLED": ["fulfilled", "shipped"],
            }.get(self._fulfillment_status(o), []),
            "status": lambda o: (
                "cancelled"
                if o["cancelledAt"]
                else ("closed" if o["closed"] else "open")
            ),
            "tag": lambda o: o["tags"],
            "sku": lambda o: [li["sku"] for li in o["_lines"] if li["sku"]],
            "test": lambda o: str(o["test"]).lower(),
        }

    def _q_orders(self, info, **args):
        terms = _search_terms(args.get("query"))
        getters = self._order_getters()
        records = [
            o
            for o in self.orders.values()
            if _matches(o, terms, getters, lambda o: f"{o['name']} {o['email'] or ''}")
        ]
        keys = {
            "CREATED_AT": lambda o: o["createdAt"],
            "UPDATED_AT": lambda o: o["updatedAt"],
            "PROCESSED_AT": lambda o: o["processedAt"],
            "ORDER_NUMBER": lambda o: o["number"],
            "TOTAL_PRICE": lambda o: o["_totals"]["total"],
            "CURRENT_TOTAL_PRICE": lambda o: o["_totals"]["total"],
        }
        key = keys.get(args.get("sortKey") or "PROCESSED_AT", lambda o: 0)
        return sorted(records, key=lambda o: (key(o), legacy_id(o["id"])))

    def _q_products(self, info, **args):
        terms = _search_terms(args.get("query"))
        getters = {
            "sku": lambda p: [v["sku"] for v in p["variants"] if v["sku"]],
            "barcode": lambda p: [v["barcode"] for v in p["variants"] if v["barcode"]],
            "handle": lambda p: p["handle"],
            "title": lambda p: p["title"],
            "status": lambda p: p["status"],
            "vendor": lambda p: p["vendor"],
            "product_type": lambda p: p["productType"],
            "tag": lambda p: p["tags"],
            "id": lambda p: legacy_id(p["id"]),
            "updated_at": lambda p: _parse_time(p["updatedAt"]),
            "created_at": lambda p: _parse_time(p["createdAt"]),
        }
        records = [
            p
            for p in self.products.values()
            if _matches(p, terms, getters, lambda p: p["title"])
        ]
        keys = {
            "TITLE": lambda p: p["title"].lower(),
            "UPDATED_AT": lambda p: p["updatedAt"],
            "CREATED_AT": lambda p: p["createdAt"],
            "VENDOR": lambda p: p["vendor"],
        }
        key = keys.get(args.get("sortKey") or "ID", lambda p: 0)
        return sorted(records, key=lambda p: (key(p), legacy_id(p["id"])))

    def _q_product_variants(self, info, **args):
        terms = _search_terms(args.get("query"))
        getters = {
            "sku": lambda v: v["sku"],
            "barcode": lambda v: v["barcode"],
            "title": lambda v: v["title"],
            "product_id": lambda v: legacy_id(v["product"]["id"]),
            "id": lambda v: legacy_id(v["id"]),
            "updated_at": lambda v: _parse_time(v["updatedAt"]),
        }
        records = [
            v
            for v in self.variants.values()
            if _matches(
                v, terms, getters, lambda v: f"{v['product']['title']} {v['sku']}"
            )
        ]
        if args.get("sortKey") == "SKU":
            return sorted(records, key=lambda v: (v["sku"] or "", legacy_id(v["id"])))
        return sorted(records, key=lambda v: legacy_id(v["id"]))

    def _q_inventory_items(self, info, **args):
        terms = _search_terms(args.get("query"))
        getters = {
            "sku": lambda i: i["variant"]["sku"],
            "id": lambda i: legacy_id(i["id"]),
            "updated_at": lambda i: _parse_time(i["updatedAt"]),
        }
        return [
            i
            for i in self.inventory_items.values()
            if _matches(i, terms, getters, lambda i: i["variant"]["sku"] or "")
        ]

    def _q_webhook_subscriptions(self, info, **args):
        records = list(self.webhook_subscriptions.values())
        if args.get("topics"):
            records = [r for r in records if r["topic"] in args["topics"]]
        uri = args.get("uri") or args.get("callbackUrl")
        if uri:
            records = [r for r in records if r["uri"] == uri]
        if args.get("format"):
            records = [r for r in records if r["format"] == args["format"]]
        return sorted(records, key=lambda r: (r["createdAt"], legacy_id(r["id"])))

    def _q_bulk_operation(self, info, id):
        record = self._typed(id, "BulkOperation")
        if record is not None:
            self._advance_bulk(record)
        return record

    def _q_current_bulk_operation(self, info, type="QUERY"):
        operations = [o for o in self.bulk_operations.values() if o["type"] == type]
        if not operations:
            return None
        self._advance_bulk(operations[-1])
        return operations[-1]

    # ------------------------------------------------------------------
    # webhook subscription mutations
    # ------------------------------------------------------------------
    @staticmethod
    def _endpoint(uri):
        if uri.startswith("pubsub://"):
            project, _sep, topic = uri[len("pubsub://") :].partition(":")
            return {
                "__typename": "WebhookPubSubEndpoint",
                "pubSubProject": project,
                "pubSubTopic": topic,
            }
        if uri.startswith("arn:"):
            return {"__typename": "WebhookEventBridgeEndpoint", "arn": uri}
        return {"__typename": "WebhookHttpEndpoint", "callbackUrl": uri}

    def _check_subscription(self, data, topic, current=None):
        uri = data.get("uri") or data.get("callbackUrl")
        if current is not None and uri is None:
            uri = current["uri"]
        path = ["webhookSubscription", "uri" if "uri" in data else "callbackUrl"]
        if not uri:
            return uri, [_user_error(path, "Address can't be blank")]
        parts = urlsplit(uri)
        loopback = parts.scheme == "http" and parts.hostname in (
            "localhost",
            "127.0.0.1",
            "::1",
        )
        valid = (
            (parts.scheme == "https" and parts.hostname)
            or loopback
            or re.match(r"^pubsub://[\w.-]+:[\w.-]+$", uri)
            or uri.startswith("arn:aws:events:")
        )
        if not valid:
            return uri, [
                _user_error(path, "Address protocol http:// is not supported")
                if parts.scheme == "http"
                else _user_error(path, "Address is invalid")
            ]
        if (data.get("format") or "JSON") != "JSON":
            return uri, [
                _user_error(
                    ["webhookSubscription", "format"],
                    "The simulator sends JSON webhooks only.",
                )
            ]
        for other in self.webhook_subscriptions.values():
            if other is not current and other["topic"] == topic and other["uri"] == uri:
                return uri, [
                    _user_error(path, "Address for this topic has already been taken")
                ]
        return uri, []

    def _m_webhook_subscription_create(self, info, topic, webhookSubscription):
        data = webhookSubscription
        uri, errors = self._check_subscription(data, topic)
        if errors:
            return {"webhookSubscription": None, "userErrors": errors}
        gid = self._gid("WebhookSubscription")
        stamp = self._stamp()
        record = {
            "__typename": "WebhookSubscription",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "topic": topic,
            "format": "JSON",
            "createdAt": stamp,
            "updatedAt": stamp,
            "apiVersion": {
                "handle": self.api_version,
                "displayName": self.api_version,
                "supported": True,
            },
            "metafields": [],
        }
        self._apply_subscription(record, data, uri)
        self.webhook_subscriptions[gid] = self._register(record)
        return {"webhookSubscription": record, "userErrors": []}

    def _apply_subscription(self, record, data, uri):
        record["uri"] = uri
        record["callbackUrl"] = uri if uri.startswith("http") else ""
        record["endpoint"] = self._endpoint(uri)
        for key, default in (
            ("filter", None),
            ("name", None),
            ("includeFields", []),
            ("metafieldNamespaces", []),
        ):
            if key in data or key not in record:
                value = data.get(key, default)
                record[key] = list(value) if isinstance(value, list) else value
        if record["includeFields"] is None:
            record["includeFields"] = []
        if record["metafieldNamespaces"] is None:
            record["metafieldNamespaces"] = []

    def _m_webhook_subscription_update(self, info, id, webhookSubscription):
        record = self.webhook_subscriptions.get(id)
        if record is None:
            return {
                "webhookSubscription": None,
                "userErrors": [
                    _user_error(["id"], "Webhook subscription does not exist")
                ],
            }
        uri, errors = self._check_subscription(
            webhookSubscription, record["topic"], current=record
        )
        if errors:
            return {"webhookSubscription": None, "userErrors": errors}
        self._apply_subscription(record, webhookSubscription, uri)
        record["updatedAt"] = self._stamp()
        return {"webhookSubscription": record, "userErrors": []}

    def _m_webhook_subscription_delete(self, info, id):
        record = self.webhook_subscriptions.pop(id, None)
        if record is None:
            return {
                "deletedWebhookSubscriptionId": None,
                "userErrors": [
                    _user_error(["id"], "Webhook subscription does not exist")
                ],
            }
        self._nodes.pop(id, None)
        return {"deletedWebhookSubscriptionId": id, "userErrors": []}

    # ------------------------------------------------------------------
    # product mutation
    # ------------------------------------------------------------------
    def _m_product_set(self, info, input, identifier=None, synchronous=True):
        product, errors = self._product_set(input, identifier)
        if synchronous is False:
            operation = {
                "__typename": "ProductSetOperation",
                "id": self._gid("ProductSetOperation"),
                "status": "COMPLETE",
                "product": product,
                "userErrors": errors,
            }
            self._register(operation)
            return {"product": None, "productSetOperation": operation, "userErrors": []}
        return {"product": product, "productSetOperation": None, "userErrors": errors}

    # ------------------------------------------------------------------
    # inventory mutation
    # ------------------------------------------------------------------
    @staticmethod
    def _idempotency_key(info):
        directive = info.schema.get_directive("idempotent")
        values = None
        if directive is not None:
            values = get_directive_values(
                directive, info.field_nodes[0], info.variable_values
            )
        key = (values or {}).get("key")
        if not isinstance(key, str) or not key.strip():
            raise GraphQLError(
                f"{info.field_name} requires an idempotency key: add "
                "@idempotent(key: ...) with a non-blank key to the field.",
                info.field_nodes,
            )
        return key

    def _m_inventory_set_quantities(self, info, input):
        key = self._idempotency_key(info)
        fingerprint = json.dumps(input, sort_keys=True, default=str)
        stored = self._idempotency.get((info.field_name, key))
        if stored is not None:
            if stored[0] != fingerprint:
                return {
                    "inventoryAdjustmentGroup": None,
                    "userErrors": [
                        _user_error(
                            ["input"],
                            "The idempotency key was already used with other "
                            "parameters.",
                            "IDEMPOTENCY_KEY_PARAMETER_MISMATCH",
                        )
                    ],
                }
            return stored[1]
        result = self._set_quantities(input)
        self._idempotency[(info.field_name, key)] = (fingerprint, result)
        return result

    def _check_quantity(self, index, entry, name, seen):
        """Validate one quantity; return ``(plan entry or None, errors)``."""
        path = ["input", "quantities", str(index)]
        item = self.inventory_items.get(entry["inventoryItemId"])
        location = self.locations.get(entry["locationId"])
        if item is None:
            return None, [
                _user_error(
                    [*path, "inventoryItemId"],
                    "The specified inventory item could not be found.",
                    "INVALID_INVENTORY_ITEM",
                )
            ]
        if location is None:
            return None, [
                _user_error(
                    [*path, "locationId"],
                    "The specified location could not be found.",
                    "INVALID_LOCATION",
                )
            ]
        pair = (item["id"], location["id"])
        errors = []
        if pair in seen:
            errors.append(
                _user_error(
                    path,
                    "An inventory item and location pair can appear only once.",
                    "NO_DUPLICATE_INVENTORY_ITEM_ID_GROUP_ID_PAIR",
                )
            )
        seen.add(pair)
        quantity = entry["quantity"]
        if quantity < 0:
            errors.append(
                _user_error(
                    [*path, "quantity"],
                    "The quantity can't be negative.",
                    "INVALID_QUANTITY_NEGATIVE",
                )
            )
        elif quantity > 1_000_000_000:
            errors.append(
                _user_error(
                    [*path, "quantity"],
                    "The quantity can't be higher than 1,000,000,000.",
                    "INVALID_QUANTITY_TOO_HIGH",
                )
            )
        current = self._quantity(self.levels.get(pair), name)
        if "changeFromQuantity" not in entry:
            errors.append(
                _user_error(
                    [*path, "changeFromQuantity"],
                    "changeFromQuantity is required: pass the quantity you expect, "
                    "or null to skip the compare-and-swap check.",
                    "COMPARE_QUANTITY_REQUIRED",
                )
            )
        elif entry["changeFromQuantity"] is not None and (
            entry["changeFromQuantity"] != current
        ):
            errors.append(
                _user_error(
                    [*path, "changeFromQuantity"],
                    "The quantity couldn't be set because changeFromQuantity "
                    f"({entry['changeFromQuantity']}) no longer matches the current "
                    f"quantity ({current}).",
                    "CHANGE_FROM_QUANTITY_STALE",
                )
            )
        return (item, location, quantity), errors

    def _set_quantities(self, data):
        name, reason = data["name"], data["reason"]
        errors = []
        if name not in ("available", "on_hand"):
            errors.append(
                _user_error(
                    ["input", "name"],
                    "The quantity name must be available or on_hand.",
                    "INVALID_NAME",
                )
            )
        if reason not in INVENTORY_REASONS:
            errors.append(
                _user_error(
                    ["input", "reason"],
                    f"The reason {reason!r} is not a valid reason.",
                    "INVALID_REASON",
                )
            )
        plan, seen = [], set()
        for index, entry in enumerate(data["quantities"]):
            step, step_errors = self._check_quantity(
                index, entry, name if not errors else "available", seen
            )
            errors.extend(step_errors)
            if step is not None:
                plan.append(step)
        if errors:
            return {"inventoryAdjustmentGroup": None, "userErrors": errors}
        changes = []
        for item, location, quantity in plan:
            level = self._level(item, location)
            before = {n: self._quantity(level, n) for n in ("available", "on_hand")}
            self._change_quantity(level, name, quantity)
            for changed in (name, "on_hand" if name == "available" else "available"):
                delta = self._quantity(level, changed) - before[changed]
                if changed == name or delta:
                    changes.append(
                        {
                            "__typename": "InventoryChange",
                            "name": changed,
                            "delta": delta,
                            "quantityAfterChange": self._quantity(level, changed),
                            "item": item,
                            "location": location,
                            "ledgerDocumentUri": None,
                        }
                    )
            if self._quantity(level, "available") != before["available"]:
                self._emit_level(level)
        group = {
            "__typename": "InventoryAdjustmentGroup",
            "id": self._gid("InventoryAdjustmentGroup"),
            "createdAt": self._stamp(),
            "reason": reason,
            "referenceDocumentUri": data.get("referenceDocumentUri"),
            "changes": changes,
            "app": None,
            "staffMember": None,
        }
        return {"inventoryAdjustmentGroup": group, "userErrors": []}

    # ------------------------------------------------------------------
    # fulfilment mutations
    # ------------------------------------------------------------------
    def _check_fulfillment_group(self, index, group):
        """Validate one lineItemsByFulfillmentOrder entry: ``(plan, errors)``."""
        path = ["fulfillment", "lineItemsByFulfillmentOrder", str(index)]
        fulfillment_order = self.fulfillment_orders.get(group["fulfillmentOrderId"])
        if fulfillment_order is None:
            return None, [
                _user_error(
                    [*path, "fulfillmentOrderId"], "Fulfillment order does not exist."
                )
            ]
        if fulfillment_order["status"] not in ("OPEN", "IN_PROGRESS"):
            return None, [
                _user_error(
                    [*path, "fulfillmentOrderId"],
                    f"Fulfillment order {fulfillment_order['id']} has an "
                    f"unfulfillable status= {fulfillment_order['status'].lower()}.",
                )
            ]
        lines = {line["id"]: line for line in fulfillment_order["_lines"]}
        requested = group.get("fulfillmentOrderLineItems")
        if not requested:
            requested = [
                {"id": line["id"], "quantity": line["remainingQuantity"]}
                for line in fulfillment_order["_lines"]
                if line["remainingQuantity"]
            ]
        wanted, errors = {}, []
        for position, entry in enumerate(requested):
            line = lines.get(entry["id"])
            entry_path = [*path, "fulfillmentOrderLineItems", str(position)]
            if line is None:
                errors.append(
                    _user_error(
                        [*entry_path, "id"],
                        "Fulfillment order line item does not exist.",
                    )
                )
                continue
            wanted[line["id"]] = wanted.get(line["id"], 0) + entry["quantity"]
            if entry["quantity"] <= 0 or wanted[line["id"]] > line["remainingQuantity"]:
                errors.append(
                    _user_error(
                        [*entry_path, "quantity"],
                        "Invalid fulfillment order line item quantity requested.",
                    )
                )
        return (fulfillment_order, [(lines[i], q) for i, q in wanted.items()]), errors

    def _m_fulfillment_create(self, info, fulfillment, message=None):
        groups = fulfillment["lineItemsByFulfillmentOrder"]
        plans, errors = [], []
        if not groups:
            errors.append(
                _user_error(
                    ["fulfillment", "lineItemsByFulfillmentOrder"],
                    "At least one fulfillment order is required.",
                )
            )
        for index, group in enumerate(groups):
            plan, group_errors = self._check_fulfillment_group(index, group)
            errors.extend(group_errors)
            if plan is not None:
                plans.append(plan)
        orders = {fo["order"]["id"] for fo, _items in plans}
        locations = {fo["assignedLocation"]["location"]["id"] for fo, _items in plans}
        if not errors and (len(orders) > 1 or len(locations) > 1):
            errors.append(
                _user_error(
                    ["fulfillment", "lineItemsByFulfillmentOrder"],
                    "All fulfillment orders must belong to the same order and "
                    "be assigned to the same location.",
                )
            )
        if not errors and not any(items for _fo, items in plans):
            errors.append(
                _user_error(
                    ["fulfillment", "lineItemsByFulfillmentOrder"],
                    "There is nothing left to fulfill.",
                )
            )
        if errors:
            return {"fulfillment": None, "userErrors": errors}
        record = self._create_fulfillment(plans, fulfillment)
        return {"fulfillment": record, "userErrors": []}

    @staticmethod
    def _tracking(data):
        data = data or {}
        numbers = list(
            data.get("numbers") or ([data["number"]] if data.get("number") else [])
        )
        urls = list(data.get("urls") or ([data["url"]] if data.get("url") else []))
        company = data.get("company")
        count = max(len(numbers), len(urls), 1 if company else 0)
        return [
            {
                "company": company,
                "number": numbers[i] if i < len(numbers) else None,
                "url": urls[i] if i < len(urls) else None,
            }
            for i in range(count)
        ]

    def _create_fulfillment(self, plans, data):
        order = plans[0][0]["order"]
        location = plans[0][0]["assignedLocation"]["location"]
        gid = self._gid("Fulfillment")
        stamp = self._stamp()
        items = []
        for fulfillment_order, wanted in plans:
            for fo_line, quantity in wanted:
                fo_line["remainingQuantity"] -= quantity
                line = fo_line["lineItem"]
                if fo_line["variant"] is not None:
                    level = self._level(fo_line["variant"]["inventoryItem"], location)
                    level["_q"]["committed"] -= quantity
                    level["updatedAt"] = stamp
                items.append(
                    {
                        "__typename": "FulfillmentLineItem",
                        "id": self._gid("FulfillmentLineItem"),
                        "quantity": quantity,
                        "lineItem": line,
                        "originalTotalSet": _bag(
                            line["_price"] * quantity, order["currencyCode"]
                        ),
                        "discountedTotalSet": _bag(
                            line["_price"] * quantity
                            - line["_discount"] / line["quantity"] * quantity,
                            order["currencyCode"],
                        ),
                    }
                )
            remaining = sum(
                li["remainingQuantity"] for li in fulfillment_order["_lines"]
            )
            fulfillment_order["status"] = "CLOSED" if not remaining else "IN_PROGRESS"
            fulfillment_order["updatedAt"] = stamp
        record = {
            "__typename": "Fulfillment",
            "id": gid,
            "legacyResourceId": str(legacy_id(gid)),
            "name": f"{order['name']}-F{len(order['_fulfillments']) + 1}",
            "status": "SUCCESS",
            "displayStatus": "FULFILLED",
            "createdAt": stamp,
            "updatedAt": stamp,
            "deliveredAt": None,
            "inTransitAt": None,
            "estimatedDeliveryAt": None,
            "requiresShipping": True,
            "order": order,
            "location": location,
            "totalQuantity": sum(item["quantity"] for item in items),
            "_items": items,
            "_tracking": self._tracking(data.get("trackingInfo")),
            "_notify": bool(data.get("notifyCustomer")),
            "_fulfillment_orders": [fo for fo, _wanted in plans],
        }
        record["trackingInfo"] = lambda info, first=None: record["_tracking"][:first]
        record["fulfillmentLineItems"] = lambda info, **_: record["_items"]
        record["fulfillmentOrders"] = lambda info, **_: record["_fulfillment_orders"]
        self.fulfillments[gid] = self._register(record)
        for fulfillment_order, _wanted in plans:
            fulfillment_order["_fulfillments"].append(record)
        order["_fulfillments"].append(record)
        if self._remaining(order) == 0 and order["_financial_status"] == "paid":
            order["closed"], order["closedAt"] = True, stamp
        order["updatedAt"] = self._stamp(strict=True)
        self._refresh_payload(order)
        self._emit("fulfillments/create", self._rest_fulfillment(record))
        self._emit("orders/updated", self.order_payloads[order["id"]])
        return record

    def _m_fulfillment_tracking_update(
        self, info, fulfillmentId, trackingInfoInput, notifyCustomer=None
    ):
        record = self.fulfillments.get(fulfillmentId)
        if record is None:
            return {
                "fulfillment": None,
                "userErrors": [
                    _user_error(["fulfillmentId"], "Fulfillment does not exist.")
                ],
            }
        if record["status"] == "CANCELLED":
            return {
                "fulfillment": None,
                "userErrors": [
                    _user_error(
                        ["fulfillmentId"],
                        "The tracking of a cancelled fulfillment cannot change.",
                    )
                ],
            }
        record["_tracking"] = self._tracking(trackingInfoInput)
        if notifyCustomer is not None:
            record["_notify"] = bool(notifyCustomer)
        record["updatedAt"] = self._stamp()
        order = record["order"]
        self._refresh_payload(order)
        self._emit("fulfillments/update", self._rest_fulfillment(record))
        return {"fulfillment": record, "userErrors": []}

    # ------------------------------------------------------------------
    # bulk operations
    # ------------------------------------------------------------------
    def _bulk_query_errors(self, query):
        try:
            document = graphql.parse(query)
        except GraphQLError as exc:
            return [exc.message]
        errors = [e.message for e in graphql.validate(self.schema, document)]
        if errors:
            return errors
        operations = [
            d
            for d in document.definitions
            if isinstance(d, graphql.OperationDefinitionNode)
        ]
        if len(operations) != 1 or operations[0].operation != OperationType.QUERY:
            return ["A bulk query must hold exactly one query operation."]
        fields = [
            s
            for s in operations[0].selection_set.selections
            if isinstance(s, FieldNode)
        ]
        if len(fields) != 1:
            return ["A bulk query must select exactly one top-level field."]
        definition = self.schema.query_type.fields[fields[0].name.value]
        if not _is_connection(get_named_type(definition.type)):
            return ["Bulk queries must contain at least one connection."]
        return []

    def _m_bulk_operation_run_query(self, info, query, groupObjects=False):
        errors = self._bulk_query_errors(query)
        if errors:
            return {
                "bulkOperation": None,
                "userErrors": [_user_error(["query"], m, "INVALID") for m in errors],
            }
        for operation in self.bulk_operations.values():
            if operation["type"] == "QUERY" and operation["status"] in (
                "CREATED",
                "RUNNING",
            ):
                return {
                    "bulkOperation": None,
                    "userErrors": [
                        _user_error(
                            None,
                            "A bulk query operation for this app and shop is already "
                            f"in progress: {operation['id']}.",
                            "OPERATION_IN_PROGRESS",
                        )
                    ],
                }
        gid = self._gid("BulkOperation")
        record = {
            "__typename": "BulkOperation",
            "id": gid,
            "type": "QUERY",
            "status": "CREATED",
            "query": query,
            "createdAt": self._stamp(),
            "completedAt": None,
            "errorCode": None,
            "url": None,
            "partialDataUrl": None,
            "fileSize": None,
            "objectCount": "0",
            "rootObjectCount": "0",
        }
        self.bulk_operations[gid] = self._register(record)
        return {"bulkOperation": record, "userErrors": []}

    def _advance_bulk(self, record):
        """One step per read: CREATED -> RUNNING -> COMPLETED (or FAILED)."""
        if record["status"] == "CREATED":
            record["status"] = "RUNNING"
        elif record["status"] == "RUNNING":
            self._run_bulk(record)

    @_locked
    def complete_bulk_operations(self):
        """Finish every pending bulk operation at once."""
        for record in self.bulk_operations.values():
            while record["status"] in ("CREATED", "RUNNING"):
                self._advance_bulk(record)

    def _run_bulk(self, record):
        result = graphql.execute_sync(
            self.schema,
            graphql.parse(record["query"]),
            root_value=self._query_root,
            context_value=_Context(bulk=True),
            field_resolver=_resolve_field,
            type_resolver=_resolve_type,
        )
        stamp = self._stamp()
        if result.errors or not result.data:
            record.update(
                status="FAILED", errorCode="INTERNAL_SERVER_ERROR", completedAt=stamp
            )
        else:
            lines, roots = self._jsonl(result.data)
            body = "".join(
                json.dumps(line, separators=(",", ":")) + "\n" for line in lines
            )
            number = legacy_id(record["id"])
            self._bulk_files[number] = body.encode("utf-8")
            record.update(
                status="COMPLETED",
                completedAt=stamp,
                objectCount=str(len(lines)),
                rootObjectCount=str(roots),
                fileSize=str(len(self._bulk_files[number])) if lines else None,
                url=f"{self.base_url}/simulator/bulk/{number}.jsonl" if lines else None,
            )
        self._emit(
            "bulk_operations/finish",
            {
                "admin_graphql_api_id": record["id"],
                "completed_at": _rest_time(record["completedAt"]),
                "created_at": _rest_time(record["createdAt"]),
                "error_code": (record["errorCode"] or "").lower() or None,
                "status": record["status"].lower(),
                "type": "query",
            },
        )

    @staticmethod
    def _connection_items(value):
        if not isinstance(value, Mapping) or not set(value) <= {
            "edges",
            "nodes",
            "pageInfo",
        }:
            return None
        if isinstance(value.get("edges"), list):
            return [edge.get("node") for edge in value["edges"]]
        if isinstance(value.get("nodes"), list):
            return value["nodes"]
        return None

    def _jsonl(self, data):
        """Flatten a bulk result: each object of a connection on its own line."""
        lines = []

        def emit(node, parent_id):
            if not isinstance(node, Mapping):
                return
            line, children = {}, []
            for key, value in node.items():
                items = self._connection_items(value)
                if items is None:
                    line[key] = value
                else:
                    children.append(items)
            if parent_id is not None:
                line["__parentId"] = parent_id
            lines.append(line)
            for items in children:
                for child in items:
                    emit(child, node.get("id"))

        roots = 0
        for value in data.values():
            for node in self._connection_items(value) or []:
                roots += 1
                emit(node, None)
        return lines, roots

    # ------------------------------------------------------------------
    # HTTP
    # ------------------------------------------------------------------
    def _respond(self, status, payload, extra=None):
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Shopify-API-Version": self.api_version,
            "X-Request-Id": str(uuid.uuid4()),
        }
        headers.update(extra or {})
        return status, headers, json.dumps(payload).encode("utf-8")

    def _log(self, operation, variables, *, cost, actual, status, outcome):
        self.calls.append(
            Call(
                operation=operation,
                variables=copy.deepcopy(variables)
                if isinstance(variables, dict)
                else {},
                cost=cost,
                actual_cost=actual,
                status=status,
                outcome=outcome,
                at=self._clock(),
            )
        )

    def _cost_block(self, requested, actual):
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": self._bucket.status(),
        }

    def handle(self, method, path, headers, body):
        """Answer one HTTP request: ``(status, headers, body bytes)``."""
        with self._lock:
            return self._handle(method.upper(), path, headers or {}, body or b"")

    def _handle(self, method, path, headers, body):
        route = urlsplit(path).path
        bulk = _BULK_PATH.match(route)
        if bulk and method == "GET":
            content = self._bulk_files.get(int(bulk["id"]))
            if content is None:
                return self._respond(404, {"errors": "Not Found"})
            return 200, {"Content-Type": "application/jsonl"}, content
        match = _GRAPHQL_PATH.match(route)
        if not match:
            return self._respond(404, {"errors": "Not Found"})
        if match["version"] != self.api_version:
            self._log(None, {}, cost=0, actual=None, status=404, outcome="not_found")
            return self._respond(
                404,
                {
                    "errors": f"Not Found: this simulator serves API version "
                    f"{self.api_version}, not {match['version']}"
                },
            )
        token = next(
            (v for k, v in headers.items() if k.lower() == "x-shopify-access-token"), ""
        )
        if not token or not hmac.compare_digest(
            str(token).encode(), self.access_token.encode()
        ):
            self._log(None, {}, cost=0, actual=None, status=401, outcome="unauthorized")
            return self._respond(401, {"errors": INVALID_TOKEN})
        if method != "POST":
            return self._respond(
                405, {"errors": "Method Not Allowed"}, {"Allow": "POST"}
            )
        if self._failures:
            status = self._failures.pop(0)
            self._log(
                None, {}, cost=0, actual=None, status=status, outcome="injected_failure"
            )
            extra = {"Retry-After": "1"} if status in (429, 503) else {}
            return self._respond(
                status, {"errors": http.HTTPStatus(status).phrase}, extra
            )
        try:
            payload = json.loads(
                body.decode("utf-8") if isinstance(body, bytes) else body
            )
        except (UnicodeDecodeError, ValueError):
            payload = None
        query = payload.get("query") if isinstance(payload, dict) else None
        variables = (
            payload.get("variables") if isinstance(payload, dict) else None
        ) or {}
        if (
            not isinstance(query, str)
            or not query.strip()
            or not isinstance(variables, dict)
        ):
            self._log(None, {}, cost=0, actual=None, status=400, outcome="bad_request")
            return self._respond(
                400, {"errors": {"query": "Required parameter missing or invalid"}}
            )
        return self._graphql(query, variables, payload.get("operationName"))

    def _invalid(self, errors, name, variables, requested=0):
        self._log(
            name, variables, cost=requested, actual=0, status=200, outcome="invalid"
        )
        return self._respond(
            200,
            {"errors": errors, "extensions": {"cost": self._cost_block(requested, 0)}},
        )

    def _graphql(self, query, variables, operation_name):
        try:
            document = graphql.parse(query)
        except GraphQLError as exc:
            return self._invalid([exc.formatted], operation_name, variables)
        errors = graphql.validate(self.schema, document)
        if errors:
            return self._invalid(
                [e.formatted for e in errors], operation_name, variables
            )
        operation = graphql.utilities.get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"No operation named {operation_name!r}."
                if operation_name
                else "An operation name is required when sending several operations."
            )
            return self._invalid([{"message": message}], operation_name, variables)
        name = operation_name or (operation.name.value if operation.name else None)
        estimator = _Cost(self.schema, document, variables)
        requested = estimator.operation(operation)
        if requested > self.max_query_cost:
            self._log(
                name,
                variables,
                cost=requested,
                actual=None,
                status=200,
                outcome="max_cost",
            )
            return self._respond(
                200,
                {
                    "errors": [
                        {
                            "message": f"Query cost is {requested}, which exceeds the "
                            f"single query max cost limit ({self.max_query_cost}).",
                            "extensions": {
                                "code": "MAX_COST_EXCEEDED",
                                "cost": requested,
                                "maxCost": self.max_query_cost,
                            },
                        }
                    ]
                },
            )
        if not self._bucket.take(requested):
            self._log(
                name,
                variables,
                cost=requested,
                actual=None,
                status=200,
                outcome="throttled",
            )
            return self._respond(
                200,
                {
                    "errors": [
                        {
                            "message": "Throttled",
                            "extensions": {
                                "code": "THROTTLED",
                                "documentation": THROTTLE_DOCUMENTATION,
                            },
                        }
                    ],
                    "extensions": {"cost": self._cost_block(requested, None)},
                },
            )
        mutation = operation.operation == OperationType.MUTATION
        result = graphql.execute_sync(
            self.schema,
            document,
            root_value=self._mutation_root if mutation else self._query_root,
            context_value=_Context(),
            variable_values=variables,
            operation_name=operation_name,
            field_resolver=_resolve_field,
            type_resolver=_resolve_type,
        )
        actual = 0
        if result.data is not None:
            actual = min(requested, estimator.operation(operation, result.data))
        self._bucket.refund(requested - actual)
        response = {}
        if result.errors:
            response["errors"] = [e.formatted for e in result.errors]
        if result.data is not None or not result.errors:
            response["data"] = result.data
        response["extensions"] = {"cost": self._cost_block(requested, actual)}
        self._log(
            name, variables, cost=requested, actual=actual, status=200, outcome="ok"
        )
        return self._respond(200, response)
