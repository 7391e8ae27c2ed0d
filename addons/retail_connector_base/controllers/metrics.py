"""Prometheus metrics of the retail integration: ``GET /retail/metrics``.

Token-protected like the detailed health report: the bearer token of the
system parameter ``retail_connector_base.health_token`` (no token
configured: the endpoint answers 404, it is off). The figures come from the
database (``retail.backend._metrics_snapshot``), computed by each worker at
most every ``metrics_cache_seconds`` (15 by default), so that any worker
answers a scrape with the same figures.
"""

import hmac

from odoo import http
from odoo.http import request

from ..services import metrics
from .health import TOKEN_PARAM, _bearer


class RetailMetricsController(http.Controller):
    @http.route(
        "/retail/metrics",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    def metrics(self):
        env = request.env
        expected = env["ir.config_parameter"].sudo().get_param(TOKEN_PARAM) or ""
        headers = [("Cache-Control", "no-store")]
        if not expected:
            return request.make_response(
                "metrics are off: no token is configured\n", headers=headers, status=404
            )
        received = _bearer(request.httprequest.headers.get("Authorization"))
        if not (received and hmac.compare_digest(received.encode(), expected.encode())):
            return request.make_response(
                "invalid token\n",
                headers=[*headers, ("WWW-Authenticate", 'Bearer realm="retail"')],
                status=401,
            )
        snapshot = env["retail.backend"].sudo()._metrics_snapshot_cached()
        return request.make_response(
            metrics.render(snapshot),
            headers=[*headers, ("Content-Type", metrics.CONTENT_TYPE)],
        )
