from odoo.exceptions import AccessError

from .common import RetailTestCase


class TestSecurity(RetailTestCase):
    def test_credentials_hidden_from_users(self):
        backend = self.backend.with_user(self.user)
        self.assertEqual(backend.name, "Test feed")
        with self.assertRaises(AccessError):
            _secret = backend.webhook_secret
        self.assertNotIn("webhook_secret", backend.fields_get())

    def test_manager_reads_and_configures_credentials(self):
        backend = self.backend.with_user(self.manager)
        self.assertEqual(backend.webhook_secret, "s3cret-webhook-key")
        backend.write({"webhook_secret": "rotated"})
        self.assertEqual(self.backend.webhook_secret, "rotated")

    def test_user_cannot_configure_backend(self):
        with self.assertRaises(AccessError):
            self.backend.with_user(self.user).write({"rate_limit_capacity": 1})

    def test_user_works_exceptions_but_cannot_delete_events(self):
        event, _c = self.accept(self.partner_payload(name=""))
        event._process()
        exc = self.Exception.search([("event_id", "=", event.id)])
        exc.with_user(self.user).action_ignore()
        self.assertEqual(exc.state, "ignored")
        with self.assertRaises(AccessError):
            event.with_user(self.user).unlink()

    def test_company_isolation(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        other_backend = self.env["retail.test.backend"].create(
            {"name": "Other feed", "state": "active", "company_id": other_company.id}
        )
        event, _c = self.accept(self.partner_payload(), backend=other_backend)
        self.assertEqual(event.company_id, other_company)
        Event = self.Event.with_user(self.manager)
        self.assertFalse(Event.search([("id", "=", event.id)]))
        self.assertFalse(
            self.env["retail.test.backend"]
            .with_user(self.manager)
            .search([("id", "=", other_backend.id)])
        )
        self.manager.write({"company_ids": [(4, other_company.id)]})
        visible = Event.with_context(
            allowed_company_ids=[self.env.company.id, other_company.id]
        ).search([("id", "=", event.id)])
        self.assertEqual(visible, event)
