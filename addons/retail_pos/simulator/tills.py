"""A store's tills, simulated: the tickets and cash-ups they send to Odoo.

Plain Python on the base's :mod:`~odoo.addons.retail_connector_base.simulator`:
the batches and cash-ups a store would POST to ``/retail/pos/v1`` are
webhooks of the simulator's outbox, signed with the store's key (and its
signing secret, when set) and delivered with :meth:`TillSimulator.deliver`
(to a test server through the test's session, or to a running Odoo).

What real tills do, on purpose:

- several terminals, each numbering its own tickets (``T1-000001`` ...);
- :meth:`go_offline` / :meth:`go_online`: a terminal that keeps selling
  offline and sends what it captured as a burst of batches when back;
- :meth:`resend_last_batch`: the same batch sent twice;
- ``shuffle`` on :meth:`flush`: batches arriving out of order;
- :meth:`sell_return`: returns of an earlier ticket's line;
- products the till sells that Odoo may not know (any SKU is accepted);
- ``skew`` per terminal: each till's own clock, seconds off the wall time;
- :meth:`cashup`: the Z report of a terminal's day, from what it sold
  (``cash_error`` makes the count wrong on purpose).

:meth:`expected` answers what Odoo should hold once everything arrived:
tickets, net quantities per SKU and totals per method.
"""

import datetime
import json
import random
from decimal import Decimal

from odoo.addons.retail_connector_base.services.signatures import hmac_sha256_digest
from odoo.addons.retail_connector_base.simulator import ManualClock, Simulator
from odoo.addons.retail_connector_base.simulator.clock import wall_time
from odoo.addons.retail_connector_base.simulator.outbox import json_body

TICKETS = "tickets"
CASHUPS = "cashups"
CENT = Decimal("0.01")
#: the store's time zone offset of the simulated tills
STORE_OFFSET = datetime.timezone(datetime.timedelta(hours=1))


def _money(value):
    return str(Decimal(value).quantize(CENT))


class Terminal:
    """One till: its numbering, its connection and what it has not sent."""

    def __init__(self, code, skew=0.0):
        self.code = code
        self.skew = float(skew)
        self.number = 0
        self.online = True
        self.unsent = []
        self.sold = []

    def next_id(self):
        self.number += 1
        return self.number, f"{self.code}-{self.number:06d}"


