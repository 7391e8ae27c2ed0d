"""The order reconciliation's page, in two phases.

Reading every updated order whole costs about 160 points of the shop's cost
bucket per order, so that re-reading a day of orders the webhooks already
brought spends minutes of the bucket for nothing. A page of the
reconciliation therefore reads first the ``id`` and ``updatedAt`` of up to
:data:`STAMP_PAGE_SIZE` orders (``OrderStampsUpdatedSince``, about one point
per order), compares them with what was imported (:func:`plan_page`), and
reads whole only the orders that are new or changed since
(``OrdersByIds``, in groups of :data:`FETCH_GROUP`).

At most :data:`FETCH_PER_PAGE` orders are read whole per page, so that a
page of orders nobody has imported yet (a first import, a long outage)
costs what a page always cost: the page then ends at the last order it
takes, and the next one starts after it (every edge of a connection has its
own cursor).
"""

import dataclasses
import datetime

from odoo.addons.retail_connector_base.services.validation import (
    CamelPayloadModel,
    PayloadContext,
    Timestamp,
)

from .payloads import OrderGid

#: orders whose id and updatedAt one page reads (Shopify's largest page)
STAMP_PAGE_SIZE = 250
#: orders read whole per ``OrdersByIds`` call: about 800 points
FETCH_GROUP = 5
#: orders read whole per page at most; past them the page ends early
FETCH_PER_PAGE = 25
#: the key marking an order a page found unchanged (no Order field has it)
UNCHANGED = "_retail_unchanged"

_CONTEXT = PayloadContext(
    subject="Shopify",
    label="order reconciliation page",
    hint="Shopify answered OrderStampsUpdatedSince with a {path} that is not "
    "usable; the run stops here and can be started again once Shopify "
    "answers normally.",
    details={"operation": "OrderStampsUpdatedSince"},
)


class _StampNode(CamelPayloadModel):
    id: OrderGid
    updated_at: Timestamp


class _StampEdge(CamelPayloadModel):
    cursor: str
    node: _StampNode


@dataclasses.dataclass(frozen=True)
class Stamp:
    """An order of the listing: its id, when it changed, where it is."""

    gid: str
    updated_at: datetime.datetime
    cursor: str


@dataclasses.dataclass(frozen=True)
class PagePlan:
    """What a page does: the orders it covers, those it reads whole, and the
    cursor the next page starts after (None: this page is the last)."""

    stamps: tuple[Stamp, ...]
    fetch: tuple[str, ...]
    cursor: str | None

    def items(self, nodes):
        """The page's items in listing order: the whole node of each order
        read, a stamp marked :data:`UNCHANGED` for the others.

        An order read whole that ``nodes`` lacks was deleted in between: it
        has nothing left to import and is left out.
        """
        wanted = set(self.fetch)
        items = []
        for stamp in self.stamps:
            if stamp.gid not in wanted:
                items.append(unchanged_item(stamp))
            elif stamp.gid in nodes:
                items.append(nodes[stamp.gid])
        return items


def parse_stamps(edges):
    """The edges of ``OrderStampsUpdatedSince`` → :class:`Stamp` objects.

    Raises PayloadValidationError naming the first unusable edge.
    """
    if not isinstance(edges, list):
        _CONTEXT.fail("orders.edges", "is not a list")
    stamps = []
    for index, edge in enumerate(edges):
        context = dataclasses.replace(
            _CONTEXT, label=f"order reconciliation page (edge {index})"
        )
        parsed = context.validate(_StampEdge, edge)
        stamps.append(Stamp(parsed.node.id, parsed.node.updated_at, parsed.cursor))
    return stamps


def is_changed(stamp, imported_at):
    """True when the order is unknown or changed after ``imported_at``."""
    return imported_at is None or stamp.updated_at > imported_at


def plan_page(stamps, imported, next_cursor, *, limit=None):
    """Which of ``stamps`` to read whole, and where the next page starts.

    ``imported`` maps an order's GID to the ``updatedAt`` last imported
    (absent: never imported); ``next_cursor`` is the listing's cursor after
    these stamps (None: no more orders). When more than ``limit`` orders
    (default :data:`FETCH_PER_PAGE`) need reading, the page stops after the
    ``limit``-th one.
    """
    limit = FETCH_PER_PAGE if limit is None else limit
    if limit < 1:
        raise ValueError("a page reads at least one order")
    taken, fetch = [], []
    for stamp in stamps:
        if is_changed(stamp, imported.get(stamp.gid)):
            if len(fetch) == limit:
                return PagePlan(tuple(taken), tuple(fetch), taken[-1].cursor)
            fetch.append(stamp.gid)
        taken.append(stamp)
    return PagePlan(tuple(taken), tuple(fetch), next_cursor)


def groups(gids, size=None):
    """``gids`` in consecutive groups of at most ``size`` (default
    :data:`FETCH_GROUP`)."""
    size = FETCH_GROUP if size is None else size
    return [tuple(gids[i : i + size]) for i in range(0, len(gids), size)]


def unchanged_item(stamp):
    """The item of an order already imported as it is now."""
    return {
        "id": stamp.gid,
        "updatedAt": stamp.updated_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        UNCHANGED: True,
    }


def is_unchanged_item(item):
    return isinstance(item, dict) and item.get(UNCHANGED) is True
