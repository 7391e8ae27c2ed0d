from odoo.addons.retail_connector_base.services import errors, locks

from .common import RetailCommittedCase


class TestRowLocks(RetailCommittedCase):
    """Rows locked up front: a job that would change rows another job is
    changing waits (LockContentionError, no try spent, nothing logged)."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.partner = self.create_committed(
                env, "res.partner", {"name": "Locked row"}
            )

    def test_a_row_held_by_another_transaction_is_a_wait(self):
        with self.registry.cursor() as holder, self.registry.cursor() as other:
            locks.lock_rows(holder, "res_partner", [self.partner.id], "The partner")
            with (
                self.assertNoLogs("odoo.sql_db", level="ERROR"),
                self.assertRaises(errors.LockContentionError) as caught,
            ):
                locks.lock_rows(other, "res_partner", [self.partner.id], "The partner")
            self.assertEqual(errors.classify(caught.exception), "transient")
            self.assertIn(
                "The partner is being changed by another job", str(caught.exception)
            )
            # the transaction goes on (the lock was tried in a savepoint)
            other.execute("SELECT 1")
            holder.rollback()
            other.rollback()

    def test_a_row_changed_since_the_snapshot_is_a_wait(self):
        with self.registry.cursor() as late:
            late.execute("SELECT 1")  # its snapshot starts here
            with self.committed_env() as env:
                env["res.partner"].browse(self.partner.id).name = "Changed"
            with (
                self.assertNoLogs("odoo.sql_db", level="ERROR"),
                self.assertRaises(errors.LockContentionError),
            ):
                locks.lock_rows(late, "res_partner", [self.partner.id], "The partner")
            late.rollback()

    def test_free_rows_are_locked(self):
        with self.registry.cursor() as cr, self.registry.cursor() as other:
            locks.lock_rows(cr, "res_partner", [self.partner.id], "The partner")
            with self.assertRaises(errors.LockContentionError):
                locks.lock_rows(other, "res_partner", [self.partner.id], "The partner")
            cr.rollback()
            # released with the transaction
            locks.lock_rows(other, "res_partner", [self.partner.id], "The partner")
            other.rollback()
