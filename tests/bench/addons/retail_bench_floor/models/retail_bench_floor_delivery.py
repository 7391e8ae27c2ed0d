from odoo import fields, models


class RetailBenchFloorDelivery(models.Model):
    """A delivery stored by the floor controller: a key, a topic, a body."""

    _name = "retail.bench.floor.delivery"
    _description = "Benchmark Floor Delivery"
    _log_access = False

    event_key = fields.Char(required=True)
    topic = fields.Char()
    body = fields.Text()
