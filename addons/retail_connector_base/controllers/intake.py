"""The one intake path every connector controller uses.

Order matters: size limit, authentication on the raw bytes, rate limit,
parsing and validation (shape limits included), then one plain insert
that stores a new delivery (a second statement counts a duplicate) and
wakes the dispatcher, which queues its job within a second
(``retail.event._cron_dispatch``). No business processing happens in the
request, and nothing but those statements writes: the backend's columns are
read from the worker's cache (read again after any change to one of them),
the rate limit takes its tokens a few at a time
(``services.token_bucket.LeasedTokens``), the job row is created off the
request. A signed
delivery is stored whatever the backend's state (draft, paused, in error):
its job waits until the backend is active again, and the sender never
retries it into a removed subscription.

Reading is bounded on every route: at most the backend's size limit plus
one byte is read from the input stream, declared length or not (a chunked
body included), and never more than :data:`MAX_BODY_BYTES`, whatever the
backend allows. Intake routes are declared with :func:`intake_route`, whose
``max_content_length`` (:func:`route_max_content_length`) makes the ceiling
bound whatever Odoo reads before the controller runs too (a form body).
"""

import hashlib
import io
import json
import logging
import math

from werkzeug.exceptions import BadRequest, RequestEntityTooLarge

from odoo import http
from odoo.http import request

from ..models.retail_backend_mixin import INTAKE_FIELDS
from ..services import correlation, errors
from ..services import json_limits as json_limits_service

_logger = logging.getLogger(__name__)

#: bytes of a delivery never read, whatever its backend allows
MAX_BODY_BYTES = 16 * 1024 * 1024
#: bytes read from the input stream at a time
READ_CHUNK = 64 * 1024
# the body read once, kept for a request Odoo replays after a conflict
_BODY_ATTRIBUTE = "retail_intake_body"


def json_response(http_status, *, close=False, **data):
    """A JSON answer; ``close`` when the body was not read to its end (the
    connection cannot carry another request)."""
    headers = []
    retry_after = data.pop("retry_after", None)
    if retry_after is not None:
        headers.append(("Retry-After", str(int(math.ceil(retry_after)))))
    if close:
        headers.append(("Connection", "close"))
    return request.make_json_response(data, headers=headers, status=http_status)


def _werkzeug_request():
    # Odoo's request wrapper exposes no input stream: its wrapped request does
    return request.httprequest._HTTPRequest__wrapped


class BoundedStream(io.RawIOBase):
    """An input stream refusing to give more than ``limit`` bytes: reading
    past them raises ``RequestEntityTooLarge`` (answered 413)."""

    def __init__(self, stream, limit):
        super().__init__()
        self._stream = stream
        self._limit = limit
        self._read = 0

    def readable(self):
        return True

    def _count(self, data):
        self._read += len(data)
        if self._read > self._limit:
            raise RequestEntityTooLarge()
        return data

    def read(self, size=-1):  # pylint: disable=method-required-super
        if size is None or size < 0:
            parts = []
            while part := self.read(READ_CHUNK):
                parts.append(part)
            return b"".join(parts)
        # one byte more than allowed at most: enough to know it is too large
        size = min(size, self._limit - self._read + 1)
        return self._count(self._stream.read(size)) if size > 0 else b""

    def readinto(self, buffer):
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size=-1):
        allowed = self._limit - self._read + 1
        size = allowed if size is None or size < 0 else min(size, allowed)
        return self._count(self._stream.readline(size))


def route_max_content_length(controller):
    """``max_content_length`` of an intake route (Odoo calls it before the
    body is parsed): bound the input stream at :data:`MAX_BODY_BYTES`, and
    refuse a larger declared length, before anything reads it."""
    httprequest = _werkzeug_request()
    if not isinstance(httprequest.stream, BoundedStream):
        httprequest.stream = BoundedStream(httprequest.stream, MAX_BODY_BYTES)
    return MAX_BODY_BYTES


def intake_route(path):
    """The route of an intake endpoint (a controller method's decorator):
    POST, no session and no CSRF token (the sender authenticates every
    request), writable, and the input bounded by
    :func:`route_max_content_length` before Odoo reads anything."""
    return http.route(
        path,
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
        max_content_length=route_max_content_length,
    )


