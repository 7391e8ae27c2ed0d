import logging
import threading
import unittest

import requests
import responses

from odoo.addons.retail_connector_base.services import correlation, errors
from odoo.addons.retail_connector_base.services.http_client import HttpClient

BASE = "https://remote.example.com/api"
TOKEN = "t0ken-of-the-remote-api"


class TestIds(unittest.TestCase):
    def test_new_ids_are_16_hex_and_unique(self):
        ids = {correlation.new_id() for _ in range(1000)}
        self.assertEqual(len(ids), 1000)
        for value in ids:
            self.assertRegex(value, r"^[0-9a-f]{16}$")

    def test_clean_keeps_only_our_ids(self):
        value = correlation.new_id()
        self.assertEqual(correlation.clean(value), value)
        for other in (None, "", "x" * 16, value.upper(), value + "0", 42, "a b"):
            self.assertIsNone(correlation.clean(other), other)


class TestScope(unittest.TestCase):
    def test_scope_sets_and_restores_the_current_id(self):
        self.assertIsNone(correlation.current_id())
        with correlation.scope() as outer:
            self.assertEqual(correlation.current_id(), outer.correlation_id)
            with correlation.scope(correlation.new_id()) as inner:
                self.assertNotEqual(inner.correlation_id, outer.correlation_id)
                self.assertEqual(correlation.current_id(), inner.correlation_id)
            self.assertEqual(correlation.current_id(), outer.correlation_id)
        self.assertIsNone(correlation.current_id())

    def test_a_scope_of_the_same_id_is_the_outer_one(self):
        with (
            correlation.scope() as outer,
            correlation.scope(outer.correlation_id) as inner,
        ):
            self.assertIs(inner, outer)

    def test_calls_are_handed_over_at_the_end_even_on_error(self):
        handed = []
        with (
            self.assertRaises(ValueError),
            correlation.scope(on_exit=handed.append) as trace,
        ):
            trace.add_call({"n": 1})
            trace.add_call({"n": 2})
            self.assertEqual(handed, [])
            raise ValueError("boom")
        self.assertEqual(handed, [[{"n": 1}, {"n": 2}]])

    def test_a_full_buffer_is_handed_over_in_batches(self):
        handed = []
        with correlation.scope(on_exit=handed.append) as trace:
            for n in range(correlation.MAX_BUFFERED_CALLS + 1):
                trace.add_call(n)
        self.assertEqual(
            [len(batch) for batch in handed], [correlation.MAX_BUFFERED_CALLS, 1]
        )

    def test_about_names_the_subject_inside_a_scope_only(self):
        with correlation.about("res.partner,1"):
            self.assertIsNone(correlation.current_subject())
        with correlation.scope(subject="stock.picking,7"):
            with correlation.about("stock.picking,8"):
                self.assertEqual(correlation.current_subject(), "stock.picking,8")
            self.assertEqual(correlation.current_subject(), "stock.picking,7")

    def test_threads_do_not_share_the_scope(self):
        seen = []
        with correlation.scope():
            thread = threading.Thread(
                target=lambda: seen.append(correlation.current_id())
            )
            thread.start()
            thread.join()
        self.assertEqual(seen, [None])


class TestLogLines(unittest.TestCase):
    def setUp(self):
        super().setUp()
        correlation.install_log_correlation()
        self.logger = logging.getLogger("test.retail.correlation")

    def test_records_inside_a_scope_carry_the_id(self):
        with self.assertLogs(self.logger, logging.INFO) as logs:
            self.logger.info("outside %s", "a scope")
            with correlation.scope() as trace:
                self.logger.info("inside %s", "a scope")
        self.assertEqual(
            logs.output,
            [
                "INFO:test.retail.correlation:outside a scope",
                f"INFO:test.retail.correlation:[cid {trace.correlation_id}] "
                "inside a scope",
            ],
        )
        self.assertEqual(logs.records[0].correlation_id, "")
        self.assertEqual(logs.records[1].correlation_id, trace.correlation_id)

    def test_installing_twice_prefixes_once(self):
        correlation.install_log_correlation()
        with (
            self.assertLogs(self.logger, logging.INFO) as logs,
            correlation.scope() as trace,
        ):
            self.logger.info("once")
        self.assertEqual(
            logs.output,
            [f"INFO:test.retail.correlation:[cid {trace.correlation_id}] once"],
        )


