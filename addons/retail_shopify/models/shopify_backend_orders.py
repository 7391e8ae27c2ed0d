import json
from datetime import timedelta

from odoo import fields, models

from odoo.addons.retail_connector_base.services import errors

from ..services import order_reconcile, webhooks
from ..services.order_graphql import order_from_graphql, truncated_connections
from ..services.order_webhook import order_from_webhook


class ShopifyBackendOrders(models.Model):
    """Orders: their webhooks (inbound) and the import of the orders updated
    in Shopify since a date (reconciliation).

    A sync run of kind ``orders`` (``retail.sync.run``): the reconciliation
    cron starts one from the checkpoint, a person from any date (Import
    orders). This slice reads a page of order ids and update times
    (``OrderStampsUpdatedSince``), reads whole only the orders new or changed
    since their import (``OrdersByIds``, see ``services/order_reconcile.py``)
    and imports each through the same path as the webhooks; the base queues
    the page jobs, shows the progress and moves the checkpoint.
    """

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    orders_checkpoint = fields.Datetime(
        string="Orders reconciled until",
        copy=False,
        help="The reconciliation polls orders updated since this time minus "
        "the overlap window.",
    )
    reconcile_overlap_minutes = fields.Integer(default=15)

    # ------------------------------------------------------------------
    # inbound: orders/create, updated, paid, cancelled, edited
    # ------------------------------------------------------------------
    def _shopify_handle_order(self, event):
        payload = event._load_json()
        if event.topic == "orders/edited":
            return self._shopify_apply_order_edit(event, payload)
        order = order_from_webhook(payload)
        return self.env["shopify.sale.order"]._import_order(
            self, order, payload, event=event
        )

    def _shopify_apply_order_edit(self, event, payload):
        """orders/edited names what an edit changed, not the order: read it."""
        edit = payload.get("order_edit") if isinstance(payload, dict) else None
        order_id = edit.get("order_id") if isinstance(edit, dict) else None
        if not isinstance(order_id, int) or isinstance(order_id, bool):
            raise errors.PayloadValidationError(
                "Shopify orders/edited delivery: order_edit.order_id is missing or "
                "not a number.",
                hint="Check the webhook's API version on the store (Register "
                "webhooks repairs it); the reconciliation imports the edit anyway.",
            )
        gid = f"gid://shopify/Order/{order_id}"
        client = self._shopify_client()
        node = client.execute("OrderById", {"id": gid})["order"]
        if not node:
            event._mark_ignored(f"Edited order {gid} no longer exists in Shopify.")
            return False
        order = order_from_graphql(node)
        return self.env["shopify.sale.order"]._import_order(
            self, order, node, event=event
        )

    def _shopify_handle_polled_order(self, event):
        """An order held by the poll, processed again: read it and import it."""
        node = event._load_json()
        client = self._shopify_client()
        fresh = client.execute("OrderById", {"id": node.get("id")})["order"]
        if not fresh:
            event._mark_ignored("The order no longer exists in Shopify.")
            return False
        return self.env["shopify.sale.order"]._import_order(
            self, order_from_graphql(fresh), fresh, event=event
        )

    # ------------------------------------------------------------------
    # reconciliation: starting a run
    # ------------------------------------------------------------------
    def action_reconcile_orders(self):
        """Import the orders updated since the checkpoint."""
        self.ensure_one()
        return self._retail_run_action_start("orders")

    def action_open_order_import_wizard(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Import Shopify orders"),
            "res_model": "shopify.order.import.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_backend_id": self.id},
        }

    # ------------------------------------------------------------------
    # reconciliation: run hooks (a page of orders, one order)
    # ------------------------------------------------------------------
    def _retail_run_kinds(self):
        return {**super()._retail_run_kinds(), "orders": self.env._("Shopify orders")}

    def _retail_run_checkpoint_field(self, kind):
        if kind == "orders":
            return "orders_checkpoint"
        return super()._retail_run_checkpoint_field(kind)

    def _retail_run_overlap(self, kind):
        if kind == "orders":
            return timedelta(minutes=self.reconcile_overlap_minutes)
        return super()._retail_run_overlap(kind)

    def _retail_run_failure_hint(self, kind):
        if kind == "orders":
            return self.env._(
                "Correct the cause (connection, token, Shopify status), then "
                "press Import orders again: orders already imported are skipped."
            )
        return super()._retail_run_failure_hint(kind)

    def _retail_run_fetch_page(self, run, cursor):
        """A page of the orders updated since the run's start.

        Their ids and update times first; then, whole, the orders not
        imported yet or changed since (at most ``FETCH_PER_PAGE``: past them
        the page ends early). The others are items marked unchanged.
        """
        if run.kind != "orders":
            return super()._retail_run_fetch_page(run, cursor)
        stamp = run.since.strftime("%Y-%m-%dT%H:%M:%SZ")
        variables = {
            "first": order_reconcile.STAMP_PAGE_SIZE,
            "query": f"updated_at:>='{stamp}'",
        }
        client = self._shopify_client()
        edges, next_cursor = client.page(
            "OrderStampsUpdatedSince", variables, ("orders",), after=cursor, edges=True
        )
        stamps = order_reconcile.parse_stamps(edges)
        plan = order_reconcile.plan_page(
            stamps, self._shopify_imported_stamps([s.gid for s in stamps]), next_cursor
        )
        nodes = {}
        for group in order_reconcile.groups(plan.fetch):
            nodes.update(self._shopify_read_orders(client, group))
        return plan.items(nodes), plan.cursor

    def _shopify_imported_stamps(self, gids):
        """GID → the ``updatedAt`` imported, for the orders of ``gids`` bound."""
        if not gids:
            return {}
        rows = (
            self.env["shopify.sale.order"]
            .with_context(active_test=False)
            .search_read(
                [("backend_id", "=", self.id), ("external_id", "in", gids)],
                ["external_id", "external_updated_at"],
            )
        )
        return {row["external_id"]: row["external_updated_at"] or None for row in rows}

    def _shopify_read_orders(self, client, gids):
        """The whole nodes of the orders ``gids`` (one ``OrdersByIds`` call),
        by GID; an order deleted since is absent."""
        answered = client.execute("OrdersByIds", {"ids": list(gids)}).get("nodes")
        if not isinstance(answered, list) or len(answered) != len(gids):
            raise errors.PayloadValidationError(
                f"Shopify answered OrdersByIds for {len(gids)} orders without one "
                "node per order.",
                hint="The run stops here; start it again once Shopify answers "
                "normally.",
                details={"operation": "OrdersByIds", "ids": list(gids)},
            )
        nodes = {}
        for gid, node in zip(gids, answered, strict=True):
            if node is None:
                continue  # deleted since it was listed: nothing to import
            if not isinstance(node, dict) or node.get("id") != gid:
                raise errors.PayloadValidationError(
                    f"Shopify answered OrdersByIds for order {gid} with another "
                    "object.",
                    hint="The run stops here; start it again once Shopify "
                    "answers normally.",
                    details={"operation": "OrdersByIds", "remote_ref": gid},
                )
            nodes[gid] = node
        return nodes

    def _retail_run_import_item(self, run, item):
        if run.kind != "orders":
            return super()._retail_run_import_item(run, item)
        if order_reconcile.is_unchanged_item(item):
            return "unchanged"
        return self._shopify_import_order_node(item)

    def _shopify_import_order_node(self, node):
        """Import one order of a page; return imported, unchanged, held or failed.

        An order waiting for a product is stored as an event and held on
        what it waits for: it is imported again once that exists.
        """
        if truncated_connections(node):
            # more lines than a page holds: read the whole order
            node = self._shopify_client().execute("OrderById", {"id": node["id"]})[
                "order"
            ]
        Binding = self.env["shopify.sale.order"]
        try:
            with self.env.cr.savepoint():
                order = order_from_graphql(node)
                # the page's plan compared the listed update time; a webhook
                # job may have imported this version since: count it unchanged
                binding = Binding._retail_get(self, order.gid)
                if binding.external_updated_at and (
                    order.updated_at <= binding.external_updated_at
                ):
                    return "unchanged"
                Binding._import_order(self, order, node)
        except errors.PermanentError as exc:
            self._shopify_record_order_failure(exc, node)
            return "held" if exc.waits_for else "failed"
        return "imported"

    def _shopify_record_order_failure(self, exc, node):
        """An order the poll could not import: stored and held like a delivery.

        One exception per order and cause, whichever flow found it first: a
        webhook delivery of the same order may already have raised it, and
        the poll then counts one more occurrence. Otherwise the order node is
        stored as an event of origin "poll" and fails (or is held on what it
        waits for) through the same path as a delivery, so that it is
        retried and released the same way.
        """
        gid = node.get("id")
        existing = self._retail_open_exceptions(
            [("remote_ref", "=", gid), ("category", "=", exc.category)]
        )[:1]
        if existing:
            return existing._merge_occurrence({})
        event, created = self.env["retail.event"]._accept(
            self,
            topic=webhooks.POLLED_ORDER_TOPIC,
            event_key=f"poll:{gid}:{node.get('updatedAt') or ''}",
            payload=json.dumps(node, default=str),
            headers=False,
            remote_ref=gid,
            origin="poll",
        )
        if created or event.state != "failed":
            if exc.waits_for:
                event._hold(exc)
            else:
                event._fail(exc)
        return event.exception_ids[:1]
