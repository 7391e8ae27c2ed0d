import json
import logging
import tempfile
import unittest
from pathlib import Path

import graphql
import requests
import responses

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.circuit_breaker import (
    OPEN,
    CircuitBreaker,
    CircuitState,
)
from odoo.addons.retail_shopify.services import cost, graphql_client, operations

SHOP = "retail-test.myshopify.com"
TOKEN = "shpat_test_secret_0123456789"
URL = f"https://{SHOP}/admin/api/2026-10/graphql.json"
BULK_URL = "https://storage.example.com/bulk/42.jsonl?X-Goog-Signature=abcdef123"

OPERATIONS = {
    "ShopInfo": "query ShopInfo {\n  shop {\n    id\n    name\n  }\n}\n",
    "Orders": (
        "query Orders($first: Int!, $after: String) {\n"
        "  orders(first: $first, after: $after) {\n"
        "    nodes { id }\n"
        "    pageInfo { hasNextPage endCursor }\n"
        "  }\n"
        "}\n"
    ),
    "InventorySetQuantities": (
        "mutation InventorySetQuantities(\n"
        "  $input: InventorySetQuantitiesInput!\n"
        "  $idempotencyKey: String!\n"
        ") {\n"
        "  inventorySetQuantities(input: $input)"
        " @idempotent(key: $idempotencyKey) {\n"
        "    inventoryAdjustmentGroup { id }\n"
        "    userErrors { field message code }\n"
        "  }\n"
        "}\n"
    ),
    "WebhookSubscriptionDelete": (
        "mutation WebhookSubscriptionDelete($id: ID!) {\n"
        "  webhookSubscriptionDelete(id: $id) {\n"
        "    deletedWebhookSubscriptionId\n"
        "    userErrors { field message }\n"
        "  }\n"
        "}\n"
    ),
}


def cost_extension(requested=10, actual=10, available=1990, maximum=2000, rate=100):
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": maximum,
                "currentlyAvailable": available,
                "restoreRate": rate,
            },
        }
    }


def answer(data, **cost_kwargs):
    return {"data": data, "extensions": cost_extension(**cost_kwargs)}


def throttled(requested, available, maximum=1000, rate=50):
    return {
        "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
        "extensions": cost_extension(
            requested=requested,
            actual=None,
            available=available,
            maximum=maximum,
            rate=rate,
        ),
    }


def shop_data():
    return {"shop": {"id": "gid://shopify/Shop/1", "name": "Test"}}


class FakeTime:
    """A clock that only moves when the code under test sleeps."""

    def __init__(self):
        self.now = 1000.0
        self.sleeps = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class MemoryCircuit:
    """The circuit breaker's rules over a state kept in memory."""

    def __init__(self, breaker, clock):
        self.breaker = breaker
        self.clock = clock
        self.state = CircuitState()

    def allow(self):
        self.state, wait = self.breaker.check(self.state, self.clock())
        return wait

    def success(self):
        self.state = self.breaker.on_success(self.state)

    def failure(self):
        self.state = self.breaker.on_failure(self.state, self.clock())


def write_operations(directory, files):
    for name, text in files.items():
        Path(directory, f"{name}.graphql").write_text(text, encoding="utf-8")


class ClientCase(unittest.TestCase):
    def setUp(self):
        super().setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        write_operations(tmp.name, OPERATIONS)
        self.store = operations.OperationStore(tmp.name)
        self.time = FakeTime()
        self.limiter = cost.MemoryCostLimiter(clock=self.time.clock)
        self.logger = logging.getLogger("test.retail_shopify.graphql_client")
        self.rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.rsps.start()
        self.addCleanup(self.rsps.reset)
        self.addCleanup(self.rsps.stop)
        self.client = self.make_client()

    def make_client(self, **kwargs):
        options = {
            "operations": self.store,
            "cost_limiter": self.limiter,
            "sleep": self.time.sleep,
            "logger": self.logger,
        }
        options.update(kwargs)
        return graphql_client.ShopifyGraphQLClient(SHOP, TOKEN, **options)

    def reply(self, *bodies, url=URL, status=200):
        for body in bodies:
            self.rsps.post(url, json=body, status=status)

    def sent(self, index=-1):
        return json.loads(self.rsps.calls[index].request.body)


