from odoo.tests import TransactionCase

from odoo.addons.retail_connector_base.services import errors


class TestImportHelper(TransactionCase):
    """retail.import.helper: the look-ups every order import makes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.Helper = cls.env["retail.import.helper"]
        cls.Partner = cls.env["res.partner"]
        cls.Product = cls.env["product.product"]
        cls.company = cls.env.company
        cls.other_company = cls.env["res.company"].create({"name": "Other shop"})

    def match(self, email=None, phone=None, company=None):
        return self.Helper._retail_match_partner(
            company or self.company, email=email, phone=phone
        )

    # -- partners -----------------------------------------------------------
    def test_email_matches_whole_and_case_insensitively(self):
        emily = self.Partner.create(
            {"name": "Emily", "email": "Emily.Carter@Example.com"}
        )
        quoted = self.Partner.create(
            {"name": "Priya", "email": '"Priya Raman" <priya@example.net>'}
        )
        self.assertEqual(self.match("emily.carter@example.com"), emily)
        self.assertEqual(self.match(" EMILY.CARTER@EXAMPLE.COM "), emily)
        self.assertEqual(self.match("priya@example.net"), quoted)
        self.assertFalse(self.match("carter@example.com"))
        self.assertFalse(self.match("emily.carter@example.co"))

    def test_like_wildcards_in_an_email_are_plain_characters(self):
        self.Partner.create({"name": "Axb", "email": "axb@example.com"})
        self.Partner.create({"name": "Anybody", "email": "anybody@example.com"})
        self.assertFalse(self.match("a_b@example.com"))
        self.assertFalse(self.match("a%@example.com"))
        self.assertFalse(self.match("%@example.com"))
        wild = self.Partner.create({"name": "Wild", "email": "a_b%@example.com"})
        self.assertEqual(self.match("A_B%@example.com"), wild)

    def test_phone_when_no_email_matches(self):
        partner = self.Partner.create({"name": "Caller", "phone": "+1 555 0100"})
        self.assertEqual(self.match("nobody@example.com", "+1 555 0100"), partner)
        self.assertEqual(self.match(None, " +1 555 0100 "), partner)
        self.assertFalse(self.match(None, "+1 555 0101"))
        self.assertFalse(self.match(None, None))

    def test_email_wins_over_phone(self):
        by_email = self.Partner.create({"name": "Mail", "email": "mail@example.com"})
        self.Partner.create({"name": "Phone", "phone": "+1 555 0102"})
        self.assertEqual(self.match("mail@example.com", "+1 555 0102"), by_email)

    def test_text_that_is_no_email_matches_by_phone_only(self):
        self.Partner.create({"name": "Odd", "email": "not an email"})
        partner = self.Partner.create({"name": "Caller", "phone": "+1 555 0103"})
        self.assertFalse(self.match("not an email"))
        self.assertEqual(self.match("not an email", "+1 555 0103"), partner)

    def test_only_top_level_partners_of_the_company_or_shared(self):
        company = self.Partner.create({"name": "Carter Design"})
        self.Partner.create(
            {
                "name": "Contact",
                "email": "contact@carter.example",
                "parent_id": company.id,
            }
        )
        self.Partner.create(
            {
                "name": "Elsewhere",
                "email": "elsewhere@example.com",
                "phone": "+1 555 0104",
                "company_id": self.other_company.id,
            }
        )
        self.Partner.create(
            {"name": "Gone", "email": "gone@example.com", "active": False}
        )
        own = self.Partner.create(
            {"name": "Own", "email": "own@example.com", "company_id": self.company.id}
        )
        self.assertFalse(self.match("contact@carter.example"))
        self.assertFalse(self.match("elsewhere@example.com", "+1 555 0104"))
        self.assertFalse(self.match("gone@example.com"))
        self.assertEqual(self.match("own@example.com"), own)
        self.assertFalse(self.match("own@example.com", company=self.other_company))
        self.assertTrue(self.match("elsewhere@example.com", company=self.other_company))

    def test_oldest_partner_wins(self):
        first = self.Partner.create({"name": "Zed", "email": "twice@example.com"})
        self.Partner.create({"name": "Abe", "email": "twice@example.com"})
        self.assertEqual(self.match("twice@example.com"), first)

    # -- addresses ----------------------------------------------------------
    def address(self, **values):
        values.setdefault("street", "350 Fifth Avenue")
        values.setdefault("city", "New York")
        values.setdefault("zip_code", "10118")
        values.setdefault("country_code", "us")
        values.setdefault("state_code", "NY")
        return self.Helper._retail_address_values(**values)

    def test_address_values(self):
        values = self.address(street2="Floor 3")
        self.assertEqual(values["country_id"], self.env.ref("base.us").id)
        self.assertEqual(values["state_id"], self.env.ref("base.state_us_27").id)
        self.assertEqual(
            (values["street"], values["street2"], values["city"], values["zip"]),
            ("350 Fifth Avenue", "Floor 3", "New York", "10118"),
        )
        unknown = self.address(country_code="XX", state_code="NY", street=None)
        self.assertFalse(unknown["country_id"] or unknown["state_id"])
        self.assertFalse(unknown["street"])
        self.assertFalse(self.address(state_code="ZZ")["state_id"])
        self.assertFalse(self.address(country_code=None)["state_id"])

    def test_address_lookups_are_kept_for_one_import(self):
        lookups = {}
        billing = self.address(lookups=lookups)
        self.assertEqual(billing, self.address())
        elsewhere = self.address(street="1 Main Street", lookups=lookups)
        self.assertEqual(
            (elsewhere["country_id"], elsewhere["state_id"]),
            (self.env.ref("base.us").id, self.env.ref("base.state_us_27").id),
        )
        self.assertEqual(list(lookups), [("US", "NY")])
        # a state the country does not have: the country alone
        unknown_state = self.address(state_code=" ZZ ", lookups=lookups)
        self.assertEqual(unknown_state["country_id"], self.env.ref("base.us").id)
        self.assertFalse(unknown_state["state_id"])
        no_state = self.address(country_code="FR", state_code=None, lookups=lookups)
        self.assertEqual(no_state["country_id"], self.env.ref("base.fr").id)
        self.assertFalse(no_state["state_id"])
        self.assertEqual(set(lookups), {("US", "NY"), ("US", "ZZ"), ("FR", None)})

    def test_address_contacts_are_made_once(self):
        partner = self.Partner.create(dict(self.address(), name="Emily Carter"))
        contact = self.Helper._retail_address_contact
        self.assertEqual(contact(partner, self.address(), "delivery"), partner)
        elsewhere = self.address(street="1 Main Street")
        delivery = contact(partner, elsewhere, "delivery", phone="+1 555 0105")
        self.assertEqual(delivery.parent_id, partner)
        self.assertEqual(delivery.type, "delivery")
        self.assertEqual(delivery.name, "Emily Carter")
        self.assertEqual(delivery.phone, "+1 555 0105")
        self.assertEqual(delivery.street, "1 Main Street")
        self.assertEqual(contact(partner, elsewhere, "delivery"), delivery)
        invoice = contact(partner, elsewhere, "invoice", name="Carter Design")
        self.assertNotEqual(invoice, delivery)
        self.assertEqual((invoice.type, invoice.name), ("invoice", "Carter Design"))
        self.assertEqual(len(partner.child_ids), 2)

    # -- pricelists ---------------------------------------------------------
    def pricelist(self, currency, preferred=None):
        return self.Helper._retail_pricelist(
            self.company,
            currency.name,
            preferred=preferred,
            subject="Order R-1",
            details={"remote_ref": "R-1"},
        )

    def currencies(self):
        """The company's currency and another one, without any pricelist."""
        own = self.company.currency_id
        foreign = self.env.ref("base.EUR")
        if foreign == own:
            foreign = self.env.ref("base.USD")
        foreign.active = True
        Pricelist = self.env["product.pricelist"]
        Pricelist.search([("currency_id", "in", (own | foreign).ids)]).active = False
        return own, foreign

    def test_pricelist_of_the_order_currency(self):
        own, foreign = self.currencies()
        Pricelist = self.env["product.pricelist"]
        elsewhere = Pricelist.create(
            {
                "name": "Elsewhere",
                "currency_id": foreign.id,
                "company_id": self.other_company.id,
            }
        )
        with self.assertRaises(errors.MappingError) as caught:
            self.pricelist(foreign)
        self.assertEqual(
            caught.exception.message,
            f"Order R-1 is in {foreign.name} but no pricelist uses {foreign.name}.",
        )
        self.assertIn(foreign.name, caught.exception.hint)
        self.assertEqual(caught.exception.details, {"remote_ref": "R-1"})
        self.assertEqual(caught.exception.category, "mapping")
        shared = Pricelist.create({"name": "Shared", "currency_id": foreign.id})
        self.assertEqual(self.pricelist(foreign), shared)
        # the backend's pricelist, when it is in the order's currency
        self.assertEqual(self.pricelist(foreign, preferred=elsewhere), elsewhere)

    def test_order_in_the_company_currency_may_have_no_pricelist(self):
        own, foreign = self.currencies()
        in_foreign = self.env["product.pricelist"].create(
            {"name": "Foreign", "currency_id": foreign.id}
        )
        found = self.pricelist(own, preferred=in_foreign)
        self.assertFalse(found)
        self.assertEqual(found._name, "product.pricelist")
        in_own = self.env["product.pricelist"].create(
            {"name": "Own", "currency_id": own.id}
        )
        self.assertEqual(self.pricelist(own, preferred=in_foreign), in_own)
        self.assertEqual(self.pricelist(own, preferred=in_own), in_own)

    # -- products -----------------------------------------------------------
    def product(self, name, **values):
        return self.Product.create(dict(values, name=name, type="consu"))

    def test_product_by_sku_then_barcode(self):
        mug = self.product("Mug", default_code="MUG-1")
        tote = self.product("Tote", barcode="0012345000017")
        match = self.Helper._retail_match_product
        self.assertEqual(match(self.company, sku="MUG-1"), mug)
        self.assertEqual(match(self.company, sku="MUG-1", barcode="0012345000017"), mug)
        self.assertEqual(match(self.company, sku="NONE", barcode="0012345000017"), tote)
        self.assertEqual(match(self.company, barcode="0012345000017"), tote)
        self.assertFalse(match(self.company, sku="mug-1"))
        self.assertFalse(match(self.company, sku="MUG-%"))
        self.assertFalse(match(self.company))

    def test_product_must_be_the_only_one_of_the_company_or_shared(self):
        match = self.Helper._retail_match_product
        self.product("Tee", default_code="TEE-1")
        self.product("Tee again", default_code="TEE-1")
        self.assertFalse(match(self.company, sku="TEE-1"))
        other = self.product(
            "Other tee", default_code="TEE-2", company_id=self.other_company.id
        )
        self.assertFalse(match(self.company, sku="TEE-2"))
        self.assertEqual(match(self.other_company, sku="TEE-2"), other)
        own = self.product("Own tee", default_code="TEE-2", company_id=self.company.id)
        self.assertEqual(match(self.company, sku="TEE-2"), own)
        # a duplicate SKU falls back on the barcode
        barcode = self.product("Tee by barcode", barcode="TEE-1")
        self.assertEqual(match(self.company, sku="TEE-1", barcode="TEE-1"), barcode)

    def test_archived_product_is_still_found(self):
        old = self.product("Old mug", default_code="MUG-OLD", active=False)
        self.assertEqual(
            self.Helper._retail_match_product(self.company, sku="MUG-OLD"), old
        )

    def test_products_of_many_references_at_once(self):
        mug = self.product("Mug", default_code="MUG-1")
        tote = self.product("Tote", barcode="0012345000017")
        old = self.product("Old mug", default_code="MUG-OLD", active=False)
        self.product("Tee", default_code="TEE-1")
        self.product("Tee again", default_code="TEE-1")
        by_barcode = self.product("Tee by barcode", barcode="TEE-1")
        self.product(
            "Other tee", default_code="TEE-2", company_id=self.other_company.id
        )
        references = [
            ("MUG-1", "0012345000017"),  # the SKU first
            ("NONE", "0012345000017"),  # else the barcode
            ("TEE-1", "TEE-1"),  # a duplicate SKU falls back on the barcode
            ("TEE-1", None),  # and alone identifies nothing
            ("TEE-2", None),  # another company's
            ("MUG-OLD", "MUG-OLD"),  # archived
            ("mug-1", None),
            (None, None),
            ("MUG-1", None),  # twice in the same batch
        ]
        found = self.Helper._retail_match_products(self.company, references)
        self.assertEqual(
            found,
            [mug, tote, by_barcode, self.Product, self.Product, old]
            + [self.Product, self.Product, mug],
        )
        # the same answers as one look-up per reference
        self.assertEqual(
            found,
            [
                self.Helper._retail_match_product(self.company, sku=sku, barcode=code)
                for sku, code in references
            ],
        )
        self.assertEqual(self.Helper._retail_match_products(self.company, []), [])
