import copy
import json
from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase

from odoo.addons.queue_job.exception import RetryableJobError

from .common import ShopifyTestMixin

ORDER_GID = "gid://shopify/Order/6218845716529"
TEE_GID = "gid://shopify/LineItem/15873029521457"
TOTE_GID = "gid://shopify/LineItem/15873029554225"


class RefundCase(ShopifyTestMixin, TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.setup_catalog()
        cls.Refund = cls.env["shopify.refund"]
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.env.company.id)], limit=1
        )
        cls.env["stock.quant"]._update_available_quantity(
            cls.tee, cls.warehouse.lot_stock_id, 10
        )
        cls.order_payload = cls.fixture("order_paid_tax_excluded")
        cls.refund_payload = cls.fixture("refund_partial")

    def process(self, topic, payload, event_id):
        event = self.deliver(topic, payload, event_id=event_id)
        event._process()
        return event

    def import_order(self):
        event = self.process("orders/create", self.order_payload, "order-1")
        self.assertEqual(event.state, "done", event.error)
        return event.result_ref

    def deliver_goods(self, sale):
        picking = sale.picking_ids.filtered(lambda p: p.state not in ("done", "cancel"))
        picking.action_assign()
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        return picking

    def refund(self, payload=None, event_id="refund-1"):
        return self.process("refunds/create", payload or self.refund_payload, event_id)

    def sale_line(self, sale, gid):
        return sale.order_line.filtered(lambda line: line.shopify_line_gid == gid)

    def credit_notes(self, sale):
        return sale.invoice_ids.filtered(lambda move: move.move_type == "out_refund")

    def open_exceptions(self):
        return self.Exception.search(
            [
                ("backend_model", "=", "shopify.backend"),
                ("backend_id", "=", self.backend.id),
                ("state", "=", "open"),
            ]
        )

    def payload_with(self, restock_type=None, lines=None, shipping=None):
        payload = copy.deepcopy(self.refund_payload)
        if restock_type:
            payload["refund_line_items"][0]["restock_type"] = restock_type
        if lines is not None:
            payload["refund_line_items"] = lines
        if shipping is not None:
            payload["refund_shipping_lines"] = shipping
        return payload


