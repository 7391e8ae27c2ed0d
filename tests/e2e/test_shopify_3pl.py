"""The Shopify to 3PL flow on each adapter (see ``flow.py``)."""

from odoo.tests import tagged

from .flow import GenericProviderHooks, ShopifyThreeplFlowMixin, ShopifyThreeplHttpCase


@tagged("post_install", "-at_install")
class TestShopifyToGenericProvider(
    GenericProviderHooks, ShopifyThreeplFlowMixin, ShopifyThreeplHttpCase
):
    """The generic contract's adapter and its simulator."""