def read_body(limit):
    """The request body, read once and kept; None when larger than ``limit``.

    At most ``limit`` + 1 bytes are read, in bounded reads, from the input
    stream, whether the length was declared or not (a chunked body stops
    being read once past the limit); a declared length over the limit is
    refused before reading. The bytes stay on the request: when Odoo replays
    it after a serialisation conflict, the same body is authenticated again.
    Raises ``werkzeug.exceptions.BadRequest`` when the body ends before its
    declared length (the client went away) or its chunks are malformed.
    """
    httprequest = _werkzeug_request()
    cached = getattr(httprequest, _BODY_ATTRIBUTE, None)
    if cached is not None:
        return cached if len(cached) <= limit else None
    length = httprequest.content_length
    if length is not None and length > limit:
        return None
    stream = httprequest.stream
    parts, size = [], 0
    try:
        while size <= limit:
            part = stream.read(min(READ_CHUNK, limit + 1 - size))
            if not part:
                break
            parts.append(part)
            size += len(part)
    except RequestEntityTooLarge:
        return None
    except OSError as exc:  # malformed chunks
        raise BadRequest(f"unreadable body: {exc}") from exc
    if size > limit:
        return None
    body = b"".join(parts)
    setattr(httprequest, _BODY_ATTRIBUTE, body)
    return body


#: columns of every backend the intake reads (see :class:`BackendView`)
INTAKE_COLUMNS = (
    "active",
    "inbound_max_bytes",
    "inbound_rate_limit",
    "company_id",
    "retail_card_id",
)


