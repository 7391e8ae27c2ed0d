# Copyright 2026 Retail Connectors contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Connector Base",
    "summary": "Shared machinery for retail connectors: backends, bindings, "
    "inbound events, queued jobs, sync exceptions and health",
    "version": "19.0.1.1.0",
    "category": "Connector",
    "website": "https://github.com/retail-connectors/retail-connectors",
    "author": "Retail Connectors contributors",
    "license": "LGPL-3",
    "depends": ["account", "mail", "queue_job", "stock"],
    "external_dependencies": {"python": ["requests", "pydantic", "prometheus-client"]},
    "data": [
        "security/retail_security.xml",
        "security/ir.model.access.csv",
        "security/retail_rules.xml",
        "data/queue_job_data.xml",
        "data/ir_cron_data.xml",
        "data/ir_config_parameter_data.xml",
        "views/retail_event_views.xml",
        "views/retail_sync_exception_views.xml",
        "views/retail_sync_run_views.xml",
        "views/retail_backend_views.xml",
        "views/retail_dashboard_views.xml",
        "views/queue_job_views.xml",
        "views/retail_remote_call_views.xml",
        "views/stock_picking_views.xml",
        "views/product_template_views.xml",
        "wizards/retail_sync_history_views.xml",
        "views/menus.xml",
    ],
    "application": True,
}
