"""Wait keys: what a held delivery waits for, as a short string.

A delivery that cannot be processed until something exists in Odoo (a
product with the SKU of an order line, the order a refund is for, the
session of a till ticket) is held on one or more keys; the change that
makes it processable releases the keys and the deliveries waiting on them
are queued again. Keys are ``<kind>:<part>[:<part>...]``:

- :func:`product_keys`: ``product:sku:<code>`` and ``product:barcode:<code>``,
  released for every connector by the base when a product gets that
  internal reference or barcode;
- :func:`make`: any other kind a connector defines (``order:<gid>``,
  ``session:<store>:<date>``, ``shopify-variant:<gid>`` ...).

Parts are stripped; an empty part makes no key (``None`` is returned), so
callers can pass optional values without testing them first.
"""

MAX_LENGTH = 250


def make(kind, *parts):
    """The key ``kind:part1:part2``; None when a part is empty."""
    values = [str(part).strip() if part is not None else "" for part in parts]
    if not kind or not values or not all(values):
        return None
    return ":".join([kind, *values])[:MAX_LENGTH]


def describe(key):
    """The key in words a clerk understands (English; the view translates
    its surrounding sentence), for the kinds the base knows; else the key."""
    kind, _sep, rest = key.partition(":")
    if kind == "product":
        field, _sep, code = rest.partition(":")
        if field == "sku":
            return f"a product with Internal Reference {code}"
        if field == "barcode":
            return f"a product with barcode {code}"
    if kind == "order":
        return f"the order {rest}"
    return key


def product_keys(sku=None, barcode=None):
    """Keys released when a product gets this SKU or barcode."""
    keys = [make("product", "sku", sku), make("product", "barcode", barcode)]
    return [key for key in keys if key]
