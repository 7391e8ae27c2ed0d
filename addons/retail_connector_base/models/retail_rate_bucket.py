from odoo import fields, models


class RetailRateBucket(models.Model):
    """Token buckets shared by every worker (see services.token_bucket)."""

    _name = "retail.rate.bucket"
    _description = "Retail Rate Limit Bucket"
    _log_access = False

    key = fields.Char(required=True, index=True)
    tokens = fields.Float()
    refreshed_at = fields.Float(help="Epoch seconds of the last refill.")
    # float8, a count that never overflows: an integer column would make the
    # bucket's update fail after 2^31 refusals
    waits = fields.Float(
        default=0.0,
        help="Calls the bucket refused since it was made: the caller waited "
        "or was postponed.",
    )
    wait_seconds = fields.Float(
        default=0.0, help="Seconds the refused calls were told to wait, in all."
    )

    _key_unique = models.Constraint("UNIQUE (key)", "A bucket key must be unique.")