class TestExecute(ClientCase):
    def test_sends_the_operation_with_the_token(self):
        self.reply(answer(shop_data()))
        data = self.client.execute("ShopInfo")
        self.assertEqual(data, shop_data())
        request = self.rsps.calls[0].request
        self.assertEqual(request.url, URL)
        self.assertEqual(request.headers["X-Shopify-Access-Token"], TOKEN)
        self.assertEqual(
            self.sent(),
            {
                "query": OPERATIONS["ShopInfo"],
                "variables": {},
                "operationName": "ShopInfo",
            },
        )

    def test_endpoint_override_and_version(self):
        url = "http://127.0.0.1:8999/admin/api/2025-07/graphql.json"
        self.reply(answer(shop_data()), url=url)
        client = self.make_client(
            endpoint="http://127.0.0.1:8999/", api_version="2025-07"
        )
        self.assertEqual(client.url, url)
        client.execute("ShopInfo")
        self.assertEqual(self.rsps.calls[0].request.url, url)

    def test_a_redirect_never_carries_the_token(self):
        self.rsps.post(URL, status=301, headers={"Location": "https://evil.example/g"})
        self.rsps.post("https://evil.example/g", json=answer(shop_data()))
        with self.assertRaises(errors.RetailError):
            self.client.execute("ShopInfo")
        self.assertEqual([c.request.url for c in self.rsps.calls], [URL])

    def test_unknown_operation(self):
        with self.assertRaisesRegex(ValueError, "Missing.graphql"):
            self.client.execute("Missing")
        self.assertEqual(len(self.rsps.calls), 0)

    def test_invalid_shop_domain(self):
        with self.assertRaises(ValueError):
            graphql_client.ShopifyGraphQLClient("https://x.myshopify.com/", TOKEN)

    def test_cost_estimate_then_wait_inline(self):
        self.reply(
            answer(
                shop_data(),
                requested=300,
                actual=280,
                available=250,
                maximum=1000,
                rate=50,
            ),
            answer(
                shop_data(),
                requested=300,
                actual=280,
                available=0,
                maximum=1000,
                rate=50,
            ),
        )
        self.client.execute("ShopInfo")
        self.assertEqual(self.time.sleeps, [])
        self.assertEqual(self.client.estimate("ShopInfo"), 300)
        self.client.execute("ShopInfo")
        # 50 points missing at 50 points per second
        self.assertEqual(self.time.sleeps, [1.0])
        self.assertEqual(len(self.rsps.calls), 2)

    def test_wait_too_long_raises_rate_limited(self):
        self.reply(
            answer(
                shop_data(),
                requested=300,
                actual=300,
                available=50,
                maximum=1000,
                rate=50,
            )
        )
        self.client.execute("ShopInfo")
        with self.assertRaises(errors.RateLimitedError) as caught:
            self.client.execute("ShopInfo")
        self.assertEqual(caught.exception.retry_after, 5.0)
        self.assertEqual(errors.classify(caught.exception), errors.TRANSIENT)
        self.assertEqual(self.time.sleeps, [])
        self.assertEqual(len(self.rsps.calls), 1)

    def test_default_cost_is_the_first_estimate(self):
        self.limiter.observe({"currentlyAvailable": 0, "restoreRate": 100})
        client = self.make_client(default_cost=300)
        with self.assertRaises(errors.RateLimitedError) as caught:
            client.execute("ShopInfo")
        self.assertEqual(caught.exception.retry_after, 3.0)
        self.assertEqual(len(self.rsps.calls), 0)

    def test_throttled_answer_is_retried_after_waiting(self):
        self.reply(throttled(requested=100, available=20), answer(shop_data()))
        self.assertEqual(self.client.execute("ShopInfo"), shop_data())
        # 80 points missing at 50 points per second
        self.assertEqual(self.time.sleeps, [1.6])
        self.assertEqual(len(self.rsps.calls), 2)
        self.assertEqual(self.client.calls, 2)

    def test_throttled_with_a_long_wait_raises(self):
        self.reply(throttled(requested=500, available=0))
        with self.assertRaises(errors.RateLimitedError) as caught:
            self.client.execute("ShopInfo")
        self.assertEqual(caught.exception.retry_after, 10.0)
        self.assertEqual(self.time.sleeps, [])
        self.assertEqual(len(self.rsps.calls), 1)

    def test_throttled_twice_raises(self):
        self.reply(
            throttled(requested=100, available=20),
            throttled(requested=100, available=0),
        )
        with self.assertRaises(errors.RateLimitedError) as caught:
            self.client.execute("ShopInfo")
        self.assertEqual(caught.exception.retry_after, 2.0)
        self.assertEqual(len(self.rsps.calls), 2)

    def test_throttled_answers_are_no_failure_for_the_circuit(self):
        """THROTTLED comes with HTTP 200: the circuit counts an answer, as a
        success (the client waits for the bucket instead); 5xx count as
        failures."""
        circuit = MemoryCircuit(CircuitBreaker(threshold=2), self.time.clock)
        client = self.make_client(circuit=circuit)
        self.reply(*[throttled(requested=100, available=20)] * 4)
        self.reply({}, {}, status=503)
        for _attempt in range(2):
            with self.assertRaises(errors.RateLimitedError):
                client.execute("ShopInfo")
        self.assertEqual(len(self.rsps.calls), 4)
        self.assertEqual(circuit.state, CircuitState())
        with self.assertRaises(errors.CircuitOpenError):
            client.execute("ShopInfo")
        self.assertEqual(len(self.rsps.calls), 6)
        self.assertEqual(circuit.state.state, OPEN)

    def test_cost_accounting(self):
        self.reply(
            answer(shop_data(), requested=10, actual=7),
            throttled(requested=10, available=9),
            answer(shop_data(), requested=10, actual=4),
        )
        self.assertEqual((self.client.calls, self.client.cost_spent), (0, 0))
        self.assertIsNone(self.client.last_cost)
        self.client.execute("ShopInfo")
        self.client.execute("ShopInfo")
        self.assertEqual(self.client.calls, 3)
        self.assertEqual(self.client.cost_spent, 11)
        self.assertEqual(self.client.last_cost["actualQueryCost"], 4)

    def test_access_denied_is_an_authentication_error(self):
        self.reply(
            {
                "errors": [
                    {
                        "message": "Access denied for orders field.",
                        "extensions": {"code": "ACCESS_DENIED"},
                        "path": ["orders"],
                    }
                ],
                "data": None,
                "extensions": cost_extension(),
            }
        )
        with self.assertRaises(errors.AuthenticationError) as caught:
            self.client.execute("ShopInfo")
        self.assertIn("Access denied for orders field", str(caught.exception))
        self.assertIn("scope", caught.exception.hint)
        self.assertEqual(caught.exception.details["codes"], ["ACCESS_DENIED"])

    def test_http_401_is_an_authentication_error(self):
        self.reply({"errors": "[API] Invalid API key or access token"}, status=401)
        with self.assertRaises(errors.AuthenticationError):
            self.client.execute("ShopInfo")

    def test_internal_server_error_is_transient(self):
        self.reply(
            {
                "errors": [
                    {
                        "message": "Internal error. Looks like something went wrong.",
                        "extensions": {"code": "INTERNAL_SERVER_ERROR"},
                    }
                ],
                "extensions": cost_extension(),
            }
        )
        with self.assertRaises(errors.RemoteUnavailableError) as caught:
            self.client.execute("ShopInfo")
        self.assertEqual(errors.classify(caught.exception), errors.TRANSIENT)

    def test_other_errors_are_rejections_quoting_the_messages(self):
        self.reply(
            {
                "errors": [
                    {"message": "Field 'nope' doesn't exist on type 'Shop'"},
                    {
                        "message": "Query cost is 1500, which exceeds the limit",
                        "extensions": {"code": "MAX_COST_EXCEEDED"},
                    },
                ]
            }
        )
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            self.client.execute("ShopInfo")
        message = str(caught.exception)
        self.assertIn("Field 'nope' doesn't exist", message)
        self.assertIn("exceeds the limit", message)
        self.assertIn("smaller pages", caught.exception.hint)
        self.assertEqual(errors.classify(caught.exception), errors.PERMANENT)

    def test_queries_are_retried_on_server_errors(self):
        self.reply({"errors": "Service Unavailable"}, status=503)
        self.reply(answer(shop_data()))
        self.assertEqual(self.client.execute("ShopInfo"), shop_data())
        self.assertEqual(len(self.rsps.calls), 2)
        self.assertEqual(len(self.time.sleeps), 1)

    def test_mutations_are_retried_only_with_an_idempotency_key(self):
        self.reply({"errors": "Service Unavailable"}, status=503)
        with self.assertRaises(errors.RemoteUnavailableError):
            self.client.execute("WebhookSubscriptionDelete", {"id": "gid://x/1"})
        self.assertEqual(len(self.rsps.calls), 1)
        self.rsps.reset()
        self.reply({"errors": "Service Unavailable"}, status=503)
        self.reply(answer({"inventorySetQuantities": {"userErrors": []}}))
        self.client.execute(
            "InventorySetQuantities", {"input": {}, "idempotencyKey": "k-1"}
        )
        self.assertEqual(len(self.rsps.calls), 2)
        self.assertEqual(self.sent()["variables"]["idempotencyKey"], "k-1")


