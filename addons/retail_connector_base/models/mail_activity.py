from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    retail_alert_key = fields.Char(
        string="Retail alert",
        readonly=True,
        index="btree_not_null",
        copy=False,
        help="What a retail alert is about: one open activity per backend and key.",
    )
