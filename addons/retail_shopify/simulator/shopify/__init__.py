"""An in-memory Shopify store answering the Admin GraphQL API.

:class:`ShopifySimulator` keeps a shop (locations, products, variants,
inventory, orders, fulfilment orders, fulfilments, refunds, webhook
subscriptions and bulk operations) in memory and answers
``POST /admin/api/<version>/graphql.json`` the way Shopify does. It is built
on ``retail_connector_base.simulator`` (lock, clock, call log, failure
injection, webhook outbox, in-process adapter and loopback server) and made
of one mixin a module:

- :mod:`.store`: :class:`ShopifySimulator` itself, the shop, ids, timestamps
  and the registry of records reachable by id;
- :mod:`.engine`: the GraphQL engine: access token, schema validation, cost
  and leaky bucket, execution over dict records, pagination, search syntax,
  the call log's :class:`GraphQLCall`;
- :mod:`.catalog`: products, options, variants and ``productSet``;
- :mod:`.inventory`: locations, inventory levels and
  ``inventorySetQuantities``;
- :mod:`.orders`: placing, editing and cancelling orders, customers and
  addresses, order search;
- :mod:`.fulfilment`: fulfilment orders, ``fulfillmentCreate`` and tracking
  updates;
- :mod:`.refunds`: refunds as the merchant makes them;
- :mod:`.rest`: the REST payloads the webhooks carry;
- :mod:`.webhooks`: webhook subscriptions, signing and routing;
- :mod:`.bulk`: bulk query operations and their JSONL files;
- :mod:`.values`: money, timestamps and global ids the modules share.

The schema of the pinned API version comes from :mod:`..schema`; the
version is ``services/version.py``'s ``API_VERSION``.
"""

from .engine import INVALID_TOKEN, MAX_QUERY_COST, GraphQLCall, SpentBucket
from .store import DEFAULT_SECRET, DEFAULT_TOKEN, ShopifySimulator
from .values import legacy_id
from .webhooks import graphql_topic

__all__ = [
    "DEFAULT_SECRET",
    "DEFAULT_TOKEN",
    "INVALID_TOKEN",
    "MAX_QUERY_COST",
    "GraphQLCall",
    "ShopifySimulator",
    "SpentBucket",
    "graphql_topic",
    "legacy_id",
]
