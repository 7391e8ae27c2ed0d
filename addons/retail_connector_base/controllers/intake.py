"""The one intake path every connector controller uses.

Order matters: size limit, authentication on the raw bytes, backend state,
rate limit, parsing and validation, then a single insert and a queued job.
No business processing happens in the request.
"""

import hashlib
import json
import logging
import math

from werkzeug.exceptions import RequestEntityTooLarge

from odoo.http import request

from ..services import errors

_logger = logging.getLogger(__name__)


def json_response(http_status, **data):
    headers = []
    retry_after = data.pop("retry_after", None)
    if retry_after is not None:
        headers.append(("Retry-After", str(int(math.ceil(retry_after)))))
    return request.make_json_response(data, headers=headers, status=http_status)


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
    ):
        self.backend_model = backend_model
        self.authenticator = authenticator
        self.credential = credential
        self.topic = topic
        self.event_key = event_key
        self.header_whitelist = tuple(header_whitelist)
        self.validate = validate
        self.precheck = precheck

    # -- steps -----------------------------------------------------------
    def _read_body(self, limit):
        """Read at most ``limit`` bytes; None when the body is larger.

        A declared length over the limit is refused before reading; a body
        without a declared length stops being read once past the limit. The
        bytes stay cached on the request: when Odoo replays the request after
        a serialisation conflict, the same body is authenticated again.
        """
        httprequest = request.httprequest
        length = httprequest.content_length
        if length is not None and length > limit:
            return None
        httprequest.max_content_length = limit
        try:
            return httprequest.get_data()
        except RequestEntityTooLarge:
            return None

    def _headers(self):
        headers = request.httprequest.headers
        return {
            name: headers[name] for name in self.header_whitelist if name in headers
        }

    def handle(self, backend_id):
        env = request.env
        backend = env[self.backend_model].sudo().browse(backend_id).exists()
        if not backend or not backend.active:
            return json_response(404, error="unknown backend")
        body = self._read_body(backend.inbound_max_bytes)
        if body is None:
            return json_response(
                413, error=f"body larger than {backend.inbound_max_bytes} bytes"
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
        if backend.state not in ("active", "error"):
            return json_response(
                503, error=f"backend is {backend.state}", retry_after=300
            )
        wait = backend._retail_inbound_limiter().acquire(1)
        if wait:
            return json_response(429, error="rate limit exceeded", retry_after=wait)
        return self._store(backend, body, headers)

    def _store(self, backend, body, headers):
        Event = request.env["retail.event"].sudo()
        stored_headers = self._headers()
        problem, payload = None, None
        try:
            payload = json.loads(body)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problem = errors.PayloadValidationError(
                f"The delivery is not valid JSON: {exc}",
                hint="The sender produced a malformed document; ask its "
                "support, then ignore this exception.",
            )
        topic = self.topic(headers, payload) or "unknown"
        event_key = (
            self.event_key(headers, payload) if payload is not None else None
        ) or hashlib.sha256(body).hexdigest()
        if problem is None and self.validate:
            try:
                self.validate(backend, headers, payload)
            except errors.PayloadValidationError as exc:
                problem = exc
        text = body.decode("utf-8", errors="replace")
        remote_ref = False
        if problem is None:
            remote_ref = backend._retail_event_subject(topic, payload) or False
        if problem is not None:
            event, created = Event._accept(
                backend,
                topic=topic,
                event_key=event_key,
                payload=text,
                headers=stored_headers,
                state="failed",
                error=str(problem),
            )
            if created:
                event._fail(problem)
            return json_response(400, error=str(problem), event_id=event.id)
        event, created = Event._accept(
            backend,
            topic=topic,
            event_key=event_key,
            payload=text,
            headers=stored_headers,
            remote_ref=remote_ref,
        )
        if not created:
            return json_response(200, status="duplicate", event_id=event.id)
        event._enqueue()
        return json_response(200, status="accepted", event_id=event.id)
