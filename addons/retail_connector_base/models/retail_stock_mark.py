from odoo import fields, models


class RetailStockMark(models.Model):
    """A stock change of a published level still to send.

    One table for every connector: ``level_model`` names the level model
    (``shopify.inventory.level`` ...), ``level_id`` the level and
    ``backend_id`` the backend it is sent to.

    Rows are only inserted (by the stock moves) and deleted (by the export
    job once the level is sent): concurrent moves of the same product never
    update the same row, so they never fail on a serialisation conflict.
    The ids are plain integers for the same reason (a foreign key would lock
    the level row the export job is updating).
    """

    _name = "retail.stock.mark"
    _description = "Stock Change To Publish"
    _log_access = False

    level_model = fields.Char(required=True)
    level_id = fields.Integer(required=True)
    backend_id = fields.Integer(required=True)

    # the export job reads the marks of one backend in insertion order; the
    # "to send" filter looks levels up by id
    _backend_order_idx = models.Index("(level_model, backend_id, id)")
    _level_idx = models.Index("(level_model, level_id)")
