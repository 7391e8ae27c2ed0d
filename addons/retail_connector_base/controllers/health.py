from odoo import http
from odoo.http import request


class RetailHealthController(http.Controller):
    @http.route(
        "/retail/health",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    def health(self):
        """Counts only: jobs, events, exceptions and circuits per backend."""
        report = request.env["retail.backend"].sudo()._health_report()
        return request.make_json_response(
            report,
            status=200 if report["status"] == "ok" else 503,
            headers=[("Cache-Control", "no-store")],
        )
