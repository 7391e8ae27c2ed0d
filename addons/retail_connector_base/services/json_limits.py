"""Limits on the shape of an inbound JSON document.

A delivery's size is bounded before it is read; its shape is bounded here,
once it is parsed and before anything walks it: a document nested a
thousand levels deep makes every recursive walker (the JSON parser itself
included) fail with ``RecursionError``, and an array of a million elements
turns one delivery into a million records.

- :class:`JsonLimits`: the maximum depth and the maximum number of elements
  of one array or members of one object; connectors pass lower ones for what
  they know (line items of an order, tickets of a batch).
- :func:`loads`: parse text or bytes and check the limits, raising
  :class:`JsonLimitError` (a ``ValueError``) when the document exceeds them.
- :func:`check`: check an already parsed document, without recursion.
- :func:`holds_nul`: whether a string of a parsed document holds a NUL
  character, which no PostgreSQL text column stores (:func:`may_hold_nul`
  tells it from the raw body first, for nothing).
"""

import json
from dataclasses import dataclass

DEFAULT_MAX_DEPTH = 64
DEFAULT_MAX_ITEMS = 10_000


class JsonLimitError(ValueError):
    """The document is valid JSON but exceeds the limits of a delivery."""


@dataclass(frozen=True)
class JsonLimits:
    """Maximum nesting depth (the outer array or object is depth 1) and
    maximum number of elements of one array or members of one object."""

    max_depth: int = DEFAULT_MAX_DEPTH
    max_items: int = DEFAULT_MAX_ITEMS

    def __post_init__(self):
        if self.max_depth < 1 or self.max_items < 1:
            raise ValueError("JSON limits must be positive")


DEFAULT_LIMITS = JsonLimits()
_CONTAINERS = (dict, list)


def _too_deep(limits):
    return JsonLimitError(
        f"The document is nested deeper than {limits.max_depth} levels."
    )


def check(document, limits=DEFAULT_LIMITS):
    """Raise :class:`JsonLimitError` when ``document`` exceeds ``limits``.

    Walks the document a level at a time, without recursion: the containers
    of one level, then those they hold (a level is a list, so the depth is
    counted once per level, not once per container).
    """
    level = [document] if isinstance(document, _CONTAINERS) else []
    depth = 1
    while level:
        if depth > limits.max_depth:
            raise _too_deep(limits)
        below = []
        for value in level:
            if len(value) > limits.max_items:
                kind = "An object" if isinstance(value, dict) else "An array"
                raise JsonLimitError(
                    f"{kind} of the document has {len(value)} elements, more "
                    f"than the {limits.max_items} allowed."
                )
            below += [
                child
                for child in (value.values() if isinstance(value, dict) else value)
                if isinstance(child, _CONTAINERS)
            ]
        level = below
        depth += 1
    return document


def loads(data, limits=DEFAULT_LIMITS):
    """Parse ``data`` (text or bytes) and check it against ``limits``.

    Raises ``json.JSONDecodeError`` or ``UnicodeDecodeError`` for a document
    that is not JSON, :class:`JsonLimitError` for one beyond the limits
    (a nesting too deep for the parser itself included).
    """
    try:
        document = json.loads(data)
    except RecursionError:
        raise _too_deep(limits) from None
    return check(document, limits)


def may_hold_nul(body):
    """Whether the raw JSON ``body`` (bytes) may decode to a string with a
    NUL character: only then is :func:`holds_nul` worth walking."""
    return b"\\u0000" in body or b"\x00" in body


def holds_nul(document):
    """Whether a string (key or value) of the parsed ``document`` holds a
    NUL character; without recursion."""
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            if "\x00" in value:
                return True
        elif isinstance(value, dict):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False
