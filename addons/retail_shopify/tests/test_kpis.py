import importlib.util
from datetime import timedelta
from pathlib import Path

from odoo import fields
from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs

from ..models.shopify_backend_kpis import WEBHOOKS_ALERT_KEY
from .common import ShopifyTestMixin


def by_code(figures):
    return {figure["code"]: figure for figure in figures}


def _acknowledgement_migration():
    path = (
        Path(get_module_path("retail_shopify"))
        / "migrations/19.0.1.1.0/post-migration.py"
    )
    spec = importlib.util.spec_from_file_location("acknowledged_at_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


class ShopifyKpiMixin(ShopifyTestMixin):
    def today_figures(self):
        day = self.backend._retail_kpi_today()
        return by_code(self.backend._retail_kpis_of_day(day, True))

    def alerts(self):
        return self.backend._retail_open_alerts()

    def figures_on(self, moment):
        """The figures of the backend's day of ``moment`` (naive UTC)."""
        backend = self.backend
        day = fields.Date.context_today(
            backend.with_context(tz=backend._retail_kpi_tz()), timestamp=moment
        )
        return by_code(
            backend._retail_kpis_of_day(day, day == backend._retail_kpi_today())
        )


class TestOrderAndFulfilmentKpis(ShopifyKpiMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.env["product.product"].create(
            {"name": "Stoneware mug", "default_code": "MUG-STONE", "type": "consu"}
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        variant = self.sim.add_product(
            "Stoneware mug", variants=[{"sku": "MUG-STONE", "price": "14.00"}]
        )["variants"][0]
        payload = self.sim.create_order(
            [{"variant_gid": variant["id"], "quantity": 3, "price": "14.00"}],
            customer={"first_name": "Ada", "last_name": "Byron"},
            notify=False,
        )
        event = self.deliver("orders/create", payload, event_id="o1")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.sale = event.result_ref
        self.binding = self.sale.shopify_binding_ids
        self.picking = self.sale.picking_ids

    def ship(self, tracking="1Z999AA10123456784"):
        self.picking.carrier_tracking_ref = tracking
        self.picking.move_ids.write({"quantity": 3, "picked": True})
        with trap_jobs():
            self.picking.button_validate()
        self.assertEqual(self.picking.state, "done")
        return self.env["shopify.fulfillment"].search(
            [("odoo_id", "=", self.picking.id)]
        )

    def test_order_flow_lag_from_shopify_creation_to_confirmation(self):
        self.assertEqual(self.sale.state, "sale")
        self.assertTrue(self.binding.shopify_created_at)
        self.binding.shopify_created_at = self.sale.date_order - timedelta(minutes=30)
        lag = self.today_figures()["order_flow_lag"]
        self.assertEqual(lag["count"], 1)
        self.assertAlmostEqual(lag["p50"], 30.0, places=3)
        self.assertAlmostEqual(lag["p95"], 30.0, places=3)
        self.assertEqual(lag["unit"], "min")
        # a draft order (not confirmed) has no lag yet
        self.sale.action_cancel()
        self.assertNotIn("order_flow_lag", self.today_figures())

    def test_fulfilment_timeliness_against_the_service_level(self):
        fulfillment = self.ship()
        figures = self.today_figures()
        self.assertEqual(figures["ship_time"]["value"], 100.0)
        self.assertEqual(figures["ship_time"]["breaches"], 0)
        # not acknowledged by Shopify yet
        self.assertEqual(figures["fulfilment_ack"]["count"], 0)
        self.assertEqual(figures["fulfilment_ack"]["breaches"], 1)
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(fulfillment.sync_state, "synced")
        # confirmed 30 hours before shipping: the 24 hours are missed
        self.sale.date_order = self.picking.date_done - timedelta(hours=30)
        figures = self.today_figures()
        self.assertEqual(figures["ship_time"]["breaches"], 1)
        self.assertEqual(figures["ship_time"]["value"], 0.0)
        self.assertAlmostEqual(figures["ship_time"]["p50"], 30.0, places=3)
        self.assertEqual(figures["fulfilment_ack"]["count"], 1)
        self.assertEqual(figures["fulfilment_ack"]["breaches"], 0)
        self.backend.sla_ship_hours = 48
        self.assertEqual(self.today_figures()["ship_time"]["breaches"], 0)

    def test_acknowledged_when_shopify_answers_not_at_the_last_exchange(self):
        fulfillment = self.ship()
        before = fields.Datetime.now()
        self.backend._retail_export_job("fulfillments")
        self.assertGreaterEqual(fulfillment.acknowledged_at, before)
        # shipped three hours ago, acknowledged by Shopify an hour later
        done = fields.Datetime.now() - timedelta(hours=3)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE stock_picking SET date_done = %s WHERE id = %s",
            (done, self.picking.id),
        )
        self.env.cr.execute(
            "UPDATE shopify_fulfillment SET create_date = %s, acknowledged_at = %s "
            "WHERE id = %s",
            (done, done + timedelta(hours=1), fulfillment.id),
        )
        self.env.invalidate_all()
        # the carrier's tracking number changes now: sent again, not late
        with trap_jobs():
            self.picking.carrier_tracking_ref = "1Z999AA10123456799"
        self.assertEqual(fulfillment.sync_state, "outdated")
        self.backend._retail_check_alerts()
        self.assertNotIn("sla:fulfilment_late", self.alerts())
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(fulfillment.sync_state, "synced")
        self.assertEqual(fulfillment.acknowledged_at, done + timedelta(hours=1))
        self.assertGreater(fulfillment.sync_date, done + timedelta(hours=2))
        ack = self.figures_on(done)["fulfilment_ack"]
        self.assertEqual((ack["count"], ack["breaches"]), (1, 0))
        self.assertAlmostEqual(ack["p50"], 60.0, places=3)

    def test_delivery_found_fulfilled_in_shopify_keeps_its_acknowledgement(self):
        fulfillment = self.ship()
        self.backend._retail_export_job("fulfillments")
        acknowledged = fulfillment.acknowledged_at - timedelta(minutes=5)
        fulfillment.write(
            {
                "acknowledged_at": acknowledged,
                "sync_state": "pending",
                "external_id": False,
            }
        )
        self.backend._retail_export_job("fulfillments")
        self.assertEqual(fulfillment.sync_state, "synced")
        self.assertEqual(fulfillment.acknowledged_at, acknowledged)
        # found fulfilled without an acknowledgement of its own: now
        fulfillment.write(
            {"acknowledged_at": False, "sync_state": "pending", "external_id": False}
        )
        before = fields.Datetime.now()
        self.backend._retail_export_job("fulfillments")
        self.assertGreaterEqual(fulfillment.acknowledged_at, before)

    def test_upgrade_takes_the_last_exchange_of_the_fulfilments_shopify_has(self):
        migrate = _acknowledgement_migration()
        fulfillment = self.ship()
        self.env.flush_all()
        migrate(self.env.cr, "19.0.1.0.0")
        fulfillment.invalidate_recordset()
        # not sent yet: nothing to acknowledge
        self.assertFalse(fulfillment.acknowledged_at)
        self.backend._retail_export_job("fulfillments")
        last_exchange = fields.Datetime.now() - timedelta(minutes=7)
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE shopify_fulfillment SET acknowledged_at = NULL, sync_date = %s "
            "WHERE id = %s",
            (last_exchange, fulfillment.id),
        )
        migrate(self.env.cr, "19.0.1.0.0")
        fulfillment.invalidate_recordset()
        self.assertEqual(fulfillment.acknowledged_at, last_exchange)

    def test_shipped_without_tracking_alerts_until_entered(self):
        self.ship(tracking=False)
        self.backend._retail_check_alerts()
        alert = self.alerts()["sla:no_tracking"]
        self.assertIn(self.picking.name, alert.note)
        self.picking.carrier_tracking_ref = "1Z999AA10123456784"
        self.backend._retail_check_alerts()
        self.assertNotIn("sla:no_tracking", self.alerts())
        self.assertFalse(alert.active)

    def test_fulfilment_not_acknowledged_in_time_alerts(self):
        fulfillment = self.ship()
        self.backend._retail_check_alerts()
        self.assertNotIn("sla:fulfilment_late", self.alerts())
        self.env.cr.execute(
            "UPDATE shopify_fulfillment SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(hours=2), fulfillment.id),
        )
        fulfillment.invalidate_recordset()
        self.backend._retail_check_alerts()
        self.assertIn("sla:fulfilment_late", self.alerts())
        self.backend._retail_export_job("fulfillments")
        self.backend._retail_check_alerts()
        self.assertNotIn("sla:fulfilment_late", self.alerts())

    def test_freshness_of_the_store_flows(self):
        flows = {flow.flow: flow for flow in self.backend._retail_freshness()}
        self.assertTrue(flows["order_import"].last)
        self.assertIsNone(flows["fulfilment_push"].last)
        self.ship()
        self.backend._retail_export_job("fulfillments")
        metrics = {
            flow: seconds
            for _label, flow, seconds in self.backend._retail_metrics_freshness()
        }
        self.assertIn("fulfilment_push", metrics)
        self.assertGreaterEqual(metrics["order_import"], 0)


class TestStockAccuracy(ShopifyKpiMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        Product = cls.env["product.product"]
        cls.mug, cls.tote = Product.create(
            [
                {
                    "name": name,
                    "default_code": sku,
                    "type": "consu",
                    "is_storable": True,
                }
                for name, sku in (("Mug", "MUG-STONE"), ("Tote", "TOTE-NAT"))
            ]
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        location = self.sim.add_location("Main warehouse")
        self.backend.location_ids = [
            (
                0,
                0,
                {
                    "name": "Main warehouse",
                    "external_id": location,
                    "warehouse_id": self.warehouse.id,
                },
            )
        ]
        self.sim.add_product("Mug", variants=[{"sku": "MUG-STONE", "price": "14"}])
        self.sim.add_product("Tote", variants=[{"sku": "TOTE-NAT", "price": "24"}])
        with trap_jobs():
            gid = self.backend._shopify_link_products_start()
        self.sim.complete_bulk_operations()
        self.backend._shopify_link_products_collect(gid)

    def test_share_of_levels_matching_shopify(self):
        self.assertNotIn("stock_accuracy", self.today_figures())
        with trap_jobs():
            for product, quantity in ((self.mug, 7), (self.tote, 4)):
                self.env["stock.quant"].with_context(inventory_mode=True).create(
                    {
                        "product_id": product.id,
                        "location_id": self.warehouse.lot_stock_id.id,
                        "inventory_quantity": quantity,
                    }
                ).action_apply_inventory()
        self.backend._retail_export_job("inventory")
        levels = self.env["shopify.inventory.level"].search(
            [("backend_id", "=", self.backend.id)]
        )
        self.assertEqual(len(levels), 2)
        accuracy = self.today_figures()["stock_accuracy"]
        self.assertEqual((accuracy["value"], accuracy["count"]), (100.0, 2))
        # Shopify reports another quantity for the mug (changed there)
        mug_level = levels.filtered(
            lambda lvl: lvl.variant_binding_id.odoo_id == self.mug
        )
        levels._retail_stock_record({mug_level.id: {"remote_quantity": 5}})
        accuracy = self.today_figures()["stock_accuracy"]
        self.assertEqual((accuracy["value"], accuracy["breaches"]), (50.0, 1))
        # levels are a state: past days have no stock accuracy
        yesterday = self.backend._retail_kpi_today() - timedelta(days=1)
        self.assertNotIn(
            "stock_accuracy",
            by_code(self.backend._retail_kpis_of_day(yesterday, False)),
        )


class TestWebhookSubscriptionCheck(ShopifyKpiMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.env["ir.config_parameter"].sudo().set_param(
            "web.base.url", "https://erp.example.com"
        )

    def test_missing_subscription_alerts_once_then_clears(self):
        self.backend._shopify_register_webhooks()
        self.assertEqual(self.backend._shopify_check_webhooks(), [])
        self.assertNotIn(WEBHOOKS_ALERT_KEY, self.alerts())
        # someone removed the orders/create subscription in the shop
        subscription_id = next(
            key
            for key, sub in self.sim.webhook_subscriptions.items()
            if sub["topic"] == "ORDERS_CREATE"
        )
        del self.sim.webhook_subscriptions[subscription_id]
        # and another one points at an old server
        other = next(
            sub
            for sub in self.sim.webhook_subscriptions.values()
            if sub["topic"] == "PRODUCTS_UPDATE"
        )
        other["uri"] = "https://old-erp.example.com/hook"
        self.env["shopify.backend"]._cron_check_webhooks()
        self.env["shopify.backend"]._cron_check_webhooks()
        alert = self.alerts()[WEBHOOKS_ALERT_KEY]
        self.assertIn("orders/create", alert.note)
        self.assertIn("products/update", alert.note)
        self.assertEqual(
            len(
                self.env["mail.activity"].search(
                    [("retail_alert_key", "=", WEBHOOKS_ALERT_KEY)]
                )
            ),
            1,
        )
        self.backend._shopify_register_webhooks()
        self.env["shopify.backend"]._cron_check_webhooks()
        self.assertNotIn(WEBHOOKS_ALERT_KEY, self.alerts())
        self.assertFalse(alert.active)

    def test_refused_listing_is_an_alert(self):
        self.backend.access_token = "revoked-token"
        self.env["shopify.backend"]._cron_check_webhooks()
        self.assertIn("could not be checked", self.alerts()[WEBHOOKS_ALERT_KEY].summary)
