import base64
import copy
import json

from odoo.tests import TransactionCase

from .common import ShopifyTestMixin


class TestCompliance(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.setup_catalog()
        cls.order = cls.fixture("order_paid_tax_excluded")

    def setUp(self):
        super().setUp()
        self.imported = self.deliver("orders/create", self.order, event_id="o1")
        self.imported._process()
        self.sale = self.imported.result_ref
        self.request = {
            "shop_id": 1,
            "shop_domain": self.backend.shop_domain,
            "customer": {
                "id": self.order["customer"]["id"],
                "email": self.order["customer"]["email"],
                "phone": self.order["customer"].get("phone"),
            },
        }

    def test_data_request_prepares_the_export(self):
        payload = dict(
            copy.deepcopy(self.request),
            orders_requested=[self.order["id"]],
            data_request={"id": 9},
        )
        event = self.deliver("customers/data_request", payload, event_id="c1")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        activity = self.backend.activity_ids
        self.assertIn("data request", activity.summary)
        export = json.loads(base64.b64decode(event.result_ref.datas))
        self.assertEqual(export["orders"][0]["shopify_order"], self.order["name"])
        self.assertEqual(
            export["customer"][0]["email"], self.order["customer"]["email"]
        )
        self.assertNotIn(self.order["customer"]["email"], event.payload)

    def test_customer_redact_anonymises_what_only_this_shop_holds(self):
        payload = dict(copy.deepcopy(self.request), orders_to_redact=[self.order["id"]])
        # a refund delivery names the order by its numeric id only
        refund = self.deliver(
            "refunds/create",
            {"order_id": self.order["id"], "note": "Emily changed her mind"},
            event_id="r1",
        )
        other = self.deliver(
            "refunds/create",
            {"order_id": self.order["id"] + 1, "note": "Another customer"},
            event_id="r2",
        )
        event = self.deliver("customers/redact", payload, event_id="c2")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertNotIn("emily", self.imported.payload.lower())
        self.assertNotIn("emily", refund.payload.lower())
        self.assertIn("Another customer", other.payload)
        partner = self.sale.partner_id
        self.assertFalse(partner.email)
        self.assertIn("redacted", partner.name)
        self.assertIn("1 contact(s) anonymised", self.backend.message_ids[0].body)

    def test_shop_redact_purges_payloads_and_pauses(self):
        event = self.deliver(
            "shop/redact",
            {"shop_id": 1, "shop_domain": self.backend.shop_domain},
            event_id="c3",
        )
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.backend.state, "paused")
        stored = self.Event.search(
            [
                ("backend_model", "=", "shopify.backend"),
                ("backend_id", "=", self.backend.id),
            ]
        )
        self.assertTrue(all("redacted" in e.payload for e in stored))
