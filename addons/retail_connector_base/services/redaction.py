"""Masking of secrets in text, headers, payloads and log records.

- :class:`Redactor`: masks given secrets, bearer tokens and credential-like
  query parameters and JSON values in text, headers and data;
- :class:`RedactingFilter`: a logging filter that masks a record's message
  and traceback;
- :func:`register_secrets`, :func:`shared_redactor`: the secrets of the
  backends known to this process (registered when a client or a backend
  uses them);
- :func:`install_log_redaction`: every log record of the process is masked
  with the shared redactor when it is made, whichever handler writes it.
"""

import logging
import re
import threading
from urllib.parse import quote

MASK = "***"
MIN_SECRET_LENGTH = 4

SENSITIVE_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "cookie",
        "set-cookie",
        "x-shopify-access-token",
        "x-shopify-hmac-sha256",
        "x-api-key",
        "x-auth-token",
        "x-access-token",
        "x-signature",
        "x-hub-signature",
        "x-hub-signature-256",
        "x-webhook-signature",
    }
)

SENSITIVE_KEYS = frozenset(
    {
        "access_token",
        "api_key",
        "apikey",
        "api_secret",
        "authorization",
        "client_secret",
        "id_token",
        "password",
        "private_key",
        "refresh_token",
        "secret",
        "token",
        "webhook_secret",
    }
)

_SENSITIVE_SUFFIXES = ("_token", "_secret", "_password")

_KEY_ALTERNATION = "|".join(
    re.escape(key) for key in sorted(SENSITIVE_KEYS, key=len, reverse=True)
)
_BEARER_RE = re.compile(r"\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)
_QUERY_RE = re.compile(
    rf"(?<![A-Za-z0-9])((?:{_KEY_ALTERNATION})=)[^&\s\"'#;,]+", re.IGNORECASE
)
_JSON_RE = re.compile(
    rf"(\"(?:[A-Za-z0-9]+_)*(?:{_KEY_ALTERNATION})\"\s*:\s*\")(?:[^\"\\]|\\.)*(\")",
    re.IGNORECASE,
)


def is_sensitive_key(key):
    """Whether a mapping key names a credential (case-insensitive)."""
    name = str(key).lower().replace("-", "_")
    return name in SENSITIVE_KEYS or name.endswith(_SENSITIVE_SUFFIXES)


class Redactor:
    """Replace known secrets and credential-looking values with ``***``."""

    def __init__(self, secrets=()):
        if isinstance(secrets, (str, bytes)):
            secrets = (secrets,)
        values = set()
        for secret in secrets or ():
            if isinstance(secret, bytes):
                secret = secret.decode("utf-8", "replace")
            if not isinstance(secret, str) or len(secret) < MIN_SECRET_LENGTH:
                continue
            values.add(secret)
            values.add(quote(secret, safe=""))
        self.secrets = tuple(sorted(values, key=len, reverse=True))
        self._secrets_re = (
            re.compile("|".join(re.escape(value) for value in self.secrets))
            if self.secrets
            else None
        )

    def redact(self, text):
        """Return ``text`` (made a str) with secrets and tokens masked."""
        if text is None:
            return ""
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        elif not isinstance(text, str):
            text = str(text)
        if self._secrets_re is not None:
            text = self._secrets_re.sub(MASK, text)
        text = _BEARER_RE.sub(rf"\1 {MASK}", text)
        text = _QUERY_RE.sub(rf"\1{MASK}", text)
        return _JSON_RE.sub(rf"\1{MASK}\2", text)

    def redact_headers(self, headers):
        """Return a dict copy of ``headers`` with sensitive values masked."""
        if not headers:
            return {}
        items = headers.items() if hasattr(headers, "items") else headers
        return {
            name: MASK if str(name).lower() in SENSITIVE_HEADERS else self.redact(value)
            for name, value in items
        }

    def redact_data(self, obj):
        """Recursively mask credential keys and secrets in dicts, lists, strings."""
        if isinstance(obj, dict):
            return {
                key: (
                    MASK
                    if is_sensitive_key(key) and obj[key] not in (None, "")
                    else self.redact_data(obj[key])
                )
                for key in obj
            }
        if isinstance(obj, list):
            return [self.redact_data(item) for item in obj]
        if isinstance(obj, tuple):
            return tuple(self.redact_data(item) for item in obj)
        if isinstance(obj, (str, bytes)):
            return self.redact(obj)
        return obj


_MAX_KNOWN_SECRETS = 10_000
_known_secrets = set()
_shared_redactor = Redactor()
_registry_lock = threading.Lock()


def register_secrets(secrets):
    """Add ``secrets`` to those :func:`shared_redactor` masks (this process)."""
    global _shared_redactor  # noqa: PLW0603
    new = {
        secret
        for secret in secrets or ()
        if isinstance(secret, str) and len(secret) >= MIN_SECRET_LENGTH
    } - _known_secrets
    if not new:
        return
    with _registry_lock:
        if len(_known_secrets) + len(new) > _MAX_KNOWN_SECRETS:
            _known_secrets.clear()
        _known_secrets.update(new)
        _shared_redactor = Redactor(_known_secrets)


def shared_redactor():
    """The redactor of every secret registered in this process."""
    return _shared_redactor


class RedactingFilter(logging.Filter):
    """Logging filter masking secrets in messages and formatted tracebacks.

    Without a redactor it uses :func:`shared_redactor`, whose secrets grow
    as backends register theirs.
    """

    def __init__(self, redactor=None, name=""):
        super().__init__(name)
        self.redactor = redactor

    def filter(self, record):
        redactor = self.redactor or shared_redactor()
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            message = f"{record.msg} {record.args!r}"
        record.msg = redactor.redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redactor.redact(formatted)
        elif record.exc_text:
            record.exc_text = redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redactor.redact(record.stack_info)
        return True


def _redact_new_record(record):
    """Mask a record where it shows a secret; leave the others untouched."""
    redactor = shared_redactor()
    try:
        message = record.getMessage()
    except (TypeError, ValueError, KeyError):
        return
    masked = redactor.redact(message)
    if masked != message:
        record.msg = masked
        record.args = ()
    if record.exc_info and not record.exc_text:
        formatted = logging.Formatter().formatException(record.exc_info)
        masked = redactor.redact(formatted)
        if masked != formatted:
            record.exc_text = masked
    if record.stack_info:
        record.stack_info = redactor.redact(record.stack_info)


def install_log_redaction():
    """Mask every log record of this process when it is made (idempotent).

    The record factory in place (Odoo's) is wrapped, so the masking holds for
    every logger and every handler, the ones added later included.
    """
    factory = logging.getLogRecordFactory()
    if getattr(factory, "_retail_redacting", False):
        return

    def redacting_factory(*args, **kwargs):
        record = factory(*args, **kwargs)
        _redact_new_record(record)
        return record

    redacting_factory._retail_redacting = True
    logging.setLogRecordFactory(redacting_factory)
