"""The POS connector on the base's test helpers.

``PosTestMixin`` makes a store (code ``STORE1``) with a price-included 20 %
tax mapped as ``VAT20``, a cash method (``CASH``) and a card method
(``CARD``), a product ``TOTE-BLK`` (12.50, barcode ``4006381333931``) with
stock in the store's warehouse, and an API key (``self.key``). Tickets are
made with :meth:`PosTestMixin.ticket`, batches stored as the partner API
does with :meth:`PosTestMixin.accept_tickets`.
"""

import json
from decimal import Decimal

from odoo.addons.retail_connector_base.tests.common import (
    ConnectorCommittedCase,
    ConnectorHttpCase,
    ConnectorTestMixin,
    ConnectorTransactionCase,
)

STORE_CODE = "STORE1"
DAY = "2026-12-01"


def money(value):
    return f"{Decimal(value):.2f}"


class PosTestMixin(ConnectorTestMixin):
    login_prefix = "pos"
    intake_route = "/retail/pos/v1/stores/{backend.code}/tickets"

    @classmethod
    def _setup_backend(cls, env, **values):
        return env["retail.pos.store"].create(
            {
                "name": "Chiado",
                "code": STORE_CODE,
                "state": "active",
                "warehouse_id": env["stock.warehouse"]
                .search([("company_id", "=", env.company.id)], limit=1)
                .id,
                **values,
            }
        )

    @classmethod
    def setup_pos(cls):
        env = cls.env
        company = env.company
        cls.tax = env["account.tax"].create(
            {
                "name": "VAT 20% (included)",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "price_include_override": "tax_included",
                "company_id": company.id,
            }
        )
        cash_journal = env["account.journal"].create(
            {
                "name": "Chiado cash",
                "type": "cash",
                "code": "CHC",
                "company_id": company.id,
            }
        )
        bank_journal = env["account.journal"].create(
            {
                "name": "Chiado card",
                "type": "bank",
                "code": "CHB",
                "company_id": company.id,
            }
        )
        cls.cash_method = env["pos.payment.method"].create(
            {"name": "Chiado cash", "journal_id": cash_journal.id}
        )
        cls.card_method = env["pos.payment.method"].create(
            {"name": "Chiado card", "journal_id": bank_journal.id}
        )
        cls.backend.write(
            {
                "tax_mapping_ids": [(0, 0, {"title": "VAT20", "tax_id": cls.tax.id})],
                "payment_mapping_ids": [
                    (0, 0, {"code": "CASH", "payment_method_id": cls.cash_method.id}),
                    (0, 0, {"code": "CARD", "payment_method_id": cls.card_method.id}),
                ],
            }
        )
        cls.store = cls.backend
        cls.product = cls.make_product(
            "TOTE-BLK", "Tote bag black", barcode="4006381333931"
        )
        cls.stock_location = cls.store.warehouse_id.lot_stock_id
        env["stock.quant"]._update_available_quantity(
            cls.product, cls.stock_location, 100
        )
        cls.key_record, cls.key = cls.store._retail_pos_new_key(name="Tills")

    @classmethod
    def make_product(cls, sku, name, barcode=None, price=12.5):
        return cls.env["product.product"].create(
            {
                "name": name,
                "default_code": sku,
                "barcode": barcode,
                "is_storable": True,
                "list_price": price,
                "taxes_id": [(6, 0, cls.tax.ids)],
                "available_in_pos": True,
            }
        )

    # -- documents ---------------------------------------------------------
    @staticmethod
    def ticket(
        ticket_id="T1-000001",
        number=1,
        lines=(("TOTE-BLK", "2", "12.50"),),
        payments=None,
        *,
        terminal="T1",
        day=DAY,
        change="0.00",
        refund_of=None,
        **extra,
    ):
        """A valid ticket: ``lines`` are ``(sku, qty, unit price)`` (a
        ``refund_of`` dict per line index in ``refund_of``), paid in cash
        unless ``payments`` (``(method, amount)``) are given."""
        refund_of = refund_of or {}
        doc_lines, total = [], Decimal(0)
        for index, (sku, qty, price) in enumerate(lines):
            line = {
                "line_no": index + 1,
                "sku": sku,
                "qty": qty,
                "unit_price": price,
                "discount": "0.00",
                "tax_code": "VAT20",
            }
            if index in refund_of:
                line["refund_of"] = refund_of[index]
            doc_lines.append(line)
            total += Decimal(qty) * Decimal(price)
        if payments is None:
            payments = [("CASH", money(total + Decimal(change)))]
        document = {
            "ticket_id": ticket_id,
            "terminal": terminal,
            "number": number,
            "business_date": day,
            "closed_at": f"{day}T10:15:00+01:00",
            "cashier": "ana",
            "lines": doc_lines,
            "payments": [{"method": m, "amount": a} for m, a in payments],
            "change": change,
            "total": money(total),
        }
        document.update(extra)
        return document

    @staticmethod
    def cashup(
        terminal="T1", *, day=DAY, count=1, first=1, last=1, totals=(), counted="0.00"
    ):
        return {
            "terminal": terminal,
            "business_date": day,
            "ticket_count": count,
            "first_number": first,
            "last_number": last,
            "totals": [{"method": m, "amount": a} for m, a in totals],
            "counted_cash": counted,
            "closed_at": f"{day}T20:00:00+01:00",
        }

    def accept_tickets(self, tickets, store=None):
        """Store a batch as the API does; the results."""
        import hashlib  # noqa: PLC0415

        store = store if store is not None else self.store
        body = json.dumps({"tickets": list(tickets)})
        return store._retail_pos_accept_tickets(
            body, hashlib.sha256(body.encode()).hexdigest(), list(tickets)
        )

    def ticket_event(self, ticket_id, store=None):
        store = store if store is not None else self.store
        return self.events(f"ticket:{ticket_id}", backend=store)

    def import_tickets(self, *tickets):
        """Accept and process tickets; their events."""
        self.accept_tickets(tickets)
        events = self.Event.browse()
        for document in tickets:
            event = self.ticket_event(document["ticket_id"])
            event._process()
            events |= event
        return events


class PosTestCase(PosTestMixin, ConnectorTransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_pos()


class PosHttpCase(PosTestMixin, ConnectorHttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_pos()


class PosCommittedCase(PosTestMixin, ConnectorCommittedCase):
    """Committed transactions: a bare store (no mappings), made per test."""

    def create_backend(self, env, **values):
        """The store, removed after the test with its events, exceptions and
        point of sale."""
        store = self._setup_backend(env, **values)
        config = store.pos_config_id

        def remove(cleanup_env):
            self.remove_backend(cleanup_env, store)
            config.with_env(cleanup_env).exists().unlink()

        self.add_committed_cleanup(remove)
        return store
