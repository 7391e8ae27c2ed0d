"""Timestamps sent by remote systems."""

import datetime


def parse_remote_datetime(value):
    """ISO 8601 text (``Z`` or offset allowed) → naive UTC datetime.

    Naive text is taken as UTC. Returns None for empty values and raises
    ValueError for text that is not a timestamp.
    """
    if not value:
        return None
    if isinstance(value, datetime.datetime):
        parsed = value
    else:
        text = str(value).strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = datetime.datetime.fromisoformat(text)
    if parsed.tzinfo is not None:
        parsed = parsed.astimezone(datetime.UTC).replace(tzinfo=None)
    return parsed
