import json

from odoo.tests import HttpCase, tagged

from .common import RetailTestMixin


@tagged("post_install", "-at_install")
class TestEventSubjectHttp(RetailTestMixin, HttpCase):
    """The intake stores the subject the backend names for a delivery."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_retail()

    def post(self, payload, topic="partner/upsert", key="evt-1"):
        body = json.dumps(payload).encode()
        response = self.url_open(
            f"/retail/test/webhook/{self.backend.id}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "X-Test-Topic": topic,
                "X-Test-Event-Id": key,
                "X-Test-Signature": self.sign(body),
            },
        )
        self.env.invalidate_all()
        self.assertEqual(response.status_code, 200, response.text)
        return self.Event.search(
            [("backend_model", "=", self.backend._name), ("event_key", "=", key)]
        )

    def test_subject_is_stored_at_intake(self):
        self.assertEqual(
            self.post(self.partner_payload("C-7")).remote_ref, "partner:C-7"
        )

    def test_a_batch_has_no_subject_of_its_own(self):
        event = self.post({"id": "B-1", "partners": []}, topic="partner/batch")
        self.assertFalse(event.remote_ref)
