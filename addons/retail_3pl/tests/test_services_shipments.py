import unittest

from odoo.addons.retail_3pl.services import contract, shipments
from odoo.addons.retail_connector_base.services.errors import (
    MappingError,
    PayloadValidationError,
)


def shipment(*packages, ref="S-1"):
    return contract.ShipmentConfirmed.model_validate(
        {
            "order_ref": "abc-1",
            "shipment_ref": ref,
            "shipped_at": "2026-11-30T10:00:00Z",
            "final": True,
            "packages": [
                {"package_ref": f"P-{n}", "tracking_number": tracking, "lines": lines}
                for n, (tracking, lines) in enumerate(packages)
            ],
        }
    )


SENT = {"10": "TOTE", "11": "MUG"}


class TestShippedByLine(unittest.TestCase):
    def test_packages_are_summed_per_line(self):
        result = shipments.shipped_by_line(
            shipment(
                ("T1", [{"line_ref": "10", "sku": "TOTE", "qty": 1}]),
                (
                    "T2",
                    [
                        {"line_ref": "10", "sku": "TOTE", "qty": 2},
                        {"line_ref": "11", "sku": "MUG", "qty": 1, "serials": ["S1"]},
                    ],
                ),
            ),
            SENT,
        )
        self.assertEqual(result["10"].qty, 3)
        self.assertEqual(result["11"].serials, ["S1"])

    def test_unknown_lines_and_skus_are_named(self):
        with self.assertRaises(MappingError) as caught:
            shipments.shipped_by_line(
                shipment(
                    (
                        None,
                        [
                            {"line_ref": "99", "sku": "HAT", "qty": 1},
                            {"line_ref": "11", "sku": "TOTE", "qty": 1},
                        ],
                    )
                ),
                SENT,
            )
        message = str(caught.exception)
        self.assertIn("99 (HAT)", message)
        self.assertIn("lines Odoo did not send", message)
        self.assertIn("11: TOTE instead of MUG", message)

    def test_lots_must_add_up(self):
        with self.assertRaises(PayloadValidationError):
            shipments.shipped_by_line(
                shipment(
                    (
                        None,
                        [
                            {
                                "line_ref": "10",
                                "sku": "TOTE",
                                "qty": 3,
                                "lots": [{"lot": "L1", "qty": 2}],
                            }
                        ],
                    )
                ),
                SENT,
            )

    def test_serial_twice_is_refused(self):
        with self.assertRaises(PayloadValidationError):
            shipments.shipped_by_line(
                shipment(
                    (
                        None,
                        [{"line_ref": "11", "sku": "MUG", "qty": 1, "serials": ["S1"]}],
                    ),
                    (
                        None,
                        [{"line_ref": "11", "sku": "MUG", "qty": 1, "serials": ["S1"]}],
                    ),
                ),
                SENT,
            )


class TestTracking(unittest.TestCase):
    def test_numbers_once_in_order(self):
        result = shipments.tracking_numbers(
            shipment(
                ("T1", [{"line_ref": "10", "sku": "TOTE", "qty": 1}]),
                (None, [{"line_ref": "10", "sku": "TOTE", "qty": 1}]),
                ("T1", [{"line_ref": "10", "sku": "TOTE", "qty": 1}]),
                ("T2", [{"line_ref": "10", "sku": "TOTE", "qty": 1}]),
            )
        )
        self.assertEqual(result, ["T1", "T2"])

    def test_merge_keeps_what_is_there(self):
        self.assertEqual(shipments.merge_tracking(False, ["T1"]), "T1")
        self.assertEqual(shipments.merge_tracking("T0, T1", ["T1", "T2"]), "T0,T1,T2")
        self.assertEqual(shipments.merge_tracking("T0", []), "T0")
