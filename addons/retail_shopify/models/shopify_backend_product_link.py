from odoo import fields, models

from odoo.addons.retail_connector_base.services import errors, locks
from odoo.addons.retail_connector_base.services.pg import short_transaction

UNMATCHED_SHOWN = 20


class ShopifyBackendProductLink(models.Model):
    """Link the store's variants to Odoo products with a bulk operation."""

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    bulk_operation_gid = fields.Char(
        string="Running bulk operation",
        readonly=True,
        copy=False,
        help="Shopify export of the store's variants in progress.",
    )

    # ------------------------------------------------------------------
    # reconciliation: link the store's variants (bulk operation)
    # ------------------------------------------------------------------
    def action_link_products(self):
        self.ensure_one()
        self._retail_check_remote_access()
        self.with_delay(
            identity_key=f"shopify.link-products:{self.id}",
            description=self.env._("Link Shopify variants of %(b)s", b=self.name),
            **self._retail_job_options("reconcile"),
        )._shopify_link_products_start()
        return self._retail_notify(
            self.env._("Linking products"),
            self.env._(
                "Shopify exports the store's variants; they are linked to Odoo "
                "products by SKU, then barcode, when the export is ready."
            ),
            "info",
        )

    def _shopify_link_products_start(self):
        """Start Shopify's bulk export of products and variants (job)."""
        self.ensure_one()
        client = self._shopify_client()
        try:
            result = client.mutate(
                "BulkOperationRunQuery",
                {"query": client.operations.get("BulkProductVariants")},
                result_key="bulkOperationRunQuery",
            )
        except errors.TransientError as exc:
            return self._shopify_link_products_postpone(exc)
        gid = result["bulkOperation"]["id"]
        self.bulk_operation_gid = gid
        self.with_delay(
            eta=10,
            identity_key=f"shopify.bulk:{gid}",
            **self._retail_job_options("reconcile"),
        )._shopify_link_products_collect(gid)
        return gid

    def _shopify_link_products_collect(self, gid):
        """Read the finished export and bind the variants (job, or webhook).

        The poll job and the ``bulk_operations/finish`` webhook may both
        collect the same export at once: one takes the lock, the other is
        postponed and then finds the export collected.
        """
        self.ensure_one()
        try:
            locks.advisory_lock(self.env.cr, self._retail_key(), f"bulk:{gid}")
            if self._shopify_committed_bulk_gid() != gid:
                return self.env._("The export %(gid)s was already collected.", gid=gid)
            client = self._shopify_client()
            node = client.execute("BulkOperationById", {"id": gid})["node"] or {}
            status = node.get("status")
            if status in ("CREATED", "RUNNING"):
                raise errors.WaitingError(
                    f"Shopify's export of the variants ({gid}) is still {status}.",
                    retry_after=15,
                    expired_hint="Shopify has not finished the export: check the "
                    "store's bulk operations, then press Link products again.",
                )
            if status != "COMPLETED":
                self._retail_raise_exception(
                    flow="reconciliation",
                    category="remote_rejected",
                    message=f"Shopify's export of the variants ended {status} "
                    f"({node.get('errorCode') or 'no error code'}).",
                    hint=self.env._("Press Link products again later."),
                    remote_ref=gid,
                )
                self.bulk_operation_gid = False
                return status
            objects = client.iter_bulk_jsonl(node["url"]) if node.get("url") else []
            linked, unmatched = self._shopify_link_variants(objects)
        except errors.TransientError as exc:
            return self._shopify_link_products_postpone(exc)
        self.bulk_operation_gid = False
        if unmatched:
            shown = ", ".join(unmatched[:UNMATCHED_SHOWN])
            more = len(unmatched) - UNMATCHED_SHOWN
            self._retail_raise_exception(
                flow="reconciliation",
                category="mapping",
                message=f"{len(unmatched)} Shopify variant(s) have no Odoo product "
                f"with the same SKU or barcode: {shown}"
                + (f" and {more} more" if more > 0 else "")
                + ".",
                hint=self.env._(
                    "Give the Odoo products these Internal References or "
                    "barcodes, then press Link products again."
                ),
                remote_ref=gid,
            )
        message = self.env._(
            "%(linked)s Shopify variant(s) linked to Odoo products, %(missing)s "
            "without a match.",
            linked=linked,
            missing=len(unmatched),
        )
        self.message_post(body=message)
        return message

    def _shopify_link_products_postpone(self, exc):
        """Retry later (a wait spends no try); past the waiting deadline, an
        exception a person can act on."""
        expired = self._retail_retry_job(exc, "Link products")
        self._retail_raise_exception(
            flow="reconciliation",
            category=expired.category,
            message=str(expired),
            hint=expired.hint,
        )
        return str(expired)

    def _shopify_committed_bulk_gid(self):
        """The export in progress as last committed (not this snapshot's)."""
        self.flush_recordset(["bulk_operation_gid"])

        def read(cr):
            cr.execute(
                "SELECT bulk_operation_gid FROM shopify_backend WHERE id = %s",
                (self.id,),
            )
            row = cr.fetchone()
            return row[0] if row else None

        return short_transaction(self._retail_cursor_factory(), read)

    def _shopify_link_variants(self, objects):
        """Bind variants by SKU, then barcode; return (linked, unmatched)."""
        Helper = self.env["retail.import.helper"]
        Binding = self.env["shopify.product.variant"]._retail_importing()
        linked, unmatched = 0, []
        for product in objects:
            for variant in product.get("__children", []):
                if "sku" not in variant:
                    continue  # not a variant line
                match = Helper._retail_match_product(
                    self.company_id,
                    sku=variant.get("sku"),
                    barcode=variant.get("barcode"),
                )
                if not match:
                    unmatched.append(variant.get("sku") or variant["id"])
                    continue
                binding = Binding._retail_bind(self, variant["id"], match, variant)
                binding.write(
                    {
                        "product_gid": product["id"],
                        "inventory_item_gid": (variant.get("inventoryItem") or {}).get(
                            "id"
                        ),
                        "sku": variant.get("sku"),
                    }
                )
                linked += 1
        return linked, unmatched

    # ------------------------------------------------------------------
    # inbound: bulk_operations/finish
    # ------------------------------------------------------------------
    def _shopify_handle_bulk_operation(self, event):
        gid = event._load_json().get("admin_graphql_api_id")
        if gid and gid == self.bulk_operation_gid:
            self._shopify_link_products_collect(gid)
            return self
        event._mark_ignored("Not a bulk operation started by this connector.")
        return False
