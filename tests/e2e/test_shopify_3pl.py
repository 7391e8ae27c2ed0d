"""The Shopify to 3PL flow on each adapter (see ``flow.py``)."""

from odoo.tests import tagged

from .flow import (
    GenericProviderHooks,
    ShipbobProviderHooks,
    ShopifyThreeplFlowMixin,
    ShopifyThreeplHttpCase,
)


@tagged("post_install", "-at_install")
class TestShopifyToGenericProvider(
    GenericProviderHooks, ShopifyThreeplFlowMixin, ShopifyThreeplHttpCase
):
    """The generic contract's adapter and its simulator."""


@tagged("post_install", "-at_install")
class TestShopifyToShipbob(
    ShipbobProviderHooks, ShopifyThreeplFlowMixin, ShopifyThreeplHttpCase
):
    """The ShipBob adapter and its simulator."""
