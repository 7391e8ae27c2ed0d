"""Serve a simulator over HTTP on the loopback interface.

:func:`serve` runs a werkzeug server in a daemon thread (tests, demo) and
points the simulator's ``base_url`` at it; it refuses any address but
loopback, so a simulator is never reachable from another machine.
:func:`run` serves in the foreground until SIGTERM or Ctrl-C, delivering
the outbox every few seconds (a connector's demo command line).

``routes(request)`` may answer a request before the simulator does (a
demo's own pages); it returns a werkzeug ``Response``, or None to let the
simulator answer. A :class:`~.faults.SimulatedTimeout` is served as a
request held ``delay`` seconds, then answered 504.
"""

import http
import ipaddress
import logging
import signal
import threading
import time

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from .faults import TIMEOUT_STATUS, SimulatedTimeout

_logger = logging.getLogger(__name__)

DELIVER_EVERY = 2.0


def is_loopback(host):
    """Whether ``host`` names the loopback interface."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def wsgi_app(simulator, routes=None):
    """The WSGI application answering for ``simulator``."""

    @Request.application
    def application(request):
        if routes is not None:
            response = routes(request)
            if response is not None:
                return response
        query = request.query_string.decode("latin-1")
        path = request.path + (f"?{query}" if query else "")
        try:
            status, headers, body = simulator.handle(
                request.method, path, dict(request.headers), request.get_data()
            )
        except SimulatedTimeout as exc:
            time.sleep(exc.delay)
            return Response(
                http.HTTPStatus(TIMEOUT_STATUS).phrase,
                status=TIMEOUT_STATUS,
                mimetype="text/plain",
            )
        return Response(body, status=status, headers=headers)

    return application


def _name(simulator):
    return str(getattr(simulator, "name", "remote")).lower()


def serve(simulator, host="127.0.0.1", port=0, *, routes=None):
    """Serve ``simulator`` on ``host:port`` (loopback only) in a daemon thread.

    Returns ``(server, base_url)``; stop with ``server.shutdown()``. The
    simulator's ``base_url`` becomes the served URL (links it answers, such
    as files to download, point there).
    """
    if not is_loopback(host):
        raise ValueError(f"the simulator listens on loopback only, not {host!r}")
    server = make_server(host, port, wsgi_app(simulator, routes), threaded=True)
    shown = f"[{host}]" if ":" in host else host
    base_url = f"http://{shown}:{server.server_port}"
    simulator.base_url = base_url
    thread = threading.Thread(
        target=server.serve_forever, name=f"{_name(simulator)}-simulator", daemon=True
    )
    thread.start()
    return server, base_url


def deliver_forever(deliver, url, interval, stop, logger=_logger):
    """Call ``deliver(url)`` every ``interval`` seconds until ``stop`` is set.

    A failing delivery is logged and the loop goes on; each webhook
    delivered is logged with its topic and event id.
    """
    while not stop.wait(interval):
        try:
            delivered = deliver(url)
        except Exception:  # a demo loop must survive any delivery problem
            logger.exception("webhook delivery failed")
            continue
        for webhook in delivered:
            logger.info("delivered %s (event %s)", webhook.topic, webhook.event_id)


def run(  # noqa: PLR0917 - the options of a command line
    simulator,
    host="127.0.0.1",
    port=0,
    webhook_url=None,
    deliver_every=DELIVER_EVERY,
    *,
    routes=None,
    banner=None,
    logger=_logger,
    stop=None,
):
    """Serve ``simulator`` in the foreground until SIGTERM, Ctrl-C or ``stop``.

    Its outbox is delivered every ``deliver_every`` seconds to
    ``webhook_url`` when given, else to its routes. ``banner(base_url)``
    gives the line logged once the server listens. SIGTERM is handled when
    it runs in the main thread.
    """
    server, base_url = serve(simulator, host, port, routes=routes)
    stop = stop if stop is not None else threading.Event()
    deliverer = threading.Thread(
        target=deliver_forever,
        args=(simulator.deliver, webhook_url, deliver_every, stop, logger),
        name=f"{_name(simulator)}-simulator-webhooks",
        daemon=True,
    )
    deliverer.start()
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    logger.info(
        "%s",
        banner(base_url) if banner else f"{simulator.name} simulator on {base_url}",
    )
    try:
        while not stop.wait(3600):
            pass
    except KeyboardInterrupt:
        stop.set()
    finally:
        server.shutdown()
