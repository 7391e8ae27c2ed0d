import copy
from decimal import Decimal

from odoo.tests import TransactionCase

from odoo.addons.queue_job.tests.common import trap_jobs

from ..services import canonical
from .common import ShopifyTestMixin


class TestOrderImport(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.setup_catalog()
        cls.paid = cls.fixture("order_paid_tax_excluded")

    def process(self, topic, payload, event_id):
        event = self.deliver(topic, payload, event_id=event_id)
        event._process()
        return event

    def sale_orders(self):
        return self.env["sale.order"].search([("client_order_ref", "=", "#1042")])

    def test_paid_order_becomes_confirmed_sale_order(self):
        event = self.process("orders/create", self.paid, "e1")
        self.assertEqual(event.state, "done", event.error)
        sale = self.sale_orders()
        self.assertEqual(len(sale), 1)
        self.assertEqual(event.result_ref, sale)
        self.assertEqual(sale.state, "sale")
        # Shopify rounds each of the 9 tax lines alone (6.26); Odoo rounds the
        # three taxes of a line together (6.25): within a cent per tax line
        self.assertAlmostEqual(sale.amount_untaxed, 70.45, places=2)
        self.assertLessEqual(abs(sale.amount_total - 76.71), 0.09)
        self.assertIn("rounds each tax line", sale.message_ids[0].body)
        self.assertEqual(sale.partner_id.email, "emily.carter@example.com")
        products = sale.order_line.mapped("product_id")
        self.assertIn(self.tee, products)
        self.assertIn(self.tote, products)  # matched by barcode
        self.assertIn(self.backend.shipping_product_id, products)
        tee_line = sale.order_line.filtered(lambda line: line.product_id == self.tee)
        self.assertEqual(tee_line.product_uom_qty, 2)
        self.assertAlmostEqual(tee_line.discount, 10.0)
        self.assertEqual(tee_line.tax_ids, self.ny_state | self.ny_city | self.ny_mctd)
        binding = self.Binding._retail_get(
            self.backend, self.paid["admin_graphql_api_id"]
        )
        self.assertEqual(binding.odoo_id, sale)
        self.assertEqual(binding.sync_state, "synced")
        self.assertEqual(sale.shopify_sync_state, "synced")
        self.assertIn("/orders/", binding.admin_url)

    def test_an_id_disagreeing_with_the_gid_is_imported_and_noted(self):
        payload = copy.deepcopy(self.paid)
        payload["id"] += 1
        event = self.process("orders/create", payload, "id-1")
        self.assertEqual(event.state, "done", event.error)
        sale = self.sale_orders()
        self.assertTrue(
            any("differs from admin_graphql_api_id" in m.body for m in sale.message_ids)
        )

    def unallocated_discount_payload(self, amount="3.00"):
        """The paid order with a discount an app took off the total only."""
        payload = copy.deepcopy(self.paid)
        total = f"{float(payload['total_price']) - float(amount):.2f}"
        payload["total_price"] = total
        for money in payload["total_price_set"].values():
            money["amount"] = total
        return payload

    def test_discount_allocated_to_no_line_uses_the_discount_product(self):
        event = self.process("orders/create", self.unallocated_discount_payload(), "d1")
        self.assertEqual(event.state, "done", event.error)
        sale = self.sale_orders()
        line = sale.order_line.filtered(
            lambda line: line.product_id == self.backend.discount_product_id
        )
        self.assertEqual(line.price_unit, -3.0)
        self.assertFalse(line.tax_ids)
        self.assertLessEqual(abs(sale.amount_total - 73.71), 0.09)

    def test_unallocated_discount_without_product_is_an_exception(self):
        self.backend.discount_product_id = False
        event = self.process("orders/create", self.unallocated_discount_payload(), "d2")
        self.assertEqual(event.state, "failed")
        self.assertFalse(self.sale_orders())
        exception = self.Exception.search([("event_id", "=", event.id)])
        self.assertIn("3.00 USD allocated to none of its lines", exception.message)
        self.assertIn("discount product", exception.hint)

    def test_redelivery_and_later_topics_make_one_sale_order(self):
        self.process("orders/create", self.paid, "e1")
        # Shopify sends orders/paid and orders/updated with the same content
        paid = self.process("orders/paid", self.paid, "e2")
        updated = self.process("orders/updated", self.paid, "e3")
        self.assertEqual(len(self.sale_orders()), 1)
        self.assertEqual({paid.state, updated.state}, {"ignored"})

    def test_out_of_order_update_is_ignored(self):
        newer = copy.deepcopy(self.paid)
        newer["updated_at"] = "2026-11-03T11:00:00-05:00"
        newer["note"] = "Leave at the door"
        self.process("orders/updated", newer, "e-new")
        older = self.process("orders/updated", self.paid, "e-old")
        self.assertEqual(older.state, "ignored")
        self.assertIn("newer version", older.reason)
        self.assertEqual(len(self.sale_orders()), 1)

    def test_edit_without_the_order_id_is_a_validation_error(self):
        self.process("orders/create", self.paid, "e1")
        event = self.process("orders/edited", {"order_edit": {"id": 1}}, "e2")
        self.assertEqual(event.state, "failed")
        exception = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exception.category, "validation")
        self.assertIn("order_edit.order_id", exception.message)

    def test_missing_product_holds_order_until_linked(self):
        held = copy.deepcopy(self.paid)
        held["line_items"][1]["sku"] = "MUG-NEW-001"
        event = self.process("orders/create", held, "e1")
        self.assertEqual(event.state, "failed")
        self.assertFalse(self.sale_orders())
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertEqual(exc.category, "mapping")
        self.assertIn("MUG-NEW-001", exc.message)
        self.assertIn("imported automatically", exc.hint)
        with trap_jobs() as trap:
            self.env["product.product"].create(
                {"name": "New mug", "default_code": "MUG-NEW-001", "type": "consu"}
            )
            trap.assert_jobs_count(1, only=event._process)
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(len(self.sale_orders()), 1)
        self.assertEqual(exc.state, "resolved")

    def test_lines_match_linked_variant_then_sku_then_barcode_together(self):
        Product = self.env["product.product"]
        linked = Product.create({"name": "Tee linked", "type": "consu"})
        self.env["shopify.product.variant"].create(
            {
                "backend_id": self.backend.id,
                "external_id": "gid://shopify/ProductVariant/1",
                "odoo_id": linked.id,
            }
        )
        Product.create([{"name": f"Cap {n}", "default_code": "CAP-1"} for n in (1, 2)])
        cap = Product.create({"name": "Cap by barcode", "barcode": "CAP-1"})

        def line(n, sku, variant_gid=None):
            return canonical.OrderLine(
                gid=f"gid://shopify/LineItem/{n}",
                title=f"Line {n}",
                quantity=1,
                unit_price=Decimal(10),
                sku=sku,
                variant_gid=variant_gid,
            )

        lines = [
            # a linked variant wins over its SKU
            line(1, "TEE-ORG-NAV-M", "gid://shopify/ProductVariant/1"),
            line(2, "TEE-ORG-NAV-M", "gid://shopify/ProductVariant/2"),
            line(3, "TOTE-CNV-NAT"),  # the barcode of the tote
            line(4, "CAP-1"),  # a duplicate SKU falls back on the barcode
            line(5, "MUG-NEW-001"),
            line(6, None),
        ]
        products = self.Binding._products(self.backend, lines)
        empty = Product.browse()
        self.assertEqual(products, [linked, self.tee, self.tote, cap, empty, empty])
        # the same answers as one look-up per line
        self.assertEqual(
            products, [self.Binding._product(self.backend, line) for line in lines]
        )

    def test_missing_products_of_several_lines_are_named_together(self):
        held = copy.deepcopy(self.paid)
        held["line_items"][0]["sku"] = "TEE-NEW-001"
        held["line_items"][1]["sku"] = "TOTE-NEW-001"
        event = self.process("orders/create", held, "e1")
        self.assertEqual(event.state, "failed")
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertIn("Organic Cotton Tee (SKU TEE-NEW-001)", exc.message)
        self.assertIn("Canvas Tote Bag (SKU TOTE-NEW-001)", exc.message)
        keys = event.wait_ids.mapped("key")
        self.assertTrue(any("TEE-NEW-001" in key for key in keys), keys)
        self.assertTrue(any("TOTE-NEW-001" in key for key in keys), keys)

    def test_missing_tax_mapping_names_the_tax(self):
        self.backend.tax_mapping_ids.filtered(
            lambda m: m.title == "New York City Tax"
        ).unlink()
        self.ny_city.amount = 4.6  # no Odoo tax at 4.5% either
        event = self.process("orders/create", self.paid, "e1")
        self.assertEqual(event.state, "failed")
        self.assertFalse(self.sale_orders())
        exc = self.Exception.search([("event_id", "=", event.id)])
        self.assertIn("New York City Tax", exc.message)
        self.assertIn("4.5%", exc.message)
        self.assertIn("tax mapping", exc.hint)

    def test_tax_included_order(self):
        eur = self.env.ref("base.EUR")
        eur.active = True
        self.env["product.pricelist"].create({"name": "EUR", "currency_id": eur.id})
        vat = self.env["account.tax"].create(
            {
                "name": "TVA 20% TTC",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
            }
        )
        self.backend.write(
            {
                "tax_mapping_ids": [
                    (0, 0, {"title": "FR TVA", "rate": 0.2, "tax_id": vat.id})
                ]
            }
        )
        Product = self.env["product.product"]
        Product.create(
            {"name": "Chemise", "default_code": "LIN-CHM-BLC-M", "type": "consu"}
        )
        Product.create(
            {"name": "Bonnet", "default_code": "BON-LAI-GRI", "type": "consu"}
        )
        order = self.fixture("order_tax_included")
        event = self.process("orders/create", order, "e1")
        self.assertEqual(event.state, "done", event.error)
        sale = event.result_ref
        self.assertEqual(sale.currency_id, eur)
        self.assertAlmostEqual(sale.amount_total, 101.20, places=2)
        self.assertAlmostEqual(sale.amount_tax, 16.87, places=2)

    def test_guest_order_creates_customer_from_email(self):
        Product = self.env["product.product"]
        Product.create(
            {
                "name": "Sourdough class",
                "default_code": "DIG-SOURDOUGH-01",
                "type": "service",
            }
        )
        event = self.process(
            "orders/create", self.fixture("order_guest_no_customer"), "e1"
        )
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref.partner_id.email, "priya.r@example.net")

    def test_guest_email_with_like_wildcards_matches_nobody_else(self):
        self.env["product.product"].create(
            {
                "name": "Sourdough class",
                "default_code": "DIG-SOURDOUGH-01",
                "type": "service",
            }
        )
        Partner = self.env["res.partner"]
        # "_" and "%" would match these addresses as LIKE wildcards
        others = Partner.create(
            [
                {"name": "Priya Xr", "email": "priyaxr@example.net"},
                {"name": "Priya Smith", "email": "priya.r.smith@example.net"},
            ]
        )
        guest = self.fixture("order_guest_no_customer")
        guest["email"] = guest["contact_email"] = "Priya_R%@example.net"
        event = self.process("orders/create", guest, "e1")
        self.assertEqual(event.state, "done", event.error)
        customer = event.result_ref.partner_id
        self.assertNotIn(customer, others)
        self.assertEqual(customer.email, "Priya_R%@example.net")
        self.assertEqual(
            others.mapped("email"),
            [
                "priyaxr@example.net",
                "priya.r.smith@example.net",
            ],
        )
        # the same guest ordering again is recognised
        again = copy.deepcopy(guest)
        again.update(
            id=6218870161799,
            admin_graphql_api_id="gid://shopify/Order/6218870161799",
            name="#1099",
            order_number=1099,
            email="priya_r%@EXAMPLE.net",
        )
        event = self.process("orders/create", again, "e2")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref.partner_id, customer)

    def test_cancellation_cancels_undelivered_order(self):
        self.process("orders/create", self.paid, "e1")
        cancelled = copy.deepcopy(self.paid)
        cancelled.update(
            updated_at="2026-11-03T13:00:00-05:00",
            cancelled_at="2026-11-03T13:00:00-05:00",
            cancel_reason="customer",
            financial_status="voided",
        )
        event = self.process("orders/cancelled", cancelled, "e2")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.sale_orders().state, "cancel")

    def test_pending_payment_is_not_imported_by_default(self):
        pending = copy.deepcopy(self.paid)
        pending["financial_status"] = "pending"
        event = self.process("orders/create", pending, "e1")
        self.assertEqual(event.state, "ignored")
        self.assertIn("pending", event.reason)
        self.assertFalse(self.sale_orders())
        # once paid, the orders/paid webhook imports it
        event = self.process("orders/paid", self.paid, "e2")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.sale_orders().state, "sale")

    def test_app_uninstalled_pauses_backend(self):
        event = self.process("app/uninstalled", {"id": 1, "domain": "x"}, "e1")
        self.assertEqual(event.state, "done")
        self.assertEqual(self.backend.state, "paused")
        self.assertIn("reinstall", self.backend.state_message)

    def test_unknown_topic_is_ignored_with_reason(self):
        event = self.process("carts/create", {"id": 1}, "e1")
        self.assertEqual(event.state, "ignored")
        self.assertIn("carts/create", event.reason)
