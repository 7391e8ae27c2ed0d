import json
from datetime import timedelta

from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.services import errors

from ..services.order_mapper import order_from_graphql, truncated_connections

# OrdersUpdatedSince costs about 160 points per order: 5 stay under 1,000
RECONCILE_PAGE_SIZE = 5


class ShopifyOrderImportMixin(models.AbstractModel):
    """Import the orders updated in Shopify since a date (reconciliation).

    A sync run of kind ``orders`` (``retail.sync.run``): the reconciliation
    cron starts one from the checkpoint, a person from any date (Import
    orders). This slice reads a page of ``OrdersUpdatedSince`` and imports
    each order through the same path as the webhooks; the base queues the
    page jobs, shows the progress and moves the checkpoint.
    """

    _name = "shopify.order.import.mixin"
    _inherit = ["retail.sync.run.mixin"]
    _description = "Shopify Order Import"

    orders_checkpoint = fields.Datetime(
        string="Orders reconciled until",
        copy=False,
        help="The reconciliation polls orders updated since this time minus "
        "the overlap window.",
    )
    reconcile_overlap_minutes = fields.Integer(default=15)

    # ------------------------------------------------------------------
    # starting a run
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
    # run hooks
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
        """A page of the orders updated since the run's start."""
        if run.kind != "orders":
            return super()._retail_run_fetch_page(run, cursor)
        stamp = run.since.strftime("%Y-%m-%dT%H:%M:%SZ")
        variables = {"first": RECONCILE_PAGE_SIZE, "query": f"updated_at:>='{stamp}'"}
        return self._shopify_client().page(
            "OrdersUpdatedSince", variables, ("orders",), after=cursor
        )

    def _retail_run_import_item(self, run, item):
        if run.kind != "orders":
            return super()._retail_run_import_item(run, item)
        return self._shopify_import_order_node(item)

    def _shopify_import_order_node(self, node, client=None):
        """Import one order of a page; return imported, unchanged, held or failed.

        An order waiting for a product is held: it is imported again once
        the product exists (see ``_retry_held_orders``).
        """
        if truncated_connections(node):
            # more lines than a page holds: read the whole order
            client = client or self._shopify_client()
            node = client.execute("OrderById", {"id": node["id"]})["order"]
        Binding = self.env["shopify.sale.order"]
        try:
            with self.env.cr.savepoint():
                order = order_from_graphql(node)
                binding = Binding._retail_get(self, order.gid)
                if binding.external_updated_at and (
                    order.updated_at <= binding.external_updated_at
                ):
                    return "unchanged"
                Binding._import_order(self, order, node)
        except errors.PermanentError as exc:
            self._shopify_record_order_failure(exc, node)
            return "held" if exc.category == "mapping" else "failed"
        return "imported"

    def _shopify_record_order_failure(self, exc, node):
        """One exception per order and cause, whichever flow found it first.

        A webhook delivery of the same order may already have raised it: the
        poll then counts one more occurrence instead of a second exception.
        """
        gid = node.get("id")
        existing = self._shopify_open_exceptions(
            [("remote_ref", "=", gid), ("category", "=", exc.category)]
        )[:1]
        if existing:
            return existing._merge_occurrence({})
        return self._retail_raise_exception(
            flow="reconciliation",
            category=exc.category,
            message=f"Order {node.get('name') or gid}: {exc}",
            hint=exc.hint,
            remote_ref=gid,
            res_model=self._name,
            res_id=self.id,
            payload_excerpt=json.dumps(node, default=str)[:2000],
        )

    # ------------------------------------------------------------------
    # orders held by the poll (no webhook delivery to replay)
    # ------------------------------------------------------------------
    def _shopify_open_exceptions(self, domain):
        """Open sync exceptions of these stores matching ``domain``."""
        return (
            self.env["retail.sync.exception"]
            .sudo()
            .search(
                [
                    ("backend_model", "=", self._name),
                    ("backend_id", "in", self.ids),
                    ("state", "=", "open"),
                    *domain,
                ]
            )
        )

    def _shopify_polled_order_exceptions(self):
        return self._shopify_open_exceptions(
            [
                ("flow", "=", "reconciliation"),
                ("event_id", "=", False),
                ("remote_ref", "=like", "gid://shopify/Order/%"),
            ]
        )

    def _retail_retry_exception(self, exception):
        """Retry of an order the poll could not import: read it again."""
        self.ensure_one()
        if not (exception.remote_ref or "").startswith("gid://shopify/Order/"):
            raise UserError(
                self.env._(
                    "Nothing can be re-run automatically for %(name)s: fix the "
                    "cause, then press Import orders.",
                    name=exception.name,
                )
            )
        try:
            # like the import jobs: the clerk may only read the store
            outcome = self.sudo()._shopify_reimport_order(exception.sudo())
        except errors.TransientError as exc:
            raise UserError(
                self.env._(
                    "Shopify cannot be reached now (%(error)s): try later.", error=exc
                )
            ) from exc
        if outcome in ("held", "failed"):
            raise UserError(
                self.env._(
                    "The order still cannot be imported: %(message)s",
                    message=exception.message,
                )
            )
        return outcome

    def _shopify_reimport_order(self, exception):
        """Read the order of ``exception`` again and import it."""
        client = self._shopify_client()
        node = client.execute("OrderById", {"id": exception.remote_ref})["order"]
        if not node:
            exception._resolve(self.env._("The order no longer exists in Shopify."))
            return "unchanged"
        outcome = self._shopify_import_order_node(node, client)
        if outcome in ("imported", "unchanged"):
            exception._resolve(self.env._("Imported on retry."))
        return outcome

    def _shopify_retry_polled_orders(self):
        """Import again the orders the poll held (job, after a product link)."""
        self.ensure_one()
        exceptions = self._shopify_polled_order_exceptions()
        outcomes = [self._shopify_reimport_order(exc) for exc in exceptions]
        imported = sum(o in ("imported", "unchanged") for o in outcomes)
        return f"{imported} of {len(outcomes)} held orders imported"
