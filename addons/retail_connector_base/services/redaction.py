"""Masking of secrets in text, headers, payloads and log records."""

import logging
import re
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


class RedactingFilter(logging.Filter):
    """Logging filter masking secrets in messages and formatted tracebacks."""

    def __init__(self, redactor, name=""):
        super().__init__(name)
        self.redactor = redactor

    def filter(self, record):
        try:
            message = record.getMessage()
        except (TypeError, ValueError, KeyError):
            message = f"{record.msg} {record.args!r}"
        record.msg = self.redactor.redact(message)
        record.args = ()
        if record.exc_info and not record.exc_text:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = self.redactor.redact(formatted)
        elif record.exc_text:
            record.exc_text = self.redactor.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redactor.redact(record.stack_info)
        return True