class TestRefund(RefundCase):
    def test_partial_refund_with_return_of_delivered_goods(self):
        sale = self.import_order()
        delivery = self.deliver_goods(sale)
        event = self.refund()
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        self.assertEqual(refund._name, "shopify.refund")
        self.assertEqual(refund.external_id, "gid://shopify/Refund/1042871296049")
        self.assertEqual(refund.sale_order_id, sale)
        self.assertEqual(refund.state, "done")
        self.assertEqual(refund.policy, "credit_note_return")
        # the order was not invoiced yet: it is invoiced first, as paid
        invoice = refund.invoice_id
        self.assertEqual(invoice.move_type, "out_invoice")
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_total, sale.amount_total, places=2)
        credit_note = refund.odoo_id
        self.assertEqual(credit_note.move_type, "out_refund")
        self.assertEqual(credit_note.state, "posted")
        self.assertEqual(credit_note.reversed_entry_id, invoice)
        self.assertIn(credit_note, sale.invoice_ids)
        self.assertEqual(self.credit_notes(sale), credit_note)
        # Shopify refunded 22.50 + 2.00 of tax; Odoo rounds the three taxes
        # of the line together: within a cent per tax line
        self.assertAlmostEqual(credit_note.amount_untaxed, 22.50, places=2)
        self.assertLessEqual(abs(credit_note.amount_total - 24.50), 0.03)
        self.assertAlmostEqual(refund.amount_total, 24.50, places=2)
        (credit_line,) = credit_note.invoice_line_ids
        tee_line = self.sale_line(sale, TEE_GID)
        self.assertEqual(credit_line.sale_line_ids, tee_line)
        self.assertEqual(credit_line.quantity, 1)
        self.assertEqual(credit_line.tax_ids, tee_line.tax_ids)
        # one tee comes back on a return of the delivery
        returned = refund.return_picking_ids
        self.assertEqual(len(returned), 1)
        self.assertEqual(returned.return_id, delivery)
        self.assertEqual(returned.picking_type_code, "incoming")
        self.assertEqual(returned.state, "assigned")
        self.assertEqual(returned.move_ids.product_id, self.tee)
        self.assertEqual(returned.move_ids.product_uom_qty, 1)
        self.assertFalse(returned.move_ids.to_refund)
        (line,) = refund.line_ids
        self.assertEqual((line.quantity, line.qty_returned), (1, 1))
        # the order is not proposed for invoicing again
        self.assertEqual(tee_line.shopify_refunded_qty, 1)
        self.assertEqual(tee_line.qty_invoiced, 1)
        self.assertEqual(tee_line.qty_to_invoice, 0)
        self.assertEqual(sale.invoice_status, "invoiced")
        self.assertEqual(sale.shopify_refund_count, 1)
        self.assertIn(f"Credit note {credit_note.name} of 24.49 USD", refund.summary)
        self.assertIn(f"Return {returned.name} to receive", refund.summary)
        # receiving the return puts the tee back in stock
        returned.move_ids.write({"quantity": 1, "picked": True})
        returned.button_validate()
        self.assertEqual(tee_line.qty_to_invoice, 0)
        self.assertEqual(sale.invoice_status, "invoiced")
        self.assertFalse(self.open_exceptions())

    def test_refund_of_shipping_only(self):
        sale = self.import_order()
        self.deliver_goods(sale)
        payload = self.payload_with(
            lines=[],
            shipping=[
                {
                    "id": 2204713,
                    "shipping_line_id": 5290482827313,
                    "subtotal_amount_set": {
                        "shop_money": {"amount": "6.95", "currency_code": "USD"},
                        "presentment_money": {"amount": "6.95", "currency_code": "USD"},
                    },
                    "tax_amount_set": {
                        "shop_money": {"amount": "0.62", "currency_code": "USD"},
                        "presentment_money": {"amount": "0.62", "currency_code": "USD"},
                    },
                }
            ],
        )
        payload["transactions"][0]["amount"] = "7.57"
        event = self.refund(payload)
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        credit_note = refund.odoo_id
        (credit_line,) = credit_note.invoice_line_ids
        self.assertEqual(credit_line.product_id, self.backend.shipping_product_id)
        self.assertAlmostEqual(credit_note.amount_untaxed, 6.95, places=2)
        self.assertLessEqual(abs(credit_note.amount_total - 7.57), 0.03)
        self.assertAlmostEqual(refund.amount_shipping, 6.95, places=2)
        self.assertFalse(refund.return_picking_ids)
        self.assertEqual(refund.line_ids.is_shipping, True)
        self.assertFalse(self.open_exceptions())

    def test_refund_before_shipping_takes_units_off_the_order(self):
        sale = self.import_order()
        tee_line = self.sale_line(sale, TEE_GID)
        self.assertEqual(tee_line.product_uom_qty, 2)
        event = self.refund(self.payload_with(restock_type="cancel"))
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        self.assertEqual(tee_line.product_uom_qty, 1)
        self.assertFalse(refund.return_picking_ids)
        (line,) = refund.line_ids
        self.assertEqual(
            (line.qty_cancelled, line.qty_returned, line.qty_kept), (1, 0, 0)
        )
        # the delivery waiting to leave now holds one tee
        delivery = sale.picking_ids.filtered(
            lambda p: p.state not in ("done", "cancel")
        )
        tee_moves = delivery.move_ids.filtered(lambda m: m.product_id == self.tee)
        self.assertEqual(sum(tee_moves.mapped("product_uom_qty")), 1)
        self.assertLessEqual(abs(refund.odoo_id.amount_total - 24.50), 0.03)
        self.assertEqual(tee_line.qty_invoiced, 1)
        self.assertEqual(tee_line.qty_to_invoice, 0)
        self.assertEqual(tee_line.shopify_refunded_qty, 0)
        # a later update of the order (same quantities in Shopify) keeps it
        updated = copy.deepcopy(self.order_payload)
        updated["updated_at"] = "2026-11-12T15:00:00-05:00"
        updated["financial_status"] = "partially_refunded"
        event = self.process("orders/updated", updated, "order-2")
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(tee_line.product_uom_qty, 1)
        self.assertEqual(
            sale.shopify_binding_ids.financial_status, "partially_refunded"
        )

    def test_credit_note_only_policy_makes_no_return(self):
        self.backend.refund_policy = "credit_note"
        sale = self.import_order()
        self.deliver_goods(sale)
        event = self.refund()
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        self.assertEqual(refund.policy, "credit_note")
        self.assertTrue(refund.odoo_id)
        self.assertFalse(refund.return_picking_ids)
        self.assertFalse(
            sale.picking_ids.filtered(lambda p: p.picking_type_code == "incoming")
        )
        self.assertEqual(refund.line_ids.qty_kept, 1)

    def test_record_only_policy_asks_a_person(self):
        self.backend.refund_policy = "record"
        sale = self.import_order()
        self.deliver_goods(sale)
        event = self.refund()
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        self.assertEqual(refund.state, "manual")
        self.assertFalse(refund.odoo_id)
        self.assertFalse(sale.invoice_ids)
        self.assertFalse(refund.return_picking_ids)
        (exception,) = self.open_exceptions()
        self.assertEqual(exception.record_ref, sale)
        self.assertIn("handled by hand", exception.message)
        self.assertIn("24.50 USD", exception.message)
        self.assertIn(sale.name, exception.hint)
        self.assertEqual(exception.remote_ref, refund.external_id)

    def test_draft_credit_notes(self):
        self.backend.refund_auto_post = False
        sale = self.import_order()
        self.deliver_goods(sale)
        refund = self.refund().result_ref
        self.assertEqual(refund.invoice_id.state, "draft")
        self.assertEqual(refund.odoo_id.state, "draft")
        self.assertEqual(self.sale_line(sale, TEE_GID).shopify_refunded_qty, 1)

    def test_invoiced_order_is_credited_without_a_new_invoice(self):
        sale = self.import_order()
        invoice = sale._create_invoices()
        invoice.action_post()
        refund = self.refund().result_ref
        self.assertFalse(refund.invoice_id)
        self.assertEqual(refund.odoo_id.reversed_entry_id, invoice)
        self.assertEqual(
            sale.invoice_ids.filtered(lambda m: m.move_type == "out_invoice"), invoice
        )

    def test_duplicate_delivery_makes_one_credit_note(self):
        sale = self.import_order()
        self.deliver_goods(sale)
        first = self.refund(event_id="refund-1")
        again = self.refund(event_id="refund-2")
        self.assertEqual(first.state, "done", first.error)
        self.assertEqual(again.state, "ignored")
        self.assertIn("already recorded", again.reason)
        self.assertEqual(len(self.credit_notes(sale)), 1)
        self.assertEqual(len(sale.shopify_refund_ids.return_picking_ids), 1)
        self.assertEqual(self.Refund.search_count([("sale_order_id", "=", sale.id)]), 1)

    def test_two_refunds_of_one_line(self):
        sale = self.import_order()
        self.deliver_goods(sale)
        self.refund(event_id="refund-1")
        second = self.payload_with(restock_type="no_restock")
        second["id"] = 1042871296050
        second["admin_graphql_api_id"] = "gid://shopify/Refund/1042871296050"
        event = self.refund(second, event_id="refund-2")
        self.assertEqual(event.state, "done", event.error)
        tee_line = self.sale_line(sale, TEE_GID)
        self.assertEqual(tee_line.shopify_refunded_qty, 2)
        self.assertEqual(tee_line.qty_invoiced, 0)
        self.assertEqual(len(self.credit_notes(sale)), 2)
        self.assertEqual(event.result_ref.line_ids.qty_kept, 1)
        # a third refund of the same line is more than the order holds
        third = copy.deepcopy(second)
        third["id"] = 1042871296051
        third["admin_graphql_api_id"] = "gid://shopify/Refund/1042871296051"
        event = self.refund(third, event_id="refund-3")
        self.assertEqual(event.state, "failed")
        self.assertIn("more than sale order", event.error)

    def test_refund_line_not_on_the_order(self):
        self.import_order()
        payload = copy.deepcopy(self.refund_payload)
        item = payload["refund_line_items"][0]
        item["line_item_id"] = 15873029999999
        item["line_item"]["admin_graphql_api_id"] = (
            "gid://shopify/LineItem/15873029999999"
        )
        event = self.refund(payload)
        self.assertEqual(event.state, "failed")
        (exception,) = self.open_exceptions()
        self.assertEqual(exception.category, "mapping")
        self.assertIn("Organic Cotton Tee - Navy / M", exception.message)
        self.assertIn("TEE-ORG-NAV-M", exception.message)
        self.assertIn("gid://shopify/LineItem/15873029999999", exception.message)
        self.assertFalse(self.Refund.search([]))

    def test_amounts_not_matching(self):
        sale = self.import_order()
        payload = copy.deepcopy(self.refund_payload)
        item = payload["refund_line_items"][0]
        item["total_tax"] = "5.00"
        item["total_tax_set"]["shop_money"]["amount"] = "5.00"
        event = self.refund(payload)
        self.assertEqual(event.state, "failed")
        (exception,) = self.open_exceptions()
        self.assertIn("24.49", exception.message)
        self.assertIn("27.50 USD", exception.message)
        self.assertIn("tax", exception.hint)
        self.assertEqual(exception.record_ref, sale)
        # nothing was kept: no invoice, no credit note, no refund
        self.assertFalse(sale.invoice_ids)
        self.assertFalse(self.Refund.search([]))

    def test_money_sent_back_differs_from_the_items(self):
        sale = self.import_order()
        self.deliver_goods(sale)
        payload = copy.deepcopy(self.refund_payload)
        payload["transactions"][0]["amount"] = "20.00"
        event = self.refund(payload)
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        self.assertLessEqual(abs(refund.odoo_id.amount_total - 24.50), 0.03)
        (exception,) = self.open_exceptions()
        self.assertEqual(exception.category, "conflict")
        self.assertIn("sent back 20.00 USD", exception.message)
        self.assertIn("24.50", exception.message)
        self.assertEqual(exception.record_ref, refund.odoo_id)

    def test_cancel_of_goods_odoo_already_shipped(self):
        sale = self.import_order()
        self.deliver_goods(sale)
        event = self.refund(self.payload_with(restock_type="cancel"))
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        self.assertTrue(refund.odoo_id)
        self.assertFalse(refund.return_picking_ids)
        self.assertEqual(refund.line_ids.qty_kept, 1)
        self.assertEqual(self.sale_line(sale, TEE_GID).product_uom_qty, 2)
        (exception,) = self.open_exceptions()
        self.assertEqual(exception.category, "conflict")
        self.assertIn("already delivered", exception.message)
        self.assertIn("1 × Organic Cotton Tee - Navy / M", exception.message)
        self.assertEqual(exception.record_ref, sale)

    def test_amount_only_refund_is_for_a_person(self):
        sale = self.import_order()
        payload = self.payload_with(lines=[])
        payload["transactions"][0]["amount"] = "5.00"
        event = self.refund(payload)
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        self.assertEqual(refund.state, "manual")
        self.assertFalse(refund.line_ids)
        self.assertFalse(sale.invoice_ids)
        (exception,) = self.open_exceptions()
        self.assertIn("5.00 USD", exception.message)
        self.assertIn("no item and no shipping", exception.message)

    def test_refund_of_a_quotation_is_for_a_person(self):
        self.backend.auto_confirm = False
        sale = self.import_order()
        self.assertEqual(sale.state, "draft")
        refund = self.refund().result_ref
        self.assertEqual(refund.state, "manual")
        self.assertEqual(self.sale_line(sale, TEE_GID).product_uom_qty, 2)
        (exception,) = self.open_exceptions()
        self.assertIn("not confirmed", exception.message)
        self.assertIn("quotation", exception.hint)

    def test_refund_of_a_cancelled_order_is_ignored(self):
        sale = self.import_order()
        sale._action_cancel()
        event = self.refund()
        self.assertEqual(event.state, "ignored")
        self.assertIn("cancelled", event.reason)
        self.assertFalse(self.Refund.search([]))


