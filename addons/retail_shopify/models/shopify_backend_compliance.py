import json

from odoo import fields, models

REDACTED = "[redacted at the shop's request]"


class ShopifyBackendCompliance(models.Model):
    """Shopify's mandatory privacy webhooks, for the store backend."""

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # inbound: customers/data_request, customers/redact, shop/redact
    # ------------------------------------------------------------------
    def _shopify_customer_orders(self, payload):
        """Bindings of the orders the payload names, for this store."""
        gids = [
            f"gid://shopify/Order/{order_id}"
            for order_id in (
                payload.get("orders_requested") or payload.get("orders_to_redact") or []
            )
        ]
        return self.env["shopify.sale.order"].search(
            [("backend_id", "=", self.id), ("external_id", "in", gids)]
        )

    def _shopify_customer_partners(self, payload, bindings):
        customer = payload.get("customer") or {}
        partners = bindings.odoo_id.partner_id
        Partner = self.env["res.partner"]
        if customer.get("email"):
            partners |= Partner.search(
                self.env["retail.import.helper"]._retail_email_domain(customer["email"])
            )
        if customer.get("phone"):
            partners |= Partner.search([("phone", "=", customer["phone"])])
        return partners.commercial_partner_id

    def _shopify_data_request(self, event, payload):
        """customers/data_request: export what Odoo holds, ask to send it."""
        bindings = self._shopify_customer_orders(payload)
        partners = self._shopify_customer_partners(payload, bindings)
        export = {
            "shop_domain": self.shop_domain,
            "data_request": payload.get("data_request"),
            "customer": [
                {
                    "name": p.name,
                    "email": p.email,
                    "phone": p.phone,
                    "address": p.contact_address,
                }
                for p in partners
            ],
            "orders": [
                {
                    "shopify_order": b.shopify_name,
                    "odoo_order": b.odoo_id.name,
                    "date": fields.Datetime.to_string(b.odoo_id.date_order),
                    "total": b.odoo_id.amount_total,
                    "currency": b.odoo_id.currency_id.name,
                    "lines": [
                        {"product": line.name, "quantity": line.product_uom_qty}
                        for line in b.odoo_id.order_line
                    ],
                }
                for b in bindings
            ],
        }
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"shopify-data-request-{event.event_key}.json",
                "raw": json.dumps(export, indent=2, default=str).encode(),
                "mimetype": "application/json",
                "res_model": self._name,
                "res_id": self.id,
            }
        )
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            user_id=(self.user_id or self.env.user).id,
            summary=self.env._("Shopify customer data request"),
            note=self.env._(
                "A customer asked the store for their data. Send the attached "
                "export (%(file)s: %(partners)s contact(s), %(orders)s order(s)) "
                "to the store owner within 30 days.",
                file=attachment.name,
                partners=len(partners),
                orders=len(bindings),
            ),
        )
        return attachment

    def _shopify_redact_customer(self, event, payload):
        """customers/redact: anonymise what only this store holds."""
        bindings = self._shopify_customer_orders(payload)
        self._shopify_redact_payloads(bindings.mapped("external_id"))
        partners = self._shopify_customer_partners(payload, bindings)
        kept = self.env["res.partner"]
        for partner in partners:
            orders = self.env["sale.order"].search(
                [("partner_id", "child_of", partner.id)]
            )
            only_this_shop = all(
                order.shopify_binding_ids.backend_id == self for order in orders
            )
            invoiced = orders.invoice_ids.filtered(lambda m: m.state == "posted")
            if only_this_shop and not invoiced:
                (partner | partner.child_ids).write(
                    {
                        "name": REDACTED,
                        "email": False,
                        "phone": False,
                        "street": False,
                        "street2": False,
                        "city": False,
                        "zip": False,
                        "comment": False,
                    }
                )
            else:
                kept |= partner
        self.message_post(
            body=self.env._(
                "Customer redaction requested by Shopify: %(orders)s order "
                "payload(s) erased, %(anonymised)s contact(s) anonymised, "
                "%(kept)s kept because they have posted invoices or orders from "
                "elsewhere.",
                orders=len(bindings),
                anonymised=len(partners - kept),
                kept=len(kept),
            )
        )
        return partners

    def _shopify_redact_payloads(self, order_gids=None):
        """Remove stored payloads (all of this store's, or some orders').

        The deliveries of an order, of its refunds and of its fulfilments
        all have the order as their subject.
        """
        Event = self.env["retail.event"]
        if order_gids is None:
            events = Event.search(
                [("backend_model", "=", self._name), ("backend_id", "=", self.id)]
            )
        else:
            events = Event._about(self, order_gids)
        events.write({"payload": REDACTED, "headers": False})
        exceptions = self.env["retail.sync.exception"].search(
            [("backend_model", "=", self._name), ("backend_id", "=", self.id)]
        )
        if order_gids is not None:
            exceptions = exceptions.filtered(
                lambda e: e.remote_ref in order_gids or e.event_id in events
            )
        exceptions.write({"payload_excerpt": REDACTED})
        return events

    def _shopify_redact_shop(self, event, payload):
        """shop/redact: the store left; purge every stored payload."""
        events = self._shopify_redact_payloads()
        self.write(
            {
                "state": "paused",
                "state_message": self.env._(
                    "Shopify asked to erase this store's data (shop/redact): "
                    "stored payloads were purged."
                ),
            }
        )
        return events

    def _shopify_handle_customer_data_request(self, event):
        return self._shopify_data_request(event, event._load_json())

    def _shopify_handle_customer_redact(self, event):
        return self._shopify_redact_customer(event, event._load_json())

    def _shopify_handle_shop_redact(self, event):
        return self._shopify_redact_shop(event, event._load_json())
