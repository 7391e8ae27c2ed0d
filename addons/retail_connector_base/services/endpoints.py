"""Which remote base URLs a backend may call (no server-side request forgery).

:func:`endpoint_problem` says why a URL is refused, or None: outside a test
or demo set-up, a backend calls ``https`` URLs of allowed hosts only (the
shop's own domain, a host of an allow-list), never with credentials in the
URL.
"""

from urllib.parse import urlsplit


def host_allowed(host, allowed_hosts):
    """Whether ``host`` is one of ``allowed_hosts`` (``*.example.com`` matches
    the sub-domains of example.com)."""
    host = (host or "").lower().rstrip(".")
    for pattern in allowed_hosts or ():
        pattern = (pattern or "").strip().lower().rstrip(".")
        if not pattern:
            continue
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False


def endpoint_problem(url, allowed_hosts=(), *, allow_any_host=False):
    """Why ``url`` may not be called, as an English sentence, or None.

    With ``allow_any_host`` (simulators, tests and demos) ``http`` and any
    host are accepted too.
    """
    try:
        parts = urlsplit((url or "").strip())
        host = parts.hostname
        parts.port  # noqa: B018 - a port that is not a number raises
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme not in ("http", "https") or not host:
        return "it is not an http(s) URL with a host"
    if parts.username or parts.password:
        return "it carries credentials"
    if allow_any_host:
        return None
    if parts.scheme != "https":
        return "only https is allowed"
    if not host_allowed(host, allowed_hosts):
        return f"the host {host} is not allowed"
    return None
