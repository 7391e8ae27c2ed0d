import hashlib
import json

from odoo import fields, models

from odoo.addons.retail_connector_base.services import errors

from ..services.graphql_client import StaleQuantityError

INVENTORY_BATCH = 250


class ShopifyBackendInventory(models.Model):
    """Publish what the warehouses can promise, with compare-and-swap."""

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # outbound: stock levels, compare-and-swap per location
    # ------------------------------------------------------------------
    def _retail_export_inventory(self):
        """Send the dirty levels in batches per location (coalesced job)."""
        self.ensure_one()
        client = self._shopify_client()

        def send(levels):
            for location in levels.location_id:
                self._shopify_push_levels(
                    client,
                    location,
                    levels.filtered(lambda lvl, loc=location: lvl.location_id == loc),
                )

        levels = self.env["shopify.inventory.level"]._retail_stock_export(
            self, send, INVENTORY_BATCH
        )
        return f"{len(levels)} stock levels sent in {len(levels.location_id)} batch(es)"

    def _shopify_read_levels(self, client, location, levels):
        """Re-read Shopify's available quantities of these levels:
        ``{level id: quantity}``, recorded on the levels too."""
        if not levels:
            return {}
        by_item = {lvl.variant_binding_id.inventory_item_gid: lvl for lvl in levels}
        data = client.execute(
            "InventoryLevels",
            {"ids": list(by_item), "locationId": location.external_id},
        )
        available = {}
        for node in data.get("nodes") or []:
            if not node:
                continue
            quantities = (node.get("inventoryLevel") or {}).get("quantities") or []
            available[by_item[node["id"]].id] = next(
                (q["quantity"] for q in quantities if q["name"] == "available"), 0
            )
        levels._retail_stock_record(
            {
                level_id: {"remote_quantity": quantity, "remote_known": True}
                for level_id, quantity in available.items()
            }
        )
        return available

    def _shopify_push_levels(self, client, location, levels):
        # what Shopify has, compared before it is set (the levels' values are
        # recorded in transactions of their own: not read back here)
        remote = {lvl.id: lvl.remote_quantity for lvl in levels}
        remote.update(
            self._shopify_read_levels(
                client, location, levels.filtered(lambda lvl: not lvl.remote_known)
            )
        )
        for attempt in (1, 2):
            quantities = [
                {
                    "inventoryItemId": lvl.variant_binding_id.inventory_item_gid,
                    "locationId": location.external_id,
                    "quantity": lvl._odoo_quantity(),
                    "changeFromQuantity": remote[lvl.id],
                }
                for lvl in levels
            ]
            document = {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": f"odoo://shopify.backend/{self.id}/inventory",
                "quantities": quantities,
            }
            key = hashlib.sha256(
                json.dumps(document, sort_keys=True).encode()
            ).hexdigest()[:40]
            try:
                client.mutate(
                    "InventorySetQuantities",
                    {"input": document, "idempotencyKey": key},
                    result_key="inventorySetQuantities",
                )
            except StaleQuantityError as exc:
                if attempt == 2:
                    raise errors.LockContentionError(
                        f"Stock at {location.name} keeps changing in Shopify "
                        "while it is being published.",
                        retry_after=30,
                        hint="Nothing to do: the job retries automatically.",
                    ) from exc
                # someone changed Shopify meanwhile: read again, then re-send
                remote.update(self._shopify_read_levels(client, location, levels))
                continue
            now = fields.Datetime.now()
            levels._retail_stock_record(
                {
                    lvl.id: {
                        "remote_quantity": quantity["quantity"],
                        "sent_quantity": quantity["quantity"],
                        "remote_known": True,
                        "last_sync": now,
                    }
                    for lvl, quantity in zip(levels, quantities, strict=True)
                }
            )
            return

    # ------------------------------------------------------------------
    # inbound: inventory_levels/update
    # ------------------------------------------------------------------
    def _shopify_inventory_webhook(self, event, payload):
        """inventory_levels/update: our own echo, or a change in Shopify."""
        item = f"gid://shopify/InventoryItem/{payload.get('inventory_item_id')}"
        location = f"gid://shopify/Location/{payload.get('location_id')}"
        level = self.env["shopify.inventory.level"].search(
            [
                ("backend_id", "=", self.id),
                ("variant_binding_id.inventory_item_gid", "=", item),
                ("location_id.external_id", "=", location),
            ],
            limit=1,
        )
        available = payload.get("available")
        if not level:
            event._mark_ignored("No linked variant at a mapped location.")
            return False
        if available == level.sent_quantity and not level.dirty:
            event._mark_ignored("Echo of the quantity Odoo published.")
            return level
        # changed in Shopify: Odoo's stock is the reference, publish it again
        # recorded in a transaction of its own: the export job may be writing
        # the same level
        level._retail_stock_record(
            {level.id: {"remote_quantity": available or 0, "remote_known": True}}
        )
        level._retail_mark_to_send()
        self._retail_schedule_export("inventory")
        return level

    def _shopify_handle_inventory_level(self, event):
        return self._shopify_inventory_webhook(event, event._load_json())
