import copy
import datetime
import json
import os
import unittest

from odoo.addons.retail_3pl.services import contract, openapi
from odoo.addons.retail_connector_base.services.errors import PayloadValidationError

HERE = os.path.dirname(__file__)


def envelope(message_type, payload, **extra):
    return {
        "message_id": "m-1",
        "type": message_type,
        "occurred_at": "2026-11-30T10:00:00Z",
        "warehouse_code": "TPL",
        "payload": payload,
        **extra,
    }


SHIPMENT = {
    "order_ref": "abc-1",
    "shipment_ref": "S-1",
    "shipped_at": "2026-11-30T09:58:00+01:00",
    "carrier": "UPS",
    "service": "Ground",
    "final": False,
    "packages": [
        {
            "package_ref": "P-1",
            "tracking_number": "1Z999",
            "weight_kg": 1.2,
            "lines": [
                {
                    "line_ref": "10",
                    "sku": "TOTE",
                    "qty": 2,
                    "lots": [{"lot": "L1", "qty": 2, "expiry": "2027-01-31"}],
                    "serials": [],
                }
            ],
        }
    ],
}
EXAMPLES = {
    "shipment.confirmed": SHIPMENT,
    "order.cancelled": {"order_ref": "abc-1", "reason": "Out of stock"},
    "receipt.confirmed": {
        "receipt_ref": "R-1",
        "final": True,
        "lines": [{"line_ref": "5", "sku": "TOTE", "qty": 10, "lots": []}],
    },
    "inventory.snapshot": {
        "as_of": "2026-11-30T10:00:00Z",
        "items": [
            {
                "sku": "TOTE",
                "on_hand": 40,
                "available": 38,
                "lots": [{"lot": "L1", "qty": 40, "expiry": None}],
            }
        ],
    },
    "return.received": {
        "rma_ref": "RMA-1",
        "order_ref": "abc-1",
        "lines": [{"sku": "TOTE", "qty": 1, "condition": "damaged", "lots": []}],
    },
}


class TestMessages(unittest.TestCase):
    def assertRefused(self, data, path):
        with self.assertRaises(PayloadValidationError) as caught:
            contract.parse_message(data)
        self.assertEqual(caught.exception.details["field"], path, str(caught.exception))
        self.assertIn(path, str(caught.exception))
        return caught.exception

    def test_every_type_is_read(self):
        for message_type, payload in EXAMPLES.items():
            with self.subTest(message_type):
                message = contract.parse_message(envelope(message_type, payload))
                self.assertEqual(message.type, message_type)
                self.assertIsInstance(message.payload, contract.PAYLOADS[message_type])
                self.assertEqual(
                    message.occurred_at, datetime.datetime(2026, 11, 30, 10, 0)
                )

    def test_timestamps_become_naive_utc(self):
        message = contract.parse_message(envelope("shipment.confirmed", SHIPMENT))
        self.assertEqual(
            message.payload.shipped_at, datetime.datetime(2026, 11, 30, 8, 58)
        )
        lot = message.payload.packages[0].lines[0].lots[0]
        self.assertEqual(lot.expiry, datetime.date(2027, 1, 31))

    def test_envelope_fields_are_required(self):
        for field in ("message_id", "type", "occurred_at", "warehouse_code", "payload"):
            with self.subTest(field):
                data = envelope("order.cancelled", EXAMPLES["order.cancelled"])
                del data[field]
                self.assertRefused(data, field)

    def test_unknown_type_is_named(self):
        error = self.assertRefused(envelope("order.shipped", {}), "type")
        self.assertIn("order.shipped", str(error))

    def test_not_an_object(self):
        self.assertRefused([1, 2], "(payload)")

    def test_payload_errors_name_the_path(self):
        cases = [
            (("packages", 0, "lines", 0, "qty"), 0, "payload.packages[0].lines[0].qty"),
            (
                ("packages", 0, "lines", 0, "sku"),
                "",
                "payload.packages[0].lines[0].sku",
            ),
            (("packages",), [], "payload.packages"),
            (("final",), "maybe", "payload.final"),
            (("shipped_at",), "yesterday", "payload.shipped_at"),
            (
                ("packages", 0, "lines", 0, "lots", 0, "qty"),
                -1,
                "payload.packages[0].lines[0].lots[0].qty",
            ),
        ]
        for keys, value, path in cases:
            with self.subTest(path):
                payload = copy.deepcopy(SHIPMENT)
                target = payload
                for key in keys[:-1]:
                    target = target[key]
                target[keys[-1]] = value
                self.assertRefused(envelope("shipment.confirmed", payload), path)

    def test_each_type_checks_its_own_payload(self):
        self.assertRefused(envelope("order.cancelled", {}), "payload.order_ref")
        self.assertRefused(
            envelope("receipt.confirmed", {"receipt_ref": "R", "lines": []}),
            "payload.final",
        )
        self.assertRefused(
            envelope(
                "inventory.snapshot",
                {"as_of": "2026-11-30T10:00:00Z", "items": [{"sku": "A"}]},
            ),
            "payload.items[0].on_hand",
        )
        returned = copy.deepcopy(EXAMPLES["return.received"])
        returned["lines"][0]["condition"] = "used"
        self.assertRefused(
            envelope("return.received", returned), "payload.lines[0].condition"
        )

    def test_error_lists_the_other_faulty_fields(self):
        payload = copy.deepcopy(SHIPMENT)
        del payload["order_ref"]
        del payload["final"]
        error = self.assertRefused(
            envelope("shipment.confirmed", payload), "payload.order_ref"
        )
        self.assertEqual(error.details["other_fields"], ["payload.final"])
        self.assertEqual(error.details.get("remote_ref"), None)

    def test_subject_names_the_order(self):
        self.assertEqual(
            contract.subject_of("shipment.confirmed", SHIPMENT), "order:abc-1"
        )
        self.assertEqual(
            contract.subject_of("receipt.confirmed", {"receipt_ref": "R-1"}),
            "receipt:R-1",
        )
        self.assertIsNone(contract.subject_of("inventory.snapshot", {}))
        self.assertIsNone(contract.subject_of("order.cancelled", {"order_ref": 5}))


