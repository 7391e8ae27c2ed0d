import json
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.services import errors

from ..services.order_mapper import order_from_graphql, truncated_connections

# OrdersUpdatedSince costs about 160 points per order: 5 stay under 1,000
RECONCILE_PAGE_SIZE = 5
# pages read by one job before it hands over to the next one: progress is
# committed between jobs and no transaction stays open for long
PAGES_PER_JOB = 20
# a run whose progress has not moved for this long is considered dead
STALLED_AFTER = timedelta(hours=1)


class ShopifyOrderImportMixin(models.AbstractModel):
    """Import the orders updated in Shopify since a date, page by page.

    The reconciliation cron runs it from the checkpoint; a person runs it
    from any date. One job reads a bounded number of pages and queues the
    next one with the cursor, so progress shows on the backend while it
    runs and a failure retries only the pages not done yet.
    """

    _name = "shopify.order.import.mixin"
    _description = "Shopify Order Import"

    orders_checkpoint = fields.Datetime(
        string="Orders reconciled until",
        copy=False,
        help="The reconciliation polls orders updated since this time minus "
        "the overlap window.",
    )
    reconcile_overlap_minutes = fields.Integer(default=15)
    order_import_state = fields.Selection(
        [
            ("idle", "Never run"),
            ("running", "Running"),
            ("done", "Finished"),
            ("failed", "Failed"),
        ],
        default="idle",
        readonly=True,
        copy=False,
    )
    order_import_since = fields.Datetime(
        string="Orders updated since", readonly=True, copy=False
    )
    order_import_started = fields.Datetime(readonly=True, copy=False)
    order_import_updated = fields.Datetime(
        string="Last progress", readonly=True, copy=False
    )
    order_import_pages = fields.Integer(readonly=True, copy=False)
    order_import_imported = fields.Integer(
        string="Orders imported or updated", readonly=True, copy=False
    )
    order_import_skipped = fields.Integer(
        string="Orders already up to date", readonly=True, copy=False
    )
    order_import_failed = fields.Integer(
        string="Orders in exception", readonly=True, copy=False
    )
    order_import_progress = fields.Char(compute="_compute_order_import_progress")

    @api.depends(
        "order_import_state",
        "order_import_since",
        "order_import_pages",
        "order_import_imported",
        "order_import_skipped",
        "order_import_failed",
    )
    def _compute_order_import_progress(self):
        states = dict(self._fields["order_import_state"].selection)
        for backend in self:
            if backend.order_import_state == "idle":
                backend.order_import_progress = False
                continue
            backend.order_import_progress = self.env._(
                "%(state)s: orders updated since %(since)s — %(imported)s "
                "imported or updated, %(skipped)s already up to date, "
                "%(failed)s in exception (%(pages)s pages read).",
                state=states[backend.order_import_state],
                since=fields.Datetime.to_string(backend.order_import_since) or "?",
                imported=backend.order_import_imported,
                skipped=backend.order_import_skipped,
                failed=backend.order_import_failed,
                pages=backend.order_import_pages,
            )

    def _shopify_order_import_running(self):
        self.ensure_one()
        return self.order_import_state == "running" and (
            not self.order_import_updated
            or fields.Datetime.now() - self.order_import_updated < STALLED_AFTER
        )

    # ------------------------------------------------------------------
    # starting a run
    # ------------------------------------------------------------------
    @api.model
    def _cron_reconcile_orders(self):
        for backend in self.search([("state", "=", "active")]):
            if not backend._shopify_order_import_running():
                backend._shopify_queue_order_import()

    def _shopify_queue_order_import(self, since=None):
        """Queue the first job of a run (``since`` None: the checkpoint)."""
        self.ensure_one()
        self.with_delay(
            identity_key=f"shopify.reconcile:{self.id}",
            description=self.env._("Import Shopify orders of %(b)s", b=self.name),
            **self._retail_job_options("reconcile"),
        )._reconcile_orders(since=since)

    def action_reconcile_orders(self):
        """Import the orders updated since the checkpoint."""
        return self._shopify_start_order_import(None)

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

    def _shopify_start_order_import(self, since):
        self.ensure_one()
        if self._shopify_order_import_running():
            return self._retail_notify(
                self.env._("Import already running"),
                self.order_import_progress,
                "warning",
            )
        self._shopify_queue_order_import(since)
        return self._retail_notify(
            self.env._("Order import queued"),
            self.env._(
                "Orders updated in Shopify since %(since)s are being imported; "
                "the progress shows on the store's form.",
                since=fields.Datetime.to_string(
                    since or self.orders_checkpoint or self._default_since()
                ),
            ),
            "info",
        )

    def _default_since(self):
        return fields.Datetime.now() - timedelta(days=7)

    # ------------------------------------------------------------------
    # the jobs
    # ------------------------------------------------------------------
    def _reconcile_orders(self, since=None, cursor=None):
        """Import a bounded number of pages of updated orders (job).

        ``cursor`` None starts a run from ``since`` (else the checkpoint)
        minus the overlap window; otherwise the run goes on from the cursor.
        Returns the run's totals so far. Runs as superuser: the person who
        started it may only read the store, the orders are the store's.
        """
        self.ensure_one()
        return self.sudo()._shopify_import_orders_chunk(since, cursor)

    def _shopify_import_orders_chunk(self, since, cursor):
        now = fields.Datetime.now()
        if cursor is None:
            since = since or self.orders_checkpoint or self._default_since()
            self.write(
                {
                    "order_import_state": "running",
                    "order_import_since": since
                    - timedelta(minutes=self.reconcile_overlap_minutes),
                    "order_import_started": now,
                    "order_import_updated": now,
                    "order_import_pages": 0,
                    "order_import_imported": 0,
                    "order_import_skipped": 0,
                    "order_import_failed": 0,
                }
            )
        stamp = self.order_import_since.strftime("%Y-%m-%dT%H:%M:%SZ")
        variables = {"first": RECONCILE_PAGE_SIZE, "query": f"updated_at:>='{stamp}'"}
        client = self._shopify_client()
        counts = {"imported": 0, "skipped": 0, "failed": 0}
        pages = 0
        while pages < PAGES_PER_JOB:
            nodes, cursor = client.page(
                "OrdersUpdatedSince", variables, ("orders",), after=cursor
            )
            pages += 1
            for node in nodes:
                counts[self._shopify_import_order_node(client, node)] += 1
            if cursor is None:
                break
        self.write(
            {
                "order_import_updated": fields.Datetime.now(),
                "order_import_pages": self.order_import_pages + pages,
                "order_import_imported": self.order_import_imported
                + counts["imported"],
                "order_import_skipped": self.order_import_skipped + counts["skipped"],
                "order_import_failed": self.order_import_failed + counts["failed"],
            }
        )
        if cursor is not None:
            self.with_delay(
                description=self.env._(
                    "Import Shopify orders of %(b)s (continued)", b=self.name
                ),
                **self._retail_job_options("reconcile"),
            )._reconcile_orders(cursor=cursor)
        else:
            self._shopify_finish_order_import()
        return (
            f"{self.order_import_imported} orders imported or updated, "
            f"{self.order_import_skipped} already up to date, "
            f"{self.order_import_failed} in exception"
            + (" (continuing)" if cursor else "")
        )

    def _shopify_finish_order_import(self):
        values = {"order_import_state": "done"}
        # the checkpoint moves only when the run covered everything after it
        if (
            not self.orders_checkpoint
            or self.order_import_since <= self.orders_checkpoint
        ):
            values["orders_checkpoint"] = max(
                self.order_import_started,
                self.orders_checkpoint or self.order_import_started,
            )
        self.write(values)

    def _shopify_import_order_node(self, client, node):
        """Import one order of a page; return imported, skipped or failed."""
        if truncated_connections(node):
            # more lines than a page holds: read the whole order
            node = client.execute("OrderById", {"id": node["id"]})["order"]
        Binding = self.env["shopify.sale.order"]
        try:
            with self.env.cr.savepoint():
                order = order_from_graphql(node)
                binding = Binding._retail_get(self, order.gid)
                if binding.external_updated_at and (
                    order.updated_at <= binding.external_updated_at
                ):
                    return "skipped"
                Binding._import_order(self, order, node)
        except errors.PermanentError as exc:
            self._shopify_record_order_failure(exc, node)
            return "failed"
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
        if outcome == "failed":
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
            return "skipped"
        outcome = self._shopify_import_order_node(client, node)
        if outcome != "failed":
            exception._resolve(self.env._("Imported on retry."))
        return outcome

    def _shopify_retry_polled_orders(self):
        """Import again the orders the poll held (job, after a product link)."""
        self.ensure_one()
        exceptions = self._shopify_polled_order_exceptions()
        outcomes = [self._shopify_reimport_order(exc) for exc in exceptions]
        return (
            f"{len(outcomes) - outcomes.count('failed')} of {len(outcomes)} held "
            "orders imported"
        )

    def _shopify_on_order_import_failed(
        self, exc_name=None, exc_message=None, exc_info=None
    ):
        """queue_job hook: a page job failed for good (fresh transaction)."""
        for backend in self.sudo().exists():
            backend.order_import_state = "failed"
            backend._retail_raise_exception(
                flow="reconciliation",
                category="unexpected",
                message=self.env._(
                    "The import of the Shopify orders updated since %(since)s "
                    "stopped after %(pages)s pages: %(error)s",
                    since=fields.Datetime.to_string(backend.order_import_since),
                    pages=backend.order_import_pages,
                    error=exc_message,
                ),
                hint=self.env._(
                    "Correct the cause (connection, token, Shopify status), then "
                    "press Import orders again: orders already imported are "
                    "skipped."
                ),
            )
