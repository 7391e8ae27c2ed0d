# Copyright 2026 Retail Connectors contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Connector Test Backend",
    "summary": "Minimal connector exercising the retail connector base "
    "(tests and demo only)",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/retail-connectors/retail-connectors",
    "author": "Retail Connectors contributors",
    "license": "LGPL-3",
    "depends": ["retail_connector_base"],
    "data": [
        "security/ir.model.access.csv",
        "security/retail_test_rules.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "views/retail_test_backend_views.xml",
    ],
    "demo": ["demo/retail_test_demo.xml"],
    "assets": {
        "web.assets_tests": [
            "retail_connector_test/static/tests/tours/*.js",
        ],
    },
}