class TestRequests(unittest.TestCase):
    ORDER = {
        "message_id": "m-1",
        "order_ref": "abc-1",
        "warehouse_code": "TPL",
        "order_date": "2026-11-30T10:00:00Z",
        "ship_method": "UPS Ground",
        "ship_to": {
            "name": "Ada",
            "street": "1 Main St",
            "city": "Springfield",
            "country_code": "US",
        },
        "lines": [{"line_ref": "10", "sku": "TOTE", "qty": 2}],
    }

    def test_order_dump_leaves_out_empty_fields(self):
        order = contract.build(contract.FulfillmentOrder, self.ORDER, "order abc-1")
        data = contract.dump(order)
        self.assertEqual(data["order_date"], "2026-11-30T10:00:00Z")
        self.assertEqual(
            data["lines"],
            [{"line_ref": "10", "sku": "TOTE", "qty": 2.0, "uom": "Units"}],
        )
        self.assertNotIn("street2", data["ship_to"])

    def test_order_without_country_or_lines_is_refused(self):
        data = copy.deepcopy(self.ORDER)
        data["ship_to"]["country_code"] = ""
        with self.assertRaises(PayloadValidationError) as caught:
            contract.build(
                contract.FulfillmentOrder, data, "order abc-1", hint="fix %(path)s"
            )
        self.assertEqual(caught.exception.details["field"], "ship_to.country_code")
        self.assertEqual(caught.exception.hint, "fix ship_to.country_code")
        data = dict(self.ORDER, lines=[])
        with self.assertRaises(PayloadValidationError):
            contract.build(contract.FulfillmentOrder, data, "order abc-1")

    def test_answers(self):
        answer = contract.parse_answer(
            contract.CancelAnswer,
            {"status": "partial", "lines": [{"line_ref": "10", "qty_cancelled": 1}]},
            "cancel",
        )
        self.assertEqual(answer.lines[0].qty_cancelled, 1)
        with self.assertRaises(PayloadValidationError) as caught:
            contract.parse_answer(contract.CancelAnswer, {"status": "maybe"}, "cancel")
        self.assertEqual(caught.exception.details["field"], "status")
        inventory = contract.parse_answer(
            contract.InventoryAnswer, EXAMPLES["inventory.snapshot"], "inventory"
        )
        self.assertEqual(inventory.items[0].on_hand, 40)


class TestOpenApi(unittest.TestCase):
    def test_published_document_is_generated_from_the_models(self):
        path = os.path.join(HERE, "..", "openapi", "retail-3pl-v1.json")
        with open(path, encoding="utf-8") as file:
            published = file.read()
        self.assertEqual(
            published,
            openapi.dumps(),
            "openapi/retail-3pl-v1.json is out of date: regenerate it with "
            "services.openapi.write()",
        )

    def test_both_directions_are_described(self):
        document = openapi.document()
        self.assertIn("/fulfillment-orders", document["paths"])
        self.assertIn("/fulfillment-orders/{order_ref}/cancel", document["paths"])
        self.assertIn("/receipts", document["paths"])
        self.assertIn("/inventory", document["paths"])
        inbound = document["paths"]["/retail/3pl/v1/providers/{provider_id}/messages"]
        mapping = inbound["post"]["requestBody"]["content"]["application/json"][
            "schema"
        ]["discriminator"]["mapping"]
        self.assertEqual(sorted(mapping), sorted(contract.MESSAGE_TYPES))
        schemas = document["components"]["schemas"]
        for ref in mapping.values():
            self.assertIn(ref.rsplit("/", 1)[1], schemas)
        # every reference resolves
        text = json.dumps(document)
        for name in {
            part.split('"')[0] for part in text.split("#/components/schemas/")[1:]
        }:
            self.assertIn(name, schemas)
        shipment = schemas["ShipmentConfirmed"]
        self.assertEqual(shipment["properties"]["shipped_at"]["format"], "date-time")
