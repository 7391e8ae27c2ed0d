import unittest

from odoo.addons.retail_3pl.services import inventory


class TestUnexplained(unittest.TestCase):
    def test_in_flight_explains_a_shortfall_up_to_itself(self):
        self.assertEqual(inventory.unexplained(10, 10, 0), 0)
        self.assertEqual(inventory.unexplained(10, 7, 3), 0)
        self.assertEqual(inventory.unexplained(10, 8, 3), 0)
        self.assertEqual(inventory.unexplained(10, 6, 3), -1)
        self.assertEqual(inventory.unexplained(10, 7, 0), -3)

    def test_a_surplus_is_never_explained_by_in_flight(self):
        self.assertEqual(inventory.unexplained(10, 12, 5), 2)


class TestCompare(unittest.TestCase):
    def test_outcomes(self):
        result = {
            d.sku: d
            for d in inventory.compare(
                odoo={"A": 10, "B": 10, "C": 10, "D": 10, "E": 4},
                provider={"A": 10, "B": 8, "C": 9, "D": 2, "X": 5},
                in_flight={"B": 2},
                tolerance=1,
                known={"A", "B", "C", "D", "E"},
            )
        }
        self.assertEqual(result["A"].outcome, "matched")
        self.assertEqual(result["B"].outcome, "matched")  # two in flight
        self.assertEqual(result["C"].outcome, "adjusted")
        self.assertEqual(result["C"].unexplained, -1)
        self.assertEqual(result["D"].outcome, "exception")
        self.assertEqual(result["E"].outcome, "exception")  # not on the shelves
        self.assertEqual(result["E"].provider_qty, 0)
        self.assertEqual(result["X"].outcome, "unknown")
        self.assertEqual(list(result), ["A", "B", "C", "D", "E", "X"])

    def test_zero_tolerance_adjusts_nothing(self):
        (diff,) = inventory.compare({"A": 3}, {"A": 2}, {}, 0)
        self.assertEqual(diff.outcome, "exception")
