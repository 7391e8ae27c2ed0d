import logging
import unittest

import requests
import responses

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.http_client import HttpClient

BASE = "https://shop.example.com/api"
TOKEN = "shpat_s3cr3t_t0k3n_value"
API_KEY = "k3y-0f-the-backend"


class FakeLimiter:
    def __init__(self, *waits):
        self.waits = list(waits)
        self.costs = []

    def acquire(self, cost):
        self.costs.append(cost)
        return self.waits.pop(0) if self.waits else 0.0


class FakeCircuit:
    def __init__(self, wait=None):
        self.wait = wait
        self.events = []

    def allow(self):
        self.events.append("allow")
        return self.wait

    def success(self):
        self.events.append("success")

    def failure(self):
        self.events.append("failure")


class HttpClientCase(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.rsps.start()
        self.addCleanup(self.rsps.reset)
        self.addCleanup(self.rsps.stop)
        self.sleeps = []
        self.logger = logging.getLogger("test.retail.http_client")

    def client(self, **kwargs):
        kwargs.setdefault("sleep", self.sleeps.append)
        kwargs.setdefault("logger", self.logger)
        kwargs.setdefault("headers", {"X-Shopify-Access-Token": TOKEN})
        return HttpClient(BASE, **kwargs)


class TestSuccess(HttpClientCase):
    def test_get_returns_response(self):
        self.rsps.get(f"{BASE}/orders.json", json={"orders": []})
        response = self.client().get("/orders.json", params={"limit": 5})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"orders": []})
        request = self.rsps.calls[0].request
        self.assertEqual(request.url, f"{BASE}/orders.json?limit=5")
        self.assertEqual(request.headers["X-Shopify-Access-Token"], TOKEN)
        self.assertEqual(self.sleeps, [])

    def test_request_headers_and_json_body(self):
        self.rsps.post(f"{BASE}/orders", json={"id": 7}, status=201)
        client = self.client()
        result = client.json_request(
            "post", "orders", json={"a": 1}, headers={"X-Request-Id": "r1"}
        )
        self.assertEqual(result, {"id": 7})
        request = self.rsps.calls[0].request
        self.assertEqual(request.method, "POST")
        self.assertEqual(request.body, b'{"a": 1}')
        self.assertEqual(request.headers["X-Request-Id"], "r1")
        self.assertEqual(request.headers["X-Shopify-Access-Token"], TOKEN)

    def test_absolute_url_is_kept(self):
        self.rsps.get("https://other.example.com/next?page=2", json=[])
        self.client().get("https://other.example.com/next?page=2")
        self.assertEqual(len(self.rsps.calls), 1)

    def test_timeout_is_passed(self):
        self.rsps.get(f"{BASE}/x", body="ok")
        session = requests.Session()
        sent = []
        original = session.request

        def spy(*args, **kwargs):
            sent.append(kwargs["timeout"])
            return original(*args, **kwargs)

        session.request = spy
        self.client(session=session, timeout=(1.0, 2.0)).get("x")
        self.assertEqual(sent, [(1.0, 2.0)])

    def test_json_request_empty_body(self):
        self.rsps.delete(f"{BASE}/orders/1", status=204)
        self.assertIsNone(self.client().json_request("DELETE", "orders/1"))

    def test_json_request_invalid_json(self):
        self.rsps.get(f"{BASE}/x", body=f"<html>oops {TOKEN}</html>")
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            self.client().json_request("GET", "x")
        self.assertIn("not JSON", str(caught.exception))
        self.assertNotIn(TOKEN, str(caught.exception))

    def test_success_recorded_on_circuit(self):
        self.rsps.get(f"{BASE}/x", body="ok")
        circuit = FakeCircuit()
        self.client(circuit=circuit).get("x")
        self.assertEqual(circuit.events, ["allow", "success"])


