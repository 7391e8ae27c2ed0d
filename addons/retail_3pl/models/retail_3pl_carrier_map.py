from odoo import fields, models


class Retail3plCarrierMap(models.Model):
    """A provider's carrier (and service) code and the Odoo carrier it is."""

    _name = "retail.3pl.carrier.map"
    _description = "3PL Carrier Mapping"
    _order = "provider_id, code, service, id"
    _check_company_auto = True

    provider_id = fields.Many2one(
        "retail.3pl.provider", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(
        "res.company", related="provider_id.company_id", store=True, index=True
    )
    code = fields.Char(
        string="Provider carrier",
        required=True,
        help="The carrier as the provider names it in its messages (UPS).",
    )
    service = fields.Char(
        help="The service as the provider names it (Ground); empty: any "
        "service of this carrier without a row of its own.",
    )
    carrier_id = fields.Many2one(
        "delivery.carrier",
        string="Odoo carrier",
        required=True,
        ondelete="restrict",
        check_company=True,
    )

    _code_service_unique = models.UniqueIndex(
        "(provider_id, code, COALESCE(service, ''))",
        "This carrier and service are already mapped for this provider.",
    )
