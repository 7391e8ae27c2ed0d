"""The base class of a simulator and the lock its public methods take."""

import functools
import threading
import time
from urllib.parse import urlsplit

from .calls import Call, CallLog
from .faults import Faults
from .outbox import DELIVERY_TIMEOUT, RETRY_DELAY, Outbox

#: the header a client's request id comes in (logged in ``request_ids``)
REQUEST_ID_HEADER = "X-Request-Id"


def locked(method):
    """Run ``method`` holding the simulator's lock (``self._lock``)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._lock:
            return method(self, *args, **kwargs)

    return wrapper


class Simulator:
    """An in-memory remote system answering HTTP like the real one.

    Subclasses answer requests in :meth:`_handle` and, when they send
    webhooks, sign them in :meth:`_sign_webhook` and name their destinations
    in :meth:`_webhook_routes`. The base gives them:

    - ``_lock``, a reentrant lock :meth:`handle` and :func:`locked` methods
      hold, so a served simulator answers one request at a time;
    - ``_clock``, the injected clock (:mod:`.clock`);
    - ``calls``, the call log (:mod:`.calls`), of ``call_type`` records;
    - ``request_ids``, the ``X-Request-Id`` header of every request
      received, in order (None for a request without one);
    - ``faults``, the failures to inject (:mod:`.faults`), with
      :meth:`fail_next`, :meth:`throttle_next` and :meth:`time_out_next`;
    - an outbox (:mod:`.outbox`): :meth:`_emit` records a webhook, ``outbox``
      lists the pending ones, ``deliveries`` every POST, :meth:`deliver`
      sends the due ones;
    - ``base_url`` and ``hosts``, what the transports serve
      (:mod:`.adapter`, :mod:`.server`).
    """

    name = "remote"
    call_type = Call

    def __init__(
        self,
        base_url,
        *,
        hosts=None,
        clock=time.monotonic,
        retry_delay=RETRY_DELAY,
        delivery_timeout=DELIVERY_TIMEOUT,
    ):
        self.base_url = base_url
        host = urlsplit(base_url).hostname
        self.hosts = tuple(hosts) if hosts is not None else ((host,) if host else ())
        self._clock = clock
        self._lock = threading.RLock()
        self.calls = CallLog(clock, self.call_type)
        self.request_ids = []
        self.faults = Faults()
        self._outbox = Outbox(
            self._sign_webhook,
            routes=self._webhook_routes,
            clock=clock,
            lock=self._lock,
            retry_delay=retry_delay,
            timeout=delivery_timeout,
        )

    # -- HTTP ------------------------------------------------------------
    def handle(self, method, path, headers, body):
        """Answer one HTTP request: ``(status, headers, body bytes)``.

        ``path`` keeps its query string. May raise
        :class:`~.faults.SimulatedTimeout` (see :mod:`.faults`).
        """
        headers = headers or {}
        with self._lock:
            self.request_ids.append(
                next(
                    (
                        value
                        for name, value in headers.items()
                        if name.lower() == REQUEST_ID_HEADER.lower()
                    ),
                    None,
                )
            )
            return self._handle(method.upper(), path, headers, body or b"")

    def _handle(self, method, path, headers, body):
        """Answer one request, under the lock (a subclass's endpoint)."""
        raise NotImplementedError(f"{type(self).__name__} answers no request")

    # -- failures ----------------------------------------------------------
    def fail_next(self, n=1, status=503, **options):
        """Answer the next ``n`` calls with HTTP ``status`` (see :mod:`.faults`)."""
        self.faults.fail_next(n, status, **options)

    def throttle_next(self, n=1, retry_after=1):
        """Answer the next ``n`` calls with 429 and ``Retry-After``."""
        self.faults.throttle_next(n, retry_after)

    def time_out_next(self, n=1, **options):
        """Let the next ``n`` calls time out (see :mod:`.faults`)."""
        self.faults.time_out_next(n, **options)

    def _take_fault(self, **call):
        """The injected fault this call answers, or None.

        The call is logged (outcome ``injected_failure``, with ``call``'s
        fields); a timeout is then raised as
        :class:`~.faults.SimulatedTimeout`. A fault of the simulator's own
        kind (``fails_call`` false) is returned unlogged: the endpoint
        applies it, then answers and logs the call as usual.
        """
        fault = self.faults.take()
        if fault is None or not fault.fails_call:
            return fault
        self.calls.record(status=fault.status, outcome="injected_failure", **call)
        fault.raise_timeout()
        return fault

    # -- webhooks ----------------------------------------------------------
    @property
    def outbox(self):
        """The webhooks not delivered yet, oldest first (a list)."""
        return self._outbox.pending

    @property
    def deliveries(self):
        """Every POST of a webhook, oldest first (a list of Delivery)."""
        return self._outbox.deliveries

    def _emit(self, topic, payload, **options):
        """Record a webhook of ``topic`` carrying ``payload``."""
        return self._outbox.emit(topic, payload, **options)

    def deliver(self, url=None, session=None, *, force=False):
        """POST the due webhooks of the outbox; return the delivered ones.

        With ``url`` every webhook goes there; otherwise each goes to its
        routes (:meth:`_webhook_routes`) and is dropped when there is none.
        A webhook answered with anything but 2xx (or not answered) stays in
        the outbox with the same event id and is due again the retry delay
        later on the simulator's clock (``force`` ignores that delay).
        """
        return self._outbox.deliver(url, session, force=force)

    def _sign_webhook(self, webhook, route):
        """``(headers, body)`` of one delivery of ``webhook`` to ``route``."""
        raise NotImplementedError(f"{type(self).__name__} sends no webhook")

    def _webhook_routes(self, webhook):
        """``[(url, route)]`` a webhook goes to when no URL is given."""
        return []
