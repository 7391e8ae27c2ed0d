"""What Shopify deliveries are about, and what held ones wait for."""

import copy

from odoo.tests import BaseCase, TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs

from ..services import webhooks
from .common import ShopifyTestMixin

ORDER = "gid://shopify/Order/820982911946154508"


class TestSubjectOfDeliveries(BaseCase):
    def test_an_order_and_what_happens_to_it_share_one_subject(self):
        number = 820982911946154508
        for topic, payload in (
            ("orders/create", {"id": number, "admin_graphql_api_id": ORDER}),
            ("orders/paid", {"id": number}),
            ("orders/edited", {"order_edit": {"order_id": number}}),
            ("refunds/create", {"id": 5, "order_id": number}),
            ("fulfillments/update", {"id": 6, "order_id": str(number)}),
        ):
            with self.subTest(topic=topic):
                self.assertEqual(webhooks.subject(topic, payload), ORDER)

    def test_other_objects(self):
        self.assertEqual(
            webhooks.subject("products/delete", {"id": 7}),
            "gid://shopify/Product/7",
        )
        self.assertEqual(
            webhooks.subject(
                "inventory_levels/update", {"inventory_item_id": 8, "location_id": 9}
            ),
            "gid://shopify/InventoryItem/8",
        )
        self.assertEqual(
            webhooks.subject("customers/redact", {"customer": {"id": 10}}),
            "gid://shopify/Customer/10",
        )
        self.assertIsNone(webhooks.subject("shop/redact", {"shop_id": 1}))

    def test_the_gid_wins_and_bad_ids_name_nothing(self):
        self.assertEqual(
            webhooks.subject(
                "orders/updated",
                {"id": 1, "admin_graphql_api_id": "gid://shopify/Order/2"},
            ),
            "gid://shopify/Order/2",
        )
        for payload in (
            {"id": True},
            {"id": "1; drop"},
            {"id": None},
            {"id": [1]},
            {"admin_graphql_api_id": "gid://shopify/Product/3"},
        ):
            with self.subTest(payload=payload):
                self.assertIsNone(webhooks.subject("orders/create", payload))
        self.assertIsNone(webhooks.subject("orders/create", ["not", "a", "dict"]))
        self.assertIsNone(webhooks.subject("refunds/create", {"order_id": 1.5}))


class TestHeldOrders(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.setup_catalog()
        cls.paid = cls.fixture("order_paid_tax_excluded")

    def held_order(self, sku="APRON-SND", event_id="h1"):
        payload = copy.deepcopy(self.paid)
        payload["line_items"][0]["sku"] = sku
        event = self.deliver("orders/create", payload, event_id=event_id)
        event._process()
        return event, payload

    def test_a_held_order_waits_for_the_sku_and_the_variant(self):
        event, payload = self.held_order()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.remote_ref, payload["admin_graphql_api_id"])
        variant = (
            f"gid://shopify/ProductVariant/{payload['line_items'][0]['variant_id']}"
        )
        self.assertEqual(
            set(event.wait_ids.mapped("key")),
            {"product:sku:APRON-SND", f"shopify-variant:{variant}"},
        )

    def test_only_the_product_it_waits_for_releases_it(self):
        event, _payload = self.held_order()
        other, _other_payload = self.held_order("BEANIE-GRY", event_id="h2")
        Product = self.env["product.product"]
        with trap_jobs() as trap:
            Product.create({"name": "Scarf", "default_code": "SCARF-RED"})
            self.tee.barcode = "0000000000017"
            trap.assert_jobs_count(0)
            Product.create({"name": "Apron", "default_code": "APRON-SND"})
            trap.assert_jobs_count(1, only=event._process)
            trap.perform_enqueued_jobs()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(other.state, "failed")

    def test_a_refund_of_a_held_order_is_applied_once_the_order_is(self):
        event, payload = self.held_order(sku="TEE-ORG-NAV-M-OLD")
        refund = self.deliver(
            "refunds/create", self.fixture("refund_partial"), event_id="r1"
        )
        refund._process()
        order_gid = payload["admin_graphql_api_id"]
        self.assertEqual(refund.remote_ref, order_gid)
        self.assertEqual(refund.state, "failed")
        # the order's delivery is found by its subject, not by its text
        self.assertIn("which is held", refund.error)
        self.assertEqual(refund.waiting_for, f"the order {order_gid}")
        with trap_jobs() as trap:
            self.env["product.product"].create(
                {"name": "Old tee", "default_code": "TEE-ORG-NAV-M-OLD"}
            )
            trap.assert_jobs_count(1, only=event._process)
            trap.perform_enqueued_jobs()
            self.assertEqual(event.state, "done", event.error)
            # importing the order released the refund
            self.assertEqual(refund.state, "queued")
            trap.perform_enqueued_jobs()
        self.assertEqual(refund.state, "done", refund.error)
        self.assertEqual(refund.result_ref.order_binding_id.external_id, order_gid)
