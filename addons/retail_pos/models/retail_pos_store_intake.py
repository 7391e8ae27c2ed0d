"""Inbound, in the request: tickets and cash-ups stored once.

A batch is one ``retail.event`` (topic ``pos/tickets``, keyed on the body's
digest, stored as done: it needs no processing of its own) and each valid
ticket one child event keyed on its ``ticket_id`` (topic ``pos/ticket``),
queued for ``retail_pos_store_tickets.py``. A ticket id is unique per store
forever: sent again, in the same batch or another, it is a duplicate of the
first one (the unique index of events decides between concurrent requests).
A cash-up is one event per terminal and business date (topic
``pos/cashup``).
"""

import json

from odoo import fields, models

from ..services import schemas

TOPIC_BATCH = "pos/tickets"
TOPIC_TICKET = "pos/ticket"
TOPIC_CASHUP = "pos/cashup"


def ticket_ref(ticket_id):
    """The subject (``remote_ref``) of a ticket's events."""
    return f"ticket:{ticket_id}"


def cashup_ref(terminal, business_date):
    """The subject of a cash-up's events (one per terminal and day)."""
    return f"cashup:{terminal}:{business_date}"


def _dump(document):
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


class RetailPosStore(models.Model):
    _inherit = "retail.pos.store"  # pylint: disable=consider-merging-classes-inherited

    def _retail_pos_find(self, code):
        """The active stores of ``code`` (one per company at most)."""
        if not isinstance(code, str) or not code:
            return self.browse()
        return self.sudo().search([("code", "=", code), ("active", "=", True)])

    def _retail_event_subject(self, topic, payload):
        if not isinstance(payload, dict):
            return None
        if topic == TOPIC_TICKET and isinstance(payload.get("ticket_id"), str):
            return ticket_ref(payload["ticket_id"])
        if topic == TOPIC_CASHUP:
            return cashup_ref(payload.get("terminal"), payload.get("business_date"))
        return None

    def _retail_pos_accept_tickets(self, body_text, body_sha256, documents):
        """Store a batch and its valid tickets; one result per document.

        ``documents`` are the envelope's tickets, in request order; each
        result is ``{"ticket_id", "status", "errors"}`` with status
        ``accepted`` (stored now; the dispatcher queues its job), ``duplicate``
        (stored before) or ``rejected`` (with its field errors, nothing
        stored).
        """
        self.ensure_one()
        Event = self.env["retail.event"].sudo()
        batch, created = Event._accept(
            self,
            topic=TOPIC_BATCH,
            event_key=f"batch:{body_sha256}",
            payload=body_text,
            headers={},
            state="done",
            remote_ref=False,
            body_sha256=body_sha256,
        )
        if created:
            batch.processed_at = fields.Datetime.now()
        results, accepted = [], Event.browse()
        for document in documents:
            ticket, problems = schemas.validate_ticket(document)
            ticket_id = (
                document.get("ticket_id") if isinstance(document, dict) else None
            )
            if ticket is None:
                results.append(
                    {
                        "ticket_id": ticket_id if isinstance(ticket_id, str) else None,
                        "status": "rejected",
                        "errors": problems,
                    }
                )
                continue
            # a batch stored by a concurrent request is not visible in this
            # transaction's snapshot: its tickets are then its duplicates
            child, new = Event._accept(
                self,
                topic=TOPIC_TICKET,
                event_key=ticket_ref(ticket.ticket_id),
                payload=_dump(document),
                headers=False,
                remote_ref=ticket_ref(ticket.ticket_id),
                parent=batch if created else None,
            )
            if new:
                accepted |= child
            results.append(
                {
                    "ticket_id": ticket.ticket_id,
                    "status": "accepted" if new else "duplicate",
                    "errors": [],
                }
            )
        accepted._dispatch_soon()
        return results

    def _retail_pos_accept_cashup(self, body_text, body_sha256, document):
        """Store a cash-up once per terminal and business date; its result."""
        self.ensure_one()
        cashup, problems = schemas.validate_cashup(document)
        if cashup is None:
            get = document.get if isinstance(document, dict) else (lambda key: None)
            terminal, day = get("terminal"), get("business_date")
            return {
                "terminal": terminal if isinstance(terminal, str) else None,
                "business_date": day if isinstance(day, str) else None,
                "status": "rejected",
                "errors": problems,
            }
        day = cashup.business_date.isoformat()
        event, new = (
            self.env["retail.event"]
            .sudo()
            ._accept(
                self,
                topic=TOPIC_CASHUP,
                event_key=cashup_ref(cashup.terminal, day),
                payload=body_text,
                headers={},
                remote_ref=cashup_ref(cashup.terminal, day),
                body_sha256=body_sha256,
            )
        )
        if new:
            event._dispatch_soon()
        return {
            "terminal": cashup.terminal,
            "business_date": day,
            "status": "accepted" if new else "duplicate",
            "errors": [],
        }