class TestMutate(ClientCase):
    def test_returns_the_result(self):
        result = {"inventoryAdjustmentGroup": {"id": "gid://g/1"}, "userErrors": []}
        self.reply(answer({"inventorySetQuantities": result}))
        self.assertEqual(
            self.client.mutate(
                "InventorySetQuantities",
                {"input": {}, "idempotencyKey": "k"},
                result_key="inventorySetQuantities",
            ),
            result,
        )

    def test_user_errors_are_rejections_naming_the_field(self):
        user_errors = [
            {
                "field": ["input", "quantities", "0", "locationId"],
                "message": "The specified location could not be found.",
                "code": "INVALID_LOCATION",
            }
        ]
        self.reply(
            answer(
                {
                    "inventorySetQuantities": {
                        "inventoryAdjustmentGroup": None,
                        "userErrors": user_errors,
                    }
                }
            )
        )
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            self.client.mutate(
                "InventorySetQuantities",
                {"input": {}, "idempotencyKey": "k"},
                result_key="inventorySetQuantities",
            )
        self.assertNotIsInstance(caught.exception, graphql_client.StaleQuantityError)
        message = str(caught.exception)
        self.assertIn("input.quantities.0.locationId", message)
        self.assertIn("could not be found", message)
        self.assertEqual(caught.exception.details["user_errors"], user_errors)
        self.assertEqual(
            caught.exception.details["operation"], "InventorySetQuantities"
        )

    def test_stale_quantity(self):
        user_errors = [
            {
                "field": ["input", "quantities", "0", "compareQuantity"],
                "message": "The compareQuantity value does not match.",
                "code": "CHANGE_FROM_QUANTITY_STALE",
            }
        ]
        self.reply(
            answer(
                {
                    "inventorySetQuantities": {
                        "inventoryAdjustmentGroup": None,
                        "userErrors": user_errors,
                    }
                }
            )
        )
        with self.assertRaises(graphql_client.StaleQuantityError) as caught:
            self.client.mutate(
                "InventorySetQuantities",
                {"input": {}, "idempotencyKey": "k"},
                result_key="inventorySetQuantities",
            )
        self.assertIsInstance(caught.exception, errors.ConflictError)
        self.assertEqual(caught.exception.user_errors, user_errors)
        self.assertIn("compareQuantity", str(caught.exception))

    def test_missing_result(self):
        self.reply(answer({"somethingElse": {}}))
        with self.assertRaises(errors.RemoteRejectedError):
            self.client.mutate(
                "WebhookSubscriptionDelete",
                {"id": "gid://x/1"},
                result_key="webhookSubscriptionDelete",
            )


