"""Outbound slice of the store: the catalog and stock feeds of the partner API.

The tills pull (``GET .../catalog`` and ``GET .../stock``): nothing is sent.
Changes stamp rows, the feeds read the rows past a cursor
(:mod:`..services.feeds`):

- catalog: one ``retail.pos.product`` per store and SKU, stamped by the
  product, pricelist and tax mapping changes (``product_product.py``,
  ``product_template.py``, ``product_pricelist*.py``,
  ``retail_pos_tax_mapping.py``, the store's pricelist below); the price
  (the store's pricelist, taxes included) and the till's tax code are
  computed for the rows of the page only;
- stock: one ``retail.pos.stock.level`` per catalog item at the store's
  ``retail.pos.location`` (its warehouse), marked by the stock moves (the
  base's stock marks) and published by the store's export of ``inventory``
  (:meth:`_retail_export_inventory`), which stamps the levels whose
  available quantity changed.
"""

from decimal import Decimal

from odoo import api, fields, models
from odoo.tools import SQL

from odoo.addons.retail_connector_base.services import errors, locks

from ..services import feeds

#: stock levels computed by one export job
INVENTORY_BATCH = 1000


class RetailPosStore(models.Model):
    _inherit = "retail.pos.store"  # pylint: disable=consider-merging-classes-inherited

    feed_read_at = fields.Datetime(
        string="Feeds last read",
        readonly=True,
        copy=False,
        help="When a till of the store last read its catalog or stock feed (to "
        "the minute): a store whose tills stop reading is an alert.",
    )

    def _retail_pos_feed_read(self):
        """Stamp that a till read a feed, once a minute at most; a stamp
        another request is writing right now is left to it."""
        self.ensure_one()
        now = fields.Datetime.now()
        last = self.feed_read_at
        if last and (now - last).total_seconds() < 60:
            return
        try:
            locks.lock_rows(self.env.cr, self._table, self.ids, "The store")
        except errors.LockContentionError:
            return
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET feed_read_at = %s WHERE id = %s",
                SQL.identifier(self._table),
                now,
                self.id,
            )
        )
        self.invalidate_recordset(["feed_read_at"])

    # ------------------------------------------------------------------
    # what the feeds are made from
    # ------------------------------------------------------------------
    @api.model_create_multi
    def create(self, vals_list):
        stores = super().create(vals_list)
        self.env["retail.pos.product"].sudo()._retail_pos_touch(stores)
        self.env["retail.pos.location"].sudo().create(
            [
                {
                    "backend_id": store.id,
                    "external_id": store.code,
                    "name": store.name,
                    "warehouse_id": store.warehouse_id.id,
                }
                for store in stores
            ]
        )
        return stores

    def write(self, vals):
        activated = (
            self.filtered(lambda store: store.state != "active")
            if vals.get("state") == "active"
            else self.browse()
        )
        res = super().write(vals)
        if "pricelist_id" in vals:
            self.env["retail.pos.product"].sudo()._retail_pos_touch(self)
        locations = (
            self.env["retail.pos.location"]
            .sudo()
            .search([("backend_id", "in", self.ids)])
        )
        if "warehouse_id" in vals:
            for location in locations:
                location.warehouse_id = location.backend_id.warehouse_id
        elif activated:
            locations.filtered(
                lambda loc: loc.backend_id in activated
            )._retail_publish_stock()
        return res

    def _retail_export_inventory(self):
        """Publish one batch of the marked stock levels (queued job)."""
        self.ensure_one()
        levels = self.env["retail.pos.stock.level"]._retail_stock_export(
            self, lambda levels: levels._retail_pos_publish(), INVENTORY_BATCH
        )
        return self.env._("%(count)s stock levels computed.", count=len(levels))

    # ------------------------------------------------------------------
    # the feeds
    # ------------------------------------------------------------------
    def _retail_pos_feed_rows(self, table, feed, cursor, limit):
        """``(records, next cursor, has more)`` of one page of ``table``."""
        self.ensure_one()
        after = feeds.decode_cursor(feed, cursor)
        limit = feeds.parse_limit(limit)
        Model = self.env[table.replace("_", ".")].sudo()
        Model.flush_model()
        self.env.cr.execute(
            SQL(
                """SELECT feed_xid, feed_seq, id FROM %(table)s
                    WHERE backend_id = %(store)s
                      AND (feed_xid, feed_seq) > (%(xid)s, %(number)s)
                      AND feed_xid > 0
                      AND (feed_xid
                             < pg_snapshot_xmin(pg_current_snapshot())::text::bigint
                           OR feed_xid
                             = pg_current_xact_id_if_assigned()::text::bigint)
                    ORDER BY feed_xid, feed_seq
                    LIMIT %(limit)s""",
                table=SQL.identifier(table),
                store=self.id,
                xid=after[0],
                number=after[1],
                limit=limit + 1,
            )
        )
        rows, next_cursor, has_more = feeds.page(
            feed, self.env.cr.fetchall(), limit, after
        )
        return Model.browse([row[2] for row in rows]), next_cursor, has_more

    def _retail_pos_money(self, amount):
        currency = self.company_id.currency_id
        return f"{Decimal(str(currency.round(amount))):.{currency.decimal_places}f}"

    def _retail_pos_catalog_page(self, cursor=None, limit=None):
        """The catalog feed's page after ``cursor`` (raises FeedError)."""
        items, next_cursor, has_more = self._retail_pos_feed_rows(
            "retail_pos_product", "catalog", cursor, limit
        )
        company = self.company_id
        currency = company.currency_id
        products = items.odoo_id.with_company(company).with_context(
            display_default_code=False, active_test=False
        )
        by_id = {product.id: product for product in products}
        prices = self.pricelist_id.sudo()._get_products_price(
            products, 1.0, currency=currency
        )
        codes = {row.tax_id.id: row.title for row in self.sudo().tax_mapping_ids}
        result = []
        for item in items:
            product = by_id[item.odoo_id.id]
            taxes = product.taxes_id._filter_taxes_by_company(company)
            price = prices.get(product.id, product.lst_price)
            if not all(tax.price_include for tax in taxes):
                price = taxes.compute_all(price, currency, 1.0, product)[
                    "total_included"
                ]
            result.append(
                {
                    "sku": item.external_id,
                    "barcode": product.barcode or None,
                    "name": product.display_name,
                    "price": self._retail_pos_money(price),
                    "tax_code": next(
                        (codes[tax.id] for tax in taxes if tax.id in codes), None
                    ),
                    "active": item._retail_pos_is_sold(product),
                }
            )
        return {"items": result, "next_cursor": next_cursor, "has_more": has_more}

    def _retail_pos_stock_page(self, cursor=None, limit=None):
        """The stock feed's page after ``cursor`` (raises FeedError)."""
        levels, next_cursor, has_more = self._retail_pos_feed_rows(
            "retail_pos_stock_level", "stock", cursor, limit
        )
        result = [
            {
                "sku": level.binding_id.external_id,
                "barcode": level.binding_id.odoo_id.barcode or None,
                "quantity": str(level.sent_quantity),
            }
            for level in levels
            # the row of a SKU the product no longer has shows no stock
            if level.binding_id.odoo_id.default_code == level.binding_id.external_id
        ]
        return {"items": result, "next_cursor": next_cursor, "has_more": has_more}
