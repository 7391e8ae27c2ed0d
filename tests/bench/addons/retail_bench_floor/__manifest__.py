# Copyright 2026 Retail Connectors contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Retail Benchmark Floor",
    "summary": "The cheapest signed webhook intake Odoo can serve "
    "(benchmarks only, never installed in production)",
    "version": "19.0.1.0.0",
    "category": "Hidden",
    "website": "https://github.com/retail-connectors/retail-connectors",
    "author": "Retail Connectors contributors",
    "license": "LGPL-3",
    "depends": ["base"],
    "data": ["security/ir.model.access.csv"],
    "installable": True,
}
