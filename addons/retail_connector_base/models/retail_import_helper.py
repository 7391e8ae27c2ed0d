from odoo import api, models
from odoo.fields import Domain
from odoo.tools import email_normalize

from ..services import errors


class RetailImportHelper(models.AbstractModel):
    """Find or create the Odoo records an imported order or ticket refers to.

    Every connector that imports sales (storefront orders, store tickets)
    looks up the same things: the customer, the invoice and delivery
    contacts, the pricelist of the order's currency and the products of its
    lines. The look-ups live here once; a connector maps its remote object to
    plain values and calls them on the environment::

        helper = self.env["retail.import.helper"]
        partner = helper._retail_match_partner(backend.company_id, email=..., phone=...)

    Every method is a model method: it takes the company the records must be
    usable in (the backend's) and returns records in the caller's
    environment, so a connector importing as superuser calls it on a
    ``sudo()`` environment. Records of another company are never returned;
    records without a company (shared) are.
    """

    _name = "retail.import.helper"
    _description = "Retail Order Import Helpers"

    @api.model
    def _retail_company_domain(self, company):
        """Records of ``company`` or shared by every company."""
        return [("company_id", "in", (False, company.id))]

    # ------------------------------------------------------------------
    # partners
    # ------------------------------------------------------------------
    @api.model
    def _retail_email_domain(self, email):
        """Partners whose email is ``email``, compared whole.

        The comparison is on the normalised form Odoo stores
        (``email_normalized``: ``Emily <EMILY@x.com>`` is ``emily@x.com``),
        with ``=``, never as a pattern: ``%`` and ``_`` in an address are
        plain characters. Text that is not an email address matches nobody.
        """
        normalized = email_normalize(email) if email else False
        if not normalized:
            return Domain.FALSE
        return Domain("email_normalized", "=", normalized)

    @api.model
    def _retail_match_partner(self, company, email=None, phone=None):
        """The customer with this email, else with this phone; empty if none.

        Only top-level partners (companies and persons, not their contacts)
        of ``company`` or shared are considered, archived ones are not; the
        oldest wins when several match. The email is compared as
        :meth:`_retail_email_domain` says, the phone exactly, spaces around it
        ignored.
        """
        Partner = self.env["res.partner"]
        domain = Domain("parent_id", "=", False) & Domain(
            self._retail_company_domain(company)
        )
        email_domain = self._retail_email_domain(email)
        if not email_domain.is_false():
            partner = Partner.search(email_domain & domain, order="id", limit=1)
            if partner:
                return partner
        phone = (phone or "").strip()
        if phone:
            return Partner.search(
                Domain("phone", "=", phone) & domain, order="id", limit=1
            )
        return Partner

    @api.model
    def _retail_address_values(
        self,
        *,
        street=None,
        street2=None,
        city=None,
        zip_code=None,
        country_code=None,
        state_code=None,
        lookups=None,
    ):
        """``res.partner`` values of a postal address.

        ``country_code`` is an ISO 3166-1 alpha-2 code (any case),
        ``state_code`` the code of the state in Odoo for that country; a code
        Odoo does not know leaves the country or the state empty. ``lookups``
        is a dict the caller keeps for the addresses of one import (its
        billing and delivery addresses, a new customer's): each country and
        state is then looked up once.
        """
        lookups = {} if lookups is None else lookups
        key = (
            country_code.strip().upper() if country_code else None,
            state_code.strip() if state_code else None,
        )
        if key not in lookups:
            lookups[key] = self._retail_country_state(*key)
        country, state = lookups[key]
        return {
            "street": street or False,
            "street2": street2 or False,
            "city": city or False,
            "zip": zip_code or False,
            "country_id": country.id or False,
            "state_id": state.id or False,
        }

    @api.model
    def _retail_country_state(self, country_code, state_code):
        """The country of a (stripped, upper-case) code and its state of a
        (stripped) code; empty records for codes Odoo does not know. One
        search when the state is known."""
        Country = self.env["res.country"]
        State = self.env["res.country.state"]
        if not country_code:
            return Country, State
        if state_code:
            # country codes are unique: the state's country is the country
            state = State.search_fetch(
                [("country_id.code", "=", country_code), ("code", "=", state_code)],
                ["country_id"],
                limit=1,
            )
            if state:
                return state.country_id, state
        return Country.search([("code", "=", country_code)], limit=1), State

    @api.model
    def _retail_address_contact(self, partner, values, kind, *, name=None, phone=None):
        """The contact of ``partner`` to use for an address.

        ``values`` come from :meth:`_retail_address_values`, ``kind`` is the
        contact type (``"invoice"`` or ``"delivery"``). Returns ``partner``
        itself when it has this address, else its contact of this type with
        this address, else a new contact of this type with it (named ``name``
        or after the partner), so that an address used again is not copied.
        """

        def same_address(record):
            return all(
                (record[key].id if key.endswith("_id") else record[key]) == value
                for key, value in values.items()
            )

        if same_address(partner):
            return partner
        existing = partner.child_ids.filtered(
            lambda child: child.type == kind and same_address(child)
        )
        if existing:
            return existing[0]
        return self.env["res.partner"].create(
            dict(
                values,
                parent_id=partner.id,
                type=kind,
                name=name or partner.name,
                phone=phone or False,
            )
        )

    # ------------------------------------------------------------------
    # pricelist
    # ------------------------------------------------------------------
    @api.model
    def _retail_pricelist(
        self, company, currency_code, *, preferred=None, subject, details=None
    ):
        """The pricelist of an order in the currency ``currency_code``.

        ``preferred`` (the backend's pricelist) when it is in that currency,
        else the first pricelist of ``company`` or shared in it. An empty
        recordset when there is none and the currency is the company's (the
        order then has no pricelist). Otherwise raises
        :class:`~..services.errors.MappingError` about ``subject`` (e.g.
        ``"Shopify order #1042"``), with ``details`` (e.g. its
        ``remote_ref``).
        """
        if preferred and preferred.currency_id.name == currency_code:
            return preferred
        pricelist = self.env["product.pricelist"].search(
            [
                ("currency_id.name", "=", currency_code),
                *self._retail_company_domain(company),
            ],
            limit=1,
        )
        if pricelist or company.currency_id.name == currency_code:
            return pricelist
        raise errors.MappingError(
            f"{subject} is in {currency_code} but no pricelist uses {currency_code}.",
            hint=self.env._(
                "Activate the currency %(currency)s and create a pricelist in it, "
                "then press Retry.",
                currency=currency_code,
            ),
            details=details,
        )

    # ------------------------------------------------------------------
    # products
    # ------------------------------------------------------------------
    @api.model
    def _retail_match_product(self, company, *, sku=None, barcode=None):
        """The product with Internal Reference ``sku``, else with ``barcode``.

        A value identifies a product only when exactly one product of
        ``company`` or shared has it (archived products included: an order
        may name a product no longer sold); an empty recordset otherwise.
        """
        return self._retail_match_products(company, [(sku, barcode)])[0]

    @api.model
    def _retail_match_products(self, company, references):
        """:meth:`_retail_match_product` for many ``(sku, barcode)`` pairs.

        Returns the products in the order of ``references`` (an empty
        recordset for a pair that identifies none), each matched as
        :meth:`_retail_match_product` says, with one search for them all.
        """
        Product = self.env["product.product"].with_context(active_test=False)
        references = [(sku or None, barcode or None) for sku, barcode in references]
        skus = {sku for sku, _barcode in references if sku}
        barcodes = {barcode for _sku, barcode in references if barcode}
        if not skus and not barcodes:
            return [Product] * len(references)
        domain = Domain.OR(
            [
                *([Domain("default_code", "in", sorted(skus))] if skus else []),
                *([Domain("barcode", "in", sorted(barcodes))] if barcodes else []),
            ]
        ) & Domain(self._retail_company_domain(company))
        found = {"default_code": {}, "barcode": {}}
        for product in Product.search_fetch(domain, ["default_code", "barcode"]):
            for field, values in (("default_code", skus), ("barcode", barcodes)):
                if product[field] in values:
                    found[field].setdefault(product[field], []).append(product)

        def match(sku, barcode):
            for field, value in (("default_code", sku), ("barcode", barcode)):
                candidates = found[field].get(value, ()) if value else ()
                if len(candidates) == 1:
                    return candidates[0]
            return Product

        return [match(sku, barcode) for sku, barcode in references]
