import base64
import hashlib
import hmac
import unittest

from odoo.addons.retail_3pl.services import shipbob_webhooks as wh

# ShipBob's documented example secret (24 bytes after whsec_)
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
BODY = b'{"order_id":100000001,"topic":"order.shipped"}'
NOW = 1_780_000_000
MSG = "msg_31eW7bWRi16lL0Ajjik68kfyeUh"


def headers(signature=None, *, webhook_id=MSG, timestamp=NOW, body=BODY):
    return {
        "webhook-id": webhook_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature or wh.sign(SECRET, webhook_id, timestamp, body),
    }


class TestShipbobSignature(unittest.TestCase):
    def test_signature_is_base64_hmac_of_id_timestamp_body_with_decoded_key(self):
        key = base64.b64decode(SECRET.removeprefix("whsec_"))
        digest = hmac.new(key, f"{MSG}.{NOW}.".encode() + BODY, hashlib.sha256)
        expected = base64.b64encode(digest.digest()).decode()
        self.assertEqual(wh.sign(SECRET, MSG, NOW, BODY), f"v1,{expected}")
        self.assertEqual(len(expected), 44)

    def test_verify_accepts_its_own_signature(self):
        self.assertTrue(wh.verify(SECRET, BODY, headers(), now=NOW))

    def test_one_matching_signature_among_several_is_enough(self):
        good = wh.sign(SECRET, MSG, NOW, BODY)
        value = f"v1,{'A' * 43}= v2,whatever {good}"
        self.assertTrue(wh.verify(SECRET, BODY, headers(value), now=NOW))
        self.assertFalse(
            wh.verify(SECRET, BODY, headers(f"v1,{'A' * 43}= v1a,x"), now=NOW)
        )

    def test_other_secret_body_id_or_timestamp_fail(self):
        other = wh.new_secret()
        self.assertFalse(wh.verify(other, BODY, headers(), now=NOW), "another secret")
        self.assertFalse(wh.verify(SECRET, BODY + b" ", headers(), now=NOW))
        tampered = headers()
        tampered["webhook-id"] = "msg_other"
        self.assertFalse(wh.verify(SECRET, BODY, tampered, now=NOW))
        moved = headers()
        moved["webhook-timestamp"] = str(NOW + 1)
        self.assertFalse(wh.verify(SECRET, BODY, moved, now=NOW))

    def test_window_is_five_minutes_each_way(self):
        value = headers()
        self.assertTrue(wh.verify(SECRET, BODY, value, now=NOW + 300))
        self.assertTrue(wh.verify(SECRET, BODY, value, now=NOW - 300))
        self.assertFalse(wh.verify(SECRET, BODY, value, now=NOW + 301))
        self.assertFalse(wh.verify(SECRET, BODY, value, now=NOW - 301))

    def test_malformed_headers_and_secrets_are_refused_without_raising(self):
        for broken in (
            {},
            {**headers(), "webhook-timestamp": "soon"},
            {**headers(), "webhook-timestamp": "-5"},
            {**headers(), "webhook-signature": ""},
            {**headers(), "webhook-signature": "v1," + "A" * 5000},
            {"webhook-id": MSG, "webhook-timestamp": str(NOW)},
        ):
            with self.subTest(broken=broken):
                self.assertFalse(wh.verify(SECRET, BODY, broken, now=NOW))
        for secret in (None, "", "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_***", 42):
            with self.subTest(secret=secret):
                self.assertFalse(wh.verify(secret, BODY, headers(), now=NOW))

    def test_title_case_headers_are_read(self):
        value = {k.title(): v for k, v in headers().items()}
        self.assertTrue(wh.verify(SECRET, BODY, value, now=NOW))

    def test_secret_form(self):
        self.assertIsNone(wh.check_secret(SECRET))
        self.assertIsNone(wh.check_secret(wh.new_secret()))
        self.assertNotEqual(wh.new_secret(), wh.new_secret())
        for bad in ("", "whsec_short", f" {SECRET}", SECRET + "==", "MfKQ9r8G"):
            with self.subTest(bad=bad):
                self.assertIsNotNone(wh.check_secret(bad))

    def test_authenticator_uses_its_clock(self):
        auth = wh.ShipbobWebhookAuthenticator(clock=lambda: NOW + 10)
        self.assertTrue(auth.verify(SECRET, BODY, headers()))
        auth.clock = lambda: NOW + 1000
        self.assertFalse(auth.verify(SECRET, BODY, headers()))


