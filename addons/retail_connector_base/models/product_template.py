from odoo import models


class ProductTemplate(models.Model):
    _inherit = "product.template"

    def _retail_sync_history_records(self):
        # connectors bind the template (Shopify products) or its variants
        return [self, self.with_context(active_test=False).product_variant_ids]
