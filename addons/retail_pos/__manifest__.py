# Copyright 2026 Retail Connectors contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail POS Connector",
    "summary": "External store tills feeding Odoo's point of sale: ticket and "
    "cash-up intake, API keys per store, paid POS orders in a session per day",
    "version": "19.0.1.0.0",
    "category": "Connector",
    "website": "https://github.com/retail-connectors/retail-connectors",
    "author": "Retail Connectors contributors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base", "point_of_sale"],
    "external_dependencies": {"python": ["pydantic"]},
    "data": [
        "security/ir.model.access.csv",
        "security/retail_pos_rules.xml",
        "data/queue_job_data.xml",
        "views/retail_pos_store_views.xml",
        "views/retail_pos_api_key_views.xml",
        "views/retail_pos_api_key_wizard_views.xml",
        "views/pos_session_views.xml",
        "views/res_partner_views.xml",
        "views/menus.xml",
    ],
    "demo": ["demo/retail_pos_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "retail_pos/static/tests/tours/*.js",
        ],
    },
}