class TestHttpClientTrace(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.rsps = responses.RequestsMock(assert_all_requests_are_fired=False)
        self.rsps.start()
        self.addCleanup(self.rsps.reset)
        self.addCleanup(self.rsps.stop)
        self.entries = []

    def client(self, **kwargs):
        kwargs.setdefault("sleep", lambda seconds: None)
        kwargs.setdefault("journal", self.entries.append)
        return HttpClient(BASE, headers={"Authorization": f"Bearer {TOKEN}"}, **kwargs)

    def test_the_request_id_header_carries_the_current_id(self):
        self.rsps.get(f"{BASE}/orders", json={})
        client = self.client()
        with correlation.scope() as trace:
            client.get("/orders")
        client.get("/orders")
        sent = [call.request.headers for call in self.rsps.calls]
        self.assertEqual(sent[0]["X-Request-Id"], trace.correlation_id)
        self.assertNotIn("X-Request-Id", sent[1])

    def test_a_remote_taking_no_request_id_gets_none(self):
        self.rsps.get(f"{BASE}/orders", json={})
        with correlation.scope():
            self.client(request_id_header=None).get("/orders")
        self.assertNotIn("X-Request-Id", self.rsps.calls[0].request.headers)

    def test_the_journal_gets_each_try_without_query_body_or_secret(self):
        self.rsps.get(f"{BASE}/orders", status=503)
        self.rsps.get(
            f"{BASE}/orders",
            json={"email": "jane@example.com"},
            headers={"X-Request-Id": "remote-42"},
        )
        with correlation.scope() as trace:
            self.client().get(
                "/orders", params={"email": "jane@example.com", "token": TOKEN}
            )
        self.assertEqual(
            [(e["method"], e["path"], e["status"], e["outcome"]) for e in self.entries],
            [("GET", "/orders", 503, "unavailable"), ("GET", "/orders", 200, "ok")],
        )
        self.assertEqual(
            {e["correlation_id"] for e in self.entries}, {trace.correlation_id}
        )
        self.assertEqual(self.entries[1]["remote_request_id"], "remote-42")
        self.assertEqual(self.entries[1]["operation"], "GET /orders")
        for entry in self.entries:
            self.assertGreaterEqual(entry["duration_ms"], 0)
            text = repr(entry)
            self.assertNotIn(TOKEN, text)
            self.assertNotIn("jane", text)

    def test_the_journal_names_the_operation(self):
        self.rsps.post(f"{BASE}/graphql.json", json={"data": {}})
        self.client().post("/graphql.json", json={}, operation="OrderFetch")
        self.assertEqual(self.entries[0]["operation"], "OrderFetch")
        self.assertIsNone(self.entries[0]["correlation_id"])

    def test_failures_without_an_answer_are_journaled(self):
        self.rsps.get(f"{BASE}/slow", body=requests.Timeout("read timed out"))
        self.rsps.get(f"{BASE}/down", body=requests.ConnectionError("refused"))
        client = self.client(max_retries=0)
        for path in ("/slow", "/down"):
            with self.assertRaises(errors.RemoteUnavailableError):
                client.get(path)
        self.assertEqual(
            [(e["path"], e["status"], e["outcome"]) for e in self.entries],
            [("/slow", None, "timeout"), ("/down", None, "unreachable")],
        )

    def test_a_failing_journal_never_fails_the_call(self):
        self.rsps.get(f"{BASE}/orders", json={})

        def broken(entry):
            raise RuntimeError("journal down")

        with self.assertLogs("test.retail.trace", logging.ERROR):
            response = self.client(
                journal=broken, logger=logging.getLogger("test.retail.trace")
            ).get("/orders")
        self.assertEqual(response.status_code, 200)
