import datetime
import unittest
from unittest.mock import patch

import requests

from odoo.addons.retail_3pl.services import contract, shipbob_client
from odoo.addons.retail_3pl.simulator import ShipbobSimulator
from odoo.addons.retail_3pl.simulator.shipbob import BASE_URL, DUPLICATE_BODY
from odoo.addons.retail_connector_base.services.errors import (
    AuthenticationError,
    PayloadValidationError,
    RateLimitedError,
    RemoteRejectedError,
)
from odoo.addons.retail_connector_base.simulator import ManualClock, mount

TOKEN = "pat-token"
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
CHANNEL = 100102


def fulfilment_order(ref="abc-1", **values):
    data = {
        "message_id": "m-1",
        "order_ref": ref,
        "warehouse_code": "TPL",
        "order_date": "2026-11-30T10:00:00Z",
        "ship_method": "UPS Ground",
        "ship_to": {
            "name": "Ada Lovelace",
            "street": "1 Main Street",
            "city": "Springfield",
            "zip": "62701",
            "state": "IL",
            "country_code": "US",
            "email": "ada@example.com",
        },
        "lines": [
            {"line_ref": "11", "sku": "MUG", "qty": 3},
            {"line_ref": "12", "sku": "CAP", "qty": 1},
        ],
        **values,
    }
    return contract.build(contract.FulfillmentOrder, data, "test order")


SENT = {"11": {"sku": "MUG", "qty": 3}, "12": {"sku": "CAP", "qty": 1}}


