"""Odoo products as Shopify ``productSet`` input, and product webhooks read back.

Odoo is the master of the catalog. A product template becomes one Shopify
product, its variants the Shopify variants:

* :class:`Product` and :class:`Variant` are the canonical, plain values the
  connector reads from Odoo (no ORM here);
* :func:`product_set_variables` turns them into the variables of the
  ``ProductSet`` document; :func:`content_hash` fingerprints the content
  (remote ids left out) so that an unchanged product is never sent twice;
* :func:`product_from_webhook` validates the REST-shaped ``products/update``
  payload, :func:`owned_differences` lists what Shopify shows differently in
  the fields Odoo owns (title, status, SKU, barcode, price);
* :func:`explain_user_errors` turns Shopify's ``userErrors`` into a message
  and a fix in Odoo's words.

Status rule (:func:`product_status`): a product removed from the store or
archived in Odoo is ``ARCHIVED``; one that cannot be sold (*Sales* unticked)
is ``DRAFT``; anything else is ``ACTIVE``.
"""

import dataclasses
import datetime
import hashlib
import html
import json
import re
import unicodedata
from decimal import Decimal
from typing import Annotated

from pydantic import Field

from odoo.addons.retail_connector_base.services import errors, validation
from odoo.addons.retail_connector_base.services.validation import (
    Money,
    NumericId,
    OptionalTimestamp,
    PayloadModel,
)

from .payloads import ProductGid, ShopifyContext, VariantGid

#: Shopify's single option of a product without variants
DEFAULT_OPTION = "Title"
DEFAULT_OPTION_VALUE = "Default Title"
#: Shopify allows three options per product
MAX_OPTIONS = 3
#: variants read back in one ProductSet answer (``variants(first: 250)``)
MAX_VARIANTS = 250
STATUSES = ("ACTIVE", "DRAFT", "ARCHIVED", "UNLISTED")
HANDLE_MAX = 200

FIELD_LABELS = {
    "title": "product name",
    "descriptionHtml": "sales description",
    "handle": "Shopify handle",
    "status": "status",
    "productOptions": "attributes",
    "optionValues": "attribute values",
    "sku": "Internal Reference (SKU)",
    "barcode": "barcode",
    "price": "sales price",
    "inventoryItem": "inventory settings",
}
FIELD_HINTS = {
    "title": "Give the product a name in Odoo and save it: it is sent again.",
    "sku": "Give the variant an Internal Reference Shopify accepts (unique in the "
    "store) and save it: it is sent again.",
    "barcode": "Correct the variant's barcode (an EAN, UPC or ISBN code) or empty "
    "it, and save: it is sent again.",
    "price": "Correct the sales price (and the extra prices of the variant's "
    "attribute values) so that it is zero or more, and save: it is sent again.",
    "productOptions": "Shopify accepts at most 3 attributes that create variants, "
    "with distinct names and values: adjust the product's attributes and save.",
    "optionValues": "Shopify accepts at most 3 attributes that create variants, "
    "with distinct names and values: adjust the product's attributes and save.",
    "handle": "Another Shopify product uses this handle: rename one of them in "
    "Shopify, then press Retry.",
}
DEFAULT_HINT = (
    "Correct the product in Odoo as Shopify's message says and save it (it is "
    "sent again), or press Retry."
)


# ----------------------------------------------------------------------
# canonical Odoo product
# ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True, kw_only=True)
class Variant:
    """One Odoo variant as Shopify should show it.

    ``key`` is the Odoo variant id (it matches the answer back), ``options``
    the variant's value of each product option, in option order.
    """

    key: int
    label: str
    sku: str | None = None
    barcode: str | None = None
    price: Decimal
    options: tuple[str, ...] = ()
    tracked: bool = False
    requires_shipping: bool = True


@dataclasses.dataclass(frozen=True, kw_only=True)
class Product:
    """One Odoo product template as Shopify should show it.

    ``options`` pairs each option name (an Odoo attribute that creates
    variants) with its values; a product without any has a single variant
    and gets Shopify's default option.
    """

    key: int
    label: str
    title: str
    description_html: str = ""
    status: str = "ACTIVE"
    options: tuple[tuple[str, tuple[str, ...]], ...] = ()
    variants: tuple[Variant, ...] = ()

    @property
    def uses_options(self):
        """False for a product without attributes: Shopify's default option."""
        return bool(self.options)

    @property
    def withdrawn(self):
        """Archived: Shopify keeps its variants as they were."""
        return self.status == "ARCHIVED"


def product_status(*, active, sale_ok, published):
    """Shopify status of a product (see the module docstring)."""
    if not active or not published:
        return "ARCHIVED"
    if not sale_ok:
        return "DRAFT"
    return "ACTIVE"


