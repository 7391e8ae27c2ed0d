from .common import ShopifyCommittedCase


class FakeShopify:
    """Accepts every quantity set (the level's remote quantity is known)."""

    def __init__(self):
        self.sets = []

    def execute(self, name, variables):
        raise AssertionError(f"{name} was not expected: the remote quantity is known")

    def mutate(self, name, variables, result_key=None):
        self.sets.append(variables["input"]["quantities"])
        return {}


class TestInventoryLevelWriters(ShopifyCommittedCase):
    """The export job, the next export job and Shopify's notifications write
    the same level in separately committed transactions (REPEATABLE READ, as
    Odoo runs them): none fails on a serialisation conflict."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            env.cr.execute("SELECT coalesce(max(id), 0) FROM queue_job")
            max_id = env.cr.fetchone()[0]
            self.add_committed_cleanup(self._remove_jobs, max_id)
            product = self.create_committed(
                env,
                "product.product",
                {"name": "Mug", "type": "consu", "is_storable": True},
            )
            backend = self.create_backend(
                env, name="Level writers", shop_domain="level-writers.myshopify.com"
            )
            self.add_committed_cleanup(self._remove_marks, backend.id)
            location = env["shopify.location"].create(
                {
                    "backend_id": backend.id,
                    "name": "Main warehouse",
                    "external_id": "gid://shopify/Location/7",
                }
            )
            variant = env["shopify.product.variant"].create(
                {
                    "backend_id": backend.id,
                    "odoo_id": product.id,
                    "external_id": "gid://shopify/ProductVariant/7",
                    "inventory_item_gid": "gid://shopify/InventoryItem/7",
                }
            )
            level = env["shopify.inventory.level"].create(
                {
                    "backend_id": backend.id,
                    "variant_binding_id": variant.id,
                    "location_id": location.id,
                    "remote_quantity": 4,
                    "remote_known": True,
                }
            )
            self.level_id = level.id
            # the tests call the export themselves: the jobs queued by this
            # set-up must not reach the test server's job runner meanwhile
            self._remove_jobs(env, max_id)

    @staticmethod
    def _remove_jobs(env, max_id):
        env.cr.execute("DELETE FROM queue_job WHERE id > %s", (max_id,))

    @staticmethod
    def _remove_marks(env, backend_id):
        env["retail.stock.mark"].search([("backend_id", "=", backend_id)]).unlink()

    def level(self, cr):
        return self.superuser_env(cr)["shopify.inventory.level"].browse(self.level_id)

    def push(self, cr, shopify):
        level = self.level(cr)
        level.backend_id._shopify_push_levels(shopify, level.location_id, level)

    def test_a_notification_during_the_export(self):
        shopify = FakeShopify()
        with self.registry.cursor() as exporter, self.registry.cursor() as hook:
            # the export job has its snapshot when Shopify reports a change
            self.assertEqual(self.level(exporter).remote_quantity, 4)
            level = self.level(hook)
            event, _created = self.store_event(
                "inventory_levels/update",
                {"inventory_item_id": 7, "location_id": 7, "available": 3},
                key="level-writers-1",
                backend=level.backend_id,
            )
            level.backend_id._shopify_handle_inventory_level(event)
            hook.commit()
            self.push(exporter, shopify)
            exporter.commit()
        self.assertEqual(shopify.sets[0][0]["changeFromQuantity"], 4)
        with self.registry.cursor() as cr:
            level = self.level(cr)
            self.assertEqual(level.sent_quantity, 0)
            self.assertEqual(level.remote_quantity, 0)
            self.assertTrue(level.last_sync)
            # the change reported meanwhile is published by the next export
            self.assertTrue(level.dirty)

    def test_the_next_export_started_before_the_first_committed(self):
        shopify = FakeShopify()
        with self.registry.cursor() as first, self.registry.cursor() as second:
            self.assertEqual(self.level(second).remote_quantity, 4)
            self.push(first, shopify)
            first.commit()
            self.push(second, shopify)
            second.commit()
        self.assertEqual(len(shopify.sets), 2)
        with self.registry.cursor() as cr:
            self.assertEqual(self.level(cr).sent_quantity, 0)
            self.assertTrue(self.level(cr).last_sync)

    def test_a_level_created_in_the_same_transaction(self):
        with self.registry.cursor() as cr:
            level = self.level(cr)
            new = level.copy(
                {"location_id": level.location_id.copy({"external_id": "L2"}).id}
            )
            new._retail_stock_record({new.id: {"sent_quantity": 6}})
            self.assertEqual(new.sent_quantity, 6)
            cr.rollback()