class TestRefundTaxesIncluded(RefundCase):
    """A store whose prices include VAT, in euros."""

    def setUp(self):
        super().setUp()
        self.eur = self.env.ref("base.EUR")
        self.eur.active = True
        self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": self.eur.id}
        )
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
        self.bonnet = Product.create(
            {"name": "Bonnet", "default_code": "BON-LAI-GRI", "type": "consu"}
        )

    def test_refund_amounts_already_hold_the_tax(self):
        event = self.process(
            "orders/create", self.fixture("order_tax_included"), "order-1"
        )
        self.assertEqual(event.state, "done", event.error)
        sale = event.result_ref
        self.deliver_goods(sale)
        event = self.refund(self.fixture("refund_tax_included"))
        self.assertEqual(event.state, "done", event.error)
        refund = event.result_ref
        credit_note = refund.odoo_id
        self.assertEqual(credit_note.currency_id, self.eur)
        # what the customer got back, to the cent: 21.60 + 4.90, VAT within
        self.assertAlmostEqual(refund.amount_total, 26.50, places=2)
        self.assertAlmostEqual(credit_note.amount_total, 26.50, places=2)
        self.assertAlmostEqual(credit_note.amount_tax, 4.42, places=2)
        self.assertEqual(
            credit_note.invoice_line_ids.product_id,
            self.bonnet | self.backend.shipping_product_id,
        )
        self.assertEqual(refund.return_picking_ids.move_ids.product_id, self.bonnet)
        self.assertEqual(refund.return_picking_ids.move_ids.product_uom_qty, 1)
        self.assertFalse(self.open_exceptions())


