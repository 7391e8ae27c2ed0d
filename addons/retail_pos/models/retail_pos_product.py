from odoo import api, fields, models
from odoo.tools import SQL

#: the sequence numbering the changes of the feeds' rows
FEED_SEQUENCE = "retail_pos_feed_seq"


def stamp_columns():
    """``feed_xid = ..., feed_seq = ...``: the change stamp of a row being
    written (the id of the transaction writing it, a number of the
    sequence), see :mod:`..services.feeds`."""
    return SQL(
        "feed_xid = pg_current_xact_id()::text::bigint, feed_seq = nextval(%s)",
        FEED_SEQUENCE,
    )


def init_feed_columns(cr, table):
    """The stamp columns of ``table`` (SQL only) and the feed's index."""
    cr.execute(SQL("CREATE SEQUENCE IF NOT EXISTS %s", SQL.identifier(FEED_SEQUENCE)))
    cr.execute(
        SQL(
            "ALTER TABLE %(table)s "
            "ADD COLUMN IF NOT EXISTS feed_xid bigint DEFAULT 0, "
            "ADD COLUMN IF NOT EXISTS feed_seq bigint DEFAULT 0",
            table=SQL.identifier(table),
        )
    )
    cr.execute(
        SQL(
            "CREATE INDEX IF NOT EXISTS %(index)s "
            "ON %(table)s (backend_id, feed_xid, feed_seq)",
            index=SQL.identifier(f"{table}_feed_idx"),
            table=SQL.identifier(table),
        )
    )


class RetailPosProduct(models.Model):
    """A product in the catalog feed of a store, under the SKU the tills know.

    One row per store and SKU (the binding's remote id): a product whose
    Internal Reference changes gets a row for its new SKU, and the row of
    the old one stays, inactive in the feed. ``feed_xid`` and ``feed_seq`` (columns
    of their own, written in SQL only, see :mod:`..services.feeds`) is bumped by every
    change the tills must see: the product's name, SKU, barcode, price,
    taxes or availability, the store's pricelist or its items, the tax
    mapping. The feed reads the rows past a cursor, never every product.
    """

    _name = "retail.pos.product"
    _inherit = "retail.binding.mixin"
    _description = "External POS Catalog Item"
    _order = "backend_id, external_id"

    backend_id = fields.Many2one(
        "retail.pos.store", required=True, ondelete="cascade", index=True
    )
    odoo_id = fields.Many2one(
        "product.product", required=True, ondelete="cascade", index=True
    )
    company_id = fields.Many2one(related="backend_id.company_id", store=True)
    external_id = fields.Char(string="SKU")

    def init(self):
        res = super().init()
        init_feed_columns(self.env.cr, self._table)
        return res

    @api.model
    def _retail_pos_touch(self, stores, products=None):
        """The catalog items of ``products`` (every product when None) in
        ``stores`` (every store when None) changed: bind the products the
        stores sell that have no item for their SKU yet, and stamp every
        item concerned. Two statements, whatever the number of products."""
        if stores is not None and not stores:
            return
        self.flush_model()
        self.env["product.product"].flush_model(
            ["default_code", "active", "product_tmpl_id"]
        )
        self.env["product.template"].flush_model(
            ["active", "sale_ok", "available_in_pos", "company_id"]
        )
        cr = self.env.cr
        product_filter = (
            SQL("TRUE") if products is None else SQL("p.id = ANY(%s)", products.ids)
        )
        store_filter = (
            SQL("TRUE") if stores is None else SQL("s.id = ANY(%s)", stores.ids)
        )
        cr.execute(
            SQL(
                """UPDATE retail_pos_product b SET %(stamp)s
                   FROM product_product p, retail_pos_store s
                   WHERE p.id = b.odoo_id AND s.id = b.backend_id
                     AND %(stores)s AND %(products)s""",
                stamp=stamp_columns(),
                stores=store_filter,
                products=product_filter,
            )
        )
        cr.execute(
            SQL(
                """INSERT INTO retail_pos_product
                       (backend_id, odoo_id, external_id, company_id,
                        sync_state, feed_xid, feed_seq,
                        create_uid, create_date, write_uid, write_date)
                   SELECT s.id, p.id, p.default_code, s.company_id, 'synced',
                          pg_current_xact_id()::text::bigint,
                          nextval(%(sequence)s), %(uid)s, now() at time zone 'UTC',
                          %(uid)s, now() at time zone 'UTC'
                     FROM retail_pos_store s
                     JOIN product_product p ON %(products)s
                     JOIN product_template t ON t.id = p.product_tmpl_id
                    WHERE %(stores)s
                      AND p.default_code IS NOT NULL AND p.default_code != ''
                      AND p.active AND t.active AND t.sale_ok AND t.available_in_pos
                      AND (t.company_id IS NULL OR t.company_id = s.company_id)
                   ON CONFLICT (backend_id, external_id) DO UPDATE
                      SET odoo_id = EXCLUDED.odoo_id,
                          feed_xid = EXCLUDED.feed_xid,
                          feed_seq = EXCLUDED.feed_seq""",
                sequence=FEED_SEQUENCE,
                uid=self.env.uid,
                stores=store_filter,
                products=product_filter,
            )
        )
        self.invalidate_model()

    @api.model
    def _retail_pos_touch_products(self, products):
        """``products`` changed: their items in every store."""
        if not products:
            return
        # every store: the statements keep to the products' companies
        self.sudo()._retail_pos_touch(None, products)

    def _retail_pos_is_sold(self, product=None):
        """Whether the tills may sell the item (else it is inactive);
        ``product``: the item's product, read in the caller's environment."""
        self.ensure_one()
        product = product if product is not None else self.odoo_id
        return bool(
            product.active
            and product.product_tmpl_id.active
            and product.sale_ok
            and product.available_in_pos
            and product.default_code == self.external_id
            and (
                not product.company_id
                or product.company_id == self.backend_id.company_id
            )
        )
