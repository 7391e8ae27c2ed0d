"""The health probe of the retail integration: ``GET /retail/health``.

A monitoring probe, not a liveness probe: it answers 503 when the
integration needs a person (failed jobs above
``retail_connector_base.health_max_failed_jobs``, a backend in error, an open
circuit, deliveries pending longer than ``health_max_pending_minutes``, more
open exceptions than ``health_max_open_exceptions``) while Odoo itself serves
requests normally; never restart a worker on its answer.

Anyone gets ``{"status": "ok"|"degraded"}``; the detailed report (counts
only, no names or payloads) needs the token of the system parameter
``retail_connector_base.health_token`` sent as ``Authorization: Bearer
<token>``. Each worker computes the report at most every
``health_cache_seconds`` (10 by default).
"""

import hmac

from odoo import http
from odoo.http import request

TOKEN_PARAM = "retail_connector_base.health_token"


def _bearer(header):
    scheme, _sep, token = (header or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


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
        """The status for anyone, the counts for the holder of the token."""
        env = request.env
        received = _bearer(request.httprequest.headers.get("Authorization"))
        expected = env["ir.config_parameter"].sudo().get_param(TOKEN_PARAM) or ""
        headers = [("Cache-Control", "no-store")]
        if received and not (
            expected and hmac.compare_digest(received.encode(), expected.encode())
        ):
            return request.make_json_response(
                {"error": "invalid token"}, status=401, headers=headers
            )
        report = env["retail.backend"].sudo()._health_report_cached()
        status = 200 if report["status"] == "ok" else 503
        body = report if received else {"status": report["status"]}
        return request.make_json_response(body, status=status, headers=headers)
