"""Correlation ids: one id per delivery or Odoo-side trigger, followed
through its jobs, outbound calls, exceptions and log lines.

- :func:`new_id`: a fresh id (16 hex characters);
- :func:`clean`: an id read from elsewhere (a job's context, a header),
  or None when it is not one of ours;
- :func:`scope`: the id of the work running in this thread (a job, an
  intake request), with the remote calls it made (:class:`Trace`), handed
  to ``on_exit`` once the work ends (one journal insert per job);
- :func:`about`: the record the calls made inside it are about (the
  delivery being exported ...);
- :func:`current_id`, :func:`current`: what is running now;
- :func:`install_log_correlation`: every log record made inside a scope
  carries ``correlation_id`` and starts with ``[cid <id>]``
  (:func:`without_prefix` removes it, for filters matching a message's
  beginning).
"""

import contextlib
import contextvars
import logging
import re
import secrets

#: the request header carrying the id to a remote that accepts one
REQUEST_ID_HEADER = "X-Request-Id"
#: the context key of a job's correlation id (stored with the job)
CONTEXT_KEY = "retail_correlation_id"
ID_LENGTH = 16
#: the prefix of a log line made inside a scope
LOG_PREFIX = "[cid %s] "
_ID_RE = re.compile(r"^[0-9a-f]{16}$")
_PREFIX_RE = re.compile(r"^\[cid [0-9a-f]{16}\] ")
#: at most this many calls wait in a trace for the journal (a long job
#: hands them over in batches of this size)
MAX_BUFFERED_CALLS = 200

_current = contextvars.ContextVar("retail_correlation", default=None)


def new_id():
    """A fresh correlation id: 16 random hex characters."""
    return secrets.token_hex(ID_LENGTH // 2)


def clean(value):
    """``value`` when it is a correlation id, else None."""
    if isinstance(value, str) and _ID_RE.match(value):
        return value
    return None


class Trace:
    """The work running in a scope: its id, the record it is about and the
    remote calls it made that still wait for the journal."""

    __slots__ = ("calls", "correlation_id", "on_exit", "subject")

    def __init__(self, correlation_id, on_exit=None, subject=None):
        self.correlation_id = correlation_id
        self.on_exit = on_exit
        self.subject = subject
        self.calls = []

    def add_call(self, entry):
        """Keep ``entry`` for the journal; hand a full buffer over."""
        self.calls.append(entry)
        if len(self.calls) >= MAX_BUFFERED_CALLS:
            self.flush()

    def flush(self):
        calls, self.calls = self.calls, []
        if calls and self.on_exit is not None:
            self.on_exit(calls)


def current():
    """The :class:`Trace` running in this thread, or None."""
    return _current.get()


def current_id():
    """The correlation id of the work running in this thread, or None."""
    trace = _current.get()
    return trace.correlation_id if trace else None


def current_subject():
    """``"model,id"`` of the record the current calls are about, or None."""
    trace = _current.get()
    return trace.subject if trace else None


@contextlib.contextmanager
def scope(correlation_id=None, on_exit=None, subject=None):
    """Run the block as the work of ``correlation_id`` (a new id when
    None); yield its :class:`Trace`.

    ``on_exit(calls)`` receives the remote calls recorded in the block
    (``Trace.add_call``) when it ends, whether it raised or not. A scope
    inside another one with the same id adds to the outer trace.
    """
    outer = _current.get()
    correlation_id = clean(correlation_id) or new_id()
    if outer is not None and outer.correlation_id == correlation_id:
        yield outer
        return
    trace = Trace(correlation_id, on_exit, subject)
    token = _current.set(trace)
    try:
        yield trace
    finally:
        _current.reset(token)
        trace.flush()


@contextlib.contextmanager
def about(subject):
    """The remote calls made in the block are about ``subject``
    (``"model,id"``), inside the current scope (nothing outside one)."""
    trace = _current.get()
    if trace is None:
        yield
        return
    outer, trace.subject = trace.subject, subject
    try:
        yield
    finally:
        trace.subject = outer


def without_prefix(message):
    """A log message without the correlation prefix it may start with
    (for filters matching the beginning of a message)."""
    return _PREFIX_RE.sub("", message, count=1)


def _correlate_record(record):
    correlation_id = current_id()
    record.correlation_id = correlation_id or ""
    if correlation_id and isinstance(record.msg, str):
        record.msg = LOG_PREFIX % correlation_id + record.msg


def install_log_correlation():
    """Mark every log record made inside a scope (idempotent).

    The record factory in place is wrapped: a record gets
    ``correlation_id`` (empty outside a scope), and inside one its message
    starts with ``[cid <id>]``, whichever logger and handler write it.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "_retail_correlating", False):
        return

    def correlating_factory(*args, **kwargs):
        record = factory(*args, **kwargs)
        _correlate_record(record)
        return record

    correlating_factory._retail_correlating = True
    logging.setLogRecordFactory(correlating_factory)