def description_html(text):
    """Plain text (the sales description) as HTML paragraphs, escaped."""
    if not text or not text.strip():
        return ""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "".join(
        "<p>"
        + "<br>".join(html.escape(line.strip()) for line in paragraph.splitlines())
        + "</p>"
        for paragraph in paragraphs
    )


def handle_for(title, key):
    """A stable handle for a new product: ``<slug of the title>-<key>``.

    It is the identifier of the first ``productSet`` (an upsert), so a
    creation sent twice (a retry after a timeout) updates the product it
    created instead of making a second one.
    """
    text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore")
    slug = re.sub(r"[^a-z0-9]+", "-", text.decode().lower()).strip("-")
    suffix = f"-{int(key)}"
    slug = slug[: HANDLE_MAX - len(suffix)].rstrip("-") or "product"
    return slug + suffix


def _mapping_error(product, problem, hint, field):
    return errors.MappingError(
        f"Product {product.label} cannot be published on Shopify: {problem}",
        hint=hint,
        details={"field": field},
    )


def check_product(product):
    """Raise MappingError when Shopify could not take ``product`` as it is."""
    if not (product.title or "").strip():
        raise _mapping_error(product, "it has no name.", FIELD_HINTS["title"], "title")
    if product.withdrawn:
        return
    if not product.variants:
        raise _mapping_error(
            product,
            "it has no active variant.",
            "Activate a variant of the product, or archive the product.",
            "variants",
        )
    if len(product.variants) > MAX_VARIANTS:
        raise _mapping_error(
            product,
            f"it has {len(product.variants)} variants; the connector publishes "
            f"at most {MAX_VARIANTS} per product.",
            "Split the product into several products, or archive variants.",
            "variants",
        )
    if not product.uses_options:
        if len(product.variants) > 1:
            raise _mapping_error(
                product,
                "it has several variants but no attribute to tell them apart.",
                FIELD_HINTS["productOptions"],
                "productOptions",
            )
        return
    names = [name for name, _values in product.options]
    if len(names) > MAX_OPTIONS:
        raise _mapping_error(
            product,
            f"its variants come from {len(names)} attributes "
            f"({', '.join(names)}); Shopify accepts {MAX_OPTIONS}.",
            FIELD_HINTS["productOptions"],
            "productOptions",
        )
    folded = [name.strip().casefold() for name in names]
    if len(set(folded)) != len(folded) or not all(folded):
        raise _mapping_error(
            product,
            f"its attributes {', '.join(names)} do not have distinct names.",
            FIELD_HINTS["productOptions"],
            "productOptions",
        )
    allowed = [set(values) for _name, values in product.options]
    seen = set()
    for variant in product.variants:
        if len(variant.options) != len(names) or any(
            value not in values
            for value, values in zip(variant.options, allowed, strict=False)
        ):
            raise _mapping_error(
                product,
                f"variant {variant.label} has no value for every attribute.",
                FIELD_HINTS["optionValues"],
                "optionValues",
            )
        if variant.options in seen:
            raise _mapping_error(
                product,
                f"two variants have the values {' / '.join(variant.options)}.",
                FIELD_HINTS["optionValues"],
                "optionValues",
            )
        seen.add(variant.options)


def _options(product):
    if product.uses_options:
        return product.options
    return ((DEFAULT_OPTION, (DEFAULT_OPTION_VALUE,)),)


def _variant_options(product, variant):
    if product.uses_options:
        return tuple(
            zip(
                (name for name, _values in product.options),
                variant.options,
                strict=True,
            )
        )
    return ((DEFAULT_OPTION, DEFAULT_OPTION_VALUE),)


def product_set_input(product, *, variant_ids=None, handle=None):
    """The ``ProductSetInput`` of ``product``.

    ``variant_ids`` maps a variant key to its Shopify variant GID (variants
    already published keep their id, hence their inventory item); ``handle``
    is only sent for a product Shopify does not have yet. An archived product
    is sent without options and variants: Shopify keeps them as they were.
    """
    check_product(product)
    data = {
        "title": product.title.strip(),
        "descriptionHtml": product.description_html or "",
        "status": product.status,
    }
    if handle:
        data["handle"] = handle
    if product.withdrawn:
        # archived: its variants are left as they are in Shopify
        return data
    variant_ids = variant_ids or {}
    variants = []
    for position, variant in enumerate(product.variants, start=1):
        spec = {
            "optionValues": [
                {"optionName": name, "name": value}
                for name, value in _variant_options(product, variant)
            ],
            "position": position,
            "sku": variant.sku or None,
            "barcode": variant.barcode or None,
            "price": str(variant.price),
            "inventoryItem": {
                "tracked": bool(variant.tracked),
                "requiresShipping": bool(variant.requires_shipping),
            },
        }
        if variant_ids.get(variant.key):
            spec["id"] = variant_ids[variant.key]
        variants.append(spec)
    data["productOptions"] = [
        {"name": name, "values": [{"name": value} for value in values]}
        for name, values in _options(product)
    ]
    data["variants"] = variants
    return data