class TestShipbobClient(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.clock = ManualClock()
        self.sim = ShipbobSimulator(TOKEN, SECRET, channel_id=CHANNEL, clock=self.clock)
        self.sleeps = []
        session = mount(requests.Session(), self.sim)
        self.http = shipbob_client.ShipbobHttpClient(
            BASE_URL,
            headers={"Authorization": f"Bearer {TOKEN}"},
            session=session,
            sleep=self.sleeps.append,
        )
        self.client = shipbob_client.ShipbobClient(
            self.http,
            CHANNEL,
            clock=lambda: datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC),
        )

    def operations(self):
        return [(c.operation, c.status) for c in self.sim.calls]

    def test_order_body_follows_shipbob(self):
        body = shipbob_client.order_body(fulfilment_order())
        self.assertEqual(body["reference_id"], "abc-1")
        self.assertEqual(body["type"], "DTC")
        self.assertEqual(body["shipping_method"], "UPS Ground")
        self.assertEqual(
            body["recipient"],
            {
                "name": "Ada Lovelace",
                "address": {
                    "address1": "1 Main Street",
                    "city": "Springfield",
                    "country": "US",
                    "state": "IL",
                    "zip_code": "62701",
                },
                "email": "ada@example.com",
            },
        )
        self.assertEqual(
            body["products"][0],
            {
                "reference_id": "MUG",
                "name": "MUG",
                "quantity": 3,
                "external_line_id": "11",
            },
        )
        order = fulfilment_order(ship_method=None)
        self.assertEqual(
            shipbob_client.order_body(order)["shipping_method"], "Standard"
        )
        self.assertEqual(
            shipbob_client.order_body(order, "2-Day")["shipping_method"], "2-Day"
        )

    def test_fractional_quantity_is_refused_before_sending(self):
        order = fulfilment_order(lines=[{"line_ref": "11", "sku": "MUG", "qty": 1.5}])
        with self.assertRaises(PayloadValidationError):
            self.client.send_order(order)
        self.assertFalse(self.sim.calls)

    def test_order_is_created_once_and_a_duplicate_is_already_accepted(self):
        answer = self.client.send_order(fulfilment_order())
        self.assertEqual(answer.status, "accepted")
        again = self.client.send_order(fulfilment_order())
        self.assertEqual(again.status, "already_accepted")
        self.assertEqual(len(self.sim.orders), 1)
        self.assertEqual(
            self.operations(),
            [("order.create", 201), ("order.create", 422), ("order.search", 200)],
        )
        self.assertEqual(self.sim.calls[1].outcome, "duplicate")
        order = self.sim.order("abc-1")
        self.assertEqual(
            [
                (p["reference_id"], p["inventory_items"][0]["quantity"])
                for p in order["shipments"][0]["products"]
            ],
            [("MUG", 3), ("CAP", 1)],
        )
        self.assertEqual(
            DUPLICATE_BODY, {"": ["Cannot insert order with existing ReferenceId"]}
        )

    def test_invalid_order_is_a_refusal_naming_the_fields(self):
        order = fulfilment_order(
            ship_to={"name": "Ada", "street": "", "city": "X", "country_code": "US"}
        )
        with self.assertRaises(RemoteRejectedError) as caught:
            self.client.send_order(order)
        self.assertIn("recipient.address.address1", str(caught.exception))
        self.assertEqual(
            self.operations(), [("order.create", 422), ("order.search", 200)]
        )

    def test_channel_header_is_sent(self):
        self.client.channel_id = 999
        with self.assertRaises(AuthenticationError):
            self.client.send_order(fulfilment_order())
        self.assertEqual(self.operations(), [("order.create", 403)])

    def test_cancel_before_pick_is_cancelled(self):
        self.client.send_order(fulfilment_order())
        answer = self.client.cancel_order("abc-1", SENT)
        self.assertEqual(answer.status, "cancelled")
        self.assertEqual(self.sim.order("abc-1")["status"], "Cancelled")
        # asked again: ShipBob's order is cancelled already
        self.assertEqual(self.client.cancel_order("abc-1", SENT).status, "cancelled")

    def test_cancel_once_picked_is_rejected(self):
        self.client.send_order(fulfilment_order())
        self.sim.pick("abc-1")
        answer = self.client.cancel_order("abc-1", SENT)
        self.assertEqual(answer.status, "rejected")
        self.assertIn("already picked", answer.reason)
        self.assertEqual(self.sim.order("abc-1")["status"], "Processing")

    def test_cancel_after_a_partial_shipment_is_partial(self):
        self.client.send_order(fulfilment_order())
        self.sim.ship("abc-1", [{"lines": [{"line_ref": "11", "qty": 2}]}])
        answer = self.client.cancel_order("abc-1", SENT)
        self.assertEqual(answer.status, "partial")
        self.assertEqual(
            [(line.line_ref, line.qty_cancelled) for line in answer.lines],
            [("11", 1), ("12", 1)],
        )

    def test_cancel_of_an_order_shipbob_never_got(self):
        answer = self.client.cancel_order("nope", SENT)
        self.assertEqual(answer.status, "cancelled")
        self.assertEqual(self.operations(), [("order.search", 200)])

    def test_inventory_of_a_location_and_of_the_network(self):
        self.sim.set_stock("MUG", 10, 7)
        self.sim.set_stock("MUG", 5, 5, location_id=33)
        self.sim.set_stock("CAP", 4)
        here = self.client.fetch_inventory(22)
        self.assertEqual(
            [(i.sku, i.on_hand, i.available) for i in here.items],
            [("CAP", 4, 4), ("MUG", 10, 7)],
        )
        network = self.client.fetch_inventory(None)
        self.assertEqual(
            [(i.sku, i.on_hand) for i in network.items], [("CAP", 4), ("MUG", 15)]
        )
        self.assertEqual(here.as_of, datetime.datetime(2026, 12, 1))

    def test_inventory_follows_the_next_pages(self):
        for n in range(7):
            self.sim.set_stock(f"SKU{n}", n + 1)
        self.enterContext(patch.object(shipbob_client, "PAGE_SIZE", 3))
        answer = self.client.fetch_inventory(22)
        self.assertEqual(len(answer.items), 7)
        self.assertEqual(
            [op for op, _status in self.operations()], ["inventory.locations"] * 3
        )

    def test_rate_limit_waits_inline_when_short(self):
        self.sim.rate_limit = 2
        self.sim.rate_window = 2.0
        self.client.find_order("a")
        self.client.find_order("b")

        def sleep(seconds):
            self.sleeps.append(seconds)
            self.clock.advance(seconds)

        self.http.sleep = sleep
        self.assertIsNone(self.client.find_order("c"))
        self.assertEqual(
            [status for _op, status in self.operations()], [200, 200, 429, 200]
        )
        self.assertEqual(self.sleeps, [2.0])
        self.assertEqual(self.sim.calls[2].outcome, "rate_limited")

    def test_rate_limit_with_a_long_wait_raises_with_shipbob_s_delay(self):
        self.sim.rate_limit = 1
        self.client.find_order("a")
        with self.assertRaises(RateLimitedError) as caught:
            self.client.find_order("b")
        self.assertEqual(caught.exception.retry_after, 60)
        self.assertEqual(self.sleeps, [])

    def test_injected_throttle_answers_x_retry_after(self):
        self.sim.throttle_next(1, retry_after=7200)
        with self.assertRaises(RateLimitedError) as caught:
            self.client.find_order("a")
        # a remote asking for two hours waits the base's cap
        self.assertEqual(caught.exception.retry_after, 3600)

    def test_unauthorized(self):
        self.http.headers["Authorization"] = "Bearer wrong"
        with self.assertRaises(Exception) as caught:
            self.client.find_order("a")
        self.assertIn("401", str(caught.exception))
