from odoo import models

#: the fields of a partner a fulfilment order's ship_to is made of
ADDRESS_FIELDS = frozenset(
    {
        "name",
        "street",
        "street2",
        "city",
        "zip",
        "state_id",
        "country_id",
        "email",
        "phone",
    }
)


class ResPartner(models.Model):
    """A delivery address corrected after its delivery was sent to a 3PL:
    the change is sent to the provider (while it has not picked the order)."""

    _inherit = "res.partner"

    def write(self, vals):
        result = super().write(vals)
        if ADDRESS_FIELDS.intersection(vals) and not self.env.context.get(
            "threepl_no_change"
        ):
            orders = (
                self.env["retail.3pl.picking"]
                .sudo()
                .search(
                    [
                        ("odoo_id.partner_id", "in", self.ids),
                        ("kind", "=", "delivery"),
                        ("remote_state", "=", "accepted"),
                    ]
                )
            )
            orders._threepl_request_update()
        return result
