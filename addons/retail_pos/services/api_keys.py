"""API keys of a store and the store codes of the partner API.

A key is made on the server (:func:`generate_key`, 256 bits of randomness),
shown once and stored as its salted SHA-256 (:func:`hash_key`, the base's
format); a request's key is compared with every valid key of the store in
constant time (:func:`verify_any`). A rotation keeps the previous keys valid
until :func:`overlap_expiry`. :func:`display_prefix` is the part of a key
shown to tell keys apart (too short to help guessing the rest).
"""

import datetime
import re

from odoo.addons.retail_connector_base.services.signatures import (
    generate_api_key,
    hash_api_key,
    verify_api_key,
)

#: characters of a key shown in lists
PREFIX_LENGTH = 6
#: longest rotation overlap (a key is not meant to live on for months)
MAX_OVERLAP_HOURS = 24 * 90
STORE_CODE_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def generate_key():
    """A new random key (URL-safe text, 43 characters)."""
    return generate_api_key()


def hash_key(key):
    """What is stored of ``key``: ``sha256$<salt>$<hex digest>``."""
    return hash_api_key(key)


def display_prefix(key):
    """The first characters of ``key``, to recognise it in a list."""
    return key[:PREFIX_LENGTH]


def verify_any(key, stored_hashes):
    """Whether ``key`` matches one of ``stored_hashes``.

    Every stored hash is compared (no early exit), each in constant time:
    the answer's timing does not say which key was close.
    """
    if not isinstance(key, str) or not key:
        return False
    matched = False
    for stored in stored_hashes:
        matched |= verify_api_key(key, stored)
    return matched


def overlap_expiry(now, hours):
    """When the previous keys stop working after a rotation at ``now``."""
    hours = min(float(hours), MAX_OVERLAP_HOURS)
    return now + datetime.timedelta(hours=hours)


def valid_store_code(code):
    """Whether ``code`` can name a store in the API's paths."""
    return isinstance(code, str) and bool(STORE_CODE_RE.match(code))