class TestTransientFailures(HttpClientCase):
    def test_timeout_is_transient_and_retried_for_get(self):
        self.rsps.get(f"{BASE}/x", body=requests.Timeout("read timed out"))
        circuit = FakeCircuit()
        with self.assertRaises(errors.RemoteUnavailableError) as caught:
            self.client(circuit=circuit, max_retries=2).get("x")
        self.assertEqual(errors.classify(caught.exception), "transient")
        self.assertEqual(len(self.rsps.calls), 3)
        self.assertEqual(len(self.sleeps), 2)
        self.assertEqual(circuit.events.count("failure"), 3)

    def test_connection_error(self):
        self.rsps.post(f"{BASE}/x", body=requests.ConnectionError("refused"))
        with self.assertRaises(errors.RemoteUnavailableError):
            self.client().post("x", json={})
        self.assertEqual(len(self.rsps.calls), 1)

    def test_5xx_retried_for_get_then_success(self):
        self.rsps.get(f"{BASE}/x", status=503, body="busy")
        self.rsps.get(f"{BASE}/x", status=502, body="bad gateway")
        self.rsps.get(f"{BASE}/x", json={"ok": True})
        circuit = FakeCircuit()
        client = self.client(circuit=circuit, max_retries=2, max_inline_wait=2.0)
        response = client.get("x")
        self.assertEqual(response.json(), {"ok": True})
        self.assertEqual(len(self.rsps.calls), 3)
        self.assertEqual(len(self.sleeps), 2)
        for delay in self.sleeps:
            self.assertGreater(delay, 0)
            self.assertLessEqual(delay, 2.0)
        self.assertEqual(
            circuit.events,
            ["allow", "failure", "allow", "failure", "allow", "success"],
        )

    def test_5xx_exhausts_retries(self):
        self.rsps.get(f"{BASE}/x", status=500, body="error")
        with self.assertRaises(errors.RemoteUnavailableError) as caught:
            self.client(max_retries=1).get("x")
        self.assertEqual(len(self.rsps.calls), 2)
        self.assertIn("500", str(caught.exception))
        self.assertEqual(caught.exception.details["status"], 500)

    def test_5xx_short_retry_after_is_honoured(self):
        self.rsps.get(f"{BASE}/x", status=503, headers={"Retry-After": "1.5"})
        self.rsps.get(f"{BASE}/x", body="ok")
        self.client(max_inline_wait=2.0).get("x")
        self.assertEqual(len(self.sleeps), 1)
        self.assertGreaterEqual(self.sleeps[0], 1.5)
        self.assertLessEqual(self.sleeps[0], 2.0)

    def test_5xx_long_retry_after_stops_retrying(self):
        self.rsps.get(f"{BASE}/x", status=503, headers={"Retry-After": "120"})
        with self.assertRaises(errors.RemoteUnavailableError) as caught:
            self.client().get("x")
        self.assertEqual(caught.exception.retry_after, 120.0)
        self.assertEqual(len(self.rsps.calls), 1)
        self.assertEqual(self.sleeps, [])

    def test_post_not_retried(self):
        self.rsps.post(f"{BASE}/orders", status=503)
        with self.assertRaises(errors.RemoteUnavailableError):
            self.client().post("orders", json={"a": 1})
        self.assertEqual(len(self.rsps.calls), 1)
        self.assertEqual(self.sleeps, [])

    def test_post_retried_when_idempotent(self):
        self.rsps.post(f"{BASE}/graphql", status=503)
        self.rsps.post(f"{BASE}/graphql", json={"data": {}})
        response = self.client().post("graphql", json={}, idempotent=True)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(len(self.rsps.calls), 2)

    def test_get_not_retried_when_marked_non_idempotent(self):
        self.rsps.get(f"{BASE}/x", status=503)
        with self.assertRaises(errors.RemoteUnavailableError):
            self.client().get("x", idempotent=False)
        self.assertEqual(len(self.rsps.calls), 1)

    def test_429_with_retry_after(self):
        self.rsps.get(f"{BASE}/x", status=429, headers={"Retry-After": "30"})
        circuit = FakeCircuit()
        with self.assertRaises(errors.RateLimitedError) as caught:
            self.client(circuit=circuit).get("x")
        self.assertEqual(caught.exception.retry_after, 30.0)
        self.assertEqual(errors.classify(caught.exception), "transient")
        self.assertEqual(len(self.rsps.calls), 1)
        self.assertEqual(self.sleeps, [])
        self.assertEqual(circuit.events, ["allow", "failure"])

    def test_429_without_retry_after(self):
        self.rsps.post(f"{BASE}/x", status=429)
        with self.assertRaises(errors.RateLimitedError) as caught:
            self.client().post("x")
        self.assertIsNone(caught.exception.retry_after)


