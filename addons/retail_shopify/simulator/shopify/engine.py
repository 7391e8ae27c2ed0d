"""The GraphQL engine: execution over dict records, pagination, search, cost.

:class:`GraphQLEndpoint` answers ``POST /admin/api/<version>/graphql.json``
the way Shopify does:

- the access token is checked (HTTP 401 with Shopify's message otherwise);
  then an injected fault, if any, answers instead (``sim.fail_next``), but
  a :class:`SpentBucket` (``sim.spend_bucket_next``), which spends the cost
  bucket before the call is charged: the bucket answers it ``THROTTLED``;
- every document is parsed and validated against Shopify's published schema
  of the version (:mod:`..schema`); validation errors are answered with HTTP
  200, an ``errors`` list and no ``data``;
- the requested cost is estimated, charged to a leaky bucket and the unused
  part refunded after execution; a request the bucket cannot afford is
  answered ``THROTTLED`` (HTTP 200) and a request above the single query
  limit ``MAX_COST_EXCEEDED``; every answer carries ``extensions.cost``;
- the document is executed by graphql-core against in-memory records shaped
  like the GraphQL types, so any valid selection on them is answered;
- every request is logged in ``sim.calls`` (:class:`GraphQLCall`).

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
type; a root field it does not implement is an error. Search queries
(``query: "updated_at:>='...' status:open"``) are parsed by
:func:`_search_terms` and matched by :func:`_matches`.
"""

import base64
import copy
import hmac
import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

import graphql
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
from graphql.execution.values import get_argument_values

from odoo.addons.retail_connector_base.simulator import Call, Fault, locked

from .values import _parse_time

MAX_QUERY_COST = 1000
MUTATION_COST = 10
CONNECTION_COST = 2
MAX_PAGE_SIZE = 250
THROTTLE_DOCUMENTATION = "https://shopify.dev/api/usage/rate-limits"
INVALID_TOKEN = (
    "[API] Invalid API key or access token (unrecognized login or wrong password)"
)


_GRAPHQL_PATH = re.compile(r"^/admin/api/(?P<version>[^/]+)/graphql\.json$")
_SEARCH_TERM = re.compile(
    r"(?P<neg>-)?(?:(?P<field>[a-z_]+):(?P<op><=|>=|<|>)?)?"
    r"(?:\"(?P<dq>[^\"]*)\"|'(?P<sq>[^']*)'|(?P<bare>\S+))"
)


_MISSING = object()
_STATIC = object()
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


def _is_connection(named_type):
    return isinstance(named_type, GraphQLObjectType) and named_type.name.endswith(
        "Connection"
    )


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

    def spend_to(self, level):
        """Leave ``level`` points at most (other apps spent the others)."""
        self._restore()
        self.level = max(0.0, min(self.level, float(level)))

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


@dataclass(frozen=True)
class SpentBucket(Fault):
    """An injected fault of the GraphQL endpoint: the call finds the shop's
    cost bucket spent by other apps of the shop, empty or (``short_by``)
    that many points short of what the call costs, and is answered
    ``THROTTLED`` as Shopify answers it: HTTP 200, ``errors[].extensions.code``
    THROTTLED, the bucket in ``extensions.cost.throttleStatus``. The bucket
    then refills at its restore rate: a client waiting ``short_by`` over the
    restore rate is answered."""

    status: int | None = 200
    short_by: float | None = None

    @property
    def fails_call(self):
        return False


@dataclass(frozen=True)
class GraphQLCall(Call):
    """One request to the GraphQL endpoint, as logged in ``simulator.calls``.

    ``outcome`` is one of ok, invalid, throttled, max_cost, unauthorized,
    bad_request, injected_failure, not_found; ``cost`` is the requested
    cost, ``actual_cost`` the one charged (None when nothing ran).
    """

    variables: dict = field(default_factory=dict)
    cost: int = 0
    actual_cost: int | None = None


