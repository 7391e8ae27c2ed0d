"""The back-office in a real browser (Odoo tours, run with Chromium).

The tours are in ``static/tests/tours/retail_back_office_tours.js``; each
test stores what its tour looks at."""

from odoo.tests import tagged

from odoo.addons.queue_job.tests.common import trap_jobs

from .common import RetailHttpCase


@tagged("post_install", "-at_install")
class TestBackOfficeTours(RetailHttpCase):
    @classmethod
    def _setup_backend(cls, env, **values):
        return super()._setup_backend(env, name="Tour feed", **values)

    def setUp(self):
        super().setUp()
        # a partner whose company is not imported yet: held, an exception
        self.held = self.deliver(
            "partner/upsert",
            self.partner_payload("C-2", name="Ada", parent_id="CO-1"),
            key="held",
            process=True,
        )
        self.assertEqual(self.held.state, "failed")
        # a partner without a name: failed for good
        self.deliver(
            "partner/upsert", {"id": "C-9", "name": ""}, key="no-name", process=True
        )
        self.deliver(
            "partner/upsert", self.partner_payload("C-1"), key="ok", process=True
        )
        self.held_exception = self.Exception.search([("event_id", "=", self.held.id)])
        self.assertEqual(self.held_exception.state, "open")

    def test_dashboard_shows_the_day_and_leads_to_the_exceptions(self):
        self.start_tour("/odoo", "retail_dashboard_tour", login="admin")

    def test_the_kpi_screen_shows_the_day(self):
        self.env["retail.backend"].search(
            [("res_model", "=", self.backend._name), ("res_id", "=", self.backend.id)]
        ).action_compute_kpis()
        self.start_tour("/odoo", "retail_kpi_tour", login="admin")

    def test_an_exception_retried_from_the_queue_disappears(self):
        # the company arrives by another way than a delivery: nothing
        # releases the held partner, a person retries it
        company = self.env["res.partner"].create({"name": "CO-1", "is_company": True})
        self.env["retail.test.partner.binding"].create(
            {
                "backend_id": self.backend.id,
                "external_id": "CO-1",
                "odoo_id": company.id,
            }
        )
        with trap_jobs() as trap:
            self.start_tour("/odoo", "retail_exception_retry_tour", login="admin")
            trap.assert_jobs_count(1, only=self.held._process)
            # the job as the runner performs it, in the test's transaction
            # (the request that queued it has closed its cursor)
            (job,) = trap.enqueued_jobs
            job.recordset.with_env(self.env)._process()
        self.assertEqual(self.held.state, "done")
        self.assertEqual(self.held_exception.state, "resolved")
        self.assertEqual(self.held.result_ref.parent_id, company)
        self.start_tour("/odoo", "retail_exception_gone_tour", login="admin")