class TestPermanentFailures(HttpClientCase):
    def test_401_is_authentication_error(self):
        for status in (401, 403):
            with self.subTest(status=status):
                self.rsps.reset()
                self.rsps.get(f"{BASE}/x", status=status, body="denied")
                circuit = FakeCircuit()
                with self.assertRaises(errors.AuthenticationError) as caught:
                    self.client(circuit=circuit).get("x")
                exc = caught.exception
                self.assertEqual(exc.category, "authentication")
                self.assertEqual(errors.classify(exc), "permanent")
                self.assertIn("credentials", exc.hint)
                self.assertIn("backend", exc.hint)
                self.assertEqual(len(self.rsps.calls), 1)
                self.assertEqual(circuit.events, ["allow", "success"])

    def test_4xx_is_remote_rejected(self):
        body = '{"errors": {"title": ["can\'t be blank"]}}'
        self.rsps.post(f"{BASE}/products", status=422, body=body)
        circuit = FakeCircuit()
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            self.client(circuit=circuit).post("products", json={})
        exc = caught.exception
        self.assertIn("422", str(exc))
        self.assertIn("can't be blank", str(exc))
        self.assertEqual(exc.category, "remote_rejected")
        self.assertEqual(exc.details["status"], 422)
        self.assertEqual(circuit.events, ["allow", "success"])

    def test_4xx_not_retried_for_get(self):
        self.rsps.get(f"{BASE}/missing", status=404)
        with self.assertRaises(errors.RemoteRejectedError):
            self.client().get("missing")
        self.assertEqual(len(self.rsps.calls), 1)

    def test_redirect_is_not_followed(self):
        self.rsps.get(
            f"{BASE}/x", status=302, headers={"Location": "https://evil.example/x"}
        )
        self.rsps.get("https://evil.example/x", body="stolen")
        with self.assertRaisesRegex(errors.RemoteRejectedError, "HTTP 302") as caught:
            self.client().get("x")
        self.assertEqual([c.request.url for c in self.rsps.calls], [f"{BASE}/x"])
        self.assertNotIn("evil", str(caught.exception))

    def test_body_excerpt_is_short_and_sanitised(self):
        body = "<html>\x1b[31m" + "B" * 3000 + "\x00</html>"
        self.rsps.get(f"{BASE}/x", status=400, body=body)
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            self.client().get("x")
        excerpt = caught.exception.details["body"]
        self.assertLessEqual(len(excerpt), 200)
        self.assertTrue(excerpt.isprintable())
        self.assertLess(len(str(caught.exception)), 300)

    def test_non_json_answer_is_shown_as_a_short_excerpt(self):
        self.rsps.get(f"{BASE}/x", body="<html>" + "secret page " * 500)
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            self.client().json_request("GET", "x")
        self.assertLessEqual(len(caught.exception.details["body"]), 200)
        self.assertLess(len(str(caught.exception)), 300)

    def test_body_excerpt_is_bounded(self):
        self.rsps.get(f"{BASE}/x", status=400, body="A" * 5000)
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            self.client().get("x")
        self.assertLessEqual(len(caught.exception.details["body"]), 500)
        self.assertIn("AAAA", str(caught.exception))
        self.assertLess(len(str(caught.exception)), 700)

    def test_invalid_url_is_unexpected(self):
        client = HttpClient("", sleep=self.sleeps.append)
        with self.assertRaises(errors.RetailError) as caught:
            client.get("not a url")
        self.assertEqual(errors.classify(caught.exception), "unexpected")


