import unittest
from decimal import Decimal

from odoo.addons.retail_connector_base.services import money


class TestToDecimal(unittest.TestCase):
    def test_text_ints_floats_and_decimals(self):
        self.assertEqual(money.to_decimal("24.50"), Decimal("24.50"))
        self.assertEqual(money.to_decimal(" -3.10 "), Decimal("-3.10"))
        self.assertEqual(money.to_decimal(3), Decimal(3))
        self.assertEqual(money.to_decimal(Decimal("1.005")), Decimal("1.005"))

    def test_floats_keep_their_shortest_text(self):
        self.assertEqual(money.to_decimal(0.1), Decimal("0.1"))
        self.assertEqual(money.to_decimal(24.49), Decimal("24.49"))
        self.assertEqual(money.to_decimal(0.1 + 0.2), Decimal("0.30000000000000004"))

    def test_what_is_not_an_amount_is_refused(self):
        for value in (None, True, "", "12,50", "abc", float("nan"), float("inf")):
            with self.subTest(value=value), self.assertRaises(ValueError):
                money.to_decimal(value)
        for value in (Decimal("NaN"), Decimal("Infinity"), [1]):
            with self.subTest(value=value), self.assertRaises(ValueError):
                money.to_decimal(value)


class TestRoundAmount(unittest.TestCase):
    def test_cents_half_away_from_zero(self):
        self.assertEqual(money.round_amount("2.675", 0.01), Decimal("2.68"))
        self.assertEqual(money.round_amount("-2.675", 0.01), Decimal("-2.68"))
        self.assertEqual(money.round_amount("2.674", "0.01"), Decimal("2.67"))
        # the float 2.675 is 2.67499999...: its text is what is rounded
        self.assertEqual(money.round_amount(2.675, 0.01), Decimal("2.68"))

    def test_other_roundings(self):
        self.assertEqual(money.round_amount("1.02", 0.05), Decimal("1.00"))
        self.assertEqual(money.round_amount("1.03", 0.05), Decimal("1.05"))
        self.assertEqual(money.round_amount("1499.5", 1), Decimal("1500"))
        self.assertEqual(money.round_amount("10", 0.01), Decimal("10.00"))

    def test_rounding_must_be_positive(self):
        for rounding in (0, -0.01):
            with self.subTest(rounding=rounding), self.assertRaises(ValueError):
                money.round_amount("1", rounding)

    def test_rounded_difference(self):
        self.assertEqual(
            money.rounded_difference(76.7, Decimal("76.71"), 0.01), Decimal("-0.01")
        )
        self.assertFalse(money.rounded_difference(0.1 + 0.2, "0.3", 0.01))


class TestTolerance(unittest.TestCase):
    def test_one_rounding_unit_per_tax_line(self):
        self.assertEqual(money.tax_rounding_tolerance(3, 0.01), Decimal("0.03"))
        self.assertEqual(money.tax_rounding_tolerance(2, 0.05), Decimal("0.10"))
        self.assertEqual(money.tax_rounding_tolerance(0, 0.01), 0)
        with self.assertRaises(ValueError):
            money.tax_rounding_tolerance(-1, 0.01)

    def test_within_tolerance_in_both_directions(self):
        self.assertTrue(money.within_tolerance(76.68, "76.71", 9, 0.01))
        self.assertTrue(money.within_tolerance("76.74", 76.71, 3, 0.01))
        self.assertFalse(money.within_tolerance("76.75", 76.71, 3, 0.01))
        self.assertFalse(money.within_tolerance(76.67, "76.71", 3, 0.01))

    def test_without_tax_lines_only_equal_totals(self):
        self.assertTrue(money.within_tolerance(0.1 + 0.2, "0.30", 0, 0.01))
        self.assertFalse(money.within_tolerance(10.01, "10.00", 0, 0.01))

    def test_float_noise_is_not_a_rounding_unit(self):
        # 1.1 + 2.2 is 3.3000000000000003: three cents and some noise above 3.27
        self.assertTrue(money.within_tolerance(1.1 + 2.2, "3.27", 3, 0.01))
        self.assertFalse(money.within_tolerance(1.1 + 2.2, "3.26", 3, 0.01))

    def test_rounding_of_the_currency(self):
        self.assertTrue(money.within_tolerance("10.05", "10.00", 1, 0.05))
        self.assertFalse(money.within_tolerance("10.10", "10.00", 1, 0.05))
        self.assertTrue(money.within_tolerance(1001, 1000, 1, 1))
        self.assertFalse(money.within_tolerance(1002, 1000, 1, 1))