class TillSimulator(Simulator):
    """The tills of one store (see the module's docstring)."""

    name = "Tills"

    def __init__(  # noqa: PLR0913 - the settings of a store's tills
        self,
        store_code,
        api_key,
        *,
        base_url="http://odoo.example.test",
        products=None,
        terminals=("T1",),
        skews=None,
        signing_secret=None,
        business_date=datetime.date(2026, 12, 1),
        batch_size=50,
        clock=None,
        seed=0,
    ):
        clock = clock or ManualClock(
            wall=datetime.datetime(2026, 12, 1, 8, 0, tzinfo=datetime.UTC)
        )
        super().__init__(base_url, clock=clock, retry_delay=5.0)
        self.store_code = store_code
        self.api_key = api_key
        self.signing_secret = signing_secret
        #: {sku: (unit price text, tax code)}
        self.products = dict(products or {"TOTE-BLK": ("12.50", "VAT20")})
        skews = skews or {}
        self.terminals = {
            code: Terminal(code, skews.get(code, 0.0)) for code in terminals
        }
        self.business_date = business_date
        self.batch_size = batch_size
        self.random = random.Random(seed)
        self.last_batch = None

    # -- selling ----------------------------------------------------------
    def _closed_at(self, terminal):
        moment = wall_time(self._clock) + datetime.timedelta(seconds=terminal.skew)
        return moment.astimezone(STORE_OFFSET).isoformat(timespec="seconds")

    def _record(self, terminal, ticket):
        terminal.sold.append(ticket)
        terminal.unsent.append(ticket)
        if terminal.online:
            self.flush(terminal.code)
        return ticket

    def sell(self, terminal, items, *, method="CASH", tendered=None, customer=None):
        """A sale of ``items`` (``(sku, qty)`` or ``(sku, qty, unit price)``)
        paid with ``method`` (``tendered`` in cash gives change); the ticket."""
        till = self.terminals[terminal]
        number, ticket_id = till.next_id()
        lines, total = [], Decimal(0)
        for index, item in enumerate(items):
            sku, qty = item[0], Decimal(str(item[1]))
            price = Decimal(item[2] if len(item) > 2 else self.products[sku][0])
            tax_code = self.products.get(sku, (None, "VAT20"))[1]
            lines.append(
                {
                    "line_no": index + 1,
                    "sku": sku,
                    "qty": str(qty),
                    "unit_price": _money(price),
                    "discount": "0.00",
                    "tax_code": tax_code,
                }
            )
            total += (qty * price).quantize(CENT)
        paid = Decimal(tendered) if tendered is not None else total
        ticket = {
            "ticket_id": ticket_id,
            "terminal": terminal,
            "number": number,
            "business_date": self.business_date.isoformat(),
            "closed_at": self._closed_at(till),
            "cashier": f"cashier-{terminal.lower()}",
            "lines": lines,
            "payments": [{"method": method, "amount": _money(paid)}],
            "change": _money(paid - total),
            "total": _money(total),
        }
        if customer:
            ticket["customer"] = customer
        return self._record(till, ticket)

    def sell_return(self, terminal, original, line_no, qty=1, *, method="CASH"):
        """A return of ``qty`` of line ``line_no`` of the ticket ``original``
        (a ticket this simulator made), refunded with ``method``."""
        line = next(
            line
            for till in self.terminals.values()
            for ticket in till.sold
            if ticket["ticket_id"] == original
            for line in ticket["lines"]
            if line["line_no"] == line_no
        )
        till = self.terminals[terminal]
        number, ticket_id = till.next_id()
        amount = -(Decimal(qty) * Decimal(line["unit_price"])).quantize(CENT)
        ticket = {
            "ticket_id": ticket_id,
            "terminal": terminal,
            "number": number,
            "business_date": self.business_date.isoformat(),
            "closed_at": self._closed_at(till),
            "lines": [
                {
                    "line_no": 1,
                    "sku": line["sku"],
                    "qty": str(-Decimal(qty)),
                    "unit_price": line["unit_price"],
                    "discount": "0.00",
                    "tax_code": line["tax_code"],
                    "refund_of": {"ticket_id": original, "line_no": line_no},
                }
            ],
            "payments": [{"method": method, "amount": _money(amount)}],
            "change": "0.00",
            "total": _money(amount),
        }
        return self._record(till, ticket)

    def random_sales(self, count, *, skus=None):
        """``count`` sales spread over the terminals, a few minutes apart."""
        skus = list(skus or self.products)
        tickets = []
        for _index in range(count):
            self._clock.advance(self.random.randint(30, 600))
            terminal = self.random.choice(sorted(self.terminals))
            items = [
                (sku, self.random.randint(1, 3))
                for sku in self.random.sample(skus, self.random.randint(1, len(skus)))
            ]
            if self.random.random() < 0.5:
                tickets.append(self.sell(terminal, items, method="CARD"))
            else:
                total = sum(
                    Decimal(qty) * Decimal(self.products[sku][0]) for sku, qty in items
                )
                tendered = (total / 5).to_integral_value(rounding="ROUND_CEILING") * 5
                tickets.append(
                    self.sell(terminal, items, method="CASH", tendered=tendered)
                )
        return tickets

    # -- connection -------------------------------------------------------
    def go_offline(self, terminal):
        self.terminals[terminal].online = False

    def go_online(self, terminal, *, shuffle=False):
        """Back online: what the terminal captured leaves as a burst."""
        self.terminals[terminal].online = True
        return self.flush(terminal, shuffle=shuffle)

    def flush(self, terminal, *, shuffle=False):
        """Emit the unsent tickets of ``terminal`` as batches; the batches."""
        till = self.terminals[terminal]
        tickets, till.unsent = till.unsent, []
        batches = [
            {"tickets": tickets[start : start + self.batch_size]}
            for start in range(0, len(tickets), self.batch_size)
        ]
        if shuffle:
            self.random.shuffle(batches)
        for batch in batches:
            self.last_batch = batch
            self._emit(TICKETS, batch)
        return batches

    def resend_last_batch(self):
        """Send the last batch again, byte for byte."""
        return self._emit(TICKETS, self.last_batch)

    # -- the end of the day -------------------------------------------------
    def day_totals(self, terminal):
        """``(tickets, totals per method, cash)`` of a terminal's day."""
        tickets = [
            t
            for t in self.terminals[terminal].sold
            if t["business_date"] == self.business_date.isoformat()
        ]
        totals, cash = {}, Decimal(0)
        for ticket in tickets:
            for payment in ticket["payments"]:
                amount = Decimal(payment["amount"])
                if payment["method"] == "CASH":
                    amount -= Decimal(ticket["change"])
                    cash += amount
                totals[payment["method"]] = totals.get(payment["method"], 0) + amount
        return tickets, totals, cash

    def cashup(self, terminal, *, cash_error="0.00"):
        """Emit the Z report of ``terminal``'s business date; the report."""
        tickets, totals, cash = self.day_totals(terminal)
        numbers = [ticket["number"] for ticket in tickets]
        report = {
            "terminal": terminal,
            "business_date": self.business_date.isoformat(),
            "ticket_count": len(tickets),
            "first_number": min(numbers) if numbers else None,
            "last_number": max(numbers) if numbers else None,
            "totals": [
                {"method": method, "amount": _money(amount)}
                for method, amount in sorted(totals.items())
            ],
            "counted_cash": _money(cash + Decimal(cash_error)),
            "closed_at": self._closed_at(self.terminals[terminal]),
        }
        self._emit(CASHUPS, report)
        return report

    def expected(self):
        """What Odoo should hold: ``{"tickets", "quantities", "totals"}``
        (ticket ids, net quantity per SKU, total per method)."""
        tickets, quantities, totals = set(), {}, {}
        for code in self.terminals:
            day_tickets, day_totals, _cash = self.day_totals(code)
            for ticket in day_tickets:
                tickets.add(ticket["ticket_id"])
                for line in ticket["lines"]:
                    quantities[line["sku"]] = quantities.get(
                        line["sku"], Decimal(0)
                    ) + Decimal(line["qty"])
            for method, amount in day_totals.items():
                totals[method] = totals.get(method, Decimal(0)) + amount
        return {"tickets": tickets, "quantities": quantities, "totals": totals}

    # -- delivery -----------------------------------------------------------
    def _webhook_routes(self, webhook):
        path = f"/retail/pos/v1/stores/{self.store_code}/{webhook.topic}"
        return [(self.base_url.rstrip("/") + path, None)]

    def _sign_webhook(self, webhook, route):
        body = json_body(webhook.payload)
        headers = {
            "Content-Type": "application/json",
            "Authorization": f"Bearer {self.api_key}",
        }
        if self.signing_secret:
            headers["X-Retail-Signature"] = hmac_sha256_digest(
                self.signing_secret, body, "hex"
            )
        return headers, body

    @staticmethod
    def batches_of(outbox):
        """The ticket ids of each pending batch (to read a test's stream)."""
        return [
            [
                ticket["ticket_id"]
                for ticket in json.loads(json_body(w.payload))["tickets"]
            ]
            for w in outbox
            if w.topic == TICKETS
        ]
