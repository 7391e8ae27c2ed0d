from odoo.exceptions import AccessError
from odoo.fields import Domain
from odoo.tools.safe_eval import safe_eval

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

    def test_every_menu_opens_for_a_retail_user(self):
        menus = self.env["ir.ui.menu"].search(
            [
                (
                    "id",
                    "child_of",
                    self.env.ref("retail_connector_base.menu_retail_root").id,
                )
            ]
        )
        visible = self.env["ir.ui.menu"].with_user(self.user)._visible_menu_ids()
        opened = []
        for menu in menus.filtered("action"):
            if menu.id not in visible:
                continue
            action = menu.action.sudo()
            Model = self.env[action.res_model].with_user(self.user)
            views = [(False, mode) for mode in action.view_mode.split(",")]
            Model.get_views(views)
            Model.search_read(
                Domain(safe_eval(action.domain or "[]", {"uid": self.user.id})),
                limit=5,
            )
            opened.append(action.res_model)
        self.assertIn("retail.sync.exception", opened)
        self.assertIn("retail.event", opened)
        self.assertIn("queue.job", opened)
        self.assertIn("retail.backend", opened)
        self.assertNotIn("retail.test.backend", opened)  # managers only