class TestPaginate(ClientCase):
    def page(self, ids, cursor, more):
        return answer(
            {
                "orders": {
                    "nodes": [{"id": i} for i in ids],
                    "pageInfo": {"hasNextPage": more, "endCursor": cursor},
                }
            }
        )

    def test_three_pages(self):
        self.reply(
            self.page([1, 2], "c1", True),
            self.page([3, 4], "c2", True),
            self.page([5], "c3", False),
        )
        nodes = list(self.client.paginate("Orders", {}, ("orders",), page_size=2))
        self.assertEqual([n["id"] for n in nodes], [1, 2, 3, 4, 5])
        sent = [self.sent(i)["variables"] for i in range(3)]
        self.assertEqual(
            sent,
            [{"first": 2}, {"first": 2, "after": "c1"}, {"first": 2, "after": "c2"}],
        )

    def test_edges_are_read_too(self):
        self.reply(
            answer(
                {
                    "orders": {
                        "edges": [{"node": {"id": 1}}],
                        "pageInfo": {"hasNextPage": False, "endCursor": None},
                    }
                }
            )
        )
        self.assertEqual(
            list(self.client.paginate("Orders", {"first": 5}, "orders")), [{"id": 1}]
        )

    def test_a_repeated_cursor_stops_the_loop(self):
        self.reply(self.page([1], "c1", True), self.page([2], "c1", True))
        with self.assertRaises(errors.PayloadValidationError):
            list(self.client.paginate("Orders", {"first": 1}, ("orders",)))
        self.assertEqual(len(self.rsps.calls), 2)

    def test_missing_connection(self):
        self.reply(answer({"orders": None}))
        with self.assertRaises(errors.PayloadValidationError):
            list(self.client.paginate("Orders", {"first": 1}, ("orders",)))


