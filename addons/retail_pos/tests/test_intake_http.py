"""The partner API over HTTP: authentication before anything is read,
bounded bodies, malformed and hostile documents, duplicates, per-ticket
results, cash-ups, and the OpenAPI document."""

import json
import socket
from contextlib import contextmanager

from odoo.tests import tagged
from odoo.tests.common import HOST, TEST_CURSOR_COOKIE_NAME

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services.signatures import hmac_sha256_digest

from .common import PosHttpCase

TICKETS = "/retail/pos/v1/stores/{code}/tickets"
CASHUPS = "/retail/pos/v1/stores/{code}/cashups"


@tagged("post_install", "-at_install")
class TestTicketsApi(PosHttpCase):
    def post(self, body, *, key=None, code=None, path=TICKETS, headers=None):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        all_headers = {"Content-Type": "application/json"}
        if key is not False:
            all_headers["Authorization"] = f"Bearer {self.key if key is None else key}"
        all_headers.update(headers or {})
        return self.post_body(
            body, all_headers, path=path.format(code=code or self.store.code)
        )

    def ticket_events(self):
        return self.events().filtered(lambda e: e.topic == "pos/ticket")

    def test_a_batch_is_stored_once_with_one_event_per_ticket(self):
        tickets = [self.ticket(), self.ticket("T1-000002", 2)]
        with trap_jobs() as trap:
            response = self.post({"tickets": tickets})
            self.assertEqual(response.status_code, 200, response.text)
            trap.assert_jobs_count(2)
        self.assertEqual(
            response.json()["results"],
            [
                {"ticket_id": "T1-000001", "status": "accepted", "errors": []},
                {"ticket_id": "T1-000002", "status": "accepted", "errors": []},
            ],
        )
        batch = self.events().filtered(lambda e: e.topic == "pos/tickets")
        self.assertEqual(batch.state, "done")
        children = self.ticket_events()
        self.assertEqual(children.parent_id, batch)
        self.assertEqual(
            sorted(children.mapped("event_key")),
            ["ticket:T1-000001", "ticket:T1-000002"],
        )
        self.assertEqual(
            sorted(children.mapped("remote_ref")), sorted(children.mapped("event_key"))
        )
        self.assertEqual(set(children.mapped("state")), {"queued"})

    def test_a_replayed_batch_answers_duplicates_and_queues_nothing(self):
        body = {"tickets": [self.ticket(), self.ticket("T1-000002", 2)]}
        with trap_jobs():
            self.post(body)
        with trap_jobs() as trap:
            response = self.post(body)
            trap.assert_jobs_count(0)
        self.assertEqual(
            [r["status"] for r in response.json()["results"]],
            ["duplicate", "duplicate"],
        )
        self.assertEqual(len(self.ticket_events()), 2)
        self.assertEqual(self.ticket_events().mapped("duplicate_count"), [1, 1])

    def test_a_ticket_in_another_batch_is_a_duplicate(self):
        with trap_jobs():
            self.post({"tickets": [self.ticket()]})
            response = self.post(
                {"tickets": [self.ticket("T1-000002", 2), self.ticket(), self.ticket()]}
            )
        self.assertEqual(
            [r["status"] for r in response.json()["results"]],
            ["accepted", "duplicate", "duplicate"],
        )
        self.assertEqual(len(self.ticket_events()), 2)

    def test_a_bad_ticket_never_blocks_the_batch(self):
        bad = self.ticket("T1-000002", 2, total="1.00")
        del bad["terminal"]
        with trap_jobs() as trap:
            response = self.post(
                {"tickets": [self.ticket(), bad, "junk", self.ticket("T1-3", 3)]}
            )
            trap.assert_jobs_count(2)
        results = response.json()["results"]
        self.assertEqual(
            [r["status"] for r in results],
            ["accepted", "rejected", "rejected", "accepted"],
        )
        self.assertEqual(results[1]["ticket_id"], "T1-000002")
        self.assertEqual({e["field"] for e in results[1]["errors"]}, {"terminal"})
        self.assertIsNone(results[2]["ticket_id"])
        self.assertEqual(results[2]["errors"][0]["field"], "(payload)")
        self.assertEqual(len(self.ticket_events()), 2)

    def test_authentication(self):
        body = {"tickets": [self.ticket()]}
        for key in (False, "wrong-key", ""):
            response = self.post(body, key=key)
            self.assertEqual(response.status_code, 401, key)
        response = self.post(body, headers={"Authorization": f"Basic {self.key}"})
        self.assertEqual(response.status_code, 401)
        response = self.post(body, code="NOPE")
        self.assertEqual(response.status_code, 401)
        self.assertEqual(response.json(), {"error": "authentication failed"})
        self.assertFalse(self.events())

    def test_a_key_of_store_a_cannot_post_to_store_b(self):
        other = self._setup_backend(self.env, name="Baixa", code="STORE2")
        _record, other_key = other._retail_pos_new_key()
        body = {"tickets": [self.ticket()]}
        self.assertEqual(self.post(body, code="STORE2").status_code, 401)
        self.assertEqual(self.post(body, key=other_key).status_code, 401)
        self.assertFalse(self.events(backend=other))
        with trap_jobs():
            self.assertEqual(
                self.post(body, key=other_key, code="STORE2").status_code, 200
            )
        self.assertEqual(len(self.events(backend=other)), 2)
        self.assertFalse(self.events())

    def test_an_expired_key_is_refused(self):
        self.key_record.action_revoke()
        self.assertEqual(self.post({"tickets": [self.ticket()]}).status_code, 401)

    def test_archived_store_is_unknown(self):
        self.store.active = False
        self.assertEqual(self.post({"tickets": [self.ticket()]}).status_code, 401)

    def test_a_paused_store_still_stores(self):
        self.store.action_pause()
        with trap_jobs():
            response = self.post({"tickets": [self.ticket()]})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["results"][0]["status"], "accepted")

    def test_malformed_envelopes(self):
        for body, status in (
            (b"{not json", 400),
            (b"\xff\xfe\x00garbage", 400),
            (b"[]", 400),
            (b'{"tickets": []}', 400),
            (b'{"tickets": {}}', 400),
            (b'{"batch": []}', 400),
            (json.dumps({"tickets": [self.ticket()] * 501}).encode(), 400),
        ):
            response = self.post(body)
            self.assertEqual(response.status_code, status, body[:40])
            self.assertIn("error", response.json())
        response = self.post(b'{"tickets": []}')
        self.assertEqual(response.json()["errors"][0]["field"], "tickets")
        self.assertFalse(self.events())

    def test_a_nul_character_is_refused_not_a_500(self):
        for ticket_id in ("T1-\u0000", "T1-000001"):
            ticket = self.ticket()
            ticket["ticket_id"] = ticket_id
            if ticket_id == "T1-000001":
                ticket["customer"] = {"email": "nul\u0000@example.com"}
            response = self.post({"tickets": [ticket]})
            self.assertEqual(response.status_code, 400, response.text)
            self.assertIn("NUL", response.json()["error"])
        self.assertFalse(self.events())

    def test_deeply_nested_document_is_refused(self):
        body = b'{"tickets": [' + b"[" * 5000 + b"]" * 5000 + b"]}"
        response = self.post(body)
        self.assertEqual(response.status_code, 400)
        self.assertIn("nested deeper", response.json()["error"])
        ticket = self.ticket()
        ticket["customer"] = {"loyalty_id": {"a": {"b": {"c": {"d": {}}}}}}
        response = self.post({"tickets": [ticket]})
        self.assertEqual(response.status_code, 400)
        self.assertFalse(self.events())

    def test_oversize_body_is_refused_before_reading(self):
        self.store.inbound_max_bytes = 2000
        tickets = [self.ticket(f"T1-{n}", n) for n in range(1, 20)]
        response = self.post({"tickets": tickets})
        self.assertEqual(response.status_code, 413)
        self.assertIn("larger than 2000 bytes", response.json()["error"])
        self.assertFalse(self.events())

    def test_signed_requests(self):
        self.store.require_signature = True
        self.store.action_generate_signing_secret()
        body = json.dumps({"tickets": [self.ticket()]}).encode()
        self.assertEqual(self.post(body).status_code, 401)
        self.assertEqual(
            self.post(body, headers={"X-Retail-Signature": "00" * 32}).status_code, 401
        )
        signature = hmac_sha256_digest(self.store.signing_secret, body, "hex")
        with trap_jobs():
            response = self.post(body, headers={"X-Retail-Signature": signature})
        self.assertEqual(response.status_code, 200, response.text)

    def test_rate_limit(self):
        self.store.inbound_rate_limit = 1
        with trap_jobs():
            self.assertEqual(self.post({"tickets": [self.ticket()]}).status_code, 200)
            response = self.post({"tickets": [self.ticket("T1-2", 2)]})
        self.assertEqual(response.status_code, 429)
        self.assertIn("Retry-After", response.headers)

    # -- chunked bodies over a raw connection --------------------------
    @contextmanager
    def connection(self):
        self.env.flush_all()
        self.env.cr.flush()
        self.env.cr.clear()
        with self.allow_requests():
            sock = socket.create_connection((HOST, self.http_port()), timeout=10)
            try:
                yield sock
            finally:
                sock.close()
        self.env.invalidate_all()

    def send_chunked(self, sock, chunks):
        head = "\r\n".join(
            [
                f"POST {TICKETS.format(code=self.store.code)} HTTP/1.1",
                f"Host: {HOST}:{self.http_port()}",
                "Content-Type: application/json",
                f"Authorization: Bearer {self.key}",
                f"Cookie: {TEST_CURSOR_COOKIE_NAME}={self.http_request_key}",
                "Transfer-Encoding: chunked",
            ]
        )
        sock.sendall(head.encode() + b"\r\n\r\n")
        for data in chunks:
            sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))

    @staticmethod
    def status_of(sock):
        sock.settimeout(5)
        data = b""
        while b"\r\n" not in data:
            part = sock.recv(65536)
            if not part:
                break
            data += part
        return int(data.split(b"\r\n", 1)[0].split()[1])

    def test_chunked_body_over_the_limit_is_refused_unread(self):
        self.store.inbound_max_bytes = 1000
        with self.connection() as sock:
            self.send_chunked(sock, [b"x" * 1001])  # and the body never ends
            self.assertEqual(self.status_of(sock), 413)
        self.assertFalse(self.events())

    def test_chunked_body_within_the_limit_is_accepted(self):
        body = json.dumps({"tickets": [self.ticket()]}).encode()
        with self.connection() as sock, trap_jobs():
            self.send_chunked(sock, [body[:50], body[50:], b""])
            self.assertEqual(self.status_of(sock), 200)
        self.assertEqual(len(self.ticket_events()), 1)

    def test_no_key_is_refused_before_the_body_is_read(self):
        self.key_record.action_revoke()
        with self.connection() as sock:
            self.send_chunked(sock, [b"x" * 10])  # and the body never ends
            self.assertEqual(self.status_of(sock), 401)

    # -- cash-ups and the document ---------------------------------------
    def test_cashups_are_stored_once_per_terminal_and_day(self):
        cashup = self.cashup(totals=[("CASH", "25.00")], counted="25.00")
        with trap_jobs() as trap:
            response = self.post(cashup, path=CASHUPS)
            trap.assert_jobs_count(1)
        self.assertEqual(response.status_code, 200, response.text)
        self.assertEqual(
            response.json(),
            {
                "terminal": "T1",
                "business_date": "2026-12-01",
                "status": "accepted",
                "errors": [],
            },
        )
        with trap_jobs() as trap:
            again = self.post(dict(cashup, counted_cash="26.00"), path=CASHUPS)
            trap.assert_jobs_count(0)
        self.assertEqual(again.json()["status"], "duplicate")
        event = self.events("cashup:T1:2026-12-01")
        self.assertEqual(event.topic, "pos/cashup")
        with trap_jobs():
            other = self.post(self.cashup(terminal="T2"), path=CASHUPS)
        self.assertEqual(other.json()["status"], "accepted")

    def test_a_bad_cashup_is_rejected_with_its_fields(self):
        response = self.post(self.cashup(count=-1), path=CASHUPS)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["status"], "rejected")
        self.assertEqual(response.json()["errors"][0]["field"], "ticket_count")
        self.assertEqual(self.post([], path=CASHUPS).json()["status"], "rejected")
        self.assertEqual(
            self.post(self.cashup(), path=CASHUPS, key="x").status_code, 401
        )
        self.assertFalse(self.events())

    def test_openapi_document(self):
        response = self.url_open("/retail/pos/v1/openapi.json")
        self.assertEqual(response.status_code, 200)
        document = response.json()
        self.assertEqual(document["openapi"], "3.1.0")
        self.assertIn("/stores/{store_code}/tickets", document["paths"])
        # what the document says is required is what the endpoint rejects
        ticket = self.ticket()
        for field in document["components"]["schemas"]["Ticket"]["required"]:
            broken = {k: v for k, v in ticket.items() if k != field}
            result = self.post({"tickets": [broken]}).json()["results"][0]
            self.assertEqual(result["status"], "rejected")
            self.assertIn(field, [e["field"] for e in result["errors"]])