def product_set_variables(product, *, product_gid=None, variant_ids=None, handle=None):
    """Variables of the ``ProductSet`` document for ``product``.

    A product Shopify has is identified by its GID (an update); a new one by
    its ``handle`` (an upsert: sent twice, it is still one product).
    """
    if product_gid:
        return {
            "input": product_set_input(product, variant_ids=variant_ids),
            "identifier": {"id": product_gid},
        }
    if not handle:
        raise ValueError("a new product needs a handle")
    return {
        "input": product_set_input(product, handle=handle),
        "identifier": {"handle": handle},
    }


def content_hash(product):
    """Fingerprint of what is sent for ``product``, remote ids left out."""
    data = json.dumps(
        product_set_input(product), sort_keys=True, separators=(",", ":")
    ).encode()
    return hashlib.sha256(data).hexdigest()


def answer_variants(product, node):
    """Pair each variant of ``product`` with its node in the ProductSet answer.

    The answer lists the variants in the order they were sent (their
    ``position``). Raises RemoteRejectedError when it does not hold them all.
    """
    nodes = ((node or {}).get("variants") or {}).get("nodes") or []
    if len(nodes) != len(product.variants):
        raise errors.RemoteRejectedError(
            f"Shopify answered the export of {product.label} with {len(nodes)} "
            f"variant(s) instead of {len(product.variants)}.",
            hint="Press Retry; if it happens again, compare the product in Odoo "
            "and in Shopify.",
            details={"field": "variants"},
        )
    return list(zip(product.variants, nodes, strict=True))


# ----------------------------------------------------------------------
# userErrors
# ----------------------------------------------------------------------
def _error_path(user_error):
    field = user_error.get("field") or []
    if isinstance(field, str):
        field = [field]
    parts = [str(part) for part in field]
    if parts and parts[0] in ("input", "identifier"):
        return parts[0], parts[1:]
    return "input", parts


def explain_user_errors(product, user_errors):
    """``(message, hint, field)`` of Shopify's refusal of ``product``.

    Field paths are read the way they were sent: ``variants.<n>.price`` is
    the price of the n-th variant of ``product``.
    """
    described = []
    hint = None
    first_field = None
    for user_error in user_errors:
        root, path = _error_path(user_error)
        subject, field = product.label, path[0] if path else root
        if path[:1] == ["variants"] and len(path) >= 2 and path[1].isdigit():
            index = int(path[1])
            if index < len(product.variants):
                subject = f"variant {product.variants[index].label}"
            field = path[2] if len(path) > 2 else "variants"
        label = FIELD_LABELS.get(field, field)
        text = f"{label} of {subject}: {user_error.get('message') or 'refused'}"
        if user_error.get("code"):
            text += f" [{user_error['code']}]"
        described.append(text)
        if first_field is None:
            first_field = field
            hint = FIELD_HINTS.get(field)
    message = f"Shopify refused product {product.label}: " + "; ".join(described)
    return message, hint or DEFAULT_HINT, first_field


def is_missing_product(user_errors):
    """True when Shopify no longer has the product the update names."""
    return any(e.get("code") == "PRODUCT_DOES_NOT_EXIST" for e in user_errors)


# ----------------------------------------------------------------------
# webhooks (REST-shaped JSON)
# ----------------------------------------------------------------------
class RestVariant(PayloadModel):
    id: NumericId
    admin_graphql_api_id: VariantGid | None = None
    title: str | None = None
    sku: str | None = None
    barcode: str | None = None
    price: Money
    position: Annotated[int, Field(ge=0)] | None = None
    inventory_item_id: NumericId | None = None


class RestProduct(PayloadModel):
    id: NumericId
    admin_graphql_api_id: ProductGid | None = None
    title: str
    handle: str | None = None
    status: str
    updated_at: OptionalTimestamp = None
    variants: tuple[RestVariant, ...]


class RestDeletedProduct(PayloadModel):
    id: NumericId


