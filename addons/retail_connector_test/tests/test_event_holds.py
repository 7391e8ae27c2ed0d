"""Subjects, holds and batches of retail.event, through the test connector."""

import json

from odoo.exceptions import UserError

from odoo.addons.queue_job.tests.common import trap_jobs
from odoo.addons.retail_connector_base.services import errors, wait_keys

from .common import RetailTestCase


class TestEventHolds(RetailTestCase):
    def held_employee(self, key="e-1"):
        """A partner of a company not imported yet: held on the company."""
        event, _created = self.accept(
            self.partner_payload("P-1", "Ada", parent_id="CO-1"), key=key
        )
        event._process()
        return event

    def test_a_delivery_waiting_for_another_is_held_on_its_key(self):
        event = self.held_employee()
        self.assertEqual(event.state, "failed")
        self.assertEqual(event.waiting_for, "the remote partner CO-1")
        self.assertEqual(event.remote_ref, "partner:P-1")
        exception = event.exception_ids
        self.assertEqual(exception.state, "open")
        self.assertIn("CO-1", exception.message)
        self.assertEqual(exception.remote_ref, "partner:P-1")
        self.assertIn(event, self.Event.search([("waiting_for", "!=", False)]))

    def test_importing_what_it_waits_for_releases_it(self):
        event = self.held_employee()
        company, _created = self.accept(self.partner_payload("CO-1", "Acme"), key="c-1")
        with trap_jobs() as trap:
            company._process()
            trap.assert_jobs_count(1, only=event._process)
            self.assertEqual(event.state, "queued")
            self.assertFalse(event.wait_ids)
            trap.perform_enqueued_jobs()
        self.assertEqual(event.state, "done", event.error)
        partner = self.Binding._retail_get(self.backend, "P-1").odoo_id
        self.assertEqual(partner.parent_id.name, "Acme")
        self.assertEqual(event.exception_ids.state, "resolved")

    def test_release_touches_only_the_events_waiting_on_the_key(self):
        event = self.held_employee()
        other, _created = self.accept(
            self.partner_payload("P-2", "Bob", parent_id="CO-2"), key="e-2"
        )
        other._process()
        with trap_jobs() as trap:
            released = self.Event._release(["test-partner:CO-1", "unrelated:key"])
            trap.assert_jobs_count(1, only=event._process)
        self.assertEqual(released, event)
        self.assertEqual(other.state, "failed")
        self.assertEqual(other.waiting_for, "the remote partner CO-2")

    def test_retry_of_a_held_delivery_says_what_is_missing(self):
        event = self.held_employee()
        with self.assertRaisesRegex(UserError, "the remote partner CO-1"):
            event.exception_ids.with_user(self.user).action_retry()
        self.assertEqual(event.state, "failed")
        # the company arrives without releasing anything: retry now works
        partner = self.env["res.partner"].create({"name": "Acme"})
        self.Binding._retail_bind(self.backend, "CO-1", partner)
        with trap_jobs() as trap:
            event.exception_ids.with_user(self.user).action_retry()
            trap.assert_jobs_count(1, only=event._process)

    def test_the_sweep_releases_what_nobody_released(self):
        event = self.held_employee()
        self.assertFalse(self.Event._release_provided())
        # provided by a transaction that could not see the hold yet
        partner = self.env["res.partner"].create({"name": "Acme"})
        self.Binding._retail_bind(self.backend, "CO-1", partner)
        with trap_jobs() as trap:
            self.assertEqual(self.Event._release_provided(), event)
            trap.assert_jobs_count(1, only=event._process)

    def test_product_keys_are_released_by_any_product_change(self):
        event, _created = self.accept(self.partner_payload("P-9"), key="p-9")
        event._hold(
            errors.MappingError(
                "Partner P-9 buys a product Odoo does not have.",
                waits_for=wait_keys.product_keys(sku="GIFT-CARD", barcode="4006"),
            )
        )
        self.assertEqual(
            event.waiting_for,
            "a product with Internal Reference GIFT-CARD"
            " or a product with barcode 4006",
        )
        Product = self.env["product.product"]
        with trap_jobs() as trap:
            product = Product.create({"name": "Voucher", "default_code": "OTHER"})
            trap.assert_jobs_count(0)
            product.barcode = "4006"
            trap.assert_jobs_count(1, only=event._process)
        self.assertEqual(event.state, "queued")

    def test_product_key_satisfied_in_another_company_is_not(self):
        other = self.env["res.company"].create({"name": "Other company"})
        self.env["product.product"].create(
            {"name": "Voucher", "default_code": "GIFT-CARD", "company_id": other.id}
        )
        key = wait_keys.make("product", "sku", "GIFT-CARD")
        self.assertIs(self.backend._retail_wait_satisfied(key), False)
        self.assertIsNone(self.backend._retail_wait_satisfied("unknown:thing"))

    def test_events_are_found_by_subject(self):
        first, _c = self.accept(self.partner_payload("S-1"), key="s1")
        second, _c = self.accept(self.partner_payload("S-1", "Renamed"), key="s2")
        third, _c = self.accept(self.partner_payload("S-2"), key="s3")
        other_backend = self.backend.copy({"name": "Other feed"})
        foreign, _c = self.accept(
            self.partner_payload("S-1"), key="s1", backend=other_backend
        )
        about = self.Event._about(self.backend, ["partner:S-1"])
        self.assertEqual(about, first | second)
        self.assertEqual(
            self.Event._about(self.backend, ["partner:S-1", "partner:S-2"]),
            first | second | third,
        )
        self.assertEqual(self.Event._about(other_backend, ["partner:S-1"]), foreign)
        self.assertFalse(self.Event._about(self.backend, []))

    def test_a_poll_holds_through_the_same_path(self):
        event, _created = self.Event._accept(
            self.backend,
            topic="partner/upsert",
            event_key="poll:P-1",
            payload=json.dumps(self.partner_payload("P-1", parent_id="CO-1")),
            headers=False,
            origin="poll",
        )
        event._process()
        self.assertEqual(event.waiting_for, "the remote partner CO-1")
        self.assertEqual(event.exception_ids.flow, "reconciliation")


