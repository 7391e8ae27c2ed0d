from odoo import fields, models
from odoo.exceptions import UserError

from odoo.addons.retail_connector_base.services import errors

from ..services import product_mapper, webhook_schemas

#: products sent per job run; the job queues itself again while more remain
PRODUCT_BATCH = 25


class ShopifyBackendProducts(models.Model):
    """Publish Odoo's products on the store; Odoo stays their master."""

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

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
    # outbound: actions
    # ------------------------------------------------------------------
    def action_export_products(self):
        """Queue the products marked for this store that Shopify lacks."""
        self.ensure_one()
        self._retail_check_remote_access()
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
    # outbound: the export job (productSet)
    # ------------------------------------------------------------------
    def _retail_export_products(self):
        """Send the products marked pending or outdated, a batch per run."""
        self.ensure_one()
        if not self.export_products:
            return "Product export is off for this store: nothing sent."
        client = self._shopify_client()
        result = self.env["shopify.product.template"]._retail_export_batch(
            self,
            [("sync_state", "in", ("pending", "outdated"))],
            lambda binding: binding._shopify_export(client),
            kind="products",
            batch_size=PRODUCT_BATCH,
            on_failure=lambda binding, exc: binding._shopify_export_failed(exc),
            savepoint=True,
        )
        return (
            f"{result.sent} product(s) sent to Shopify, {result.skipped} unchanged, "
            f"{result.failed} refused"
            + (" (interrupted, continued)" if result.interrupted else "")
        )

    # ------------------------------------------------------------------
    # inbound: products/update, products/delete
    # ------------------------------------------------------------------
    def _shopify_handle_product_update(self, event):
        """products/update: our echo, a change to undo, or variants to link."""
        remote = product_mapper.product_from_webhook(event._load_json())
        binding = self.env["shopify.product.template"]._retail_get(self, remote.gid)
        if not binding:
            creating = self._shopify_first_export_of(remote)
            if creating:
                event._mark_ignored(
                    f"Echo of the first export of {creating.odoo_id.display_name} "
                    "by Odoo."
                )
                return creating
            linked = self._shopify_link_new_variants(remote)
            if linked:
                return linked
            event._mark_ignored(
                f"Shopify product {remote.title!r} is not published from Odoo and "
                "none of its variants has the SKU or barcode of an Odoo product."
            )
            return False
        if (
            remote.updated_at
            and binding.external_updated_at
            and remote.updated_at <= binding.external_updated_at
        ):
            event._mark_ignored(
                "Echo of Odoo's export of this product (or an older version)."
            )
            return binding
        if not self.export_products:
            event._mark_ignored(
                "Product export is off for this store: Shopify's version is kept."
            )
            return binding
        if binding.sync_state != "synced":
            # an export is due or running: it binds the new variants itself
            event._mark_ignored(
                "Odoo's changes to this product are being sent to Shopify; they "
                "overwrite Shopify's."
            )
            return binding
        self._shopify_link_new_variants(remote)
        try:
            product = binding._shopify_product()
        except errors.MappingError as exc:
            # the export already opened an exception for it
            event._mark_ignored(f"Not compared with Odoo: {exc}")
            return binding
        _gid, variant_ids = binding._shopify_remote_ids()
        differences = product_mapper.owned_differences(product, remote, variant_ids)
        if not differences:
            event._mark_ignored(
                "No field Odoo owns (name, status, SKU, barcode, price) differs "
                "from Odoo."
            )
            return binding
        binding.odoo_id.message_post(
            body=self.env._(
                "Changed in Shopify store %(store)s: %(changes)s. Odoo is the "
                "master of these fields: its values are sent to Shopify again.",
                store=self.name,
                changes="; ".join(str(d) for d in differences),
            )
        )
        if remote.updated_at:
            binding.external_updated_at = remote.updated_at
        binding._shopify_force_resend()
        return binding

    def _shopify_first_export_of(self, remote):
        """The binding whose first export made ``remote`` (not committed yet):
        created under its handle, or updating the product its variants were
        linked to."""
        Binding = self.env["shopify.product.template"]
        domain = [("backend_id", "=", self.id), ("external_id", "=", False)]
        linked = self.env["shopify.product.variant"].search(
            [("backend_id", "=", self.id), ("product_gid", "=", remote.gid)]
        )
        if linked:
            found = Binding.search(
                [*domain, ("odoo_id", "in", linked.odoo_id.product_tmpl_id.ids)],
                limit=1,
            )
            if found:
                return found
        if remote.handle:
            return Binding.search([*domain, ("handle", "=", remote.handle)], limit=1)
        return Binding

    def _shopify_link_new_variants(self, remote):
        """Link the variants Shopify has and Odoo does not know, by SKU then
        barcode; return the variant bindings made."""
        VariantBinding = self.env["shopify.product.variant"]
        gids = [variant.gid for variant in remote.variants]
        known = set(
            VariantBinding.search(
                [("backend_id", "=", self.id), ("external_id", "in", gids)]
            ).mapped("external_id")
        )
        new = [variant for variant in remote.variants if variant.gid not in known]
        if not new:
            return VariantBinding
        self._shopify_link_variants(
            [
                {
                    "id": remote.gid,
                    "__children": [v.as_bulk_line(remote.gid) for v in new],
                }
            ]
        )
        return VariantBinding.search(
            [("backend_id", "=", self.id), ("external_id", "in", [v.gid for v in new])]
        )

    def _shopify_handle_product_delete(self, event):
        """products/delete: drop the links; tell the clerk if Odoo published it."""
        payload = event._load_json()
        # a deletion body is the id alone, for this store
        webhook_schemas.validate(event.topic, payload, self.shop_domain)
        gid = product_mapper.deleted_product_gid(payload)
        template = self.env["shopify.product.template"]._shopify_forget(
            self, gid, "inbound"
        )
        if not template:
            event._mark_ignored(f"Shopify product {gid} is not linked to Odoo.")
            return False
        return template
