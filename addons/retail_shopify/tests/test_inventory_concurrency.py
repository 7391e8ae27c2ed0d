from .common import ShopifyCommittedCase


class TestConcurrentStockChanges(ShopifyCommittedCase):
    """Stock moves mark levels while the export job writes them.

    Real, separately committed transactions (REPEATABLE READ, as Odoo runs
    them); what they create is removed afterwards.
    """

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            product = self.create_committed(
                env,
                "product.product",
                {"name": "Mug", "type": "consu", "is_storable": True},
            )
            backend = self.create_backend(
                env,
                name="Stock concurrency store",
                shop_domain="stock-concurrency.myshopify.com",
            )
            location = env["shopify.location"].create(
                {
                    "backend_id": backend.id,
                    "name": "Main warehouse",
                    "external_id": "gid://shopify/Location/1",
                }
            )
            variant = env["shopify.product.variant"].create(
                {
                    "backend_id": backend.id,
                    "odoo_id": product.id,
                    "external_id": "gid://shopify/ProductVariant/1",
                    "inventory_item_gid": "gid://shopify/InventoryItem/1",
                }
            )
            level = env["shopify.inventory.level"].create(
                {
                    "backend_id": backend.id,
                    "variant_binding_id": variant.id,
                    "location_id": location.id,
                }
            )
            self.level_id = level.id
        self.add_committed_cleanup(self._cleanup, backend)

    @staticmethod
    def _cleanup(env, backend):
        env["retail.stock.mark"].search(
            [
                ("level_model", "=", "shopify.inventory.level"),
                ("backend_id", "=", backend.id),
            ]
        ).unlink()

    def level(self, cr):
        return self.superuser_env(cr)["shopify.inventory.level"].browse(self.level_id)

    def test_a_change_during_the_export_is_kept_for_the_next_one(self):
        with self.registry.cursor() as mover, self.registry.cursor() as exporter:
            self.level(mover)._retail_mark_to_send()
            mover.commit()
            # the export job starts and sees the recorded change
            level = self.level(exporter)
            self.assertTrue(level.dirty)
            # a stock move's transaction starts before the export commits
            self.assertFalse(self.level(mover).sent_quantity)
            level.write({"sent_quantity": 5, "remote_known": True})
            exporter.execute(
                "DELETE FROM retail_stock_mark "
                "WHERE level_model = 'shopify.inventory.level' AND level_id = %s",
                (self.level_id,),
            )
            exporter.commit()
            # its snapshot predates that commit: recording its change of the
            # same level must not fail on a serialisation conflict
            self.level(mover)._retail_mark_to_send()
            mover.commit()
        with self.registry.cursor() as cr:
            self.assertTrue(self.level(cr).dirty)
            self.assertEqual(self.level(cr).sent_quantity, 5)
