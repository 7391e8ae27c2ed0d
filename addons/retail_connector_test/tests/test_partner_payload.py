from .common import RetailTestCase


class TestPartnerPayload(RetailTestCase):
    """The test connector validates partners on the base's validation module."""

    def test_an_invalid_field_is_named_in_a_sync_exception(self):
        event, _created = self.accept(
            self.partner_payload("C-9", updated_at="yesterday", email=["a"]),
            key="v1",
        )
        event._process()
        self.assertEqual(event.state, "failed")
        self.assertIn("Partner C-9: email is invalid", event.error)
        self.assertIn("Also invalid: updated_at", event.error)
        exception = event.exception_ids
        self.assertEqual(exception.category, "validation")
        self.assertIn("correct email in the remote system", exception.hint)
        self.assertFalse(self.Binding._retail_get(self.backend, "C-9"))

    def test_a_valid_partner_is_imported(self):
        event, _created = self.accept(
            self.partner_payload("C-10", updated_at="2026-12-01T10:00:00+01:00"),
            key="v2",
        )
        event._process()
        self.assertEqual(event.state, "done", event.error)