class TestRefundOfMissingOrder(RefundCase):
    def recent(self):
        payload = copy.deepcopy(self.refund_payload)
        payload["created_at"] = (
            fields.Datetime.to_string(
                fields.Datetime.now() - timedelta(minutes=5)
            ).replace(" ", "T")
            + "Z"
        )
        return payload

    def test_recent_refund_waits_for_its_order(self):
        event = self.deliver("refunds/create", self.recent(), event_id="refund-1")
        with self.assertRaises(RetryableJobError) as caught:
            event._process()
        self.assertGreaterEqual(caught.exception.seconds, 600)
        self.assertIn(ORDER_GID, str(caught.exception))
        self.assertFalse(self.open_exceptions())

    def test_refund_waits_while_the_order_is_queued(self):
        self.deliver("orders/create", self.order_payload, event_id="order-1")
        event = self.deliver("refunds/create", self.refund_payload, event_id="refund-1")
        with self.assertRaises(RetryableJobError) as caught:
            event._process()
        self.assertLess(caught.exception.seconds, 60)
        self.assertIn("#1042", str(caught.exception))

    def test_old_refund_of_an_order_never_received(self):
        event = self.refund()
        self.assertEqual(event.state, "failed")
        (exception,) = self.open_exceptions()
        self.assertEqual(exception.category, "mapping")
        self.assertIn(ORDER_GID, exception.message)
        self.assertIn(
            "https://admin.shopify.com/store/retail-test/orders/6218845716529",
            exception.message,
        )
        self.assertIn("Import orders", exception.hint)
        # once the order is imported, the refund is queued again by itself
        self.import_order()
        self.assertEqual(event.state, "queued")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertTrue(event.result_ref.odoo_id)
        self.assertEqual(exception.state, "resolved")

    def test_refund_of_an_order_not_imported_names_why(self):
        pending = copy.deepcopy(self.order_payload)
        pending["financial_status"] = "pending"
        order_event = self.process("orders/create", pending, "order-1")
        self.assertEqual(order_event.state, "ignored")
        event = self.refund()
        self.assertEqual(event.state, "failed")
        (exception,) = self.open_exceptions()
        self.assertIn("#1042", exception.message)
        self.assertIn("not imported", exception.message)
        self.assertIn("pending", exception.message)
        self.assertEqual(exception.record_ref, order_event)


