import copy
import datetime
import unittest

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_shopify.services import fulfillment_mapper
from odoo.addons.retail_shopify.services.fulfillment_mapper import (
    Fulfillment,
    FulfillmentLine,
    fulfillment_from_webhook,
    order_status_after,
)

# a fulfillments/create payload as Shopify sends it (API 2026-10)
PAYLOAD = {
    "id": 5582911045937,
    "admin_graphql_api_id": "gid://shopify/Fulfillment/5582911045937",
    "order_id": 6218845716529,
    "name": "#1042.1",
    "status": "success",
    "service": "manual",
    "shipment_status": None,
    "location_id": 81234567985,
    "created_at": "2026-11-04T09:12:30-05:00",
    "updated_at": "2026-11-04T09:12:31-05:00",
    "tracking_company": "UPS",
    "tracking_number": "1Z999AA10123456784",
    "tracking_numbers": ["1Z999AA10123456784"],
    "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    "tracking_urls": ["https://www.ups.com/track?tracknum=1Z999AA10123456784"],
    "origin_address": {},
    "receipt": {},
    "line_items": [
        {
            "id": 15871234097457,
            "admin_graphql_api_id": "gid://shopify/LineItem/15871234097457",
            "variant_id": 44817298423857,
            "title": "Organic tee",
            "sku": "TEE-ORG-NAV-M",
            "quantity": 2,
            "fulfillable_quantity": 0,
            "fulfillment_status": "fulfilled",
        },
        {
            "id": 15871234130225,
            "admin_graphql_api_id": "gid://shopify/LineItem/15871234130225",
            "title": "Canvas tote",
            "sku": "TOTE-CNV-NAT",
            "quantity": 1,
            "fulfillable_quantity": 1,
            "fulfillment_status": "partial",
        },
    ],
}


class TestFulfillmentFromWebhook(unittest.TestCase):
    def payload(self, **changes):
        data = copy.deepcopy(PAYLOAD)
        data.update(changes)
        return data

    def assertInvalid(self, payload, field, *texts):
        with self.assertRaises(errors.PayloadValidationError) as caught:
            fulfillment_from_webhook(payload)
        exc = caught.exception
        self.assertEqual(exc.details["field"], field)
        self.assertIn(field, exc.message)
        for text in texts:
            self.assertIn(text, exc.message)
        self.assertIn(field, exc.hint)
        self.assertEqual(exc.category, "validation")
        return exc

    def test_maps_the_payload(self):
        fulfillment = fulfillment_from_webhook(self.payload())
        self.assertEqual(fulfillment.gid, "gid://shopify/Fulfillment/5582911045937")
        self.assertEqual(fulfillment.legacy_id, 5582911045937)
        self.assertEqual(fulfillment.order_gid, "gid://shopify/Order/6218845716529")
        self.assertEqual(fulfillment.label, "#1042.1")
        self.assertEqual(fulfillment.status, "success")
        self.assertTrue(fulfillment.ships)
        self.assertIsNone(fulfillment.shipment_status)
        self.assertEqual(fulfillment.tracking_company, "UPS")
        self.assertEqual(fulfillment.tracking_number, "1Z999AA10123456784")
        self.assertEqual(len(fulfillment.tracking_urls), 1)
        self.assertEqual(
            fulfillment.updated_at, datetime.datetime(2026, 11, 4, 14, 12, 31)
        )
        self.assertEqual(fulfillment.quantity, 3)
        self.assertEqual(
            fulfillment.lines[0],
            FulfillmentLine(
                gid="gid://shopify/LineItem/15871234097457",
                quantity=2,
                remaining=0,
                sku="TEE-ORG-NAV-M",
                title="Organic tee",
            ),
        )

    def test_statuses_and_shipment_status(self):
        for status in fulfillment_mapper.STATUSES:
            with self.subTest(status=status):
                fulfillment = fulfillment_from_webhook(
                    self.payload(status=status.upper(), shipment_status="IN_TRANSIT")
                )
                self.assertEqual(fulfillment.status, status)
                self.assertEqual(fulfillment.shipment_status, "in_transit")
                self.assertEqual(
                    fulfillment.ships, status in ("pending", "open", "success")
                )

    def test_tracking_without_the_lists(self):
        fulfillment = fulfillment_from_webhook(
            self.payload(tracking_numbers=None, tracking_urls=[], tracking_url=" ")
        )
        self.assertEqual(fulfillment.tracking_numbers, ("1Z999AA10123456784",))
        self.assertEqual(fulfillment.tracking_urls, ())
        untracked = fulfillment_from_webhook(
            self.payload(tracking_number=None, tracking_numbers=[None, ""])
        )
        self.assertIsNone(untracked.tracking_number)

    def test_line_id_without_global_id(self):
        payload = self.payload()
        del payload["line_items"][0]["admin_graphql_api_id"]
        fulfillment = fulfillment_from_webhook(payload)
        self.assertEqual(
            fulfillment.lines[0].gid, "gid://shopify/LineItem/15871234097457"
        )
        self.assertIsNone(
            fulfillment_from_webhook(self.payload(name=None)).name,
        )

    def test_optional_parts_absent(self):
        payload = {
            "admin_graphql_api_id": "gid://shopify/Fulfillment/7",
            "order_id": 8,
            "status": "pending",
        }
        fulfillment = fulfillment_from_webhook(payload)
        self.assertEqual(fulfillment.label, "gid://shopify/Fulfillment/7")
        self.assertEqual(fulfillment.lines, ())
        self.assertIsNone(fulfillment.updated_at)

    def test_invalid_fields_are_named(self):
        self.assertInvalid(self.payload(status="shipped"), "status", "'shipped'")
        self.assertInvalid(self.payload(status=None), "status")
        self.assertInvalid(self.payload(order_id="abc"), "order_id")
        payload = self.payload()
        del payload["order_id"]
        self.assertInvalid(payload, "order_id", "is missing")
        exc = self.assertInvalid(
            self.payload(admin_graphql_api_id="gid://shopify/Order/1"),
            "admin_graphql_api_id",
            "gid://shopify/Fulfillment/<number>",
        )
        self.assertNotIn("remote_ref", exc.details)
        self.assertInvalid(self.payload(updated_at="yesterday"), "updated_at")
        self.assertInvalid(self.payload(tracking_numbers="1Z"), "tracking_numbers")
        payload = self.payload()
        payload["line_items"][1]["quantity"] = -1
        exc = self.assertInvalid(payload, "line_items[1].quantity", "#1042.1")
        self.assertEqual(
            exc.details["remote_ref"], "gid://shopify/Fulfillment/5582911045937"
        )
        payload = self.payload()
        del payload["line_items"][0]["admin_graphql_api_id"]
        del payload["line_items"][0]["id"]
        self.assertInvalid(payload, "line_items[0].admin_graphql_api_id", "missing")

    def test_a_numeric_id_disagreeing_with_its_gid_is_noted_not_rejected(self):
        # JSON numbers above 2**53 lose precision in JavaScript relays
        payload = self.payload(id=5582911045936)
        payload["line_items"][0]["id"] = 3
        fulfillment = fulfillment_mapper.fulfillment_from_webhook(payload)
        self.assertEqual(fulfillment.gid, "gid://shopify/Fulfillment/5582911045937")
        self.assertEqual(len(fulfillment.remarks), 2)
        self.assertIn("id 5582911045936 differs", fulfillment.remarks[0])
        self.assertIn("line_items[0].id 3 differs", fulfillment.remarks[1])
        self.assertEqual(
            fulfillment.lines[0].gid, payload["line_items"][0]["admin_graphql_api_id"]
        )
        self.assertFalse(
            fulfillment_mapper.fulfillment_from_webhook(self.payload()).remarks
        )

    def test_several_problems_are_listed(self):
        exc = self.assertInvalid(
            self.payload(status="x", order_id=None, tracking_numbers=3), "order_id"
        )
        self.assertEqual(exc.details["other_fields"], ["status", "tracking_numbers"])
        self.assertIn("Also invalid: status, tracking_numbers.", exc.message)

    def test_not_an_object(self):
        for payload in ([], "text", None):
            with self.subTest(payload=payload):
                self.assertInvalid(payload, "(payload)", "not an object")


