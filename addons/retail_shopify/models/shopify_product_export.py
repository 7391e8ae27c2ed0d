from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.services import errors

#: products sent per job run; the job queues itself again while more remain
PRODUCT_BATCH = 25


class ShopifyProductExportMixin(models.AbstractModel):
    """Publish Odoo's products on the store; Odoo stays their master."""

    _name = "shopify.product.export.mixin"
    _description = "Shopify Product Export"

    export_products = fields.Boolean(
        help="Publish on this store the products whose Shopify stores include it, "
        "and keep their name, sales description, status, variants, SKU, barcode "
        "and sales price as Odoo has them.",
    )
    product_binding_count = fields.Integer(
        string="Published products", compute="_compute_product_binding_count"
    )

    def _compute_product_binding_count(self):
        counts = dict(
            self.env["shopify.product.template"]._read_group(
                [("backend_id", "in", self.ids)], ["backend_id"], ["__count"]
            )
        )
        for backend in self:
            backend.product_binding_count = counts.get(backend, 0)

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    def action_export_products(self):
        """Queue the products marked for this store that Shopify lacks."""
        self.ensure_one()
        if not self.export_products:
            raise UserError(
                self.env._("Tick Export products on %(store)s first.", store=self.name)
            )
        Binding = self.env["shopify.product.template"].sudo()
        templates = (
            self.env["product.template"]
            .sudo()
            .with_context(active_test=False)
            .search([("shopify_backend_ids", "in", self.id)])
        )
        Binding._shopify_create_bindings(templates, backends=self)
        bindings = Binding.search([("backend_id", "=", self.id)])
        bindings.filtered(lambda b: b.sync_state == "error").write(
            {"sync_state": "outdated"}
        )
        queued = bindings.filtered(lambda b: b.sync_state in ("pending", "outdated"))
        self._retail_schedule_export("products")
        return self._retail_notify(
            self.env._("Exporting products"),
            self.env._(
                "%(queued)s product(s) are being sent to Shopify; %(synced)s are "
                "up to date.",
                queued=len(queued),
                synced=len(bindings) - len(queued),
            ),
            "info",
        )

    def action_open_product_bindings(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Shopify products"),
            "res_model": "shopify.product.template",
            "view_mode": "list",
            "domain": [("backend_id", "=", self.id)],
        }

    # ------------------------------------------------------------------
    # export job
    # ------------------------------------------------------------------
    def _retail_export_products(self):
        """Send the products marked pending or outdated, a batch per run."""
        self.ensure_one()
        if not self.export_products:
            return "Product export is off for this store: nothing sent."
        bindings = self.env["shopify.product.template"].search(
            [
                ("backend_id", "=", self.id),
                ("sync_state", "in", ("pending", "outdated")),
            ],
            order="id",
            limit=PRODUCT_BATCH,
        )
        client = self._shopify_client()
        sent = unchanged = refused = 0
        interrupted = False
        for binding in bindings:
            try:
                with self.env.cr.savepoint():
                    if binding._shopify_export(client):
                        sent += 1
                    else:
                        unchanged += 1
            except errors.TransientError:
                if not sent + unchanged + refused:
                    raise  # nothing done yet: the job waits and retries
                # keep what was done; the next run starts with this product
                interrupted = True
                break
            except errors.PermanentError as exc:
                binding._shopify_export_failed(exc)
                refused += 1
        if interrupted or len(bindings) == PRODUCT_BATCH:
            self._retail_schedule_export("products")
        return (
            f"{sent} product(s) sent to Shopify, {unchanged} unchanged, "
            f"{refused} refused" + (" (interrupted, continued)" if interrupted else "")
        )