@dataclasses.dataclass(frozen=True, kw_only=True)
class RemoteVariant:
    gid: str
    title: str | None
    sku: str | None
    barcode: str | None
    price: Decimal
    inventory_item_gid: str | None = None

    @property
    def label(self):
        return self.sku or self.title or self.gid

    def as_bulk_line(self, product_gid):
        """The variant as a line of the bulk export that links variants."""
        return {
            "id": self.gid,
            "sku": self.sku,
            "barcode": self.barcode,
            "inventoryItem": {"id": self.inventory_item_gid}
            if self.inventory_item_gid
            else None,
            "__parentId": product_gid,
        }


@dataclasses.dataclass(frozen=True, kw_only=True)
class RemoteProduct:
    gid: str
    title: str
    handle: str | None
    status: str
    updated_at: datetime.datetime | None
    variants: tuple[RemoteVariant, ...]


def _validate(model, data, topic):
    label = None
    if isinstance(data, dict):
        label = data.get("admin_graphql_api_id") or data.get("id")
    ctx = ShopifyContext(
        f"Shopify {topic}",
        str(label or "(unknown)"),
        str(label) if label else None,
        hint=f"The {topic} payload does not give a usable {{path}}: check that "
        "the webhook subscription sends the whole product (no includeFields), "
        "then replay the event.",
        source="webhook",
    )
    return ctx.validate(model, data)


def product_from_webhook(payload):
    """The product of a ``products/update`` (or create) payload."""
    rest = _validate(RestProduct, payload, "products/update")
    status = rest.status.strip().upper()
    if status not in STATUSES:
        raise errors.PayloadValidationError(
            f"Shopify products/update {rest.id}: status {rest.status!r} is unknown.",
            hint="Upgrade the connector to read this Shopify API version.",
            details={"field": "status"},
        )
    return RemoteProduct(
        gid=rest.admin_graphql_api_id or f"gid://shopify/Product/{rest.id}",
        title=rest.title,
        handle=rest.handle,
        status=status,
        updated_at=rest.updated_at,
        variants=tuple(
            RemoteVariant(
                gid=v.admin_graphql_api_id or f"gid://shopify/ProductVariant/{v.id}",
                title=v.title,
                sku=validation.text(v.sku),
                barcode=validation.text(v.barcode),
                price=v.price,
                inventory_item_gid=f"gid://shopify/InventoryItem/{v.inventory_item_id}"
                if v.inventory_item_id
                else None,
            )
            for v in rest.variants
        ),
    )


def deleted_product_gid(payload):
    """GID of the product a ``products/delete`` payload names."""
    rest = _validate(RestDeletedProduct, payload, "products/delete")
    return f"gid://shopify/Product/{rest.id}"


# ----------------------------------------------------------------------
# what Shopify shows differently in the fields Odoo owns
# ----------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Difference:
    field: str
    subject: str
    odoo: object
    shopify: object

    def __str__(self):
        def shown(value):
            return "(none)" if value in (None, "") else f"{value}"

        if self.field == "variant":
            return f"variant {self.subject}: {self.shopify}"
        label = FIELD_LABELS.get(self.field, self.field)
        return (
            f"{label} of {self.subject}: {shown(self.shopify)} in Shopify, "
            f"{shown(self.odoo)} in Odoo"
        )


def owned_differences(product, remote, variant_ids):
    """What ``remote`` shows differently from ``product`` in Odoo's fields.

    ``variant_ids`` maps a variant key to its Shopify variant GID. Compared:
    title, status, and the SKU, barcode and price of each variant; a variant
    Shopify lacks, or has without Odoo, is a difference too. Only the title
    and status of an archived product are compared.
    """
    found = []
    if (remote.title or "").strip() != (product.title or "").strip():
        found.append(Difference("title", product.label, product.title, remote.title))
    if remote.status != product.status:
        found.append(Difference("status", product.label, product.status, remote.status))
    if product.withdrawn:
        return found
    by_gid = {variant.gid: variant for variant in remote.variants}
    published = set()
    for variant in product.variants:
        gid = variant_ids.get(variant.key)
        theirs = by_gid.get(gid) if gid else None
        if theirs is None:
            found.append(
                Difference("variant", variant.label, "published", "missing in Shopify")
            )
            continue
        published.add(gid)
        for field, ours, remote_value in (
            ("sku", variant.sku or None, theirs.sku),
            ("barcode", variant.barcode or None, theirs.barcode),
        ):
            if ours != remote_value:
                found.append(Difference(field, variant.label, ours, remote_value))
        if theirs.price != variant.price:
            found.append(
                Difference("price", variant.label, variant.price, theirs.price)
            )
    for theirs in remote.variants:
        if theirs.gid not in published:
            found.append(
                Difference(
                    "variant",
                    theirs.label,
                    None,
                    "exists in Shopify only (Odoo has no such variant)",
                )
            )
    return found
