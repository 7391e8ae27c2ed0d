from datetime import timedelta

from odoo import fields

from .common import ShopifyTestCase


class TestPersonalExportRetention(ShopifyTestCase):
    """Customer data request exports hold personal data: the retention cron
    deletes them after their period, and nothing else."""

    def attach(self, name, days, res_model="shopify.backend"):
        attachment = self.env["ir.attachment"].create(
            {
                "name": name,
                "raw": b"{}",
                "mimetype": "application/json",
                "res_model": res_model,
                "res_id": self.backend.id,
            }
        )
        self.env.cr.execute(
            "UPDATE ir_attachment SET create_date = %s WHERE id = %s",
            (fields.Datetime.now() - timedelta(days=days), attachment.id),
        )
        attachment.invalidate_recordset(["create_date"])
        return attachment

    def test_old_data_request_exports_are_deleted(self):
        old = self.attach("shopify-data-request-1.json", 40) | self.attach(
            "shopify-data-request-2.json", 31
        )
        recent = self.attach("shopify-data-request-3.json", 5)
        other_file = self.attach("catalogue.json", 400)
        other_model = self.attach("shopify-data-request-4.json", 400, "res.partner")
        deleted = self.env["retail.event"]._cron_retention()
        self.assertGreaterEqual(deleted, 2)
        self.assertFalse(old.exists())
        self.assertEqual(recent.exists(), recent)
        self.assertEqual(other_file.exists(), other_file)
        self.assertEqual(other_model.exists(), other_model)

    def test_their_period_is_a_parameter(self):
        export = self.attach("shopify-data-request-5.json", 40)
        self.env["ir.config_parameter"].sudo().set_param(
            "retail_connector_base.personal_export_retention_days", "60"
        )
        self.env["retail.event"]._cron_retention()
        self.assertEqual(export.exists(), export)
