"""HTTP client with rate limiting, circuit breaker, retries and redaction."""

import logging
import time

import requests

from . import correlation
from .errors import (
    AuthenticationError,
    CircuitOpenError,
    RateLimitedError,
    RemoteRejectedError,
    RemoteUnavailableError,
    RetailError,
    TransientError,
    backoff_seconds,
    parse_retry_after,
)
from .redaction import SENSITIVE_HEADERS, Redactor, register_secrets

_logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: the most of a remote's answer an error message shows (redacted, one line)
BODY_EXCERPT_CHARS = 200
MAX_LIMITER_SLEEPS = 3
_MAX_REDACTED_BODY = 100_000


class HttpClient:
    """Send requests to one remote API and map failures to retail errors.

    ``rate_limiter`` needs ``acquire(cost) -> float`` (seconds to wait, 0 when
    granted) and ``circuit`` needs ``allow() -> float | None``, ``success()``
    and ``failure()``; both are optional. ``secrets`` and the values of
    sensitive headers are masked in every log line and error message.

    Every request carries the current correlation id (see
    :mod:`.correlation`) in ``request_id_header`` (None: a remote that takes
    none). ``journal(entry)``, when given, is told of every request that
    left: a dict with ``method``, ``path`` (no query string), ``operation``,
    ``status`` (None when no answer came), ``outcome``, ``duration_ms``,
    ``correlation_id`` and ``remote_request_id`` (the remote's
    ``X-Request-Id`` answer header); never a body or a header value.
    """

    def __init__(
        self,
        base_url,
        *,
        timeout=(5.0, 30.0),
        max_retries=2,
        rate_limiter=None,
        circuit=None,
        secrets=(),
        session=None,
        headers=None,
        max_inline_wait=2.0,
        sleep=time.sleep,
        logger=None,
        request_id_header=correlation.REQUEST_ID_HEADER,
        journal=None,
    ):
        self.base_url = (base_url or "").rstrip("/")
        self.timeout = timeout
        self.max_retries = max(0, int(max_retries))
        self.rate_limiter = rate_limiter
        self.circuit = circuit
        self.secrets = tuple(secrets or ())
        self.session = session if session is not None else requests.Session()
        self.headers = dict(headers or {})
        self.max_inline_wait = float(max_inline_wait)
        self.sleep = sleep
        self.logger = logger or _logger
        self.request_id_header = request_id_header
        self.journal = journal
        self.redactor = self._make_redactor(self.headers)

    def _make_redactor(self, headers):
        values = list(self.secrets)
        for name, value in headers.items():
            if str(name).lower() in SENSITIVE_HEADERS and value:
                value = str(value)
                values.append(value)
                values.extend(value.split()[1:])
        # masked in every log record of the process too
        register_secrets(values)
        return Redactor(values)

    def _redactor_for(self, headers):
        if not headers:
            return self.redactor
        return self._make_redactor({**self.headers, **headers})

    def url(self, path):
        """Absolute URL for ``path`` (absolute URLs are kept as they are)."""
        path = path or ""
        if path.startswith(("http://", "https://")):
            return path
        if not path:
            return self.base_url
        return f"{self.base_url}/{path.lstrip('/')}"

    def request(
        self,
        method,
        path,
        *,
        params=None,
        json=None,
        data=None,
        headers=None,
        idempotent=None,
        cost=1.0,
        operation=None,
    ):
        """Send a request and return the response (status below 400).

        Raises :class:`TransientError` subclasses for failures worth retrying
        later and :class:`PermanentError` subclasses for the others.
        Idempotent requests are retried inline on transient failures while
        the wait stays within ``max_inline_wait``. ``operation`` names the
        call in the journal (default: the method and path).
        """
        method = method.upper()
        url = self.url(path)
        merged_headers = {**self.headers, **(headers or {})}
        correlation_id = correlation.current_id()
        if correlation_id and self.request_id_header:
            merged_headers.setdefault(self.request_id_header, correlation_id)
        redactor = self._redactor_for(headers)
        retry = method in IDEMPOTENT_METHODS if idempotent is None else idempotent
        attempt = 0
        while True:
            attempt += 1
            try:
                return self._send_once(
                    method,
                    url,
                    params=params,
                    json=json,
                    data=data,
                    headers=merged_headers,
                    cost=cost,
                    redactor=redactor,
                    operation=operation,
                )
            except TransientError as exc:
                if (
                    not retry
                    or attempt > self.max_retries
                    or isinstance(exc, CircuitOpenError)
                ):
                    raise
                delay = backoff_seconds(
                    attempt,
                    base=0.5,
                    cap=self.max_inline_wait,
                    retry_after=exc.retry_after,
                )
                if delay > self.max_inline_wait:
                    raise
                self._log(
                    logging.INFO,
                    redactor,
                    f"{exc.message}; retry {attempt}/{self.max_retries} "
                    f"in {delay:.2f}s",
                )
                self.sleep(delay)

    def get(self, path, **kwargs):
        """Send a GET request."""
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        """Send a POST request (not retried unless ``idempotent=True``)."""
        return self.request("POST", path, **kwargs)

    def put(self, path, **kwargs):
        """Send a PUT request."""
        return self.request("PUT", path, **kwargs)

    def delete(self, path, **kwargs):
        """Send a DELETE request."""
        return self.request("DELETE", path, **kwargs)

    def json_request(self, method, path, **kwargs):
        """Send a request and return its decoded JSON (None for an empty body)."""
        response = self.request(method, path, **kwargs)
        if not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            redactor = self._redactor_for(kwargs.get("headers"))
            url = redactor.redact(self.url(path))
            excerpt = self._excerpt(response, redactor)
            message = redactor.redact(
                f"{method.upper()} {url} returned a body that is not JSON "
                f"(HTTP {response.status_code}): {excerpt}"
            )
            self._log(logging.INFO, redactor, message)
            raise RemoteRejectedError(
                message,
                details={
                    "method": method.upper(),
                    "url": url,
                    "status": response.status_code,
                    "body": excerpt,
                },
            ) from None

    def close(self):
        """Close the underlying session."""
        self.session.close()

    def _send_once(
        self, method, url, *, params, json, data, headers, cost, redactor, operation
    ):
        shown_url = redactor.redact(url)
        if self.circuit is not None:
            wait = self.circuit.allow()
            if wait is not None:
                raise CircuitOpenError(
                    f"Calls to {shown_url} are suspended after repeated failures",
                    retry_after=wait,
                    hint="The remote looks unavailable; calls resume automatically.",
                    details={"method": method, "url": shown_url},
                )
        self._acquire(cost, method, shown_url)
        started = time.monotonic()
        call = {"method": method, "url": shown_url, "operation": operation}
        try:
            response = self.session.request(
                method,
                url,
                params=params,
                json=json,
                data=data,
                headers=headers,
                timeout=self.timeout,
                # a redirect would carry the credentials headers elsewhere
                allow_redirects=False,
            )
        except (requests.Timeout, requests.ConnectionError) as exc:
            self._record(failed=True)
            timed_out = isinstance(exc, requests.Timeout)
            self._journal(
                call, started, None, "timeout" if timed_out else "unreachable"
            )
            reason = "timed out" if timed_out else "failed"
            message = redactor.redact(
                f"{method} {shown_url} {reason}: {type(exc).__name__}: {exc}"
            )
            self._log(logging.INFO, redactor, message)
            raise RemoteUnavailableError(
                message,
                hint="The remote could not be reached; the call is retried later.",
                details={"method": method, "url": shown_url},
            ) from None
        except requests.RequestException as exc:
            self._journal(call, started, None, "not_sent")
            message = redactor.redact(
                f"{method} {shown_url} could not be sent: {type(exc).__name__}: {exc}"
            )
            self._log(logging.INFO, redactor, message)
            raise RetailError(
                message, details={"method": method, "url": shown_url}
            ) from None
        self._journal(
            call,
            started,
            response.status_code,
            outcome_of(response.status_code),
            response.headers.get(correlation.REQUEST_ID_HEADER),
        )
        return self._check_response(method, shown_url, response, redactor)

    def _journal(self, call, started, status, outcome, remote_request_id=None):
        """Tell the journal of a request that left (never fails the call)."""
        if self.journal is None:
            return
        url = call["url"]
        path = url.split("?", 1)[0].split("#", 1)[0]
        if path.startswith(self.base_url):
            path = path[len(self.base_url) :] or "/"
        entry = {
            "method": call["method"],
            "path": path[:250],
            "operation": (call["operation"] or f"{call['method']} {path}")[:120],
            "status": status,
            "outcome": outcome,
            "duration_ms": int((time.monotonic() - started) * 1000),
            "correlation_id": correlation.current_id(),
            "remote_request_id": (remote_request_id or "")[:64] or None,
        }
        try:
            self.journal(entry)
        except Exception:  # noqa: BLE001 - the journal never breaks a call
            self.logger.exception("The remote call journal failed")

    def _check_response(self, method, shown_url, response, redactor):
        status = response.status_code
        self._log(logging.DEBUG, redactor, f"{method} {shown_url} -> HTTP {status}")
        if 300 <= status < 400:
            self._record(failed=False)
            message = (
                f"{method} {shown_url} answered a redirect (HTTP {status}), "
                "which is not followed"
            )
            self._log(logging.INFO, redactor, message)
            raise RemoteRejectedError(
                message,
                hint="The remote's address has moved: correct the backend's URL.",
                details={"method": method, "url": shown_url, "status": status},
            )
        if status < 400:
            self._record(failed=False)
            return response
        details = {"method": method, "url": shown_url, "status": status}
        excerpt = self._excerpt(response, redactor)
        details["body"] = excerpt
        message = redactor.redact(
            f"{method} {shown_url} failed with HTTP {status}: {excerpt}"
        )
        if status == 429 or status >= 500:
            self._record(failed=True)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            self._log(logging.INFO, redactor, message)
            error_class = RateLimitedError if status == 429 else RemoteUnavailableError
            raise error_class(
                message,
                retry_after=retry_after,
                hint="The remote is busy or unavailable; the call is retried later.",
                details=details,
            )
        self._record(failed=False)
        self._log(logging.INFO, redactor, message)
        if status in (401, 403):
            raise AuthenticationError(
                message,
                hint="Check the credentials (access token, API key) and their "
                "permissions on the backend.",
                details=details,
            )
        raise RemoteRejectedError(message, details=details)

    def _acquire(self, cost, method, shown_url):
        if self.rate_limiter is None:
            return
        wait = self.rate_limiter.acquire(cost)
        sleeps = 0
        while wait and wait > 0:
            if wait > self.max_inline_wait or sleeps >= MAX_LIMITER_SLEEPS:
                raise RateLimitedError(
                    f"Local rate limit reached for {method} {shown_url}",
                    retry_after=wait,
                    hint="Too many calls to the remote; the call is retried later.",
                    details={"method": method, "url": shown_url},
                )
            self.sleep(wait)
            sleeps += 1
            wait = self.rate_limiter.acquire(cost)

    def _record(self, *, failed):
        if self.circuit is None:
            return
        if failed:
            self.circuit.failure()
        else:
            self.circuit.success()

    @staticmethod
    def _excerpt(response, redactor):
        text = response.text[:_MAX_REDACTED_BODY]
        text = "".join(ch if ch.isprintable() else " " for ch in redactor.redact(text))
        text = " ".join(text.split())
        if len(text) > BODY_EXCERPT_CHARS:
            text = text[: BODY_EXCERPT_CHARS - 3] + "..."
        return text

    def _log(self, level, redactor, message):
        self.logger.log(level, "%s", redactor.redact(message))


def outcome_of(status):
    """The journal's outcome of an answer with HTTP ``status``."""
    if status < 300:
        return "ok"
    if status < 400:
        return "redirected"
    if status == 429:
        return "rate_limited"
    if status in (401, 403):
        return "refused"
    if status >= 500:
        return "unavailable"
    return "rejected"