class TestRefundEndToEnd(RefundCase):
    """Order and refund made in the simulated store, delivered as webhooks."""

    def setUp(self):
        super().setUp()
        self.setup_simulator()
        self.sim_tee = self.sim.add_product(
            "Organic tee", variants=[{"sku": "TEE-ORG-NAV-M", "price": "25.00"}]
        )["variants"][0]
        location = self.sim.add_location("Warehouse")
        self.sim.set_available(self.sim_tee["inventoryItem"]["id"], location, 20)

    def deliver_outbox(self):
        """Process the webhooks the store sent, in order; return the events."""
        events = self.Event
        while self.sim.outbox:
            webhook = self.sim.outbox.pop(0)
            event = self.deliver(
                webhook.topic, webhook.payload, event_id=webhook.event_id
            )
            event._process()
            events |= event
        return events

    def test_order_then_refund_from_the_store(self):
        tax = [{"title": "NY State Tax", "rate": "0.04"}]
        order = self.sim.create_order(
            [{"variant_gid": self.sim_tee["id"], "quantity": 3, "price": "25.00"}],
            tax_lines=tax,
            shipping={"title": "Standard", "price": "6.95", "tax_lines": tax},
        )
        events = self.deliver_outbox()
        self.assertIn("orders/create", events.mapped("topic"))
        binding = self.Binding._retail_get(self.backend, order["admin_graphql_api_id"])
        sale = binding.odoo_id
        self.assertEqual(sale.state, "sale")
        # Odoo ships two tees; the fulfilment reaches the store
        picking = sale.picking_ids
        picking.action_assign()
        picking.move_ids.write({"quantity": 2, "picked": True})
        picking.with_context(skip_backorder=True).button_validate()
        backorder = sale.picking_ids - picking
        self.assertEqual(backorder.move_ids.product_uom_qty, 1)
        self.backend._retail_export_job("fulfillments")
        self.deliver_outbox()
        # the customer sends one tee back, the third is cancelled, shipping refunded
        line_gid = order["line_items"][0]["admin_graphql_api_id"]
        self.sim.refund_order(
            order["admin_graphql_api_id"],
            lines={line_gid: 1},
            restock_type="return",
            shipping=True,
            note="One tee back, one never shipped",
        )
        payload = self.sim.refund_order(
            order["admin_graphql_api_id"],
            lines={line_gid: 1},
            restock_type="cancel",
        )
        events = self.deliver_outbox()
        refund_events = events.filtered(lambda e: e.topic == "refunds/create")
        self.assertEqual(len(refund_events), 2)
        self.assertEqual(set(refund_events.mapped("state")), {"done"})
        refunds = sale.shopify_refund_ids
        self.assertEqual(len(refunds), 2)
        for refund in refunds:
            paid_back = float(
                json.loads(
                    refund_events.filtered(
                        lambda e, r=refund: e.result_ref == r
                    ).payload
                )["transactions"][0]["amount"]
            )
            self.assertLessEqual(abs(refund.odoo_id.amount_total - paid_back), 0.02)
        returned = refunds.filtered("return_picking_ids")
        self.assertEqual(returned.return_picking_ids.move_ids.product_uom_qty, 1)
        cancelled = refunds.filtered(
            lambda r: r.external_id == payload["admin_graphql_api_id"]
        )
        self.assertEqual(cancelled.line_ids.qty_cancelled, 1)
        tee_line = sale.order_line.filtered(lambda line: line.product_id == self.tee)
        self.assertEqual(tee_line.product_uom_qty, 2)
        self.assertEqual(tee_line.qty_delivered, 2)
        self.assertEqual(tee_line.shopify_refunded_qty, 1)
        self.assertEqual(tee_line.qty_to_invoice, 0)
        self.assertEqual(sale.invoice_status, "invoiced")
        self.assertEqual(binding.financial_status, "partially_refunded")
        # nothing is left to deliver: the cancelled tee never ships
        self.assertEqual(backorder.state, "cancel")
