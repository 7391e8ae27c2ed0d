"""Client of Shopify's Admin GraphQL API: cost limits, errors, pages, bulk."""

import json
import logging
import re
import time
from contextlib import closing
from urllib.parse import urlsplit, urlunsplit

import requests

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.http_client import HttpClient

from .cost import CostBucket, MemoryCostLimiter
from .operations import default_store
from .version import API_VERSION

_logger = logging.getLogger(__name__)

DEFAULT_API_VERSION = API_VERSION
TOKEN_HEADER = "X-Shopify-Access-Token"
ADMIN_HOST = "https://admin.shopify.com"
STALE_QUANTITY = "CHANGE_FROM_QUANTITY_STALE"
#: local waits for the cost bucket before giving up (never spin)
MAX_COST_SLEEPS = 3
#: smallest wait after THROTTLED when the report says the points are there
MIN_THROTTLE_WAIT = 0.5
BULK_CHUNK_BYTES = 64 * 1024
MESSAGE_EXCERPT_CHARS = 500

#: admin page of each kind of object (``.../store/<handle>/<path>/<id>``)
ADMIN_PATHS = {
    "Collection": "collections",
    "Customer": "customers",
    "DraftOrder": "draft_orders",
    "Location": "settings/locations",
    "Order": "orders",
    "Product": "products",
}

_GID_RE = re.compile(
    r"^gid://shopify/(?P<kind>[A-Za-z][A-Za-z0-9]*)/(?P<id>\d+)(?:\?.*)?$"
)
_HOST_RE = re.compile(r"^[a-z0-9][a-z0-9.-]*(?::\d+)?$")


class StaleQuantityError(errors.ConflictError):
    """inventorySetQuantities refused: the quantity changed on Shopify."""

    def __init__(self, message, *, user_errors=(), **kwargs):
        super().__init__(message, **kwargs)
        self.user_errors = list(user_errors)


# ----------------------------------------------------------------------
# global ids
# ----------------------------------------------------------------------
def parse_gid(gid):
    """``(kind, id)`` of a Shopify global id; ValueError otherwise."""
    match = _GID_RE.match(gid.strip()) if isinstance(gid, str) else None
    if not match:
        raise ValueError(f"{gid!r} is not a Shopify global id")
    return match["kind"], int(match["id"])


def admin_url(shop_domain, gid):
    """Shopify admin page of the object ``gid`` of the store ``shop_domain``.

    None when the type has no admin page or an argument is missing or invalid.
    """
    if not shop_domain or not gid:
        return None
    try:
        kind, number = parse_gid(gid)
    except ValueError:
        return None
    path = ADMIN_PATHS.get(kind)
    if path is None:
        return None
    handle = shop_domain.split(".", 1)[0].split(":", 1)[0]
    return f"{ADMIN_HOST}/store/{handle}/{path}/{number}"


def gid_to_id(gid):
    """Numeric id of ``gid`` (a bare number, as int or text, is accepted)."""
    if isinstance(gid, int) and not isinstance(gid, bool):
        return gid
    if isinstance(gid, str) and gid.strip().isdigit():
        return int(gid.strip())
    return parse_gid(gid)[1]


# ----------------------------------------------------------------------
# bulk operation results
# ----------------------------------------------------------------------
def assemble_jsonl(lines):
    """Group the lines of a bulk operation result by top-level object.

    Yields each top-level object with ``__children``: the following lines
    whose ``__parentId`` is the object or one of its children, in file
    order (each keeps its ``__parentId``). Blank lines are skipped; a line
    that is not a JSON object, or whose parent is unknown, raises
    PayloadValidationError.
    """
    current = None
    family = set()
    for number, line in enumerate(lines, 1):
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError:
                raise _bad_line(number, "is not UTF-8") from None
        line = line.strip()
        if not line:
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise _bad_line(number, "is not JSON") from None
        if not isinstance(obj, dict):
            raise _bad_line(number, "is not a JSON object")
        parent = obj.get("__parentId")
        if parent is None:
            if current is not None:
                yield current
            current = obj
            current["__children"] = []
            family = {obj.get("id")} - {None}
            continue
        if current is None or parent not in family:
            raise errors.PayloadValidationError(
                f"Bulk result line {number} belongs to {parent}, which is not "
                "the object before it",
                hint="The bulk operation result is incomplete or out of order; "
                "run the bulk operation again.",
                details={"line": number, "parent": str(parent)},
            )
        current["__children"].append(obj)
        if obj.get("id") is not None:
            family.add(obj["id"])
    if current is not None:
        yield current


