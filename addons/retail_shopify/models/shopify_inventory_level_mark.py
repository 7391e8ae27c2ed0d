from odoo import fields, models


class ShopifyInventoryLevelMark(models.Model):
    """A stock change of a level still to publish.

    Rows are only inserted (by the stock moves) and deleted (by the export
    job once the level is sent): concurrent moves of the same product never
    update the same row, so they never fail on a serialisation conflict.
    The ids are plain integers for the same reason (a foreign key would lock
    the level row the export job is updating).
    """

    _name = "shopify.inventory.level.mark"
    _description = "Shopify Stock Change To Publish"
    _log_access = False

    backend_id = fields.Integer(required=True, index=True)
    level_id = fields.Integer(required=True, index=True)