class GraphQLEndpoint:
    """``POST /admin/api/<version>/graphql.json``: access, cost and execution."""

    call_type = GraphQLCall

    def spend_bucket_next(self, n=1, short_by=None):
        """Let the next ``n`` GraphQL requests find the cost bucket spent
        (empty, or ``short_by`` points short of their cost): each is
        answered ``THROTTLED`` (see :class:`SpentBucket`)."""
        self.faults.add_next(n, SpentBucket(short_by=short_by))

    @locked
    def throttle_status(self):
        """The bucket as reported in ``extensions.cost.throttleStatus``."""
        return self._bucket.status()

    def _respond(self, status, payload, extra=None):
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "X-Shopify-API-Version": self.api_version,
            "X-Request-Id": str(uuid.uuid4()),
        }
        headers.update(extra or {})
        return status, headers, json.dumps(payload).encode("utf-8")

    def _log(  # noqa: PLR0917 - the fields of a GraphQLCall
        self,
        request,
        outcome,
        status=200,
        operation=None,
        variables=None,
        cost=0,
        actual=None,
    ):
        method, path = request
        self.calls.record(
            method=method,
            path=path,
            operation=operation,
            variables=copy.deepcopy(variables) if isinstance(variables, dict) else {},
            cost=cost,
            actual_cost=actual,
            status=status,
            outcome=outcome,
        )

    def _cost_block(self, requested, actual):
        return {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": self._bucket.status(),
        }

    def _handle(self, method, path, headers, body):
        route = urlsplit(path).path
        request = (method, route)
        download = self._bulk_download(method, route)
        if download is not None:
            return download
        match = _GRAPHQL_PATH.match(route)
        if not match:
            return self._respond(404, {"errors": "Not Found"})
        if match["version"] != self.api_version:
            self._log(request, "not_found", 404)
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
            self._log(request, "unauthorized", 401)
            return self._respond(401, {"errors": INVALID_TOKEN})
        if method != "POST":
            return self._respond(
                405, {"errors": "Method Not Allowed"}, {"Allow": "POST"}
            )
        fault = self._take_fault(method=method, path=route)
        if fault is not None and not isinstance(fault, SpentBucket):
            return self._respond(
                fault.status, {"errors": fault.phrase}, fault.headers()
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
            self._log(request, "bad_request", 400)
            return self._respond(
                400, {"errors": {"query": "Required parameter missing or invalid"}}
            )
        spent = fault if isinstance(fault, SpentBucket) else None
        return self._graphql(
            request, query, variables, payload.get("operationName"), spent=spent
        )

    def _invalid(self, request, errors, name, variables, requested=0):
        self._log(request, "invalid", 200, name, variables, requested, 0)
        return self._respond(
            200,
            {"errors": errors, "extensions": {"cost": self._cost_block(requested, 0)}},
        )

    def _graphql(self, request, query, variables, operation_name, *, spent=None):
        try:
            document = graphql.parse(query)
        except GraphQLError as exc:
            return self._invalid(request, [exc.formatted], operation_name, variables)
        errors = graphql.validate(self.schema, document)
        if errors:
            return self._invalid(
                request, [e.formatted for e in errors], operation_name, variables
            )
        operation = graphql.utilities.get_operation_ast(document, operation_name)
        if operation is None:
            message = (
                f"No operation named {operation_name!r}."
                if operation_name
                else "An operation name is required when sending several operations."
            )
            return self._invalid(
                request, [{"message": message}], operation_name, variables
            )
        name = operation_name or (operation.name.value if operation.name else None)
        estimator = _Cost(self.schema, document, variables)
        requested = estimator.operation(operation)

        def log(outcome, actual=None):
            self._log(request, outcome, 200, name, variables, requested, actual)

        if requested > self.max_query_cost:
            log("max_cost")
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
        if spent is not None:
            self._bucket.spend_to(
                0 if spent.short_by is None else requested - spent.short_by
            )
        if not self._bucket.take(requested):
            log("throttled")
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
        log("ok", actual)
        return self._respond(200, response)
