"""Demo data: a store whose day of trade arrives from its simulated tills.

``_demo_setup`` gives a demo store a tax, payment methods, products with
stock and an API key (of this database only); ``_demo_populate`` runs a day
of trade of three terminals through the simulator of ``simulator/tills.py``
and the store's own intake and processing (one terminal offline, then its
burst; one batch sent twice; a return), cashes it up (the session closes)
and leaves one ticket of the next morning held on a product Odoo does not
know.
"""

import datetime
import hashlib

from odoo import models

from odoo.addons.retail_connector_base.simulator import ManualClock
from odoo.addons.retail_connector_base.simulator.outbox import json_body

from ..simulator.tills import CASHUPS, TillSimulator

DEMO_PRODUCTS = {
    "DEMO-TOTE": ("Canvas tote", "12.50"),
    "DEMO-MUG": ("Stoneware mug", "8.00"),
    "DEMO-CAP": ("Cotton cap", "15.00"),
}


class RetailPosStore(models.Model):
    _inherit = "retail.pos.store"  # pylint: disable=consider-merging-classes-inherited

    def _demo_setup(self):
        for store in self:
            company = store.company_id
            tax = self.env["account.tax"].create(
                {
                    "name": f"VAT 20% included ({store.code})",
                    "amount": 20.0,
                    "amount_type": "percent",
                    "type_tax_use": "sale",
                    "price_include_override": "tax_included",
                    "company_id": company.id,
                }
            )
            Journal = self.env["account.journal"]
            cash = Journal.create(
                {
                    "name": f"{store.name} cash",
                    "type": "cash",
                    "code": f"C{store.code[:4]}",
                    "company_id": company.id,
                }
            )
            bank = Journal.search(
                [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
            )
            Method = self.env["pos.payment.method"]
            store.write(
                {
                    "cashup_tolerance": 1.0,
                    "tax_mapping_ids": [(0, 0, {"title": "VAT20", "tax_id": tax.id})],
                    "payment_mapping_ids": [
                        (
                            0,
                            0,
                            {
                                "code": "CASH",
                                "payment_method_id": Method.create(
                                    {
                                        "name": f"{store.name} cash",
                                        "journal_id": cash.id,
                                    }
                                ).id,
                            },
                        ),
                        (
                            0,
                            0,
                            {
                                "code": "CARD",
                                "payment_method_id": Method.create(
                                    {
                                        "name": f"{store.name} card",
                                        "journal_id": bank.id,
                                    }
                                ).id,
                            },
                        ),
                    ],
                }
            )
            location = store.warehouse_id.lot_stock_id
            for sku, (name, price) in DEMO_PRODUCTS.items():
                product = self.env["product.product"].create(
                    {
                        "name": name,
                        "default_code": sku,
                        "is_storable": True,
                        "list_price": float(price),
                        "taxes_id": [(6, 0, tax.ids)],
                        "available_in_pos": True,
                    }
                )
                self.env["stock.quant"]._update_available_quantity(
                    product, location, 50
                )
            store._retail_pos_new_key(name="Demo tills")

    def _demo_feed(self, sim):
        """What the simulated tills would POST, through the store's intake,
        then processed as the job runner would."""
        self.ensure_one()
        for webhook in list(sim.outbox):
            body = json_body(webhook.payload)
            digest = hashlib.sha256(body).hexdigest()
            if webhook.topic == CASHUPS:
                self._retail_pos_accept_cashup(body.decode(), digest, webhook.payload)
            else:
                self._retail_pos_accept_tickets(
                    body.decode(), digest, webhook.payload["tickets"]
                )
            sim.outbox.remove(webhook)
        Event = self.env["retail.event"]
        for _round in range(3):
            pending = Event.search(
                [
                    ("backend_model", "=", self._name),
                    ("backend_id", "=", self.id),
                    ("state", "in", ("received", "queued")),
                ],
                order="id",
            )
            for event in pending:
                event._process()

    def _demo_populate(self):
        for store in self:
            products = {
                sku: (price, "VAT20") for sku, (_n, price) in DEMO_PRODUCTS.items()
            }
            products["DEMO-SCARF"] = ("19.90", "VAT20")  # not in Odoo
            yesterday = datetime.date.today() - datetime.timedelta(days=1)
            opening = datetime.datetime.combine(
                yesterday, datetime.time(8), tzinfo=datetime.UTC
            )
            clock = ManualClock(wall=opening)
            sim = TillSimulator(
                store.code,
                "demo",
                products=products,
                terminals=("T1", "T2", "T3"),
                skews={"T2": 95},
                business_date=yesterday,
                batch_size=3,
                clock=clock,
            )
            sim.sell("T1", [("DEMO-TOTE", 2)], tendered="30")
            sim.sell("T2", [("DEMO-MUG", 1), ("DEMO-CAP", 1)], method="CARD")
            sim.go_offline("T3")
            sim.random_sales(8, skus=DEMO_PRODUCTS)
            sim.sell_return("T1", "T1-000001", 1, 1)
            sim.resend_last_batch()
            sim.go_online("T3", shuffle=True)
            store._demo_feed(sim)
            for terminal in sorted(sim.terminals):
                sim.cashup(terminal)
            store._demo_feed(sim)
            # the next morning: a product the tills sell and Odoo lacks
            sim.business_date += datetime.timedelta(days=1)
            clock.advance(86400)
            sim.sell("T1", [("DEMO-SCARF", 1)], method="CARD")
            store._demo_feed(sim)
