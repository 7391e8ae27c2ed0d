# Copyright 2026 Retail Connectors contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail 3PL Connector",
    "summary": "Third-party logistics warehouses: fulfilment requests, "
    "cancels and signed shipment confirmations with tracking",
    "version": "19.0.1.1.0",
    "category": "Connector",
    "website": "https://github.com/retail-connectors/retail-connectors",
    "author": "Retail Connectors contributors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base", "stock_delivery"],
    "external_dependencies": {"python": ["requests", "pydantic"]},
    "data": [
        "security/ir.model.access.csv",
        "security/retail_3pl_rules.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/retail_3pl_provider_views.xml",
        "views/retail_3pl_picking_views.xml",
        "views/retail_3pl_stock_check_views.xml",
        "views/stock_picking_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/retail_3pl_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "retail_3pl/static/tests/tours/*.js",
        ],
    },
}