class TestSecrets(ClientCase):
    def test_token_never_in_errors_or_logs(self):
        self.reply(
            {"errors": f"[API] Invalid API key or access token {TOKEN}"}, status=401
        )
        self.reply(
            {
                "errors": [{"message": f"Unexpected token {TOKEN} in query"}],
                "extensions": cost_extension(),
            }
        )
        self.reply(
            answer(
                {
                    "webhookSubscriptionDelete": {
                        "userErrors": [{"field": ["id"], "message": f"bad {TOKEN}"}]
                    }
                }
            )
        )
        raised = []
        with self.assertLogs(self.logger, level=logging.DEBUG) as logs:
            for _i in range(2):
                with self.assertRaises(errors.RetailError) as caught:
                    self.client.execute("ShopInfo")
                raised.append(caught.exception)
            with self.assertRaises(errors.RemoteRejectedError) as caught:
                self.client.mutate(
                    "WebhookSubscriptionDelete",
                    {"id": "gid://x/1"},
                    result_key="webhookSubscriptionDelete",
                )
            raised.append(caught.exception)
        self.assertIsInstance(raised[0], errors.AuthenticationError)
        for exc in raised:
            self.assertNotIn(TOKEN, str(exc))
            self.assertNotIn(TOKEN, repr(exc.details))
            self.assertNotIn(TOKEN, str(exc.hint))
        self.assertTrue(logs.output)
        for line in logs.output:
            self.assertNotIn(TOKEN, line)


class TestBulk(ClientCase):
    LINES = [
        {"id": "gid://shopify/Product/1", "handle": "a"},
        {
            "id": "gid://shopify/ProductVariant/11",
            "__parentId": "gid://shopify/Product/1",
        },
        {
            "id": "gid://shopify/InventoryLevel/111",
            "__parentId": "gid://shopify/ProductVariant/11",
        },
        {
            "id": "gid://shopify/ProductVariant/12",
            "__parentId": "gid://shopify/Product/1",
        },
        {"id": "gid://shopify/Product/2", "handle": "b"},
        {"id": "gid://shopify/Product/3", "handle": "c"},
        {
            "id": "gid://shopify/ProductVariant/31",
            "__parentId": "gid://shopify/Product/3",
        },
    ]

    def jsonl(self, lines):
        return "\n".join(json.dumps(line) for line in lines) + "\n"

    def test_assemble_with_nested_children(self):
        text = self.jsonl(self.LINES)
        objects = list(graphql_client.assemble_jsonl(text.splitlines()))
        self.assertEqual(
            [o["id"] for o in objects],
            [
                "gid://shopify/Product/1",
                "gid://shopify/Product/2",
                "gid://shopify/Product/3",
            ],
        )
        self.assertEqual(
            [c["id"] for c in objects[0]["__children"]],
            [
                "gid://shopify/ProductVariant/11",
                "gid://shopify/InventoryLevel/111",
                "gid://shopify/ProductVariant/12",
            ],
        )
        self.assertEqual(objects[1]["__children"], [])
        self.assertEqual(len(objects[2]["__children"]), 1)

    def test_assemble_accepts_bytes_and_blank_lines(self):
        lines = [b"", json.dumps(self.LINES[0]).encode(), b"  ", b""]
        objects = list(graphql_client.assemble_jsonl(lines))
        self.assertEqual(len(objects), 1)
        self.assertEqual(list(graphql_client.assemble_jsonl([])), [])

    def test_orphan_child(self):
        lines = [
            self.LINES[0],
            self.LINES[4],
            {
                "id": "gid://shopify/ProductVariant/13",
                "__parentId": "gid://shopify/Product/1",
            },
        ]
        objects = graphql_client.assemble_jsonl(self.jsonl(lines).splitlines())
        self.assertEqual(next(objects)["id"], "gid://shopify/Product/1")
        with self.assertRaises(errors.PayloadValidationError) as caught:
            next(objects)
        self.assertEqual(caught.exception.details["line"], 3)

    def test_child_before_any_parent(self):
        lines = [self.LINES[1]]
        with self.assertRaises(errors.PayloadValidationError):
            list(graphql_client.assemble_jsonl(self.jsonl(lines).splitlines()))

    def test_damaged_line(self):
        with self.assertRaises(errors.PayloadValidationError):
            list(graphql_client.assemble_jsonl(['{"id": 1}', "{not json"]))
        with self.assertRaises(errors.PayloadValidationError):
            list(graphql_client.assemble_jsonl(["[1, 2]"]))

    def test_download_streams_without_the_token(self):
        self.rsps.get(BULK_URL, body=self.jsonl(self.LINES))
        objects = list(self.client.iter_bulk_jsonl(BULK_URL))
        self.assertEqual(len(objects), 3)
        self.assertEqual(len(objects[0]["__children"]), 3)
        request = self.rsps.calls[0].request
        self.assertNotIn("X-Shopify-Access-Token", request.headers)
        self.assertNotIn(TOKEN, json.dumps(dict(request.headers)))

    def test_download_with_a_session_carrying_the_token(self):
        self.rsps.get(BULK_URL, body=self.jsonl(self.LINES[:1]))
        session = requests.Session()
        session.headers["X-Shopify-Access-Token"] = TOKEN
        self.assertEqual(
            len(list(self.client.iter_bulk_jsonl(BULK_URL, session=session))), 1
        )
        self.assertNotIn("X-Shopify-Access-Token", self.rsps.calls[0].request.headers)

    def test_expired_link(self):
        self.rsps.get(BULK_URL, status=403, body="<Error>AccessDenied</Error>")
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            list(self.client.iter_bulk_jsonl(BULK_URL))
        self.assertNotIn("X-Goog-Signature", str(caught.exception))
        self.assertIn("again", caught.exception.hint)

    def test_download_unavailable(self):
        self.rsps.get(BULK_URL, status=503)
        with self.assertRaises(errors.RemoteUnavailableError):
            list(self.client.iter_bulk_jsonl(BULK_URL))
        self.rsps.get(
            "https://storage.example.com/other.jsonl",
            body=requests.ConnectionError("reset"),
        )
        with self.assertRaises(errors.RemoteUnavailableError):
            list(self.client.iter_bulk_jsonl("https://storage.example.com/other.jsonl"))


