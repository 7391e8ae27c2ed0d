"""Reading a delivery's body over a raw connection: chunked bodies, lying
lengths and clients that go away are bounded and answered at once."""

import json
import select
import socket
import time
from contextlib import contextmanager
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tests.common import HOST, TEST_CURSOR_COOKIE_NAME

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.controllers import intake

from .common import RetailHttpCase

#: seconds within which the server must answer
ANSWER_WITHIN = 5


def chunk(data):
    return b"%x\r\n%s\r\n" % (len(data), data)


def read_response(sock, timeout=ANSWER_WITHIN):
    """``(status, headers, body)`` of the first response on ``sock``."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        part = sock.recv(65536)
        if not part:
            break
        data += part
    head, _sep, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _colon, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", 0))
    while len(body) < length:
        part = sock.recv(65536)
        if not part:
            break
        body += part
    return int(lines[0].split()[1]), headers, body[:length]


@tagged("post_install", "-at_install")
class TestIntakeStream(RetailHttpCase):
    @contextmanager
    def connection(self):
        """A raw connection to the test server, allowed to reach the test
        transaction; closed (and the environment refreshed) at the end."""
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

    def head(self, signature, *, key="raw-1", framing, content_type=None):
        lines = [
            f"POST /retail/test/webhook/{self.backend.id} HTTP/1.1",
            f"Host: {HOST}:{self.http_port()}",
            f"Content-Type: {content_type or 'application/json'}",
            "X-Test-Topic: partner/upsert",
            f"X-Test-Event-Id: {key}",
            f"X-Test-Signature: {signature}",
            f"Cookie: {TEST_CURSOR_COOKIE_NAME}={self.http_request_key}",
            framing,
        ]
        return ("\r\n".join(lines) + "\r\n\r\n").encode()

    def assert_answered_while_streaming(self, sock):
        """The server answered before the (never ending) body was sent."""
        readable, _w, _x = select.select([sock], [], [], ANSWER_WITHIN)
        self.assertTrue(
            readable, "the server kept reading a body larger than the limit"
        )
        return read_response(sock)

    def test_chunked_body_over_the_limit_is_refused_unread(self):
        self.backend.inbound_max_bytes = 1000
        with self.connection() as sock:
            sock.sendall(self.head("00", framing="Transfer-Encoding: chunked"))
            # one byte over the limit, and the body does not end
            sock.sendall(chunk(b"x" * 1001))
            status, headers, body = self.assert_answered_while_streaming(sock)
        self.assertEqual(status, 413, body)
        self.assertEqual(headers.get("connection"), "close")
        self.assertIn("larger than 1000 bytes", json.loads(body)["error"])
        self.assertFalse(self.events())

    def test_chunked_body_within_the_limit_is_accepted(self):
        body = json.dumps(self.partner_payload()).encode()
        with self.connection() as sock, trap_jobs():
            sock.sendall(
                self.head(self.sign(body), framing="Transfer-Encoding: chunked")
            )
            sock.sendall(chunk(body[:10]) + chunk(body[10:]) + b"0\r\n\r\n")
            status, _headers, answer = read_response(sock)
        self.assertEqual(status, 200, answer)
        self.assertEqual(self.events().payload, body.decode())

    def test_route_ceiling_applies_whatever_the_backend_allows(self):
        self.backend.inbound_max_bytes = 10**9
        with patch.object(intake, "MAX_BODY_BYTES", 2000), self.connection() as sock:
            sock.sendall(self.head("00", framing="Transfer-Encoding: chunked"))
            sock.sendall(chunk(b"x" * 2001))
            status, _headers, body = self.assert_answered_while_streaming(sock)
        self.assertEqual(status, 413, body)
        self.assertFalse(self.events())

    def test_ceiling_bounds_a_form_body_odoo_parses_first(self):
        with patch.object(intake, "MAX_BODY_BYTES", 2000), self.connection() as sock:
            sock.sendall(
                self.head(
                    "00",
                    framing="Transfer-Encoding: chunked",
                    content_type="application/x-www-form-urlencoded",
                )
            )
            sock.sendall(chunk(b"a=" + b"x" * 2000))
            status, _headers, body = self.assert_answered_while_streaming(sock)
        self.assertEqual(status, 413, body)
        self.assertFalse(self.events())

    def test_shorter_declared_length_reads_only_that_many_bytes(self):
        body = json.dumps(self.partner_payload()).encode()
        sent = body + b"  trailing bytes never read"
        # signed over everything sent: the bytes read do not match it
        with self.connection() as sock:
            sock.sendall(
                self.head(self.sign(sent), framing=f"Content-Length: {len(body)}")
                + sent
            )
            status, _headers, answer = read_response(sock)
        self.assertEqual(status, 401, answer)
        # signed over the declared bytes: exactly those are stored
        with self.connection() as sock, trap_jobs():
            sock.sendall(
                self.head(
                    self.sign(body), key="raw-2", framing=f"Content-Length: {len(body)}"
                )
                + sent
            )
            status, _headers, answer = read_response(sock)
        self.assertEqual(status, 200, answer)
        self.assertEqual(self.events().payload, body.decode())

    def test_longer_declared_length_with_the_client_gone_answers_at_once(self):
        body = json.dumps(self.partner_payload()).encode()
        started = time.monotonic()
        with self.connection() as sock:
            sock.sendall(self.head(self.sign(body), framing="Content-Length: 5000"))
            sock.sendall(body)
            sock.shutdown(socket.SHUT_WR)
            status, _headers, answer = read_response(sock)
        self.assertLess(time.monotonic() - started, 2)
        self.assertEqual(status, 400, answer)
        self.assertEqual(json.loads(answer)["error"], "incomplete body")
        self.assertFalse(self.events())
