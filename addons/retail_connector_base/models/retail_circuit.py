from odoo import fields, models


class RetailCircuit(models.Model):
    """Circuit breaker states shared by every worker (services.circuit_breaker)."""

    _name = "retail.circuit"
    _description = "Retail Circuit Breaker State"
    _log_access = False

    key = fields.Char(required=True, index=True)
    state = fields.Selection(
        [("closed", "Closed"), ("open", "Open"), ("half_open", "Probing")],
        default="closed",
    )
    failures = fields.Integer()
    opened_at = fields.Float(help="Epoch seconds when the circuit opened.")

    _key_unique = models.Constraint("UNIQUE (key)", "A circuit key must be unique.")
