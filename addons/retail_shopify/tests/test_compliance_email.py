from odoo.tests import TransactionCase

from .common import ShopifyTestMixin


class TestComplianceEmail(ShopifyTestMixin, TransactionCase):
    """A privacy request finds its customer by the whole email address."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()

    def redact(self, email, event_id="c1"):
        event = self.deliver(
            "customers/redact",
            {
                "shop_id": 1,
                "shop_domain": self.backend.shop_domain,
                "customer": {"id": 1, "email": email},
                "orders_to_redact": [],
            },
            event_id=event_id,
        )
        event._process()
        self.assertEqual(event.state, "done", event.error)

    def test_like_wildcards_do_not_redact_other_customers(self):
        Partner = self.env["res.partner"]
        others = Partner.create(
            [
                {"name": "Axb", "email": "axb@example.com"},
                {"name": "Anybody", "email": "anybody@example.com"},
            ]
        )
        self.redact("a_b%@example.com")
        self.assertEqual(others.mapped("name"), ["Axb", "Anybody"])
        self.assertEqual(
            others.mapped("email"), ["axb@example.com", "anybody@example.com"]
        )

    def test_the_customer_is_found_whatever_the_case(self):
        customer = self.env["res.partner"].create(
            {"name": "Emily Carter", "email": "Emily.Carter@example.com"}
        )
        # a customer of this store: one of its orders is hers
        self.Binding.create(
            {
                "backend_id": self.backend.id,
                "external_id": "gid://shopify/Order/1",
                "odoo_id": self.env["sale.order"]
                .create({"partner_id": customer.id})
                .id,
            }
        )
        self.redact("emily.carter@EXAMPLE.com")
        self.assertFalse(customer.email)
        self.assertNotEqual(customer.name, "Emily Carter")
