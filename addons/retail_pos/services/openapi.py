"""The OpenAPI 3.1 document of the partner API, made from :mod:`.schemas`.

Nothing here describes a field: the schemas are pydantic's JSON Schema of
the very models that validate the requests (JSON Schema 2020-12, which
OpenAPI 3.1 uses as is); this module only lays out the paths, the security
scheme and the answers. :func:`document` is what
``GET /retail/pos/v1/openapi.json`` serves.
"""

import copy
import functools

from pydantic.json_schema import models_json_schema

from . import feeds, schemas

API_PREFIX = "/retail/pos/v1"
API_VERSION = "1.0.0"
#: the request and answer models, in the order of the document
MODELS = (
    schemas.TicketBatch,
    schemas.Ticket,
    schemas.Cashup,
    schemas.BatchResult,
    schemas.CashupResult,
    schemas.CatalogPage,
    schemas.StockPage,
    schemas.ErrorAnswer,
)


def _ref(name):
    return {"$ref": f"{schemas.SCHEMA_REF_PREFIX}{name}"}


def _json(name, description):
    return {
        "description": description,
        "content": {"application/json": {"schema": _ref(name)}},
    }


def _refusals():
    return {
        "400": _json("ErrorAnswer", "The body is not JSON or not a valid envelope."),
        "401": _json("ErrorAnswer", "No valid API key of this store (or signature)."),
        "413": _json("ErrorAnswer", "The body is larger than the store accepts."),
        "429": _json("ErrorAnswer", "Too many requests: retry after Retry-After."),
    }


def component_schemas():
    """The JSON Schemas of :data:`MODELS` and the models they use, by name."""
    _keys, top = models_json_schema(
        [(model, "validation") for model in MODELS],
        ref_template=schemas.SCHEMA_REF_PREFIX + "{model}",
    )
    return top["$defs"]


STORE_CODE = {
    "name": "store_code",
    "in": "path",
    "required": True,
    "description": "The store's code in Odoo.",
    "schema": {"type": "string", "pattern": r"^[A-Za-z0-9_-]{1,32}$"},
}


FEED_PARAMETERS = [
    {
        "name": "cursor",
        "in": "query",
        "required": False,
        "description": "The next_cursor of the previous page; none for the "
        "whole feed from the start.",
        "schema": {"type": "string", "maxLength": feeds.MAX_CURSOR_LENGTH},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "description": f"Items per page (default {feeds.DEFAULT_LIMIT}).",
        "schema": {
            "type": "integer",
            "minimum": 1,
            "maximum": feeds.MAX_LIMIT,
            "default": feeds.DEFAULT_LIMIT,
        },
    },
]


def _feed(operation, summary, description, page):
    refusals = _refusals()
    refusals["400"] = _json("ErrorAnswer", "The cursor or the limit cannot be used.")
    del refusals["413"]
    return {
        "get": {
            "operationId": operation,
            "summary": summary,
            "description": description
            + " Items come in the order of their last change: without a "
            "cursor, the whole feed; with the next_cursor of a page, what "
            "changed since (a change made while the pages are read comes on "
            "a later page, never lost). Poll with the last next_cursor.",
            "parameters": [STORE_CODE, *FEED_PARAMETERS],
            "responses": {
                "200": _json(page, "The items changed after the cursor."),
                **refusals,
            },
        }
    }


@functools.cache
def _document():
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Retail POS partner API",
            "version": API_VERSION,
            "description": "Store tills send their tickets and cash-ups to "
            "Odoo and read the store's catalog and stock. Every request "
            "carries `Authorization: Bearer <store key>`; "
            "the key must be one of the store in the path. Money is a decimal "
            "string, times are ISO 8601 with an offset.",
        },
        "servers": [{"url": API_PREFIX}],
        "security": [{"storeKey": []}],
        "paths": {
            "/stores/{store_code}/tickets": {
                "post": {
                    "operationId": "postTickets",
                    "summary": "Send a batch of closed tickets",
                    "description": "Each ticket is stored once (its ticket_id is "
                    "unique in the store forever): a ticket sent again is "
                    "answered `duplicate`. A bad ticket is `rejected` with its "
                    "field errors and never blocks the others.",
                    "parameters": [STORE_CODE],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": _ref("TicketBatch")}
                        },
                    },
                    "responses": {
                        "200": _json("BatchResult", "One result per ticket, in order."),
                        **_refusals(),
                    },
                }
            },
            "/stores/{store_code}/cashups": {
                "post": {
                    "operationId": "postCashup",
                    "summary": "Send the Z report of one terminal and business date",
                    "description": "Stored once per terminal and business date: "
                    "sent again, it is answered `duplicate`.",
                    "parameters": [STORE_CODE],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("Cashup")}},
                    },
                    "responses": {
                        "200": _json("CashupResult", "What became of the cash-up."),
                        **_refusals(),
                    },
                }
            },
            "/stores/{store_code}/catalog": _feed(
                "getCatalog",
                "What the store sells, and what changed",
                "The products sold in the store's point of sale, with the "
                "price of its pricelist (taxes included) and the till tax "
                "code; a product no longer sold comes once with active false.",
                "CatalogPage",
            ),
            "/stores/{store_code}/stock": _feed(
                "getStock",
                "Available quantities at the store, and what changed",
                "The quantity the store's warehouse can promise (on hand less "
                "reserved) of each product of the catalog.",
                "StockPage",
            ),
        },
        "components": {
            "schemas": component_schemas(),
            "securitySchemes": {
                "storeKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API key of the store, made in Odoo and "
                    "shown once.",
                },
                "bodySignature": {
                    "type": "apiKey",
                    "in": "header",
                    "name": "X-Retail-Signature",
                    "description": "When the store requires it: the hex "
                    "HMAC-SHA256 of the raw body, keyed with the store's "
                    "signing secret.",
                },
            },
        },
    }


def document():
    """The OpenAPI document (a copy: callers may change it)."""
    return copy.deepcopy(_document())