SENT = {
    "11": {"sku": "MUG", "qty": 3},
    "12": {"sku": "CAP", "qty": 1},
}


def shipment(shipment_id, status, products, tracking=None, **extra):
    return {
        "id": shipment_id,
        "status": status,
        "products": [
            {
                "reference_id": sku,
                "inventory_items": [{"id": 7, "quantity": qty, **item}],
            }
            for sku, qty, item in products
        ],
        "tracking": tracking,
        **extra,
    }


TRACKING = {
    "carrier": "UPS",
    "carrier_service": "Ground",
    "tracking_number": "1Z1",
    "shipping_date": "2026-11-30T10:00:00Z",
}


class TestShipbobOrderMessages(unittest.TestCase):
    def messages(self, order):
        return wh.order_messages(
            order, warehouse_code="TPL", sent_lines=SENT, now="2026-12-01T00:00:00Z"
        )

    def test_webhook_subject_is_read_tolerantly(self):
        self.assertEqual(
            wh.webhook_subject(
                "order.shipped",
                {"order_id": "100", "reference_id": "abc-1", "shipment_id": 5},
            ),
            {"order_id": 100, "reference_id": "abc-1", "shipment_id": 5},
        )
        self.assertEqual(
            wh.webhook_subject("order.shipment.delivered", {"shipments": [{"id": 1}]}),
            {},
        )
        self.assertEqual(
            wh.webhook_subject(
                "order.shipped", {"shipment": {"order_id": 9, "shipment_id": 3}}
            ),
            {"order_id": 9, "shipment_id": 3},
        )
        self.assertEqual(
            wh.webhook_subject("return.completed", {"id": 44, "reference_id": "RMA"}),
            {"return_id": 44},
        )
        self.assertEqual(wh.webhook_subject("order.shipped", [1]), {})
        self.assertEqual(wh.webhook_subject("order.shipped", {"order_id": True}), {})

    def test_one_shipment_with_everything_is_final(self):
        order = {
            "id": 1,
            "reference_id": "abc-1",
            "status": "Fulfilled",
            "shipments": [
                shipment(
                    5,
                    "Completed",
                    [("MUG", 3, {}), ("CAP", 1, {"lot": "L1"})],
                    TRACKING,
                )
            ],
        }
        messages, attention = self.messages(order)
        self.assertEqual(attention, [])
        self.assertEqual(len(messages), 1)
        message = messages[0]
        self.assertEqual(message["type"], "shipment.confirmed")
        self.assertEqual(message["warehouse_code"], "TPL")
        payload = message["payload"]
        self.assertEqual(payload["order_ref"], "abc-1")
        self.assertEqual(payload["shipment_ref"], "5")
        self.assertTrue(payload["final"])
        self.assertEqual((payload["carrier"], payload["service"]), ("UPS", "Ground"))
        package = payload["packages"][0]
        self.assertEqual(package["tracking_number"], "1Z1")
        self.assertEqual(
            [(line["line_ref"], line["sku"], line["qty"]) for line in package["lines"]],
            [("11", "MUG", 3), ("12", "CAP", 1)],
        )
        self.assertEqual(package["lines"][1]["lots"], [{"lot": "L1", "qty": 1}])
        # the same order read again gives the same message
        self.assertEqual(self.messages(order)[0], messages)

    def test_shipments_in_parts_are_final_once_nothing_is_left(self):
        first = shipment(5, "Completed", [("MUG", 2, {})], TRACKING)
        rest = shipment(6, "Processing", [("MUG", 1, {}), ("CAP", 1, {})])
        order = {"id": 1, "reference_id": "abc-1", "shipments": [rest, first]}
        messages, _attention = self.messages(order)
        self.assertEqual([m["payload"]["final"] for m in messages], [False])
        first_id = messages[0]["message_id"]
        rest.update(status="Completed", tracking={**TRACKING, "tracking_number": "1Z2"})
        messages, _attention = self.messages(order)
        self.assertEqual(
            [(m["payload"]["shipment_ref"], m["payload"]["final"]) for m in messages],
            [("5", False), ("6", True)],
        )
        # the first shipment's message did not change
        self.assertEqual(messages[0]["message_id"], first_id)
        self.assertEqual(
            [
                (line["line_ref"], line["qty"])
                for line in messages[1]["payload"]["packages"][0]["lines"]
            ],
            [("11", 1), ("12", 1)],
        )

    def test_a_sku_on_several_lines_fills_them_in_order(self):
        sent = {"11": {"sku": "MUG", "qty": 2}, "13": {"sku": "MUG", "qty": 2}}
        order = {
            "id": 1,
            "reference_id": "abc-1",
            "shipments": [shipment(5, "Completed", [("MUG", 3, {})], TRACKING)],
        }
        messages, _attention = wh.order_messages(
            order, warehouse_code="TPL", sent_lines=sent, now="2026-12-01T00:00:00Z"
        )
        lines = messages[0]["payload"]["packages"][0]["lines"]
        self.assertEqual(
            [(x["line_ref"], x["qty"]) for x in lines], [("11", 2), ("13", 1)]
        )

    def test_unknown_sku_is_kept_for_the_handler_to_name(self):
        order = {
            "id": 1,
            "reference_id": "abc-1",
            "shipments": [shipment(5, "Completed", [("HAT", 1, {})], TRACKING)],
        }
        messages, _attention = self.messages(order)
        line = messages[0]["payload"]["packages"][0]["lines"][0]
        self.assertEqual((line["line_ref"], line["sku"]), ("sku:HAT", "HAT"))

    def test_cancelled_order_without_shipment_left(self):
        order = {
            "id": 1,
            "reference_id": "abc-1",
            "status": "Cancelled",
            "shipments": [shipment(5, "Cancelled", [("MUG", 3, {})])],
        }
        messages, _attention = self.messages(order)
        self.assertEqual([m["type"] for m in messages], ["order.cancelled"])
        self.assertEqual(messages[0]["payload"]["order_ref"], "abc-1")

    def test_rest_cancelled_after_a_shipment_makes_it_final(self):
        order = {
            "id": 1,
            "reference_id": "abc-1",
            "status": "Fulfilled",
            "shipments": [
                shipment(5, "Completed", [("MUG", 3, {})], TRACKING),
                shipment(6, "Cancelled", [("CAP", 1, {})]),
            ],
        }
        messages, _attention = self.messages(order)
        self.assertEqual([m["type"] for m in messages], ["shipment.confirmed"])
        self.assertTrue(messages[0]["payload"]["final"])

    def test_on_hold_and_exception_need_a_person(self):
        order = {
            "id": 1,
            "reference_id": "abc-1",
            "shipments": [
                shipment(
                    5,
                    "OnHold",
                    [("MUG", 3, {})],
                    status_details=[{"name": "OnHold", "description": "No tariff"}],
                ),
                shipment(6, "Processing", [("CAP", 1, {})]),
            ],
        }
        messages, attention = self.messages(order)
        self.assertEqual(messages, [])
        self.assertEqual(attention, [(5, "OnHold", "No tariff")])


