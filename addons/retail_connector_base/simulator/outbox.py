"""The outbox of a simulator: the webhooks it owes, delivered with retries.

A simulated change records a webhook with :meth:`Outbox.emit`; nothing is
sent until :meth:`Outbox.deliver` runs (a test calls it, a demo server calls
it every few seconds). Each webhook is POSTed to ``url`` when given, else to
the routes the simulator names for it (its subscriptions); a webhook without
a route is dropped, as the remote would never send it. A webhook answered
anything but 2xx (or not answered) stays in the outbox with the same event
id and is due again ``retry_delay`` seconds later on the clock.

The simulator signs: ``sign(webhook, route) -> (headers, body)`` builds the
request of one delivery (``route`` is what ``routes`` paired with the URL, or
None for an explicit ``url``), so every remote keeps its own headers and
signature scheme. :func:`json_body` gives the bytes a payload is sent as.
"""

import copy
import json
import threading
import time
import uuid
from dataclasses import dataclass

import requests

from .clock import wall_time

RETRY_DELAY = 5.0
DELIVERY_TIMEOUT = 5.0


@dataclass
class Webhook:
    """A webhook the simulator has to send (an item of the outbox).

    ``event_id`` and ``message_id`` stay the same on every attempt.
    """

    topic: str
    payload: dict
    event_id: str
    message_id: str
    triggered_at: str
    attempts: int = 0
    next_attempt_at: float = 0.0


@dataclass(frozen=True)
class Delivery:
    """One POST of a webhook, as logged in ``outbox.deliveries``."""

    url: str
    topic: str
    event_id: str
    attempt: int
    status: int | None
    error: str | None = None


def json_body(payload):
    """The bytes a payload is sent as: compact UTF-8 JSON (bytes kept as is)."""
    if isinstance(payload, (bytes, bytearray)):
        return bytes(payload)
    if isinstance(payload, str):
        return payload.encode("utf-8")
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode(
        "utf-8"
    )


def _new_id():
    return str(uuid.uuid4())


class Outbox:
    """Webhooks owed to subscribers: ``pending`` ones and the ``deliveries`` log.

    ``lock`` is the simulator's (the outbox is read and changed under it,
    never while a POST is under way).
    """

    def __init__(
        self,
        sign,
        *,
        routes=None,
        clock=time.monotonic,
        lock=None,
        retry_delay=RETRY_DELAY,
        timeout=DELIVERY_TIMEOUT,
    ):
        self.sign = sign
        self.routes = routes or (lambda webhook: [])
        self.clock = clock
        self.retry_delay = float(retry_delay)
        self.timeout = timeout
        self.pending = []
        self.deliveries = []
        self._lock = lock if lock is not None else threading.RLock()

    def emit(self, topic, payload, *, event_id=None):
        """Record a webhook of ``topic``; return it."""
        webhook = Webhook(
            topic=topic,
            payload=copy.deepcopy(payload),
            event_id=event_id or _new_id(),
            message_id=_new_id(),
            triggered_at=wall_time(self.clock).isoformat(timespec="microseconds"),
        )
        with self._lock:
            self.pending.append(webhook)
        return webhook

    def due(self, *, force=False):
        """The pending webhooks due now (all of them with ``force``)."""
        with self._lock:
            now = self.clock()
            return [w for w in self.pending if force or w.next_attempt_at <= now]

    def deliver(self, url=None, session=None, *, force=False):
        """POST the due webhooks; return those delivered (2xx everywhere)."""
        session = session or requests.Session()
        delivered = []
        for webhook in self.due(force=force):
            targets = [(url, None)] if url else list(self.routes(webhook))
            ok = all(
                self._post(webhook, target, route, session) for target, route in targets
            )
            with self._lock:
                if ok:
                    if webhook in self.pending:
                        self.pending.remove(webhook)
                    delivered.append(webhook)
                else:
                    webhook.attempts += 1
                    webhook.next_attempt_at = self.clock() + self.retry_delay
        return delivered

    def _post(self, webhook, url, route, session):
        headers, body = self.sign(webhook, route)
        status = error = None
        try:
            response = session.post(
                url, data=body, headers=headers, timeout=self.timeout
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