def _bad_line(number, problem):
    return errors.PayloadValidationError(
        f"Bulk result line {number} {problem}",
        hint="The bulk operation result is damaged; run the bulk operation again.",
        details={"line": number},
    )


def _public_url(url):
    """``url`` without its query (signed download URLs carry credentials)."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


# ----------------------------------------------------------------------
# client
# ----------------------------------------------------------------------
class ShopifyGraphQLClient:
    """Send the connector's GraphQL operations to one shop.

    ``operations`` is an :class:`~.operations.OperationStore` (the addon's
    ``graphql`` directory by default) and ``cost_limiter`` a cost limiter of
    :mod:`.cost` (one in memory by default). ``calls`` counts the requests
    sent, ``cost_spent`` sums their ``actualQueryCost`` and ``last_cost`` is
    the last ``extensions.cost`` received.
    """

    def __init__(
        self,
        shop_domain,
        access_token,
        *,
        api_version=DEFAULT_API_VERSION,
        endpoint=None,
        session=None,
        operations=None,
        cost_limiter=None,
        rate_limiter=None,
        circuit=None,
        timeout=(5.0, 30.0),
        max_inline_wait=2.0,
        sleep=time.sleep,
        default_cost=50,
        logger=None,
        journal=None,
    ):
        domain = (shop_domain or "").strip().lower()
        if not _HOST_RE.match(domain):
            raise ValueError(
                f"{shop_domain!r} is not a shop domain (<store>.myshopify.com)"
            )
        if not api_version or not re.match(r"^[A-Za-z0-9-]+$", api_version):
            raise ValueError(f"{api_version!r} is not a Shopify API version")
        self.shop_domain = domain
        self.api_version = api_version
        base = endpoint.strip().rstrip("/") if endpoint else f"https://{domain}"
        self.url = f"{base}/admin/api/{api_version}/graphql.json"
        self.operations = operations if operations is not None else default_store()
        self.cost_limiter = (
            cost_limiter if cost_limiter is not None else MemoryCostLimiter()
        )
        self.timeout = timeout
        self.max_inline_wait = float(max_inline_wait)
        self.sleep = sleep
        self.default_cost = default_cost
        self.logger = logger or _logger
        self.http = HttpClient(
            self.url,
            timeout=timeout,
            rate_limiter=rate_limiter,
            circuit=circuit,
            secrets=[access_token] if access_token else [],
            session=session,
            headers={
                TOKEN_HEADER: access_token or "",
                "Accept": "application/json",
            },
            max_inline_wait=max_inline_wait,
            sleep=sleep,
            logger=self.logger,
            # Shopify takes no request id of its client: the journal keeps
            # the X-Request-Id it answers with instead
            request_id_header=None,
            journal=journal,
        )
        self.last_cost = None
        self.calls = 0
        self.cost_spent = 0
        self._estimates = {}

    # ------------------------------------------------------------------
    # urls
    # ------------------------------------------------------------------
    @property
    def shop_handle(self):
        """``"foo"`` for ``foo.myshopify.com``."""
        return self.shop_domain.split(".", 1)[0].split(":", 1)[0]

    def shop_url(self):
        """The shop's home page in the Shopify admin."""
        return f"{ADMIN_HOST}/store/{self.shop_handle}"

    def admin_url(self, gid):
        """Admin page of the object ``gid``, None for a type without one."""
        parse_gid(gid)  # a malformed gid is a programming error here
        return admin_url(self.shop_domain, gid)

    # ------------------------------------------------------------------
    # requests
    # ------------------------------------------------------------------
    def estimate(self, operation):
        """Expected cost of ``operation``: its last requested cost, or the default."""
        return self._estimates.get(operation, self.default_cost)

    def execute(self, operation, variables=None):
        """Send ``operation`` and return its ``data``.

        Waits for the cost bucket (inline up to ``max_inline_wait``, else
        RateLimitedError with ``retry_after``) and retries once after a
        THROTTLED answer when that wait is short enough. Queries, and mutations
        given an ``idempotencyKey``, are retried on transient HTTP failures.
        """
        query = self.operations.get(operation)
        kind = self.operations.operation_type(operation)
        variables = dict(variables or {})
        idempotent = kind == "query" or bool(variables.get("idempotencyKey"))
        payload = {"query": query, "variables": variables, "operationName": operation}
        throttled_once = False
        while True:
            self._reserve(operation, self.estimate(operation))
            body = self._send(operation, payload, idempotent)
            cost = self._account(operation, body)
            wait = self._throttle_wait(body, cost, operation)
            if wait is None:
                return self._data(operation, body)
            if throttled_once or wait > self.max_inline_wait:
                raise errors.RateLimitedError(
                    f"Shopify throttled {operation}: its cost bucket refills in "
                    f"{wait:.1f}s",
                    retry_after=wait,
                    hint="The shop's API cost budget is used up; the call is "
                    "retried later.",
                    details={"operation": operation, "cost": cost},
                )
            throttled_once = True
            self._log(
                logging.INFO, f"Shopify throttled {operation}; retry in {wait:.2f}s"
            )
            self.sleep(wait)

    def mutate(self, operation, variables=None, *, result_key):
        """Run a mutation and return ``data[result_key]``.

        Raises StaleQuantityError when Shopify reports a stale compare
        quantity and RemoteRejectedError for any other ``userErrors``.
        """
        data = self.execute(operation, variables)
        result = data.get(result_key)
        if not isinstance(result, dict):
            raise errors.RemoteRejectedError(
                f"Shopify answered {operation} without {result_key}",
                details={"operation": operation},
            )
        user_errors = result.get("userErrors") or []
        if not user_errors:
            return result
        user_errors = [
            e if isinstance(e, dict) else {"message": e} for e in user_errors
        ]
        described = "; ".join(self._describe_user_error(e) for e in user_errors)
        message = self._redact(f"Shopify refused {operation}: {described}")
        details = {
            "user_errors": self.http.redactor.redact_data(user_errors),
            "operation": operation,
        }
        if any(e.get("code") == STALE_QUANTITY for e in user_errors):
            raise StaleQuantityError(
                message,
                user_errors=details["user_errors"],
                hint="The quantity changed on Shopify since it was read; read it "
                "again before setting it.",
                details=details,
            )
        raise errors.RemoteRejectedError(message, details=details)

    def page(self, operation, variables, connection_path, *, after=None, edges=False):
        """One page of a connection: ``(nodes, cursor of the next page)``.

        The cursor is None on the last page. ``connection_path`` is the key
        (or tuple of keys) of the connection in ``data``; the operation
        takes ``$after`` and selects ``nodes`` (or ``edges``) and
        ``pageInfo { hasNextPage endCursor }``. With ``edges``, the page
        gives the edges as answered (each ``{cursor, node}``), for a reader
        that may stop within the page.
        """
        if isinstance(connection_path, str):
            connection_path = (connection_path,)
        variables = dict(variables or {})
        if after:
            variables["after"] = after
        data = self.execute(operation, variables)
        connection = self._connection(operation, data, connection_path)
        if edges:
            nodes = connection.get("edges")
            if not isinstance(nodes, list):
                raise errors.PayloadValidationError(
                    f"The connection of {operation} has no edges",
                    details={"operation": operation},
                )
        else:
            nodes = list(self._nodes(operation, connection))
        page_info = connection.get("pageInfo") or {}
        if not page_info.get("hasNextPage"):
            return nodes, None
        cursor = page_info.get("endCursor")
        if not cursor or cursor == after:
            raise errors.PayloadValidationError(
                f"Shopify announced another page of {operation} without a new cursor",
                details={"operation": operation, "cursor": cursor},
            )
        return nodes, cursor

    def paginate(self, operation, variables, connection_path, *, page_size=None):
        """Yield the nodes of a connection, page after page (see :meth:`page`).

        ``page_size`` sets ``$first``.
        """
        variables = dict(variables or {})
        if page_size is not None:
            variables["first"] = int(page_size)
        seen = set()
        cursor = None
        while True:
            nodes, cursor = self.page(
                operation, variables, connection_path, after=cursor
            )
            yield from nodes
            if cursor is None:
                return
            if cursor in seen:
                raise errors.PayloadValidationError(
                    f"Shopify announced another page of {operation} without a "
                    "new cursor",
                    details={"operation": operation, "cursor": cursor},
                )
            seen.add(cursor)

    # ------------------------------------------------------------------
    # bulk operations
    # ------------------------------------------------------------------
    def iter_bulk_jsonl(self, url, *, session=None):
        """Download a bulk operation result and yield its assembled objects.

        The file is streamed line by line (see :func:`assemble_jsonl`). The
        URL is a signed storage link: the access token is never sent there.
        """
        session = session if session is not None else self.http.session
        shown = _public_url(url)
        try:
            response = session.get(
                url,
                stream=True,
                timeout=self.timeout,
                # None drops a header the session might add by default
                headers={TOKEN_HEADER: None},
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            raise errors.RemoteUnavailableError(
                self._redact(f"Downloading {shown} failed: {type(exc).__name__}"),
                hint="The bulk result could not be downloaded; it is retried later.",
                details={"url": shown},
            ) from None
        with closing(response):
            self._check_download(response, shown)
            try:
                lines = response.iter_lines(chunk_size=BULK_CHUNK_BYTES)
                yield from assemble_jsonl(lines)
            except (requests.ConnectionError, requests.Timeout) as exc:
                raise errors.RemoteUnavailableError(
                    self._redact(
                        f"Downloading {shown} broke off: {type(exc).__name__}"
                    ),
                    hint="The bulk result download was interrupted; it is "
                    "retried later.",
                    details={"url": shown},
                ) from None

    def _check_download(self, response, shown):
        status = response.status_code
        if status < 400:
            return
        details = {"url": shown, "status": status}
        message = f"Downloading {shown} failed with HTTP {status}"
        if status == 429 or status >= 500:
            raise errors.RemoteUnavailableError(
                message,
                retry_after=errors.parse_retry_after(
                    response.headers.get("Retry-After")
                ),
                hint="The bulk result could not be downloaded; it is retried later.",
                details=details,
            )
        raise errors.RemoteRejectedError(
            message,
            hint="The link of a bulk operation result expires: run the bulk "
            "operation again.",
            details=details,
        )

    # ------------------------------------------------------------------
    # internals
    # ------------------------------------------------------------------
    def _reserve(self, operation, cost):
        sleeps = 0
        while True:
            wait = self.cost_limiter.wait_for(cost)
            if not wait or wait <= 0:
                return
            if wait > self.max_inline_wait or sleeps >= MAX_COST_SLEEPS:
                raise errors.RateLimitedError(
                    f"Shopify cost budget too low for {operation} (cost about "
                    f"{cost}); available in {wait:.1f}s",
                    retry_after=wait,
                    hint="The shop's API cost budget is used up; the call is "
                    "retried later.",
                    details={"operation": operation, "estimated_cost": cost},
                )
            self._log(
                logging.DEBUG, f"Waiting {wait:.2f}s for the cost bucket ({operation})"
            )
            self.sleep(wait)
            sleeps += 1

    def _send(self, operation, payload, idempotent):
        self.calls += 1
        body = self.http.json_request(
            "POST", "", json=payload, idempotent=idempotent, operation=operation
        )
        if not isinstance(body, dict):
            raise errors.RemoteRejectedError(
                f"Shopify answered {operation} with no JSON object",
                details={"operation": operation},
            )
        return body

    def _account(self, operation, body):
        extensions = body.get("extensions")
        cost = extensions.get("cost") if isinstance(extensions, dict) else None
        if not isinstance(cost, dict):
            return None
        self.last_cost = cost
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, (int, float)) and not isinstance(requested, bool):
            self._estimates[operation] = requested
        actual = cost.get("actualQueryCost")
        if isinstance(actual, (int, float)) and not isinstance(actual, bool):
            self.cost_spent += actual
        status = cost.get("throttleStatus")
        if isinstance(status, dict):
            self.cost_limiter.observe(status)
        return cost

    def _throttle_wait(self, body, cost, operation):
        """Seconds to wait when ``body`` is a THROTTLED answer, else None."""
        if not any(code == "THROTTLED" for code in _error_codes(body)):
            return None
        cost = cost or {}
        requested = cost.get("requestedQueryCost")
        if not isinstance(requested, (int, float)) or isinstance(requested, bool):
            requested = self.estimate(operation)
        bucket = CostBucket(currently_available=0.0).observe(
            cost.get("throttleStatus"), 0.0
        )
        return max(bucket.wait_for(requested, 0.0), MIN_THROTTLE_WAIT)

    def _data(self, operation, body):
        graphql_errors = body.get("errors")
        if graphql_errors:
            raise self._graphql_error(operation, graphql_errors)
        data = body.get("data")
        if not isinstance(data, dict):
            raise errors.RemoteRejectedError(
                f"Shopify answered {operation} without data",
                details={"operation": operation},
            )
        return data

    def _graphql_error(self, operation, graphql_errors):
        if not isinstance(graphql_errors, list):
            graphql_errors = [graphql_errors]
        codes = _error_codes({"errors": graphql_errors})
        messages = "; ".join(_describe_error(e) for e in graphql_errors)
        if len(messages) > MESSAGE_EXCERPT_CHARS:
            messages = messages[: MESSAGE_EXCERPT_CHARS - 3] + "..."
        message = self._redact(f"Shopify refused {operation}: {messages}")
        details = {
            "operation": operation,
            "codes": codes,
            "errors": self.http.redactor.redact_data(graphql_errors),
        }
        self._log(logging.INFO, message)
        if "ACCESS_DENIED" in codes:
            return errors.AuthenticationError(
                message,
                hint="The app lacks an API access scope this operation needs: "
                "grant it in the app's configuration and reinstall the app.",
                details=details,
            )
        if "INTERNAL_SERVER_ERROR" in codes:
            return errors.RemoteUnavailableError(
                message,
                hint="Shopify failed internally; the call is retried later.",
                details=details,
            )
        hint = None
        if "MAX_COST_EXCEEDED" in codes:
            hint = "The query asks too much at once: request smaller pages."
        return errors.RemoteRejectedError(message, hint=hint, details=details)

    def _describe_user_error(self, user_error):
        field = user_error.get("field") or []
        if isinstance(field, str):
            field = [field]
        path = ".".join(str(part) for part in field) or "(input)"
        text = f"{path}: {user_error.get('message') or 'refused'}"
        if user_error.get("code"):
            text += f" [{user_error['code']}]"
        return text

    @staticmethod
    def _connection(operation, data, connection_path):
        value = data
        for key in connection_path:
            value = value.get(key) if isinstance(value, dict) else None
        if not isinstance(value, dict):
            raise errors.PayloadValidationError(
                f"Shopify answered {operation} without the connection "
                f"{'.'.join(connection_path)}",
                details={"operation": operation},
            )
        return value

    @staticmethod
    def _nodes(operation, connection):
        nodes = connection.get("nodes")
        if nodes is None and isinstance(connection.get("edges"), list):
            nodes = [edge.get("node") for edge in connection["edges"]]
        if not isinstance(nodes, list):
            raise errors.PayloadValidationError(
                f"The connection of {operation} has neither nodes nor edges",
                details={"operation": operation},
            )
        return nodes

    def _redact(self, text):
        return self.http.redactor.redact(text)

    def _log(self, level, message):
        self.logger.log(level, "%s", self._redact(message))


def _error_codes(body):
    codes = []
    graphql_errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(graphql_errors, list):
        return codes
    for error in graphql_errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        if code:
            codes.append(str(code))
    return codes


def _describe_error(error):
    if not isinstance(error, dict):
        return str(error)
    text = str(error.get("message") or "error")
    path = error.get("path")
    if isinstance(path, list) and path:
        text += f" (at {'.'.join(str(part) for part in path)})"
    return text
