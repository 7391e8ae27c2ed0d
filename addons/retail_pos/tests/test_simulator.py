import json
import unittest
from decimal import Decimal

import requests

from odoo.addons.retail_connector_base.services.signatures import verify_hmac_sha256
from odoo.addons.retail_connector_base.simulator import Receiver, mount

from ..services import schemas
from ..simulator.tills import TillSimulator

PRODUCTS = {"TOTE-BLK": ("12.50", "VAT20"), "MUG-WHT": ("8.00", "VAT20")}


class TestTillSimulator(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.sim = TillSimulator(
            "STORE1",
            "the-key",
            products=PRODUCTS,
            terminals=("T1", "T2"),
            skews={"T2": -90},
            batch_size=2,
        )

    def test_tickets_are_valid_and_numbered_per_terminal(self):
        first = self.sim.sell("T1", [("TOTE-BLK", 2)], tendered="30")
        second = self.sim.sell("T2", [("MUG-WHT", 1)], method="CARD")
        third = self.sim.sell("T1", [("MUG-WHT", 1, "7.00")])
        self.assertEqual(
            [t["ticket_id"] for t in (first, second, third)],
            ["T1-000001", "T2-000001", "T1-000002"],
        )
        for ticket in (first, second, third):
            self.assertEqual(schemas.validate_ticket(ticket)[1], [])
        self.assertEqual((first["change"], first["total"]), ("5.00", "25.00"))
        self.assertEqual(third["total"], "7.00")
        # each online sale leaves at once, one batch each
        self.assertEqual(
            TillSimulator.batches_of(self.sim.outbox),
            [["T1-000001"], ["T2-000001"], ["T1-000002"]],
        )

    def test_the_clock_skew_of_a_terminal(self):
        t1 = self.sim.sell("T1", [("TOTE-BLK", 1)])
        t2 = self.sim.sell("T2", [("TOTE-BLK", 1)])
        self.assertEqual(t1["closed_at"], "2026-12-01T09:00:00+01:00")
        self.assertEqual(t2["closed_at"], "2026-12-01T08:58:30+01:00")

    def test_an_offline_terminal_sends_a_burst(self):
        self.sim.go_offline("T1")
        for _index in range(5):
            self.sim.sell("T1", [("TOTE-BLK", 1)])
        self.assertEqual(self.sim.outbox, [])
        self.sim.go_online("T1", shuffle=True)
        batches = TillSimulator.batches_of(self.sim.outbox)
        self.assertEqual(sorted(len(batch) for batch in batches), [1, 2, 2])
        self.assertEqual(
            sorted(i for batch in batches for i in batch),
            [f"T1-00000{n}" for n in range(1, 6)],
        )

    def test_returns_and_resends(self):
        self.sim.sell("T1", [("TOTE-BLK", 2)])
        refund = self.sim.sell_return("T1", "T1-000001", 1)
        self.assertEqual(schemas.validate_ticket(refund)[1], [])
        self.assertEqual(refund["total"], "-12.50")
        self.sim.resend_last_batch()
        first, second = self.sim.outbox[-2:]
        self.assertEqual(first.payload, second.payload)
        expected = self.sim.expected()
        self.assertEqual(expected["quantities"], {"TOTE-BLK": Decimal(1)})
        self.assertEqual(expected["totals"], {"CASH": Decimal("12.50")})

    def test_cashup(self):
        self.sim.sell("T1", [("TOTE-BLK", 2)], tendered="30")
        self.sim.sell("T1", [("MUG-WHT", 1)], method="CARD")
        report = self.sim.cashup("T1", cash_error="-0.20")
        cashup, errors = schemas.validate_cashup(report)
        self.assertEqual(errors, [])
        self.assertEqual(
            (cashup.ticket_count, cashup.first_number, cashup.last_number), (2, 1, 2)
        )
        self.assertEqual(
            report["totals"],
            [
                {"method": "CARD", "amount": "8.00"},
                {"method": "CASH", "amount": "25.00"},
            ],
        )
        self.assertEqual(report["counted_cash"], "24.80")

    def test_random_sales_are_valid(self):
        tickets = self.sim.random_sales(30)
        self.assertEqual(len(tickets), 30)
        for ticket in tickets:
            self.assertEqual(schemas.validate_ticket(ticket)[1], [], ticket)

    def test_delivery_is_signed_with_the_key(self):
        receiver = Receiver([200])
        sim = TillSimulator(
            "STORE1", "the-key", base_url=receiver.base_url, signing_secret="s3cret"
        )
        sim.sell("T1", [("TOTE-BLK", 1)])
        session = mount(requests.Session(), receiver)
        self.assertEqual(len(sim.deliver(session=session)), 1)
        (request,) = receiver.requests
        self.assertTrue(request.path.endswith("/retail/pos/v1/stores/STORE1/tickets"))
        self.assertEqual(request.headers["Authorization"], "Bearer the-key")
        self.assertTrue(
            verify_hmac_sha256(
                "s3cret", request.body, request.headers["X-Retail-Signature"], "hex"
            )
        )
        self.assertEqual(
            json.loads(request.body)["tickets"][0]["ticket_id"], "T1-000001"
        )