class TestOrderStatusAfter(unittest.TestCase):
    TEE = "gid://shopify/LineItem/1"
    TOTE = "gid://shopify/LineItem/2"

    def fulfillment(self, status="success", **remaining):
        lines = tuple(
            FulfillmentLine(gid=getattr(self, name), quantity=1, remaining=left)
            for name, left in remaining.items()
        )
        return Fulfillment(
            gid="gid://shopify/Fulfillment/9",
            legacy_id=9,
            order_gid="gid://shopify/Order/3",
            name="#1001.1",
            status=status,
            lines=lines,
        )

    def test_everything_shipped(self):
        self.assertEqual(
            order_status_after(
                self.fulfillment(TEE=0, TOTE=0), {self.TEE, self.TOTE}, "unfulfilled"
            ),
            "fulfilled",
        )

    def test_something_left(self):
        both = {self.TEE, self.TOTE}
        self.assertEqual(
            order_status_after(self.fulfillment(TEE=0, TOTE=1), both), "partial"
        )
        # a line the fulfilment does not name may still be waiting
        self.assertEqual(
            order_status_after(self.fulfillment(TEE=0), both, "unfulfilled"),
            "partial",
        )
        # unknown remaining quantity: not known to be done
        self.assertEqual(
            order_status_after(self.fulfillment(TEE=None), {self.TEE}), "partial"
        )
        self.assertEqual(order_status_after(self.fulfillment(TEE=0), set()), "partial")

    def test_never_goes_down(self):
        self.assertEqual(
            order_status_after(self.fulfillment(TEE=1), {self.TEE}, "fulfilled"),
            "fulfilled",
        )
        self.assertEqual(
            order_status_after(self.fulfillment(TEE=1), {self.TEE}, "partial"),
            "partial",
        )

    def test_only_a_success_counts(self):
        for status in ("pending", "open", "cancelled", "error", "failure"):
            with self.subTest(status=status):
                self.assertEqual(
                    order_status_after(
                        self.fulfillment(status, TEE=0), {self.TEE}, "unfulfilled"
                    ),
                    "unfulfilled",
                )


class TestTrackingInput(unittest.TestCase):
    def test_one_number(self):
        self.assertEqual(
            fulfillment_mapper.tracking_input("1Z999", "UPS"),
            {"company": "UPS", "number": "1Z999"},
        )

    def test_parcels_joined_by_commas_are_sent_one_by_one(self):
        self.assertEqual(
            fulfillment_mapper.tracking_input("1ZA, 1ZB,1ZA,", "UPS"),
            {"company": "UPS", "numbers": ["1ZA", "1ZB"]},
        )

    def test_nothing_to_send(self):
        self.assertIsNone(fulfillment_mapper.tracking_input(False))
        self.assertIsNone(fulfillment_mapper.tracking_input(" , "))
        self.assertEqual(
            fulfillment_mapper.tracking_input("", "DHL"), {"company": "DHL"}
        )
