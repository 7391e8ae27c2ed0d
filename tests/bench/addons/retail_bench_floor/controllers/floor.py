"""The floor of a signed webhook intake in Odoo.

What any Odoo controller accepting Shopify's webhooks must do at the very
least: read the body, check its HMAC-SHA256 against the app's secret in
constant time, store it with one INSERT and answer. No backend lookup, no
size limit, no de-duplication, no rate limit, no queued job: the benchmark
compares the suite's intake, which keeps every guarantee, with this.
"""

import base64
import hashlib
import hmac

from odoo import http
from odoo.http import request

#: the benchmark's store signs with this secret (tests/bench only)
SECRET = b"bench-shopify-client-secret"


class BenchFloorController(http.Controller):
    @http.route(
        "/retail/bench/floor",
        type="http",
        auth="none",
        methods=["POST"],
        csrf=False,
        save_session=False,
        readonly=False,
    )
    def floor(self, **kwargs):
        httprequest = request.httprequest
        body = httprequest.get_data()
        digest = base64.b64encode(hmac.new(SECRET, body, hashlib.sha256).digest())
        given = (httprequest.headers.get("X-Shopify-Hmac-Sha256") or "").encode()
        if not hmac.compare_digest(digest, given):
            return request.make_json_response({"error": "unauthorized"}, status=401)
        request.env.cr.execute(
            "INSERT INTO retail_bench_floor_delivery (event_key, topic, body)"
            " VALUES (%s, %s, %s)",
            (
                httprequest.headers.get("X-Shopify-Event-Id") or "",
                httprequest.headers.get("X-Shopify-Topic"),
                body.decode("utf-8", "replace"),
            ),
        )
        return request.make_json_response({"status": "accepted"})
