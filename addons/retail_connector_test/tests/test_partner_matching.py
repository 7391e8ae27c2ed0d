from .common import RetailTestCase


class TestPartnerMatching(RetailTestCase):
    """A remote partner new to Odoo binds the Odoo partner it already is."""

    def import_partner(self, external_id="C-1", key=None, **payload):
        event, _c = self.accept(
            self.partner_payload(external_id=external_id, **payload),
            key=key or f"import-{external_id}",
        )
        event._process()
        self.assertEqual(event.state, "done", event.error)
        return self.Binding._retail_get(self.backend, external_id).odoo_id

    def test_existing_partner_is_bound_by_email(self):
        existing = self.env["res.partner"].create(
            {"name": "Acme", "email": "Shop@Acme.example", "phone": "+1 555 0100"}
        )
        partner = self.import_partner(name="Acme Store", email="shop@acme.example")
        self.assertEqual(partner, existing)
        self.assertEqual(partner.name, "Acme Store")
        self.assertEqual(partner.email, "shop@acme.example")
        self.assertEqual(partner.phone, "+1 555 0100")  # not sent: kept

    def test_then_by_phone(self):
        existing = self.env["res.partner"].create(
            {"name": "Acme", "email": "old@acme.example", "phone": "+1 555 0101"}
        )
        partner = self.import_partner(email="new@acme.example", phone="+1 555 0101")
        self.assertEqual(partner, existing)
        self.assertEqual(partner.email, "new@acme.example")

    def test_like_wildcards_in_the_email_match_nobody_else(self):
        others = self.env["res.partner"].create(
            [
                {"name": "Axb", "email": "axb@acme.example"},
                {"name": "Anybody", "email": "anybody@acme.example"},
            ]
        )
        partner = self.import_partner(email="a_b%@acme.example")
        self.assertNotIn(partner, others)
        self.assertEqual(partner.email, "a_b%@acme.example")
        self.assertEqual(
            others.mapped("email"), ["axb@acme.example", "anybody@acme.example"]
        )

    def test_partner_bound_to_another_remote_partner_is_not_taken(self):
        first = self.import_partner("C-1", email="shop@acme.example")
        second = self.import_partner("C-2", email="shop@acme.example")
        self.assertNotEqual(first, second)
        self.assertEqual(self.Binding._retail_get(self.backend, "C-1").odoo_id, first)

    def test_partners_of_another_company_are_not_matched(self):
        other_company = self.env["res.company"].create({"name": "Other Co"})
        elsewhere = self.env["res.partner"].create(
            {
                "name": "Acme elsewhere",
                "email": "shop@acme.example",
                "company_id": other_company.id,
            }
        )
        partner = self.import_partner(email="shop@acme.example")
        self.assertNotEqual(partner, elsewhere)
        self.assertEqual(elsewhere.name, "Acme elsewhere")

    def test_a_bound_partner_is_updated_not_matched_again(self):
        partner = self.import_partner(email="shop@acme.example")
        other = self.env["res.partner"].create(
            {"name": "Other", "email": "other@acme.example"}
        )
        updated = self.import_partner(
            key="update", name="Acme Renamed", email="other@acme.example"
        )
        self.assertEqual(updated, partner)
        self.assertEqual(other.name, "Other")
