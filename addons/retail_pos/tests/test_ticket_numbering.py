"""Tickets of one store imported at once: the order numbering they share.

``sync_from_ui`` numbers an order with the point of sale's gapless
sequences, whose rows Odoo takes with ``FOR UPDATE NOWAIT``. The ticket job
takes them first, quietly: while another transaction holds them, the job
waits (``LockContentionError``, no try spent) and nothing is logged at
ERROR.
"""

from odoo.addons.retail_connector_base.services import errors

from .common import PosCommittedCase


class TestTicketNumbering(PosCommittedCase):
    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.store = self.create_backend(env)
            config = self.store.pos_config_id
            self.sequence_ids = (
                config.order_backend_seq_id
                | config.order_seq_id
                | config.order_line_seq_id
            ).ids
        self.assertEqual(len(self.sequence_ids), 3)

    def lock_numbering(self, env):
        store = self.store.with_env(env)
        store._retail_pos_lock_numbering(store.pos_config_id)

    def test_numbering_held_elsewhere_waits_quietly(self):
        with self.registry.cursor() as holder:
            holder.execute(
                "SELECT id FROM ir_sequence WHERE id = %s FOR UPDATE",
                (self.sequence_ids[0],),
            )
            with (
                self.assertNoLogs("odoo.sql_db", "ERROR"),
                self.assertRaises(errors.LockContentionError) as caught,
            ):
                self.in_transaction(self.lock_numbering)
            holder.rollback()
        self.assertEqual(caught.exception.retry_after, 1)
        self.assertIn("order numbering", str(caught.exception))

    def test_numbering_changed_since_the_snapshot_waits_quietly(self):
        def other_ticket_numbers():
            with self.registry.cursor() as other:
                other.execute(
                    "UPDATE ir_sequence SET number_next = number_next WHERE id = %s",
                    (self.sequence_ids[0],),
                )

        with (
            self.assertNoLogs("odoo.sql_db", "ERROR"),
            self.assertRaises(errors.LockContentionError),
        ):
            self.in_transaction(
                self.lock_numbering, after_snapshot=other_ticket_numbers
            )

    def test_free_numbering_is_taken_until_the_transaction_ends(self):
        seen = {}

        def try_elsewhere():
            with self.registry.cursor() as other:
                other.execute(
                    "SELECT count(*) FROM (SELECT id FROM ir_sequence WHERE id IN %s"
                    " FOR UPDATE SKIP LOCKED) AS free",
                    (tuple(self.sequence_ids),),
                )
                seen["free elsewhere"] = other.fetchone()[0]

        self.in_transaction(self.lock_numbering, before_commit=try_elsewhere)
        self.assertEqual(seen, {"free elsewhere": 0})
