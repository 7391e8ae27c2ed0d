"""The plain-Python rules of refunds (services/refunds.py)."""

import datetime
import unittest
from decimal import Decimal

from odoo.addons.retail_connector_base.services import money
from odoo.addons.retail_shopify.services import refunds
from odoo.addons.retail_shopify.services.refunds import LinePlan, plan_line


class TestPlanLine(unittest.TestCase):
    def test_return_of_shipped_units(self):
        plan = plan_line(1, "return", ordered=2, delivered=2, refunded=0)
        self.assertEqual(plan, LinePlan(ret=1))

    def test_return_of_units_odoo_did_not_ship_cancels_them(self):
        plan = plan_line(2, "return", ordered=3, delivered=1, refunded=0)
        self.assertEqual(plan, LinePlan(cancel=1, ret=1))

    def test_units_refunded_before_are_not_returned_twice(self):
        plan = plan_line(1, "legacy_restock", ordered=2, delivered=2, refunded=1)
        self.assertEqual(plan, LinePlan(ret=1))
        plan = plan_line(1, "return", ordered=3, delivered=2, refunded=2)
        self.assertEqual(plan, LinePlan(cancel=1))

    def test_cancel_takes_units_off_the_order(self):
        plan = plan_line(1, "cancel", ordered=2, delivered=0, refunded=0)
        self.assertEqual(plan, LinePlan(cancel=1))
        self.assertEqual(plan.quantity, 1)

    def test_cancel_of_units_odoo_shipped_keeps_them_and_says_so(self):
        plan = plan_line(2, "cancel", ordered=2, delivered=1, refunded=0)
        self.assertEqual(plan, LinePlan(cancel=1, kept=1, shipped_cancelled=1))

    def test_no_restock_takes_unshipped_units_first(self):
        plan = plan_line(2, "no_restock", ordered=3, delivered=2, refunded=0)
        self.assertEqual(plan, LinePlan(cancel=1, kept=1))

    def test_credit_note_only_moves_nothing(self):
        plan = plan_line(2, "return", ordered=2, delivered=2, refunded=0, stock=False)
        self.assertEqual(plan, LinePlan(kept=2))

    def test_nothing_refunded(self):
        self.assertEqual(
            plan_line(0, "return", ordered=1, delivered=1, refunded=0), LinePlan()
        )

    def test_refundable_quantity(self):
        self.assertEqual(refunds.refundable_quantity(3, 1), 2)
        self.assertEqual(refunds.refundable_quantity(1, 2), 0)


class TestPolicy(unittest.TestCase):
    def test_policy_of_the_store(self):
        for policy in (refunds.POLICY_RETURN, refunds.POLICY_CREDIT_NOTE):
            self.assertEqual(
                refunds.effective_policy(policy, confirmed=True, has_lines=True),
                (policy, None),
            )
        self.assertEqual(
            refunds.effective_policy(
                refunds.POLICY_RECORD, confirmed=True, has_lines=True
            ),
            (refunds.POLICY_RECORD, "policy"),
        )

    def test_what_only_a_person_can_handle(self):
        self.assertEqual(
            refunds.effective_policy(
                refunds.POLICY_RETURN, confirmed=False, has_lines=True
            ),
            (refunds.POLICY_RECORD, "quotation"),
        )
        self.assertEqual(
            refunds.effective_policy(
                refunds.POLICY_CREDIT_NOTE, confirmed=True, has_lines=False
            ),
            (refunds.POLICY_RECORD, "amount_only"),
        )


class TestAmounts(unittest.TestCase):
    def test_credited_amount_follows_the_price_basis(self):
        self.assertEqual(
            refunds.credited_amount("22.50", "2.00", False), Decimal("24.50")
        )
        self.assertEqual(
            refunds.credited_amount("21.60", "3.60", True), Decimal("21.60")
        )

    def test_even_split(self):
        self.assertEqual(
            refunds.split_amount(Decimal("45.00"), 2), [(2, Decimal("22.50"))]
        )
        self.assertEqual(refunds.split_amount(Decimal("0"), 3), [(3, Decimal("0"))])

    def test_uneven_split_totals_the_amount_exactly(self):
        parts = refunds.split_amount(Decimal("10.00"), 3)
        self.assertEqual(parts, [(2, Decimal("3.33")), (1, Decimal("3.34"))])
        self.assertEqual(sum(q * p for q, p in parts), Decimal("10.00"))
        parts = refunds.split_amount(Decimal("-0.05"), 2, Decimal("0.01"))
        self.assertEqual(sum(q * p for q, p in parts), Decimal("-0.05"))
        parts = refunds.split_amount(Decimal("1000"), 7, Decimal("1"))
        self.assertEqual(parts, [(1, Decimal("142")), (6, Decimal("143"))])

    def test_split_refuses_what_it_cannot_represent(self):
        with self.assertRaises(ValueError):
            refunds.split_amount(Decimal("1.005"), 1, Decimal("0.01"))
        with self.assertRaises(ValueError):
            refunds.split_amount(Decimal("1.00"), 0)

    def test_tolerance_is_one_step_per_tax_line(self):
        self.assertTrue(money.within_tolerance(24.49, Decimal("24.50"), 3, 0.01))
        self.assertTrue(money.within_tolerance(24.47, Decimal("24.50"), 3, 0.01))
        self.assertFalse(money.within_tolerance(24.46, Decimal("24.50"), 3, 0.01))
        self.assertTrue(money.within_tolerance(10.0, Decimal("10.00"), 0, 0.01))
        self.assertFalse(money.within_tolerance(10.01, Decimal("10.00"), 0, 0.01))


class TestMissingOrder(unittest.TestCase):
    NOW = datetime.datetime(2026, 11, 20, 12, 0)

    def outcome(self, minutes_ago, state=None):
        created = self.NOW - datetime.timedelta(minutes=minutes_ago)
        return refunds.missing_order_outcome(created, self.NOW, state)

    def test_order_delivery_waiting_in_the_queue(self):
        for state in ("received", "queued", "processing"):
            self.assertEqual(self.outcome(600, state), "queued")

    def test_order_held_or_skipped(self):
        self.assertEqual(self.outcome(5, "failed"), "held")
        self.assertEqual(self.outcome(5, "ignored"), "skipped")

    def test_recent_refund_waits_then_asks_a_person(self):
        self.assertEqual(self.outcome(5), "wait")
        self.assertEqual(self.outcome(59), "wait")
        self.assertEqual(self.outcome(61), "missing")
        self.assertEqual(refunds.missing_order_outcome(None, self.NOW), "missing")