class TestCircuitAndRateLimit(HttpClientCase):
    def test_open_circuit_refuses_without_sending(self):
        self.rsps.get(f"{BASE}/x", body="ok")
        circuit = FakeCircuit(wait=42.0)
        limiter = FakeLimiter()
        with self.assertRaises(errors.CircuitOpenError) as caught:
            self.client(circuit=circuit, rate_limiter=limiter).get("x")
        self.assertEqual(caught.exception.retry_after, 42.0)
        self.assertEqual(len(self.rsps.calls), 0)
        self.assertEqual(limiter.costs, [])
        self.assertEqual(circuit.events, ["allow"])
        self.assertEqual(self.sleeps, [])

    def test_small_wait_sleeps_then_sends(self):
        self.rsps.get(f"{BASE}/x", body="ok")
        limiter = FakeLimiter(0.4, 0.0)
        self.client(rate_limiter=limiter).get("x", cost=2.0)
        self.assertEqual(self.sleeps, [0.4])
        self.assertEqual(limiter.costs, [2.0, 2.0])
        self.assertEqual(len(self.rsps.calls), 1)

    def test_big_wait_raises_rate_limited(self):
        self.rsps.get(f"{BASE}/x", body="ok")
        limiter = FakeLimiter(30.0)
        with self.assertRaises(errors.RateLimitedError) as caught:
            self.client(rate_limiter=limiter, max_inline_wait=2.0).get("x")
        self.assertEqual(caught.exception.retry_after, 30.0)
        self.assertEqual(len(self.rsps.calls), 0)
        self.assertEqual(self.sleeps, [])

    def test_inline_limiter_waits_are_bounded(self):
        self.rsps.post(f"{BASE}/x", body="ok")
        limiter = FakeLimiter(*[0.5] * 10)
        with self.assertRaises(errors.RateLimitedError):
            self.client(rate_limiter=limiter).post("x")
        self.assertEqual(self.sleeps, [0.5, 0.5, 0.5])
        self.assertEqual(len(self.rsps.calls), 0)


class TestRedaction(HttpClientCase):
    def test_secrets_not_in_exception_text(self):
        echoed = f'{{"error": "bad token {TOKEN}", "key": "{API_KEY}"}}'
        self.rsps.get(f"{BASE}/x", status=400, body=echoed)
        with self.assertRaises(errors.RemoteRejectedError) as caught:
            self.client(secrets=[API_KEY]).get("x")
        text = str(caught.exception) + repr(caught.exception.details)
        self.assertNotIn(TOKEN, text)
        self.assertNotIn(API_KEY, text)
        self.assertIn("bad token ***", text)

    def test_secrets_not_in_network_error_text(self):
        self.rsps.get(
            f"{BASE}/x",
            body=requests.ConnectionError(
                f"Max retries exceeded: /x?api_key={API_KEY}"
            ),
        )
        with self.assertRaises(errors.RemoteUnavailableError) as caught:
            self.client(max_retries=0).get("x", params={"api_key": API_KEY})
        self.assertNotIn(API_KEY, str(caught.exception))
        self.assertIn("api_key=***", str(caught.exception))
        self.assertIsNone(caught.exception.__cause__)

    def test_per_request_authorization_is_redacted(self):
        self.rsps.get(f"{BASE}/x", status=401, body=f"invalid {API_KEY}")
        client = HttpClient(BASE, sleep=self.sleeps.append)
        with self.assertRaises(errors.AuthenticationError) as caught:
            client.get("x", headers={"Authorization": f"Token {API_KEY}"})
        self.assertNotIn(API_KEY, str(caught.exception))

    def test_secrets_not_in_logs(self):
        self.rsps.get(f"{BASE}/x", status=503, body=f"proxy saw {TOKEN} {API_KEY}")
        self.rsps.get(f"{BASE}/x", body="ok")
        with self.assertLogs(self.logger, level=logging.DEBUG) as logs:
            self.client(secrets=[API_KEY]).get("x", params={"access_token": TOKEN})
        output = "\n".join(logs.output)
        self.assertIn("503", output)
        self.assertIn("***", output)
        self.assertNotIn(TOKEN, output)
        self.assertNotIn(API_KEY, output)
