import json

from odoo import fields, models
from odoo.fields import Domain
from odoo.tools import SQL, split_every

from odoo.addons.retail_connector_base.services.redaction import Redactor

from ..services import webhook_schemas, webhooks

REDACTED = "[redacted at the shop's request]"
#: what a sync exception of a privacy request keeps of the request
REQUEST_WITHHELD = "[privacy request: not copied]"
#: subjects (or events) erased per SQL statement
REDACT_BATCH = 1000
#: what a customer redaction writes on the contacts it anonymises
PARTNER_REDACTION = {
    "name": REDACTED,
    "email": False,
    "phone": False,
    "street": False,
    "street2": False,
    "city": False,
    "zip": False,
    "comment": False,
}
#: partner fields whose chatter tracking keeps the values erased
PARTNER_TRACKED_FIELDS = (*PARTNER_REDACTION, "contact_address_inline")


def _scalars(payload):
    """The texts and numbers of a decoded JSON document, as text."""
    if isinstance(payload, dict):
        for value in payload.values():
            yield from _scalars(value)
    elif isinstance(payload, list):
        for value in payload:
            yield from _scalars(value)
    elif isinstance(payload, (str, int, float)) and not isinstance(payload, bool):
        yield str(payload)


class ShopifyBackendCompliance(models.Model):
    """Shopify's mandatory privacy webhooks, for the store backend (inbound).

    A request is about this store only: the customer is looked for among the
    customers of this store's orders (its bindings, in its company), by the
    whole email address or the exact phone; users, companies, vendors and
    contacts with accounting entries are never anonymised, nor contacts with
    orders that are not only this store's. What is erased is erased in SQL,
    by subject, in batches: events, their errors, the sync exceptions and the
    jobs about them, earlier data request exports, and the chatter tracking
    of the erased values.
    """

    _inherit = "shopify.backend"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # who and what a request is about
    # ------------------------------------------------------------------
    def _shopify_privacy_request(self, event):
        """The validated body of a privacy request (strict schema)."""
        return webhook_schemas.validate(
            event.topic, event._load_json(), self.shop_domain
        )

    def _shopify_store_orders(self, domain=None):
        """Sale orders of this store (its bindings, in its company)."""
        return self.env["sale.order"].search(
            Domain("company_id", "=", self.company_id.id)
            & Domain(
                "shopify_binding_ids",
                "any",
                [("backend_id", "=", self.id), ("company_id", "=", self.company_id.id)],
            )
            & Domain(domain or [])
        )

    def _shopify_customer_orders(self, order_ids):
        """Bindings of the orders a request names, for this store."""
        return self.env["shopify.sale.order"].search(
            [
                ("backend_id", "=", self.id),
                ("company_id", "=", self.company_id.id),
                ("external_id", "in", self._shopify_order_gids(order_ids)),
            ]
        )

    @staticmethod
    def _shopify_order_gids(order_ids):
        return [f"gid://shopify/Order/{order_id}" for order_id in order_ids]

    def _shopify_customer_sale_orders(self, customer, bindings):
        """This store's orders of a request's customer: those it names, and
        those whose customer has the same email (compared whole) or phone."""
        orders = bindings.odoo_id
        contact = Domain.FALSE
        email = self.env["retail.import.helper"]._retail_email_domain(customer.email)
        if not email.is_false():
            contact |= Domain("partner_id", "any", email)
        phone = (customer.phone or "").strip()
        if phone:
            contact |= Domain("partner_id.phone", "=", phone)
        if not contact.is_false():
            orders |= self._shopify_store_orders(contact)
        return orders

    def _shopify_order_partners(self, orders):
        """The customers and address contacts of ``orders`` in this company."""
        partners = orders.partner_id | orders.partner_invoice_id
        partners |= orders.partner_shipping_id
        return partners.filtered(
            lambda p: not p.company_id or p.company_id == self.company_id
        )

    def _shopify_partner_guard(self, partner):
        """Why ``partner`` must not be anonymised for this store, or None.

        The contact and the commercial partner it belongs to are both
        looked at: an address contact of a user or a vendor is theirs.
        """
        Partner = self.env["res.partner"].sudo().with_context(active_test=False)
        people = Partner.browse((partner | partner.commercial_partner_id).ids)
        if people.user_ids:
            return "user"
        if any(p.is_company for p in people) or (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search_count([("partner_id", "in", people.ids)], limit=1)
        ):
            return "company"
        if any(p.supplier_rank > 0 for p in people) or (
            "purchase.order" in self.env
            and self.env["purchase.order"]
            .sudo()
            .search_count([("partner_id", "in", people.ids)], limit=1)
        ):
            return "vendor"
        if (
            self.env["account.move.line"]
            .sudo()
            .search_count([("partner_id", "in", people.ids)], limit=1)
        ):
            return "accounting"
        orders = (
            self.env["sale.order"]
            .sudo()
            .search(
                Domain("partner_id", "=", partner.id)
                | Domain("partner_invoice_id", "=", partner.id)
                | Domain("partner_shipping_id", "=", partner.id)
            )
        )
        if not orders or any(
            order.company_id != self.company_id
            or order.shopify_binding_ids.backend_id != self
            for order in orders
        ):
            return "orders"
        return None

    @staticmethod
    def _shopify_people(partners):
        """How many people ``partners`` are (address contacts count with
        their parent)."""
        return len(partners - partners.filtered(lambda p: p.parent_id in partners))

    # ------------------------------------------------------------------
    # inbound: customers/data_request
    # ------------------------------------------------------------------
    def _shopify_data_request(self, event, body):
        """customers/data_request: export what Odoo holds, ask to send it."""
        bindings = self._shopify_customer_orders(body.orders_requested)
        orders = self._shopify_customer_sale_orders(body.customer, bindings)
        partners = self._shopify_order_partners(orders).filtered(
            lambda p: self._shopify_partner_guard(p) not in ("user", "company")
        )
        export = {
            "shop_domain": self.shop_domain,
            "data_request": body.data_request.model_dump()
            if body.data_request
            else None,
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
                for b in orders.shopify_binding_ids.filtered(
                    lambda b: b.backend_id == self
                )
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
                orders=len(export["orders"]),
            ),
        )
        return attachment

    # ------------------------------------------------------------------
    # inbound: customers/redact
    # ------------------------------------------------------------------
    def _shopify_redact_customer(self, event, body):
        """customers/redact: anonymise what only this store holds."""
        bindings = self._shopify_customer_orders(body.orders_to_redact)
        orders = self._shopify_customer_sale_orders(body.customer, bindings)
        candidates = self._shopify_order_partners(orders)
        anonymised = candidates.filtered(lambda p: not self._shopify_partner_guard(p))
        kept = candidates - anonymised
        # their orders here, and the orders the request names
        orders = bindings.odoo_id | orders.filtered(
            lambda o: (
                (o.partner_id | o.partner_invoice_id | o.partner_shipping_id)
                & anonymised
            )
        )
        anonymised.with_context(tracking_disable=True, mail_notrack=True).write(
            PARTNER_REDACTION
        )
        orders.with_context(tracking_disable=True, mail_notrack=True).write(
            {"note": False}
        )
        self._shopify_purge_tracking(
            "res.partner", anonymised.ids, PARTNER_TRACKED_FIELDS
        )
        self._shopify_purge_tracking("sale.order", orders.ids, ("note",))
        customer_gid = webhooks.subject(
            event.topic, {"customer": {"id": body.customer.id}}
        )
        self._shopify_delete_exports([customer_gid])
        subjects = [
            *self._shopify_order_gids(body.orders_to_redact),
            *orders.shopify_binding_ids.filtered(lambda b: b.backend_id == self).mapped(
                "external_id"
            ),
            customer_gid,
        ]
        erased = self._shopify_redact_subjects(
            subjects, records={"sale.order": orders.ids, "res.partner": anonymised.ids}
        )
        self.message_post(
            body=self.env._(
                "Customer redaction requested by Shopify: %(events)s stored "
                "delivery(ies) of %(orders)s order(s) erased, %(anonymised)s "
                "contact(s) anonymised, %(kept)s kept (users, companies, vendors, "
                "contacts with accounting entries or with orders not only from "
                "this store).",
                events=erased,
                orders=len(set(subjects) - {customer_gid}),
                anonymised=self._shopify_people(anonymised),
                kept=self._shopify_people(kept),
            )
        )
        return anonymised or kept

    # ------------------------------------------------------------------
    # inbound: shop/redact
    # ------------------------------------------------------------------
    def _shopify_redact_shop(self, event, body):
        """shop/redact: the store left; purge its payloads and credentials."""
        erased = self._shopify_redact_store_events()
        self._shopify_delete_exports()
        self.sudo().write(
            {
                "access_token": False,
                "client_secret": False,
                "state": "paused",
                "state_message": self.env._(
                    "Shopify asked to erase this store's data (shop/redact): "
                    "stored payloads and the credentials were erased."
                ),
            }
        )
        self.message_post(
            body=self.env._(
                "Shop redaction requested by Shopify: %(events)s stored "
                "delivery(ies) erased, access token and client secret cleared.",
                events=erased,
            )
        )
        return self

    # ------------------------------------------------------------------
    # erasing, in SQL batches
    # ------------------------------------------------------------------
    def _shopify_event_redaction(self):
        """The SET clause erasing an event's payload, headers and texts."""
        return SQL(
            "payload = %(mark)s, headers = NULL,"
            " error = CASE WHEN error IS NULL THEN NULL ELSE %(mark)s END,"
            " reason = CASE WHEN reason IS NULL THEN NULL ELSE %(mark)s END",
            mark=REDACTED,
        )

    def _shopify_flush_for_sql(self):
        for model in ("retail.event", "retail.sync.exception", "queue.job"):
            self.env[model].flush_model()

    def _shopify_invalidate_after_sql(self):
        for model in ("retail.event", "retail.sync.exception", "queue.job"):
            self.env[model].invalidate_model()

    def _shopify_redact_subjects(self, subjects, records=None):
        """Erase the events about ``subjects``, their exceptions and jobs.

        ``records`` (model -> ids) adds the sync exceptions about those
        records. One UPDATE per batch of subjects; returns the number of
        events erased.
        """
        self.ensure_one()
        self._shopify_flush_for_sql()
        cr = self.env.cr
        erased = 0
        for chunk in split_every(
            REDACT_BATCH, list(dict.fromkeys(filter(None, subjects)))
        ):
            cr.execute(
                SQL(
                    "UPDATE retail_event SET %s WHERE backend_model = %s"
                    " AND backend_id = %s AND remote_ref = ANY(%s)"
                    " RETURNING id, job_uuid",
                    self._shopify_event_redaction(),
                    self._name,
                    self.id,
                    list(chunk),
                )
            )
            rows = cr.fetchall()
            erased += len(rows)
            self._shopify_redact_traces(
                SQL(
                    "remote_ref = ANY(%s) OR event_id = ANY(%s)",
                    list(chunk),
                    [row[0] for row in rows],
                ),
                [row[1] for row in rows if row[1]],
            )
        for model, ids in (records or {}).items():
            for chunk in split_every(REDACT_BATCH, ids):
                self._shopify_redact_traces(
                    SQL("res_model = %s AND res_id = ANY(%s)", model, list(chunk)), []
                )
        self._shopify_invalidate_after_sql()
        return erased

    def _shopify_redact_store_events(self):
        """Erase every event of this store, its exceptions and jobs, in
        batches of :data:`REDACT_BATCH` events; return how many."""
        self.ensure_one()
        self._shopify_flush_for_sql()
        cr = self.env.cr
        erased, last_id = 0, 0
        while True:
            cr.execute(
                SQL(
                    "UPDATE retail_event SET %s WHERE id IN ("
                    " SELECT id FROM retail_event WHERE backend_model = %s"
                    " AND backend_id = %s AND id > %s ORDER BY id LIMIT %s)"
                    " RETURNING id, job_uuid",
                    self._shopify_event_redaction(),
                    self._name,
                    self.id,
                    last_id,
                    REDACT_BATCH,
                )
            )
            rows = cr.fetchall()
            if not rows:
                break
            erased += len(rows)
            last_id = max(row[0] for row in rows)
            self._shopify_redact_jobs([row[1] for row in rows if row[1]])
        self._shopify_redact_traces(SQL("TRUE"), [])
        self._shopify_invalidate_after_sql()
        return erased

    def _shopify_redact_traces(self, condition, job_uuids):
        """Erase this store's sync exceptions matching ``condition`` (SQL)
        and the results and errors of the jobs ``job_uuids`` and theirs."""
        cr = self.env.cr
        cr.execute(
            SQL(
                "UPDATE retail_sync_exception SET message = %(mark)s,"
                " hint = CASE WHEN hint IS NULL THEN NULL ELSE %(mark)s END,"
                " payload_excerpt = CASE WHEN payload_excerpt IS NULL THEN NULL"
                " ELSE %(mark)s END,"
                " name = COALESCE(substring(name from '^\\[[^]]*\\]') || ' ', '')"
                " || %(mark)s"
                " WHERE backend_model = %(model)s AND backend_id = %(id)s"
                " AND (%(condition)s) RETURNING job_uuid",
                mark=REDACTED,
                model=self._name,
                id=self.id,
                condition=condition,
            )
        )
        job_uuids = [*job_uuids, *(row[0] for row in cr.fetchall() if row[0])]
        self._shopify_redact_jobs(job_uuids)

    def _shopify_redact_jobs(self, uuids):
        """Erase the results and errors of the jobs ``uuids``."""
        cr = self.env.cr
        for chunk in split_every(REDACT_BATCH, list(dict.fromkeys(uuids))):
            cr.execute(
                SQL(
                    "UPDATE queue_job SET result = NULL, exc_info = NULL,"
                    " exc_message = NULL WHERE uuid = ANY(%s) RETURNING id",
                    list(chunk),
                )
            )
            ids = [row[0] for row in cr.fetchall()]
            self._shopify_purge_tracking("queue.job", ids, ("exc_message", "result"))

    def _shopify_purge_tracking(self, model, ids, field_names):
        """Delete the chatter tracking of ``field_names`` of records ``ids``."""
        if not ids:
            return
        self.env["mail.tracking.value"].flush_model()
        self.env.cr.execute(
            SQL(
                "DELETE FROM mail_tracking_value value USING mail_message message,"
                " ir_model_fields field WHERE value.mail_message_id = message.id"
                " AND value.field_id = field.id AND message.model = %(model)s"
                " AND message.res_id = ANY(%(ids)s) AND field.model = %(model)s"
                " AND field.name = ANY(%(fields)s)",
                model=model,
                ids=list(ids),
                fields=list(field_names),
            )
        )
        self.env["mail.tracking.value"].invalidate_model()

    def _shopify_delete_exports(self, customer_gids=None):
        """Delete the exports of earlier data requests (of some customers)."""
        Event = self.env["retail.event"].sudo()
        domain = [("topic", "=", "customers/data_request")]
        domain += [("result_model", "=", "ir.attachment")]
        if customer_gids is None:
            events = Event.search(
                [
                    ("backend_model", "=", self._name),
                    ("backend_id", "=", self.id),
                    *domain,
                ]
            )
        else:
            events = Event._about(self, customer_gids, domain)
        attachments = (
            self.env["ir.attachment"].sudo().browse(events.mapped("result_id"))
        )
        attachments.exists().filtered(
            lambda a: a.res_model == self._name and a.res_id == self.id
        ).unlink()

    # ------------------------------------------------------------------
    # failures: the request names a customer, keep no copy of it
    # ------------------------------------------------------------------
    def _retail_raise_exception(self, **values):
        event = self.env["retail.event"].sudo().browse(values.get("event_id") or [])
        if event and event.topic in webhooks.COMPLIANCE_TOPICS:
            try:
                named = list(_scalars(json.loads(event.payload or "")))
            except ValueError:
                named = [event.payload or ""]
            redactor = Redactor(named)
            values["message"] = redactor.redact(values.get("message"))
            if values.get("hint"):
                values["hint"] = redactor.redact(values["hint"])
            values["payload_excerpt"] = REQUEST_WITHHELD
            if event.error:
                event.write({"error": values["message"]})
        return super()._retail_raise_exception(**values)

    # ------------------------------------------------------------------
    # handlers
    # ------------------------------------------------------------------
    def _shopify_handle_customer_data_request(self, event):
        return self._shopify_data_request(event, self._shopify_privacy_request(event))

    def _shopify_handle_customer_redact(self, event):
        return self._shopify_redact_customer(
            event, self._shopify_privacy_request(event)
        )

    def _shopify_handle_shop_redact(self, event):
        return self._shopify_redact_shop(event, self._shopify_privacy_request(event))
