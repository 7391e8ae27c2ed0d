from odoo import fields, models


class QueueJob(models.Model):
    _inherit = "queue.job"

    retail_correlation_id = fields.Char(
        string="Correlation id",
        readonly=True,
        index="btree_not_null",
        help="The delivery or trigger this job works for: its deliveries, "
        "jobs, remote calls, sync exceptions and log lines carry the same id.",
    )
