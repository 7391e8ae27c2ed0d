import psycopg2

from odoo.tools import mute_logger

from odoo.addons.retail_connector_base.models.retail_binding_mixin import payload_hash

from .common import RetailTestCase


class TestBinding(RetailTestCase):
    def test_unique_backend_external_id(self):
        partner = self.env["res.partner"].create({"name": "P"})
        self.Binding.create(
            {"backend_id": self.backend.id, "external_id": "X1", "odoo_id": partner.id}
        )
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaises(psycopg2.errors.UniqueViolation),
            self.env.cr.savepoint(),
        ):
            self.Binding.create(
                {
                    "backend_id": self.backend.id,
                    "external_id": "X1",
                    "odoo_id": partner.id,
                }
            )

    def test_same_external_id_on_other_backend_is_allowed(self):
        other = self.backend.copy({"name": "Other feed"})
        partner = self.env["res.partner"].create({"name": "P"})
        a = self.Binding._retail_bind(self.backend, "X1", partner)
        b = self.Binding._retail_bind(other, "X1", partner)
        self.assertNotEqual(a, b)
        self.assertEqual(self.Binding._retail_get(other, "X1"), b)

    def test_bind_updates_existing(self):
        partner = self.env["res.partner"].create({"name": "P"})
        first = self.Binding._retail_bind(
            self.backend, "X1", partner, {"a": 1}, "2026-11-20T10:00:00Z"
        )
        second = self.Binding._retail_bind(
            self.backend, "X1", partner, {"a": 2}, "2026-11-20T11:00:00+01:00"
        )
        self.assertEqual(first, second)
        self.assertEqual(second.payload_hash, payload_hash({"a": 2}))
        self.assertEqual(str(second.external_updated_at), "2026-11-20 10:00:00")
        self.assertEqual(second.sync_state, "synced")

    def test_stale_detection(self):
        partner = self.env["res.partner"].create({"name": "P"})
        binding = self.Binding._retail_bind(
            self.backend, "X1", partner, {}, "2026-11-20T10:00:00Z"
        )
        self.assertTrue(binding._retail_is_stale("2026-11-20T09:59:59Z"))
        self.assertFalse(binding._retail_is_stale("2026-11-20T10:00:00Z"))
        self.assertFalse(binding._retail_is_stale("2026-11-20T10:00:01Z"))
        self.assertFalse(binding._retail_is_stale(None))

    def test_unchanged_detection(self):
        partner = self.env["res.partner"].create({"name": "P"})
        binding = self.Binding._retail_bind(
            self.backend, "X1", partner, {"b": 1, "a": 2}
        )
        self.assertTrue(binding._retail_is_unchanged({"a": 2, "b": 1}))
        self.assertFalse(binding._retail_is_unchanged({"a": 3, "b": 1}))
        binding._retail_mark_outdated()
        self.assertEqual(binding.sync_state, "outdated")
        self.assertFalse(binding._retail_is_unchanged({"a": 2, "b": 1}))

    def test_import_does_not_mark_outdated_but_local_edit_does(self):
        event, _c = self.accept(self.partner_payload())
        event._process()
        binding = self.Binding._retail_get(self.backend, "C-1")
        self.assertEqual(binding.sync_state, "synced")
        # a second import of a changed payload writes the partner again
        update, _c = self.accept(self.partner_payload(name="Acme Two"), key="k2")
        update._process()
        self.assertEqual(binding.odoo_id.name, "Acme Two")
        self.assertEqual(binding.sync_state, "synced")
        self.assertFalse(binding._retail_importing()._retail_export_allowed())
        # a person edits the partner in Odoo: it must be sent out
        binding.odoo_id.write({"phone": "+1 555 0100"})
        self.assertEqual(binding.sync_state, "outdated")
