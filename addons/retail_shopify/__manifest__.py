# Copyright 2026 Retail Connectors contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Shopify Connector",
    "summary": "Shopify stores on the Admin GraphQL API: orders, products, "
    "stock and fulfilments, with signed webhooks and reconciliation",
    "version": "19.0.1.1.0",
    "category": "Connector",
    "website": "https://github.com/retail-connectors/retail-connectors",
    "author": "Retail Connectors contributors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base", "sale_stock", "stock_delivery"],
    "external_dependencies": {"python": ["requests", "pydantic", "graphql-core"]},
    "data": [
        "security/ir.model.access.csv",
        "security/shopify_rules.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/shopify_backend_views.xml",
        "views/shopify_order_import_wizard_views.xml",
        "views/sale_order_views.xml",
        "views/product_views.xml",
        "views/shopify_refund_views.xml",
        "views/shopify_product_template_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/shopify_demo.xml"],
}
