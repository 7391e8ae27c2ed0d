import unittest
from decimal import Decimal

from ..services import cashup as service
from ..services import schemas
from .common import PosTestMixin


def report(imported, tolerance="0", **cashup):
    document = PosTestMixin.cashup(**cashup)
    model, errors = schemas.validate_cashup(document)
    assert not errors, errors
    return service.compare(
        model,
        imported,
        cash_methods={"CASH"},
        tolerance=Decimal(tolerance),
        rounding=Decimal("0.01"),
    )


class TestCompare(unittest.TestCase):
    def test_missing_numbers(self):
        self.assertEqual(service.missing_numbers(1, 5, [1, 3, 5]), [2, 4])
        self.assertEqual(service.missing_numbers(None, 5, [1]), [])
        self.assertEqual(service.missing_numbers(3, 3, [3]), [])

    def test_a_matching_day(self):
        imported = service.Imported(
            numbers=[1, 2],
            totals={"CASH": Decimal("10"), "CARD": Decimal("5")},
            cash=Decimal("10"),
        )
        result = report(
            imported,
            count=2,
            first=1,
            last=2,
            totals=(("CASH", "10.00"), ("CARD", "5.00")),
            counted="10.00",
        )
        self.assertEqual(result.problems, [])
        self.assertEqual(result.cash_difference, Decimal("0.00"))

    def test_gaps_and_counts(self):
        imported = service.Imported(numbers=[1, 4], totals={}, cash=Decimal(0))
        result = report(imported, count=4, first=1, last=4)
        self.assertEqual(result.missing, [2, 3])
        self.assertIn("4 tickets in the Z report, 2 imported", result.problems)
        self.assertIn("missing ticket numbers 2, 3", result.problems)

    def test_many_missing_numbers_are_summed_up(self):
        imported = service.Imported(numbers=[], totals={}, cash=Decimal(0))
        result = report(imported, count=30, first=1, last=30)
        self.assertIn("and 10 more", result.problems[1])

    def test_numbers_outside_the_range(self):
        imported = service.Imported(numbers=[1, 9], totals={}, cash=Decimal(0))
        result = report(imported, count=2, first=1, last=2)
        self.assertIn("imported ticket numbers outside 1-2: 9", result.problems)

    def test_totals_per_method(self):
        imported = service.Imported(
            numbers=[1],
            totals={"CARD": Decimal("5"), "GIFT": Decimal("1")},
            cash=Decimal(0),
        )
        result = report(imported, totals=(("CARD", "6.00"),))
        self.assertIn("CARD: 6.00 in the Z report, 5.00 imported", result.problems)
        self.assertIn("GIFT: 0.00 in the Z report, 1.00 imported", result.problems)

    def test_counted_cash_and_the_tolerance(self):
        imported = service.Imported(
            numbers=[1], totals={"CASH": Decimal("20")}, cash=Decimal("20")
        )
        inside = report(imported, "0.50", totals=(("CASH", "20.00"),), counted="19.60")
        self.assertEqual(inside.problems, [])
        self.assertEqual(inside.cash_difference, Decimal("-0.40"))
        outside = report(imported, "0.50", totals=(("CASH", "20.00"),), counted="19.40")
        self.assertEqual(len(outside.problems), 1)
        self.assertIn("counted cash 19.40 is -0.60 away", outside.problems[0])
