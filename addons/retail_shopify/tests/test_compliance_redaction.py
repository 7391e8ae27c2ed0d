import base64
import copy
from unittest.mock import patch

from odoo.tests import TransactionCase

from odoo.addons.queue_job.job import Job
from odoo.addons.retail_connector_base.services import errors

from .common import ShopifyTestMixin

EMAIL = "emily.carter@example.com"


class TestComplianceRedaction(ShopifyTestMixin, TransactionCase):
    """A privacy request erases the customer of this store, all of it, and
    nobody else."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()
        cls.setup_catalog()
        cls.order = cls.fixture("order_paid_tax_excluded")

    def setUp(self):
        super().setUp()
        self.imported = self.deliver("orders/create", self.order, event_id="o1")
        self.imported._process()
        self.assertEqual(self.imported.state, "done", self.imported.error)
        self.sale = self.imported.result_ref
        self.customer = self.sale.partner_id

    def request(self, orders=None, **customer):
        return {
            "shop_id": 1,
            "shop_domain": self.backend.shop_domain,
            "customer": {
                "id": self.order["customer"]["id"],
                "email": EMAIL,
                **customer,
            },
            "orders_to_redact": [self.order["id"]] if orders is None else orders,
        }

    def redact(self, payload=None, event_id="c1"):
        event = self.deliver(
            "customers/redact", payload or self.request(), event_id=event_id
        )
        event._process()
        return event

    def stored_order(self, gid, email, event_id):
        """A delivery about an order Odoo never imported (a pending one)."""
        order = copy.deepcopy(self.order)
        order.update(
            id=int(gid.rsplit("/", 1)[-1]),
            admin_graphql_api_id=gid,
            name="#2001",
            financial_status="pending",
            email=email,
        )
        order["customer"] = dict(order["customer"], id=99, email=email)
        event = self.deliver("orders/create", order, event_id=event_id)
        event._process()
        self.assertEqual(event.state, "ignored", event.error)
        return event

    # ------------------------------------------------------------------
    # who: this store's customer, nobody else
    # ------------------------------------------------------------------
    def test_a_guest_with_the_admins_email_does_not_anonymise_the_admin(self):
        admin = self.env.ref("base.user_admin").partner_id
        admin.email = "admin@retail-test.example.com"
        name, email = admin.name, admin.email
        order = copy.deepcopy(self.order)
        order.update(
            id=6218845716999,
            admin_graphql_api_id="gid://shopify/Order/6218845716999",
            name="#1999",
        )
        order["email"] = email
        order["customer"] = dict(order["customer"], id=42, email=email)
        event = self.deliver("orders/create", order, event_id="guest")
        event._process()
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(event.result_ref.partner_id, admin)
        self.redact(self.request(orders=[order["id"]], email=email, id=42))
        self.assertEqual((admin.name, admin.email), (name, email))

    def test_contacts_found_only_among_this_stores_customers(self):
        Partner = self.env["res.partner"]
        other_company = self.env["res.company"].create({"name": "Other company"})
        no_order = Partner.create({"name": "Emily lookalike", "email": EMAIL})
        elsewhere = Partner.create(
            {"name": "Emily elsewhere", "email": EMAIL, "company_id": other_company.id}
        )
        vendor = Partner.create(
            {"name": "Emily supplies", "email": EMAIL, "supplier_rank": 1}
        )
        event = self.redact()
        self.assertEqual(event.state, "done", event.error)
        self.assertIn("redacted", self.customer.name)
        self.assertEqual(
            (no_order | elsewhere | vendor).mapped("name"),
            ["Emily lookalike", "Emily elsewhere", "Emily supplies"],
        )
        self.assertEqual((no_order | elsewhere | vendor).mapped("email"), [EMAIL] * 3)

    def test_a_company_contact_is_not_climbed_to_its_company(self):
        company = self.env["res.partner"].create(
            {"name": "Carter Holdings", "is_company": True, "email": "hq@example.com"}
        )
        self.customer.parent_id = company
        self.redact()
        self.assertEqual(company.name, "Carter Holdings")
        self.assertEqual(company.email, "hq@example.com")
        # the contact belongs to a company: it is kept too
        self.assertEqual(self.customer.email, EMAIL)

    def test_a_vendor_is_never_anonymised(self):
        self.customer.supplier_rank = 1
        self.redact()
        self.assertEqual(self.customer.email, EMAIL)
        self.assertIn("1 kept", self.backend.message_ids[0].body)

    # ------------------------------------------------------------------
    # what: every trace of the customer
    # ------------------------------------------------------------------
    def test_the_redaction_leaves_no_chatter_tracking_of_the_erased_values(self):
        tracked = self.customer.with_context(tracking_disable=False)
        tracked.write({"email": "emily.old@example.com", "phone": "+12125550199"})
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked.write({"email": EMAIL})
        self.env.flush_all()
        self.env.cr.precommit.run()
        Tracking = self.env["mail.tracking.value"].sudo()
        domain = [
            ("mail_message_id.model", "=", "res.partner"),
            ("mail_message_id.res_id", "=", self.customer.id),
        ]
        self.assertTrue(Tracking.search(domain))
        event = self.deliver("customers/redact", self.request(), event_id="c1")
        event.with_context(tracking_disable=False)._process()
        self.assertEqual(event.state, "done", event.error)
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertIn("redacted", self.customer.name)
        left = Tracking.search(
            domain + [("field_id.name", "in", ("name", "email", "phone"))]
        )
        self.assertFalse(left, left.mapped("old_value_char"))

    def test_deliveries_of_orders_never_imported_are_erased(self):
        gid = "gid://shopify/Order/6218845717001"
        pending = self.stored_order(gid, EMAIL, "p1")
        other = self.stored_order(
            "gid://shopify/Order/6218845717002", "someone@example.com", "p2"
        )
        self.redact(self.request(orders=[self.order["id"], 6218845717001]))
        self.assertNotIn(EMAIL, pending.payload)
        self.assertIn("someone@example.com", other.payload)

    def test_earlier_data_request_exports_are_deleted(self):
        request = self.request()
        request["orders_requested"] = request.pop("orders_to_redact")
        data_request = self.deliver("customers/data_request", request, event_id="d1")
        data_request._process()
        export = data_request.result_ref
        self.assertIn(EMAIL, base64.b64decode(export.datas).decode())
        self.redact()
        self.assertFalse(export.exists())

    def test_notes_errors_exceptions_and_jobs_about_the_orders_are_erased(self):
        self.sale.note = "Leave it with Emily's neighbour"
        self.customer.comment = "Emily prefers mornings"
        gid = self.order["admin_graphql_api_id"]
        refund = self.deliver(
            "refunds/create", {"order_id": self.order["id"]}, event_id="r1"
        )
        refund._fail(
            errors.MappingError(
                f"Refund for {EMAIL} does not match", hint=f"Call {EMAIL}"
            )
        )
        refund.write({"reason": f"Ignored for {EMAIL}"})
        job = Job(refund._process)
        job.store()
        record = job.db_record()
        record.write({"result": f"Done for {EMAIL}", "exc_info": f"Trace {EMAIL}"})
        refund.write({"job_uuid": job.uuid})
        exception = refund.exception_ids
        self.assertEqual(exception.remote_ref, gid)
        self.redact()
        self.assertFalse(self.sale.note)
        self.assertFalse(self.customer.comment)
        for text in (
            refund.payload,
            refund.error,
            refund.reason,
            exception.message,
            exception.hint,
            exception.name,
            exception.payload_excerpt,
            record.result,
            record.exc_info,
        ):
            self.assertNotIn(EMAIL, text or "")

    def test_a_failed_redaction_keeps_no_copy_of_the_request(self):
        def fail(helper, email):
            raise errors.MappingError(f"Cannot look up {email}")

        with patch.object(
            type(self.env["retail.import.helper"]), "_retail_email_domain", fail
        ):
            event = self.redact()
        self.assertEqual(event.state, "failed")
        exception = event.exception_ids
        self.assertTrue(exception)
        for text in (event.error, exception.message, exception.payload_excerpt):
            self.assertNotIn(EMAIL, text or "")
        # the request stays (readable by managers only) for a retry
        self.assertIn(EMAIL, event.payload)


class TestShopRedactionScale(ShopifyTestMixin, TransactionCase):
    """Erasing a store's data is a few SQL statements, not a loop."""

    EVENTS = 10_500

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.registry_enter_test_mode_cls()
        cls.setup_shopify()

    def setUp(self):
        super().setUp()
        self.env.flush_all()
        self.env.cr.execute(
            """
            INSERT INTO retail_event (backend_model, backend_id, company_id, source,
                topic, origin, event_key, payload, remote_ref, state, attempts,
                received_at, error)
            SELECT %(model)s, %(id)s, %(company)s, 'shopify', 'orders/create',
                'delivery', 'bulk-' || n,
                '{"email": "customer' || n || '@example.com"}',
                'gid://shopify/Order/' || n, 'failed', 1, now(),
                'failed for customer' || n || '@example.com'
            FROM generate_series(1, %(count)s) AS n
            """,
            {
                "model": self.backend._name,
                "id": self.backend.id,
                "company": self.backend.company_id.id,
                "count": self.EVENTS,
            },
        )

    def count(self, condition):
        self.env.cr.execute(
            "SELECT count(*) FROM retail_event WHERE backend_model = %s"
            f" AND backend_id = %s AND {condition}",
            (self.backend._name, self.backend.id),
        )
        return self.env.cr.fetchone()[0]

    def run_counting(self, event):
        """Process ``event``; the queries run and the largest set of events
        the ORM wrote at once."""
        Event = type(self.env["retail.event"])
        written = []
        original = Event.write

        def write(records, vals):
            written.append(len(records))
            return original(records, vals)

        queries = self.env.cr.sql_log_count
        with patch.object(Event, "write", write):
            event._process()
        return self.env.cr.sql_log_count - queries, max(written)

    def test_shop_redact_erases_every_event_in_batches(self):
        event = self.deliver(
            "shop/redact",
            {"shop_id": 1, "shop_domain": self.backend.shop_domain},
            event_id="shop",
        )
        queries, largest = self.run_counting(event)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.count("payload LIKE '%%@example.com%%'"), 0)
        self.assertEqual(self.count("error LIKE '%%@example.com%%'"), 0)
        self.assertEqual(largest, 1)
        self.assertLess(queries, 120)
        # the store's credentials go too, and it stops
        backend = self.backend.sudo()
        self.assertFalse(backend.access_token)
        self.assertFalse(backend.client_secret)
        self.assertEqual(backend.state, "paused")

    def test_customer_redact_erases_its_orders_in_batches_of_subjects(self):
        orders = list(range(1, 2501))
        event = self.deliver(
            "customers/redact",
            {
                "shop_id": 1,
                "shop_domain": self.backend.shop_domain,
                "customer": {"id": 5, "email": "nobody@example.com"},
                "orders_to_redact": orders,
            },
            event_id="customer",
        )
        queries, largest = self.run_counting(event)
        self.assertEqual(event.state, "done", event.error)
        self.assertEqual(self.count("payload LIKE '%%@example.com%%'"), 10_500 - 2500)
        self.assertEqual(
            self.count(
                "payload LIKE '%%@example.com%%'"
                " AND remote_ref = 'gid://shopify/Order/2500'"
            ),
            0,
        )
        self.assertEqual(largest, 1)
        self.assertLess(queries, 120)
