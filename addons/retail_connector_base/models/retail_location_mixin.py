from odoo import api, fields, models


class RetailLocationMixin(models.AbstractModel):
    """A location of a remote system and the Odoo warehouse standing for it.

    A concrete model declares ``backend_id`` (Many2one to its backend,
    ``required=True, ondelete="cascade"``). Mapping a warehouse to an active
    location, or activating a mapped one, publishes that warehouse's stock of
    every linked product through the stock levels that point to this model
    (see ``retail.stock.level.mixin``).
    """

    _name = "retail.location.mixin"
    _description = "Remote Location"
    _order = "backend_id, name"

    # the backend's company (computed: the abstract model has no backend_id)
    company_id = fields.Many2one(
        "res.company", compute="_compute_company_id", store=True, index=True
    )
    external_id = fields.Char(string="Remote ID", required=True)
    name = fields.Char(required=True)
    active = fields.Boolean(default=True)
    warehouse_id = fields.Many2one(
        "stock.warehouse",
        check_company=True,
        help="Orders shipped from this location are delivered from this "
        "warehouse, and its stock is published to this location.",
    )

    _location_unique = models.Constraint(
        "UNIQUE (backend_id, external_id)", "This location is already mapped."
    )

    @api.depends("backend_id.company_id")
    def _compute_company_id(self):
        for record in self:
            record.company_id = record.backend_id.company_id

    @api.model_create_multi
    def create(self, vals_list):
        locations = super().create(vals_list)
        locations._retail_publish_stock()
        return locations

    def write(self, vals):
        res = super().write(vals)
        if "warehouse_id" in vals or vals.get("active"):
            self._retail_publish_stock()
        return res

    def _retail_publish_stock(self):
        """Newly mapped warehouses: send their stock of every linked product."""
        mapped = self.filtered(lambda loc: loc.active and loc.warehouse_id)
        if not mapped:
            return
        Mixin = self.env["retail.stock.level.mixin"]
        for Level in Mixin._retail_stock_models():
            field = Level._fields[Level._retail_stock_location_field]
            if field.comodel_name == self._name:
                Level._retail_stock_publish(mapped.backend_id)