class TestShipbobReturnMessage(unittest.TestCase):
    def test_completed_return_by_action(self):
        ret = {
            "id": 44,
            "reference_id": "RMA-1",
            "status": "Completed",
            "completed_date": "2026-12-02T10:00:00Z",
            "inventory": [
                {
                    "id": 7,
                    "quantity": 3,
                    "action_taken": [
                        {"action": "Restock", "quantity_processed": 2},
                        {"action": "Dispose", "quantity_processed": 1},
                    ],
                }
            ],
        }
        message = wh.return_message(
            ret, warehouse_code="TPL", order_ref="abc-1", skus={7: "MUG"}, now="x"
        )
        self.assertEqual(message["type"], "return.received")
        self.assertEqual(message["occurred_at"], "2026-12-02T10:00:00Z")
        payload = message["payload"]
        self.assertEqual((payload["rma_ref"], payload["order_ref"]), ("RMA-1", "abc-1"))
        self.assertEqual(
            [(x["sku"], x["qty"], x["condition"]) for x in payload["lines"]],
            [("MUG", 2, "sellable"), ("MUG", 1, "damaged")],
        )

    def test_return_not_completed_is_nothing_yet(self):
        for status in ("AwaitingArrival", "Processing", "Cancelled", None):
            with self.subTest(status=status):
                self.assertIsNone(
                    wh.return_message(
                        {"id": 1, "status": status, "inventory": []},
                        warehouse_code="TPL",
                        order_ref=None,
                        skus={},
                        now="x",
                    )
                )
