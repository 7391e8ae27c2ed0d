"""The store: :class:`ShopifySimulator`, its shop, ids, clock and registry.

The simulator is one class made of the mixins of this package, on the
base :class:`~odoo.addons.retail_connector_base.simulator.Simulator` (lock,
clock, call log, faults, outbox). Every record the GraphQL API can reach by
id is registered here (``node(id:)``); ids are numbered from one counter
(:meth:`ShopifySimulator.renumber`). Timestamps never go back, and each
creation or change of an order or a product is at least one second after
the previous stamp, so "updated since" logic at Shopify's one-second
precision is deterministic in tests.
"""

import itertools
import time
from datetime import timedelta

from graphql import GraphQLError

from odoo.addons.retail_connector_base.simulator import Simulator, wall_time

from ...services.version import API_VERSION
from ..schema import load_schema
from .bulk import BulkOperations
from .catalog import Catalog
from .engine import MAX_QUERY_COST, GraphQLEndpoint, _LeakyBucket
from .fulfilment import Fulfilment
from .inventory import Inventory
from .orders import Orders
from .refunds import Refunds
from .rest import RestPayloads
from .values import _GID, _iso
from .webhooks import Webhooks

DEFAULT_TOKEN = "shpat_simulator_0123456789abcdef"
DEFAULT_SECRET = "simulator-client-secret"
#: ids ``nodes(ids:)`` takes at most
MAX_NODES = 250


