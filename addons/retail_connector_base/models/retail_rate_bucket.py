from odoo import fields, models


class RetailRateBucket(models.Model):
    """Token buckets shared by every worker (see services.token_bucket)."""

    _name = "retail.rate.bucket"
    _description = "Retail Rate Limit Bucket"
    _log_access = False

    key = fields.Char(required=True, index=True)
    tokens = fields.Float()
    refreshed_at = fields.Float(help="Epoch seconds of the last refill.")

    _key_unique = models.Constraint("UNIQUE (key)", "A bucket key must be unique.")
