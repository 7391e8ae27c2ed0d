from decimal import Decimal

from odoo import api, fields, models
from odoo.tools import float_repr

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_connector_base.services.timeutils import (
    parse_remote_datetime,
)

from ..services import product_mapper
from ..services.graphql_client import admin_url

#: summary status of a product on several stores: the worst one wins
STATE_PRIORITY = ("error", "outdated", "pending", "synced")


class ShopifyProductTemplate(models.Model):
    """An Odoo product published as one Shopify product on one store."""

    _name = "shopify.product.template"
    _inherit = "retail.binding.mixin"
    _description = "Shopify Product Binding"
    _rec_name = "odoo_id"

    backend_id = fields.Many2one(
        "shopify.backend", required=True, ondelete="cascade", index=True
    )
    odoo_id = fields.Many2one(
        "product.template",
        string="Product",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(
        "res.company", related="backend_id.company_id", store=True, index=True
    )
    handle = fields.Char(
        string="Shopify handle",
        copy=False,
        help="Handle the product is created with in Shopify (its web address).",
    )
    remote_status = fields.Selection(
        [
            ("ACTIVE", "Active"),
            ("DRAFT", "Draft"),
            ("ARCHIVED", "Archived"),
            ("UNLISTED", "Unlisted"),
        ],
        string="Shopify status",
        readonly=True,
        copy=False,
        help="Status Odoo last gave the product in Shopify.",
    )
    admin_url = fields.Char(string="Shopify admin", compute="_compute_admin_url")

    _product_unique = models.Constraint(
        "UNIQUE (backend_id, odoo_id)",
        "This product is already published on this Shopify store.",
    )

    @api.depends("external_id", "backend_id.shop_domain")
    def _compute_admin_url(self):
        for binding in self:
            binding.admin_url = (
                admin_url(binding.backend_id.shop_domain, binding.external_id) or False
            )

    def action_open_shopify(self):
        self.ensure_one()
        return {"type": "ir.actions.act_url", "url": self.admin_url, "target": "new"}

    # ------------------------------------------------------------------
    # what to send
    # ------------------------------------------------------------------
    @api.model
    def _shopify_create_bindings(self, templates, backends=None):
        """Bindings of ``templates`` for the stores they are marked for."""
        Binding = self.sudo()
        existing = Binding.search([("odoo_id", "in", templates.ids)])
        have = {(b.odoo_id.id, b.backend_id.id) for b in existing}
        vals_list = []
        for template in templates.sudo():
            for backend in template.shopify_backend_ids:
                if backends is not None and backend not in backends:
                    continue
                if (template.id, backend.id) in have:
                    continue
                vals_list.append(
                    {
                        "backend_id": backend.id,
                        "odoo_id": template.id,
                        "handle": product_mapper.handle_for(template.name, template.id),
                        "sync_state": "pending",
                    }
                )
        return Binding.create(vals_list)

    @api.model
    def _shopify_sync_stores(self, templates):
        """The Shopify stores of ``templates`` changed: publish or withdraw."""
        self._shopify_create_bindings(templates)
        return self._shopify_mark_export(templates)

    @api.model
    def _shopify_mark_export(self, templates):
        """Fields Shopify shows changed on ``templates``: send them again.

        Writes made while importing (``_retail_importing``) are not sent.
        """
        if not templates or not self._retail_export_allowed():
            return self.browse()
        bindings = self.sudo().search([("odoo_id", "in", templates.ids)])
        bindings.filtered(lambda b: b.sync_state in ("synced", "error")).write(
            {"sync_state": "outdated"}
        )
        bindings.backend_id.filtered("export_products")._retail_schedule_export(
            "products"
        )
        return bindings

    def _shopify_force_resend(self):
        """Send these products even though Odoo did not change them."""
        self.write({"sync_state": "outdated", "payload_hash": False})
        self.backend_id.filtered("export_products")._retail_schedule_export("products")

    def _shopify_product(self):
        """The product as Shopify should show it (canonical values)."""
        self.ensure_one()
        backend = self.backend_id
        lang = backend.company_id.partner_id.lang or "en_US"
        template = self.odoo_id.with_context(lang=lang, active_test=False)
        status = product_mapper.product_status(
            active=template.active,
            sale_ok=template.sale_ok,
            published=backend in template.shopify_backend_ids,
        )
        options, variants = (), ()
        if status != "ARCHIVED":
            options, variants = self._shopify_variants(
                template, backend.company_id.currency_id
            )
        return product_mapper.Product(
            key=template.id,
            label=template.display_name,
            title=template.name or "",
            description_html=product_mapper.description_html(template.description_sale),
            status=status,
            options=options,
            variants=variants,
        )

    @api.model
    def _shopify_variants(self, template, currency):
        """``(options, variants)`` of the active variants of ``template``."""
        products = template.product_variant_ids.filtered("active")
        used = products.product_template_attribute_value_ids
        options, option_lines = [], []
        for line in template.attribute_line_ids._without_no_variant_attributes():
            values = line.product_template_value_ids.filtered(lambda v: v in used)
            if values:
                option_lines.append(line)
                options.append((line.attribute_id.name, tuple(values.mapped("name"))))
        variants = []
        for product in products:
            values = product.product_template_attribute_value_ids
            variants.append(
                product_mapper.Variant(
                    key=product.id,
                    label=product.display_name,
                    sku=product.default_code or None,
                    barcode=product.barcode or None,
                    price=Decimal(
                        float_repr(product.lst_price, currency.decimal_places)
                    ),
                    options=tuple(
                        values.filtered(
                            lambda v, line=line: v.attribute_line_id == line
                        )[:1].name
                        or ""
                        for line in option_lines
                    ),
                    tracked=product.is_storable,
                    requires_shipping=product.type == "consu",
                )
            )
        return tuple(options), tuple(variants)

    def _shopify_remote_ids(self):
        """``(product GID, {Odoo variant id: variant GID})`` in Shopify.

        A product not exported yet but whose variants were linked to one
        Shopify product (*Link products*) updates that product.
        """
        self.ensure_one()
        VariantBinding = self.env["shopify.product.variant"].sudo()
        backend = self.backend_id
        gid = self.external_id
        if not gid:
            linked = VariantBinding.search(
                [
                    ("backend_id", "=", backend.id),
                    (
                        "odoo_id",
                        "in",
                        self.odoo_id.with_context(
                            active_test=False
                        ).product_variant_ids.ids,
                    ),
                    ("product_gid", "!=", False),
                ]
            )
            gids = set(linked.mapped("product_gid"))
            if len(gids) == 1 and not self.search_count(
                [("backend_id", "=", backend.id), ("external_id", "in", list(gids))]
            ):
                gid = gids.pop()
        if not gid:
            return None, {}
        bindings = VariantBinding.search(
            [("backend_id", "=", backend.id), ("product_gid", "=", gid)]
        )
        return gid, {b.odoo_id.id: b.external_id for b in bindings}

    # ------------------------------------------------------------------
    # export (called by the backend's export job)
    # ------------------------------------------------------------------
    def _shopify_export(self, client):
        """Send this product with productSet; False when nothing had to go.

        Raises PermanentError (a message naming the product, the field and
        the fix) or TransientError.
        """
        self.ensure_one()
        product = self._shopify_product()
        digest = product_mapper.content_hash(product)
        product_gid, variant_ids = self._shopify_remote_ids()
        if (self.external_id and self.payload_hash == digest) or (
            not product_gid and product.status == "ARCHIVED"
        ):
            # unchanged, or withdrawn before it was ever published
            self._retail_mark_synced(payload_hash=digest)
            return False
        variables = product_mapper.product_set_variables(
            product,
            product_gid=product_gid,
            variant_ids=variant_ids,
            handle=self.handle
            or product_mapper.handle_for(product.title, self.odoo_id.id),
        )
        try:
            result = client.mutate("ProductSet", variables, result_key="productSet")
        except errors.RemoteRejectedError as exc:
            user_errors = exc.details.get("user_errors") or []
            if not user_errors:
                raise
            message, hint, field = product_mapper.explain_user_errors(
                product, user_errors
            )
            raise errors.RemoteRejectedError(
                message,
                hint=hint,
                details={
                    "field": field,
                    "missing_product": product_mapper.is_missing_product(user_errors),
                    "remote_ref": product_gid,
                },
            ) from exc
        node = result.get("product")
        if not node:
            raise errors.RemoteRejectedError(
                f"Shopify answered the export of {product.label} without a product.",
                hint="Press Retry; if it happens again, look at the product in "
                "Shopify.",
            )
        self._shopify_apply_answer(product, node, digest)
        return True

    def _shopify_apply_answer(self, product, node, digest):
        """Record the Shopify product and bind its variants."""
        self.ensure_one()
        backend = self.backend_id
        pairs = (
            product_mapper.answer_variants(product, node) if product.variants else []
        )
        self._retail_mark_synced(
            external_id=node["id"],
            handle=node.get("handle") or self.handle,
            remote_status=node.get("status") or product.status,
            payload_hash=digest,
            external_updated_at=parse_remote_datetime(node.get("updatedAt")) or False,
        )
        if pairs:
            VariantBinding = self.env["shopify.product.variant"].sudo()
            Product = self.env["product.product"]
            kept = VariantBinding
            new_products = Product
            for variant, vnode in pairs:
                known = VariantBinding._retail_get(backend, vnode["id"])
                binding = VariantBinding._retail_bind(
                    backend, vnode["id"], Product.browse(variant.key), vnode
                )
                binding.write(
                    {
                        "product_gid": node["id"],
                        "inventory_item_gid": (vnode.get("inventoryItem") or {}).get(
                            "id"
                        ),
                        "sku": vnode.get("sku"),
                    }
                )
                if not known:
                    new_products |= binding.odoo_id
                kept |= binding
            # variants Shopify deleted because Odoo no longer has them
            VariantBinding.search(
                [
                    ("backend_id", "=", backend.id),
                    ("product_gid", "=", node["id"]),
                    ("id", "not in", kept.ids),
                ]
            ).unlink()
            storable = new_products.filtered("is_storable")
            if storable:
                self.env["shopify.inventory.level"]._retail_stock_changed(storable)
        self._shopify_open_exceptions()._resolve(
            self.env._("The product was exported to Shopify.")
        )

    def _shopify_open_exceptions(self):
        self.ensure_one()
        return self.backend_id._retail_open_exceptions(
            [("res_model", "=", "product.template"), ("res_id", "=", self.odoo_id.id)]
        )

    def _shopify_export_failed(self, exc):
        """A permanent failure: the binding in error and an exception to act on."""
        self.ensure_one()
        details = getattr(exc, "details", None) or {}
        gid = details.get("remote_ref") or self.external_id
        if details.get("missing_product") and gid:
            if gid == self.external_id:
                # deleted in Shopify and its webhook never came
                self._shopify_forget(self.backend_id, gid, "outbound")
                return
            # the Shopify product its variants were linked to is gone:
            # forget the link, the next run creates the product
            self._shopify_forget(self.backend_id, gid, "outbound")
            self._shopify_force_resend()
            return
        self._retail_export_failed(
            exc,
            str(exc),
            hint=self.env._("Correct the product, save it, then press Retry."),
            res_model="product.template",
            res_id=self.odoo_id.id,
            remote_ref=self.external_id or None,
        )

    @api.model
    def _shopify_forget(self, backend, product_gid, flow):
        """Shopify no longer has ``product_gid``: drop its bindings.

        Unless Odoo had withdrawn the product itself (last sent archived),
        an exception tells the clerk how to publish it again. Returns the
        Odoo product, or an empty recordset when nothing was linked.
        """
        binding = self.sudo()._retail_get(backend, product_gid)
        variants = (
            self.env["shopify.product.variant"]
            .sudo()
            .search(
                [("backend_id", "=", backend.id), ("product_gid", "=", product_gid)]
            )
        )
        template = binding.odoo_id or variants.odoo_id.product_tmpl_id[:1]
        if not template:
            return template
        withdrawn = binding.remote_status == "ARCHIVED"
        published = bool(binding)
        variants.unlink()  # and their stock levels
        binding.unlink()
        if published and not withdrawn:
            backend._retail_raise_exception(
                flow=flow,
                category="conflict",
                message=self.env._(
                    "Product %(product)s was deleted in Shopify store %(store)s: "
                    "Odoo no longer publishes it there.",
                    product=template.display_name,
                    store=backend.name,
                ),
                hint=self.env._(
                    "To publish it again, press Retry here or Export products on "
                    "the store: Shopify gets a new product. To stop publishing it, "
                    "remove the store from the product's Shopify stores."
                ),
                res_model="product.template",
                res_id=template.id,
                remote_ref=product_gid,
            )
        else:
            template.message_post(
                body=self.env._(
                    "The Shopify product %(gid)s of store %(store)s was deleted; "
                    "its link to this product is removed.",
                    gid=product_gid,
                    store=backend.name,
                )
            )
        return template
