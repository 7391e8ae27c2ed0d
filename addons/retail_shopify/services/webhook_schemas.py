"""Strict schemas of the Shopify webhooks that erase or stop something.

A delivery of these topics is checked twice: at intake (the controller's
``validate``: a body that does not match is stored failed and answered 400)
and again by its handler before anything is erased. The body must have the
shape Shopify documents for the topic, and the shop domain it names (where
Shopify sends one) must be the backend's, whatever the header said.

* :data:`SCHEMAS` maps each topic to its pydantic model;
* :func:`validate` returns the validated body of a delivery, or None for a
  topic without a strict schema.

Bodies (Shopify's documentation of the privacy and app webhooks):

* ``shop/redact``: ``shop_id``, ``shop_domain``;
* ``customers/redact``: ``shop_id``, ``shop_domain``, ``customer`` (``id``,
  ``email``, ``phone``) and ``orders_to_redact`` (order ids);
* ``customers/data_request``: the same with ``orders_requested`` and
  ``data_request`` (its ``id``);
* ``app/uninstalled``: the shop (``id``, ``myshopify_domain`` ...);
* ``products/delete``: the deleted product's ``id`` and nothing else.

Error messages never quote the values of a body (a privacy request names a
customer): they name the faulty field only.
"""

from typing import Annotated

from pydantic import ConfigDict, PlainValidator, model_validator

from odoo.addons.retail_connector_base.services.validation import (
    NumericId,
    PayloadContext,
    PayloadModel,
)

from .webhooks import validate_shop_domain

HINT = (
    "The {topic} delivery does not have the body Shopify documents for it "
    "({path}): nothing was erased. Check the app's webhook configuration, "
    "then ignore this exception."
)


def _shop_domain(value):
    return validate_shop_domain(value)


#: a ``<store>.myshopify.com`` domain, lower-cased
ShopDomain = Annotated[str, PlainValidator(_shop_domain)]


class ShopRedact(PayloadModel):
    shop_id: NumericId
    shop_domain: ShopDomain


class PrivacyCustomer(PayloadModel):
    id: NumericId | None = None
    email: str | None = None
    phone: str | None = None

    @model_validator(mode="after")
    def _names_someone(self):
        if not (self.id or (self.email or "").strip() or (self.phone or "").strip()):
            raise ValueError("the customer has no id, email or phone")
        return self


class CustomerRedact(ShopRedact):
    customer: PrivacyCustomer
    orders_to_redact: tuple[NumericId, ...]


class DataRequestId(PayloadModel):
    id: NumericId


class CustomerDataRequest(ShopRedact):
    customer: PrivacyCustomer
    orders_requested: tuple[NumericId, ...]
    data_request: DataRequestId | None = None


class AppUninstalled(PayloadModel):
    id: NumericId
    myshopify_domain: ShopDomain | None = None


class ProductDelete(PayloadModel):
    """Only the id: a body with anything else is not a deletion."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: NumericId


SCHEMAS = {
    "shop/redact": ShopRedact,
    "customers/redact": CustomerRedact,
    "customers/data_request": CustomerDataRequest,
    "app/uninstalled": AppUninstalled,
    "products/delete": ProductDelete,
}

#: the field of each body naming the shop
SHOP_DOMAIN_FIELDS = {
    "shop/redact": "shop_domain",
    "customers/redact": "shop_domain",
    "customers/data_request": "shop_domain",
    "app/uninstalled": "myshopify_domain",
}


class _QuietContext(PayloadContext):
    """Errors naming the faulty field, never quoting its value."""

    def fail(self, path, problem, more=()):
        if problem != "is missing":
            problem = "is invalid"
        return super().fail(path, problem, more)


def validate(topic, payload, shop_domain):
    """The validated body of a ``topic`` delivery for the store ``shop_domain``.

    None for a topic without a strict schema. Raises
    :class:`~odoo.addons.retail_connector_base.services.errors.PayloadValidationError`
    when the body does not match the topic's schema or names another shop.
    """
    model = SCHEMAS.get(topic)
    if model is None:
        return None
    ctx = _QuietContext(
        f"Shopify {topic}",
        "delivery",
        hint=lambda path: HINT.format(topic=topic, path=path),
    )
    body = ctx.validate(model, payload)
    field = SHOP_DOMAIN_FIELDS.get(topic)
    named = getattr(body, field, None) if field else None
    if named is not None and named != (shop_domain or "").strip().lower():
        raise ctx.error(field, f"names the store {named}, not {shop_domain}")
    return body
