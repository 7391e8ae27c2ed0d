from odoo import fields, models
from odoo.tools import SQL

from .retail_pos_product import init_feed_columns, stamp_columns


class RetailPosStockLevel(models.Model):
    """The available quantity of one catalog item at its store, as the stock
    feed publishes it.

    Stock moves mark the levels of their products (the base's stock marks);
    the store's export of ``inventory`` computes the marked levels' quantity
    and, when it changed, keeps it in ``sent_quantity`` and stamps the level
    (``feed_xid``, ``feed_seq``, as the catalog items): the feed reads the levels past a
    cursor.
    """

    _name = "retail.pos.stock.level"
    _inherit = "retail.stock.level.mixin"
    _description = "External POS Stock Level"
    _retail_stock_binding_field = "binding_id"
    _retail_stock_location_field = "location_id"

    backend_id = fields.Many2one(
        "retail.pos.store", required=True, ondelete="cascade", index=True
    )
    binding_id = fields.Many2one(
        "retail.pos.product", required=True, ondelete="cascade", index=True
    )
    location_id = fields.Many2one(
        "retail.pos.location", required=True, ondelete="cascade", index=True
    )
    sent_quantity = fields.Integer(help="Last quantity the stock feed published.")

    _level_unique = models.Constraint(
        "UNIQUE (binding_id, location_id)",
        "This catalog item already has a level at this location.",
    )

    def init(self):
        res = super().init()
        init_feed_columns(self.env.cr, self._table)
        return res

    def _retail_pos_publish(self):
        """Compute these levels' available quantity (one read per
        warehouse) and stamp the levels whose quantity changed, or that were
        never published."""
        changed = {}
        for location in self.location_id:
            levels = self.filtered(lambda lvl, loc=location: lvl.location_id == loc)
            products = levels.binding_id.odoo_id.with_context(
                location=location.warehouse_id.lot_stock_id.id
            )
            free = {product.id: product.free_qty for product in products}
            for level in levels:
                quantity = max(0, int(free[level.binding_id.odoo_id.id]))
                if quantity != level.sent_quantity or not level.last_sync:
                    changed[level.id] = quantity
        if not changed:
            return
        self.flush_model()
        ids = list(changed)
        self.env.cr.execute(
            SQL(
                """UPDATE retail_pos_stock_level level
                      SET sent_quantity = given.quantity,
                          last_sync = now() at time zone 'UTC',
                          %s
                     FROM unnest(%s::int[], %s::int[]) AS given(id, quantity)
                    WHERE level.id = given.id""",
                stamp_columns(),
                ids,
                [changed[level_id] for level_id in ids],
            )
        )
        self.browse(ids).invalidate_recordset(["sent_quantity", "last_sync"])