class ShopifySimulator(
    GraphQLEndpoint,
    Webhooks,
    BulkOperations,
    Refunds,
    Fulfilment,
    Orders,
    Catalog,
    Inventory,
    RestPayloads,
    Simulator,
):
    """An in-memory Shopify store answering the Admin GraphQL API.

    ``clock`` (monotonic seconds, :func:`time.monotonic` by default) drives
    the cost bucket, the webhook retries and the call log; a clock with a
    ``now()`` (``ManualClock``) drives the timestamps too.
    """

    name = "Shopify"

    def __init__(  # noqa: PLR0917 - positional like the store's settings
        self,
        shop_domain="retail-demo.myshopify.com",
        access_token=DEFAULT_TOKEN,
        client_secret=DEFAULT_SECRET,
        api_version=API_VERSION,
        bucket_size=2000,
        restore_rate=100,
        clock=time.monotonic,
        *,
        currency="USD",
        shop_name=None,
        timezone="America/New_York",
        max_query_cost=MAX_QUERY_COST,
    ):
        super().__init__(f"https://{shop_domain}", clock=clock)
        self.schema = load_schema(api_version)
        self.shop_domain = shop_domain
        self.access_token = access_token
        self.client_secret = client_secret
        self.api_version = api_version
        self.currency = currency
        self.max_query_cost = max_query_cost
        self._ids = itertools.count(1_000_000_001)
        self._order_numbers = itertools.count(1)
        self._last_stamp = None
        self._bucket = _LeakyBucket(bucket_size, restore_rate, clock)
        self._nodes = {}
        self._idempotency = {}
        self._bulk_files = {}
        self._specs = {}
        self.locations = {}
        self.products = {}
        self.variants = {}
        self.inventory_items = {}
        self.levels = {}
        self.customers = {}
        self.orders = {}
        self.order_payloads = {}
        self.fulfillment_orders = {}
        self.fulfillments = {}
        self.webhook_subscriptions = {}
        self.bulk_operations = {}
        stamp = self._stamp()
        name = shop_name or shop_domain.split(".")[0].replace("-", " ").title()
        self.shop = self._register(
            {
                "__typename": "Shop",
                "id": self._gid("Shop"),
                "name": name,
                "email": f"owner@{shop_domain}",
                "contactEmail": f"owner@{shop_domain}",
                "myshopifyDomain": shop_domain,
                "currencyCode": currency,
                "ianaTimezone": timezone,
                "taxesIncluded": False,
                "taxShipping": False,
                "createdAt": stamp,
                "updatedAt": stamp,
                "orderNumberFormatPrefix": "#",
                "orderNumberFormatSuffix": "",
                "setupRequired": False,
                "plan": {
                    "displayName": "Development",
                    "publicDisplayName": "Development",
                    "partnerDevelopment": True,
                    "shopifyPlus": False,
                },
            }
        )
        self._query_root = {
            "shop": lambda info: self.shop,
            "node": self._q_node,
            "nodes": self._q_nodes,
            "location": self._q_location,
            "locations": self._q_locations,
            "order": lambda info, id: self._typed(id, "Order"),
            "orders": self._q_orders,
            "product": lambda info, id: self._typed(id, "Product"),
            "products": self._q_products,
            "productVariant": lambda info, id: self._typed(id, "ProductVariant"),
            "productVariants": self._q_product_variants,
            "inventoryItem": lambda info, id: self._typed(id, "InventoryItem"),
            "inventoryItems": self._q_inventory_items,
            "fulfillment": lambda info, id: self._typed(id, "Fulfillment"),
            "fulfillmentOrder": lambda info, id: self._typed(id, "FulfillmentOrder"),
            "webhookSubscription": lambda info, id: self._typed(
                id, "WebhookSubscription"
            ),
            "webhookSubscriptions": self._q_webhook_subscriptions,
            "bulkOperation": self._q_bulk_operation,
            "currentBulkOperation": self._q_current_bulk_operation,
        }
        self._mutation_root = {
            "webhookSubscriptionCreate": self._m_webhook_subscription_create,
            "webhookSubscriptionUpdate": self._m_webhook_subscription_update,
            "webhookSubscriptionDelete": self._m_webhook_subscription_delete,
            "productSet": self._m_product_set,
            "bulkOperationRunQuery": self._m_bulk_operation_run_query,
            "inventorySetQuantities": self._m_inventory_set_quantities,
            "fulfillmentCreate": self._m_fulfillment_create,
            "fulfillmentTrackingInfoUpdate": self._m_fulfillment_tracking_update,
        }

    def _gid(self, kind):
        return f"gid://shopify/{kind}/{next(self._ids)}"

    def renumber(self, first_id, first_order_number):
        """Number the next records from here on.

        A store restarted with the same catalogue keeps the ids of its
        locations and products; renumbering after the catalogue gives its
        new orders ids no earlier run used.
        """
        with self._lock:
            self._ids = itertools.count(int(first_id))
            self._order_numbers = itertools.count(int(first_order_number))

    def _stamp(self, strict=False):
        """A GraphQL timestamp, never before the previous one.

        ``strict`` (creation and changes of orders and products) makes it
        at least one second after the previous one, so that "updated since"
        comparisons at Shopify's one-second precision always see the change.
        """
        now = wall_time(self._clock).replace(microsecond=0)
        if self._last_stamp is not None and now < self._last_stamp:
            now = self._last_stamp
        if strict and self._last_stamp is not None and now <= self._last_stamp:
            now = self._last_stamp + timedelta(seconds=1)
        self._last_stamp = now
        return _iso(now)

    def _register(self, record):
        self._nodes[record["id"]] = record
        return record

    def _lookup(self, gid):
        if not isinstance(gid, str) or not _GID.match(gid):
            raise GraphQLError(f"Invalid global id '{gid}'")
        return self._nodes.get(gid)

    def _typed(self, gid, typename):
        record = self._lookup(gid)
        if record is None or record.get("__typename") != typename:
            return None
        return record

    def _location(self, ref):
        if ref in self.locations:
            return self.locations[ref]
        for location in self.locations.values():
            if location["name"] == ref:
                return location
        raise KeyError(f"unknown location {ref!r}")

    def _item(self, ref):
        """An inventory item from its gid, its variant's gid or its SKU."""
        if ref in self.inventory_items:
            return self.inventory_items[ref]
        if ref in self.variants:
            return self.variants[ref]["inventoryItem"]
        variant = self._variant_by_sku(ref)
        if variant is None:
            raise KeyError(f"unknown inventory item {ref!r}")
        return variant["inventoryItem"]

    def _variant_by_sku(self, sku):
        for variant in self.variants.values():
            if sku and variant["sku"] == sku:
                return variant
        return None

    def _q_node(self, info, id):
        record = self._lookup(id)
        if record is not None and record.get("__typename") == "BulkOperation":
            self._advance_bulk(record)
        return record

    def _q_nodes(self, info, ids):
        if len(ids) > MAX_NODES:
            raise GraphQLError(
                f"The input array size of {len(ids)} is greater than the maximum "
                f"allowed of {MAX_NODES}."
            )
        return [self._q_node(info, gid) for gid in ids]