class TestEventBatches(RetailTestCase):
    def batch(self, key, *partners):
        event, _created = self.accept(
            {"id": key, "partners": list(partners)}, topic="partner/batch", key=key
        )
        return event

    def test_a_batch_fans_out_into_one_event_per_unit(self):
        batch = self.batch(
            "B-1",
            self.partner_payload("U-1", "Ada"),
            self.partner_payload("U-2", "Bob"),
        )
        self.assertFalse(batch.remote_ref)
        with trap_jobs() as trap:
            batch._process()
            self.assertEqual(batch.state, "done")
            children = batch.child_ids.sorted("event_key")
            self.assertEqual(len(children), 2)
            self.assertEqual(batch.child_count, 2)
            self.assertEqual(
                children.mapped("remote_ref"), ["partner:U-1", "partner:U-2"]
            )
            self.assertEqual(children.mapped("topic"), ["partner/upsert"] * 2)
            self.assertEqual(set(children.mapped("state")), {"queued"})
            trap.assert_jobs_count(2)
            for child in children:
                trap.assert_jobs_count(1, only=child._process)
            trap.perform_enqueued_jobs()
        self.assertEqual(set(children.mapped("state")), {"done"})
        self.assertEqual([c.result_ref.name for c in children], ["Ada", "Bob"])

    def test_a_unit_sent_again_in_another_batch_is_a_duplicate(self):
        ada = self.partner_payload("U-1", "Ada", updated_at="2026-12-01T10:00:00Z")
        first = self.batch("B-1", ada)
        first._process()
        child = first.child_ids
        second = self.batch("B-2", ada, self.partner_payload("U-3", "Cy"))
        with trap_jobs() as trap:
            second._process()
            self.assertEqual(second.child_ids.mapped("remote_ref"), ["partner:U-3"])
            trap.assert_jobs_count(1, only=second.child_ids._process)
        child.invalidate_recordset()
        self.assertEqual(child.duplicate_count, 1)

    def test_one_bad_unit_does_not_block_the_others(self):
        batch = self.batch(
            "B-3",
            self.partner_payload("U-4", ""),
            self.partner_payload("U-5", "Eve"),
        )
        with trap_jobs() as trap:
            batch._process()
            trap.perform_enqueued_jobs()
        bad, good = batch.child_ids.sorted("event_key")
        self.assertEqual(bad.state, "failed")
        self.assertIn("has no name", bad.error)
        self.assertEqual(good.state, "done")

    def test_a_malformed_batch_fails_as_a_whole(self):
        batch = self.batch("B-4", "not an object")
        batch._process()
        self.assertEqual(batch.state, "failed")
        self.assertFalse(batch.child_ids)
