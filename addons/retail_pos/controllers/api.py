"""The partner API of the store tills: ``/retail/pos/v1``.

Thin: authenticate (the bearer key of the store in the path, before the body
is read), read a bounded body, check the optional signature and the rate
limit, parse with shape limits, check the envelope, then hand the documents
to the store (``_retail_pos_accept_tickets`` / ``_retail_pos_accept_cashup``),
which stores them once and queues their jobs. The answer is 200 with one
result per document; 4xx only for authentication, size or a malformed
envelope. The feeds (``GET .../catalog`` and ``.../stock``) authenticate the
same way, check the rate limit and answer one page
(``_retail_pos_catalog_page`` / ``_retail_pos_stock_page``); a cursor or
limit that cannot be used is a 400. Reuses the base's intake helpers
(``read_body``, ``json_response``, ``intake_route``) and
``services.json_limits``.
"""

import hashlib
import json
import logging

from werkzeug.exceptions import BadRequest

from odoo import http
from odoo.http import request

from odoo.addons.retail_connector_base.controllers.intake import (
    MAX_BODY_BYTES,
    intake_route,
    json_response,
    read_body,
)
from odoo.addons.retail_connector_base.services import json_limits
from odoo.addons.retail_connector_base.services.signatures import parse_bearer

from ..services import feeds, openapi, schemas

_logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Retail-Signature"
#: a batch is an object of 500 tickets of 500 lines at most: shallow and
#: bounded (the envelope and ticket schemas refuse the rest by name)
LIMITS = json_limits.JsonLimits(max_depth=8, max_items=2 * schemas.MAX_TICKETS)


def _authenticated_store(store_code):
    """The active store of ``store_code`` the request's key belongs to."""
    key = parse_bearer(request.httprequest.headers.get("Authorization"))
    Store = request.env["retail.pos.store"].sudo()
    stores = Store._retail_pos_find(store_code)
    if not key or not stores:
        return Store.browse()
    # every store of that code is asked: the timing says nothing of which
    matches = [store for store in stores if store._retail_pos_authenticate(key)]
    return matches[0] if len(matches) == 1 else Store.browse()


def _read_document(store):
    """``(document, body, None)``, or ``(None, None, refusal response)``."""
    limit = min(store.inbound_max_bytes, MAX_BODY_BYTES)
    try:
        body = read_body(limit)
    except BadRequest as exc:
        _logger.info(
            "Refused a request for %s: %s", store._retail_key(), exc.description
        )
        return None, None, json_response(400, close=True, error="incomplete body")
    if body is None:
        return (
            None,
            None,
            json_response(413, close=True, error=f"body larger than {limit} bytes"),
        )
    signature = request.httprequest.headers.get(SIGNATURE_HEADER)
    if not store._retail_pos_check_signature(body, signature):
        _logger.info("Refused a request for %s: bad signature", store._retail_key())
        return None, None, json_response(401, error="signature missing or wrong")
    wait = store._retail_inbound_tokens().acquire()
    if wait:
        return (
            None,
            None,
            json_response(429, error="rate limit exceeded", retry_after=wait),
        )
    try:
        document = json_limits.loads(body, LIMITS)
    except json_limits.JsonLimitError as exc:
        return None, None, json_response(400, error=str(exc))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return None, None, json_response(400, error=f"the body is not JSON: {exc}")
    if json_limits.may_hold_nul(body) and json_limits.holds_nul(document):
        return (
            None,
            None,
            json_response(
                400,
                error="the body holds a NUL character (\\u0000), which no "
                "field can store",
            ),
        )
    return document, body, None


class RetailPosApi(http.Controller):
    @http.route(
        f"{openapi.API_PREFIX}/openapi.json",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
        readonly=True,
    )
    def openapi_document(self, **kwargs):
        return request.make_json_response(openapi.document())

    def _intake(self, store_code, accept):
        store = _authenticated_store(store_code)
        if not store:
            _logger.info(
                "Refused a request for store code %r: no valid key", store_code[:32]
            )
            return json_response(401, close=True, error="authentication failed")
        document, body, refusal = _read_document(store)
        if refusal is not None:
            return refusal
        return accept(store, document, body)

    @staticmethod
    def _accept_tickets(store, document, body):
        tickets, problems = schemas.validate_envelope(document)
        if problems:
            return json_response(400, error="malformed envelope", errors=problems)
        results = store._retail_pos_accept_tickets(
            body.decode("utf-8", errors="replace"),
            hashlib.sha256(body).hexdigest(),
            tickets,
        )
        return json_response(200, results=results)

    @staticmethod
    def _accept_cashup(store, document, body):
        result = store._retail_pos_accept_cashup(
            body.decode("utf-8", errors="replace"),
            hashlib.sha256(body).hexdigest(),
            document,
        )
        return json_response(200, **result)

    @intake_route(f"{openapi.API_PREFIX}/stores/<string:store_code>/tickets")
    def tickets(self, store_code, **kwargs):
        return self._intake(store_code, self._accept_tickets)

    @intake_route(f"{openapi.API_PREFIX}/stores/<string:store_code>/cashups")
    def cashups(self, store_code, **kwargs):
        return self._intake(store_code, self._accept_cashup)

    @staticmethod
    def _feed(store_code, read):
        store = _authenticated_store(store_code)
        if not store:
            _logger.info(
                "Refused a feed request for store code %r: no valid key",
                store_code[:32],
            )
            return json_response(401, error="authentication failed")
        wait = store._retail_inbound_tokens().acquire()
        if wait:
            return json_response(429, error="rate limit exceeded", retry_after=wait)
        args = request.httprequest.args
        try:
            answer = read(store, args.get("cursor"), args.get("limit"))
        except feeds.FeedError as exc:
            return json_response(400, error=str(exc), errors=[exc.as_error()])
        store._retail_pos_feed_read()
        return json_response(200, **answer)

    @http.route(
        f"{openapi.API_PREFIX}/stores/<string:store_code>/catalog",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
        # the rate limit takes its tokens in a transaction of its own
        readonly=False,
    )
    def catalog(self, store_code, **kwargs):
        return self._feed(
            store_code,
            lambda store, cursor, limit: store._retail_pos_catalog_page(cursor, limit),
        )

    @http.route(
        f"{openapi.API_PREFIX}/stores/<string:store_code>/stock",
        type="http",
        auth="none",
        methods=["GET"],
        csrf=False,
        save_session=False,
        # the rate limit takes its tokens in a transaction of its own
        readonly=False,
    )
    def stock(self, store_code, **kwargs):
        return self._feed(
            store_code,
            lambda store, cursor, limit: store._retail_pos_stock_page(cursor, limit),
        )