class TestUrlsAndGids(ClientCase):
    def test_gid_helpers(self):
        self.assertEqual(graphql_client.gid_to_id("gid://shopify/Order/123"), 123)
        self.assertEqual(graphql_client.gid_to_id("gid://shopify/LineItem/7?from=x"), 7)
        self.assertEqual(graphql_client.gid_to_id("99"), 99)
        self.assertEqual(graphql_client.gid_to_id(99), 99)
        for bad in ("gid://shopify/Order/", "gid://other/Order/1", "Order/1", None):
            with self.assertRaises(ValueError):
                graphql_client.gid_to_id(bad)

    def test_admin_urls(self):
        self.assertEqual(
            self.client.shop_url(), "https://admin.shopify.com/store/retail-test"
        )
        self.assertEqual(
            self.client.admin_url("gid://shopify/Order/123"),
            "https://admin.shopify.com/store/retail-test/orders/123",
        )
        self.assertEqual(
            self.client.admin_url("gid://shopify/Product/9"),
            "https://admin.shopify.com/store/retail-test/products/9",
        )
        self.assertIsNone(self.client.admin_url("gid://shopify/FulfillmentOrder/9"))
        with self.assertRaises(ValueError):
            self.client.admin_url("not a gid")

    def test_admin_url_of_a_binding(self):
        url = graphql_client.admin_url
        self.assertEqual(
            url("retail-test.myshopify.com", "gid://shopify/Order/123"),
            "https://admin.shopify.com/store/retail-test/orders/123",
        )
        # what a binding may hold before it is sent: no link, no error
        for shop, gid in (
            ("retail-test.myshopify.com", False),
            ("retail-test.myshopify.com", "pending"),
            ("retail-test.myshopify.com", "gid://shopify/ProductVariant/7"),
            (False, "gid://shopify/Order/123"),
        ):
            with self.subTest(shop=shop, gid=gid):
                self.assertIsNone(url(shop, gid))