def _storable(text):
    """``text`` without NUL characters (no PostgreSQL text column holds
    one): each is replaced by U+FFFD."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text


class BackendView:
    """A backend as the intake reads it: the columns it needs, read with one
    plain query (an ORM read of the record would load and convert every
    stored field) that each worker keeps until one of them is written, and
    the record itself for anything else (an attribute that was not read
    comes from the record)."""

    def __init__(self, record, values):
        self.record = record
        self._values = values

    def __getattr__(self, name):
        values = self.__dict__.get("_values", {})
        if name in values:
            return values[name]
        return getattr(self.__dict__["record"], name)


class WebhookIntake:
    """Accept deliveries for one backend model.

    :param backend_model: model name of the backend (``shopify.backend``)
    :param authenticator: object with ``verify(credential, body, headers)``
    :param credential: ``callable(backend) -> secret or stored hash``
    :param topic: ``callable(headers, payload) -> str``
    :param event_key: ``callable(headers, payload) -> str | None``; the body's
        SHA-256 is used when it returns nothing
    :param header_whitelist: header names stored with the event
    :param validate: optional ``callable(backend, headers, payload)`` raising
        :class:`~..services.errors.PayloadValidationError`
    :param precheck: optional ``callable(backend, headers)`` run after
        authentication, returning ``None`` to go on or ``(status, message)``
        to refuse the delivery without storing it (e.g. a signed delivery
        for another shop than the backend's)
    :param json_limits: the :class:`~..services.json_limits.JsonLimits` of
        a document (default: 64 levels, 10,000 elements per array or
        object); lower them for what the connector knows (line items ...)
    :param backend_fields: the stored fields of the backend that
        ``credential``, ``precheck`` and ``validate`` read (the secret, the
        shop's domain ...): read with the intake's own columns in one query

    The callables receive a :class:`BackendView` of the backend.
    """

    def __init__(
        self,
        backend_model,
        *,
        authenticator,
        credential,
        topic,
        event_key,
        header_whitelist=(),
        validate=None,
        precheck=None,
        json_limits=None,
        backend_fields=(),
    ):
        self.backend_model = backend_model
        self.authenticator = authenticator
        self.credential = credential
        self.topic = topic
        self.event_key = event_key
        self.header_whitelist = tuple(header_whitelist)
        self.validate = validate
        self.precheck = precheck
        self.json_limits = json_limits or json_limits_service.DEFAULT_LIMITS
        self.columns = INTAKE_COLUMNS + tuple(
            name for name in backend_fields if name not in INTAKE_COLUMNS
        )
        INTAKE_FIELDS[backend_model] = INTAKE_FIELDS.get(
            backend_model, frozenset()
        ) | frozenset(self.columns)

    # -- steps -----------------------------------------------------------
    def _headers(self):
        headers = request.httprequest.headers
        return {
            name: _storable(headers[name])
            for name in self.header_whitelist
            if name in headers
        }

    def _view(self, backend_id):
        """The backend's columns, or None when it does not exist (read once
        per worker until one of them changes: see
        ``retail.backend._retail_intake_row``)."""
        # one superuser environment for the whole delivery (the record's)
        env = request.env(su=True)
        row = env["retail.backend"]._retail_intake_row(
            self.backend_model, backend_id, self.columns
        )
        if row is None:
            return None
        record = env[self.backend_model].browse(backend_id)
        return BackendView(record, dict(zip(self.columns, row, strict=True)))

    def handle(self, backend_id):
        backend = self._view(backend_id)
        if backend is None or not backend.active:
            return json_response(404, close=True, error="unknown backend")
        limit = min(backend.inbound_max_bytes, MAX_BODY_BYTES)
        try:
            body = read_body(limit)
        except BadRequest as exc:
            _logger.info(
                "Rejected a delivery for %s: %s", backend._retail_key(), exc.description
            )
            return json_response(400, close=True, error="incomplete body")
        if body is None:
            return json_response(
                413, close=True, error=f"body larger than {limit} bytes"
            )
        headers = request.httprequest.headers
        if not self.authenticator.verify(self.credential(backend), body, headers):
            _logger.info(
                "Rejected a delivery for %s: authentication failed",
                backend._retail_key(),
            )
            return json_response(401, error="authentication failed")
        refusal = self.precheck(backend, headers) if self.precheck else None
        if refusal:
            status, message = refusal
            _logger.info(
                "Refused a delivery for %s: %s", backend._retail_key(), message
            )
            return json_response(status, error=message)
        # stored whatever the backend's state: processing waits for it
        tokens = backend.record._retail_inbound_tokens(backend.inbound_rate_limit)
        wait = tokens.acquire()
        if wait:
            return json_response(429, error="rate limit exceeded", retry_after=wait)
        # the delivery's id, in its log lines from here on and stored with it
        with correlation.scope() as trace:
            return self._store(backend, body, headers, trace.correlation_id)

    def _store(self, view, body, headers, correlation_id=None):
        backend = view.record
        Event = backend.env["retail.event"]
        stored_headers = self._headers()
        problem, payload = None, None
        try:
            payload = json_limits_service.loads(body, self.json_limits)
        except json_limits_service.JsonLimitError as exc:
            problem = errors.PayloadValidationError(
                f"The delivery exceeds the limits of a document: {exc}",
                hint="The sender produced a document larger or deeper than any "
                "this connector accepts; ask its support, then ignore this "
                "exception.",
            )
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problem = errors.PayloadValidationError(
                f"The delivery is not valid JSON: {exc}",
                hint="The sender produced a malformed document; ask its "
                "support, then ignore this exception.",
            )
        if (
            problem is None
            and json_limits_service.may_hold_nul(body)
            and json_limits_service.holds_nul(payload)
        ):
            problem = errors.PayloadValidationError(
                "The delivery holds a NUL character (\\u0000), which no "
                "field can store.",
                hint="The sender produced a document no system can keep as "
                "text; ask its support, then ignore this exception.",
            )
        topic = _storable(self.topic(headers, payload) or "unknown")
        body_sha256 = hashlib.sha256(body).hexdigest()
        event_key = _storable(
            (self.event_key(headers, payload) if payload is not None else None)
            or body_sha256
        )
        if problem is None and self.validate:
            try:
                self.validate(view, headers, payload)
            except errors.PayloadValidationError as exc:
                problem = exc
        # the body as text (its digest above is of the bytes as they came)
        text = _storable(body.decode("utf-8", errors="replace"))
        remote_ref = False
        if problem is None:
            remote_ref = backend._retail_event_subject(topic, payload) or False
        if problem is not None:
            if Event._body_stored_under_other_topic(backend, body_sha256, topic):
                return self._refuse_relabelled(backend, topic)
            event, created = Event._accept(
                backend,
                topic=topic,
                event_key=event_key,
                payload=text,
                headers=stored_headers,
                state="failed",
                error=str(problem),
                remote_ref=False,
                body_sha256=body_sha256,
                correlation_id=correlation_id,
            )
            if created:
                event._fail(problem)
            return json_response(400, error=str(problem), event_id=event.id)
        outcome, event_id = Event._ingest(
            backend,
            topic=topic,
            event_key=event_key,
            payload=text,
            headers=stored_headers,
            remote_ref=remote_ref,
            body_sha256=body_sha256,
            company_id=view.company_id,
            card_id=view.retail_card_id,
            correlation_id=correlation_id,
        )
        if outcome == "relabelled":
            return self._refuse_relabelled(backend, topic)
        return json_response(200, status=outcome, event_id=event_id)

    @staticmethod
    def _refuse_relabelled(backend, topic):
        _logger.info(
            "Refused a delivery for %s: its body was already delivered "
            "under another topic than %s",
            backend._retail_key(),
            topic,
        )
        return json_response(
            400, error="this body was already delivered under another topic"
        )