class TestOperationStore(unittest.TestCase):
    def setUp(self):
        super().setUp()
        tmp = tempfile.TemporaryDirectory()
        self.addCleanup(tmp.cleanup)
        self.directory = Path(tmp.name)
        self.store = operations.OperationStore(self.directory)

    def write_operation(self, name, text):
        (self.directory / f"{name}.graphql").write_text(text, encoding="utf-8")

    def test_get_names_and_types(self):
        write_operations(self.directory, OPERATIONS)
        self.assertEqual(self.store.names(), sorted(OPERATIONS))
        self.assertEqual(self.store.get("ShopInfo"), OPERATIONS["ShopInfo"])
        self.assertEqual(self.store.operation_type("ShopInfo"), "query")
        self.assertEqual(
            self.store.operation_type("InventorySetQuantities"), "mutation"
        )
        self.assertEqual(self.store.validate(), sorted(OPERATIONS))

    def test_files_are_cached(self):
        self.write_operation("ShopInfo", OPERATIONS["ShopInfo"])
        self.store.get("ShopInfo")
        self.write_operation("ShopInfo", "query ShopInfo { shop { id } }")
        self.assertEqual(self.store.get("ShopInfo"), OPERATIONS["ShopInfo"])
        self.store.clear()
        self.assertEqual(self.store.get("ShopInfo"), "query ShopInfo { shop { id } }")

    def test_missing_file(self):
        with self.assertRaisesRegex(ValueError, "Nope.graphql"):
            self.store.get("Nope")

    def test_two_operations_in_one_file(self):
        self.write_operation(
            "ShopInfo", "query ShopInfo { shop { id } }\nquery Other { shop { id } }"
        )
        with self.assertRaisesRegex(ValueError, "exactly one operation, found 2"):
            self.store.get("ShopInfo")

    def test_name_mismatch(self):
        self.write_operation("ShopInfo", "query Shop { shop { id } }")
        with self.assertRaisesRegex(ValueError, "must be named ShopInfo"):
            self.store.operation_type("ShopInfo")
        self.write_operation("Anonymous", "{ shop { id } }")
        with self.assertRaisesRegex(ValueError, "anonymous"):
            self.store.get("Anonymous")

    def test_syntax_error_and_other_definitions(self):
        self.write_operation("Broken", "query Broken { shop { id }")
        with self.assertRaisesRegex(ValueError, "not valid GraphQL"):
            self.store.get("Broken")
        self.write_operation("Schema", "type Query { a: Int }")
        with self.assertRaises(ValueError):
            self.store.get("Schema")
        self.write_operation("Watch", "subscription Watch { shop { id } }")
        with self.assertRaisesRegex(ValueError, "only queries and mutations"):
            self.store.get("Watch")

    def test_fragments_may_accompany_the_operation(self):
        self.write_operation(
            "ShopInfo",
            "query ShopInfo { shop { ...ShopFields } }\n"
            "fragment ShopFields on Shop { id name }",
        )
        self.assertEqual(self.store.operation_type("ShopInfo"), "query")

    def write_fragment(self, name, text):
        directory = self.directory / "fragments"
        directory.mkdir(exist_ok=True)
        (directory / f"{name}.graphql").write_text(text, encoding="utf-8")

    def test_fragments_are_appended_transitively_each_once(self):
        self.write_operation(
            "OrderById",
            "query OrderById($id: ID!) {\n"
            "  order(id: $id) { ...OrderFields lineItems { ...LineFields } }\n"
            "}\n",
        )
        self.write_fragment(
            "OrderFields",
            "fragment OrderFields on Order {\n"
            "  id\n  totalPriceSet { ...ShopMoney }\n}\n",
        )
        self.write_fragment(
            "LineFields",
            "fragment LineFields on LineItem {\n"
            "  id\n  priceSet { ...ShopMoney }\n  taxLines { ...TaxFields }\n}\n",
        )
        self.write_fragment(
            "TaxFields", "fragment TaxFields on TaxLine { priceSet { ...ShopMoney } }"
        )
        self.write_fragment(
            "ShopMoney", "fragment ShopMoney on MoneyBag { shopMoney { amount } }"
        )
        self.write_fragment("Unused", "fragment Unused on Shop { id }")
        self.assertEqual(
            self.store.fragments("OrderById"),
            ("OrderFields", "ShopMoney", "LineFields", "TaxFields"),
        )
        text = self.store.get("OrderById")
        self.assertTrue(
            text.startswith((self.directory / "OrderById.graphql").read_text())
        )
        self.assertTrue(
            text.endswith(
                "fragment TaxFields on TaxLine { priceSet { ...ShopMoney } }\n"
            )
        )
        document = graphql.parse(text)
        self.assertEqual(
            [d.name.value for d in document.definitions],
            ["OrderById", "OrderFields", "ShopMoney", "LineFields", "TaxFields"],
        )
        schema = graphql.build_schema(
            """
            type Query { order(id: ID!): Order }
            type Order { id: ID! totalPriceSet: MoneyBag! lineItems: [LineItem!]! }
            type LineItem { id: ID! priceSet: MoneyBag! taxLines: [TaxLine!]! }
            type TaxLine { priceSet: MoneyBag! }
            type MoneyBag { shopMoney: Money! }
            type Money { amount: String! }
            type Shop { id: ID! }
            """
        )
        self.assertEqual(graphql.validate(schema, document), [])
        self.assertEqual(self.store.operation_type("OrderById"), "query")
        self.assertEqual(self.store.names(), ["OrderById"])
        self.assertEqual(
            self.store.fragment_names(),
            ["LineFields", "OrderFields", "ShopMoney", "TaxFields", "Unused"],
        )

    def test_operation_without_spreads_is_sent_as_written(self):
        self.write_fragment("ShopFields", "fragment ShopFields on Shop { id }")
        self.write_operation("ShopInfo", OPERATIONS["ShopInfo"])
        self.assertEqual(self.store.get("ShopInfo"), OPERATIONS["ShopInfo"])
        self.assertEqual(self.store.fragments("ShopInfo"), ())

    def test_fragments_defined_in_the_file_are_not_looked_up(self):
        self.write_fragment("ShopFields", "fragment ShopFields on Shop { name }")
        text = (
            "query ShopInfo { shop { ...ShopFields } }\n"
            "fragment ShopFields on Shop { id }\n"
        )
        self.write_operation("ShopInfo", text)
        self.assertEqual(self.store.get("ShopInfo"), text)
        self.assertEqual(self.store.fragments("ShopInfo"), ())

    def test_missing_fragment(self):
        self.write_operation("ShopInfo", "query ShopInfo { shop { ...ShopFields } }")
        with self.assertRaises(ValueError) as caught:
            self.store.get("ShopInfo")
        self.assertIn(
            "ShopInfo.graphql spreads fragment ShopFields", str(caught.exception)
        )
        self.assertIn("fragments/ShopFields.graphql", str(caught.exception))
        self.write_operation("Nested", "query Nested { shop { ...Outer } }")
        self.write_fragment("Outer", "fragment Outer on Shop { ...Inner }")
        with self.assertRaisesRegex(ValueError, "Outer.graphql spreads fragment Inner"):
            self.store.get("Nested")
        with self.assertRaises(ValueError) as caught:
            self.store.validate()
        self.assertIn("ShopInfo", str(caught.exception))
        self.assertIn("Inner", str(caught.exception))

    def test_bad_fragment_files(self):
        self.write_operation("ShopInfo", "query ShopInfo { shop { ...ShopFields } }")
        for text, message in (
            ("fragment Other on Shop { id }", "must be named ShopFields"),
            (
                "fragment ShopFields on Shop { id }\nfragment More on Shop { id }",
                "exactly one fragment",
            ),
            ("query ShopFields { shop { id } }", "exactly one fragment"),
            ("type Shop { id: ID }", "exactly one fragment"),
            ("fragment ShopFields on Shop {", "not valid GraphQL"),
        ):
            with self.subTest(text=text):
                self.store.clear()
                self.write_fragment("ShopFields", text)
                with self.assertRaisesRegex(ValueError, message):
                    self.store.get("ShopInfo")

    def test_fragments_are_cached_until_cleared(self):
        self.write_operation("ShopInfo", "query ShopInfo { shop { ...ShopFields } }")
        self.write_fragment("ShopFields", "fragment ShopFields on Shop { id }")
        self.assertIn("{ id }", self.store.get("ShopInfo"))
        self.write_fragment("ShopFields", "fragment ShopFields on Shop { name }")
        self.assertIn("{ id }", self.store.get("ShopInfo"))
        self.store.clear()
        self.assertIn("{ name }", self.store.get("ShopInfo"))

    def test_validate_reports_every_bad_file(self):
        self.write_operation("Good", "query Good { shop { id } }")
        self.write_operation("Bad", "query Wrong { shop { id } }")
        self.write_operation("Worse", "query Worse { a } query Other { b }")
        with self.assertRaises(ValueError) as caught:
            self.store.validate()
        self.assertIn("Bad.graphql", str(caught.exception))
        self.assertIn("Worse.graphql", str(caught.exception))

    def test_names_are_checked(self):
        with self.assertRaises(ValueError):
            self.store.get("../secrets")

    def test_default_directory_is_the_addon_graphql_folder(self):
        store = operations.OperationStore()
        self.assertEqual(store.directory.name, "graphql")
        self.assertEqual(store.directory.parent.name, "retail_shopify")
