"""The OpenAPI 3.1 document of the generic contract, both directions.

Built from the models of :mod:`.contract`, so the published document and
what the connector validates cannot differ. ``openapi/retail-3pl-v1.json``
in the addon is this document, written by :func:`write` (a test checks it
is up to date). The provider implements the paths under ``{base}``;
Odoo serves ``/retail/3pl/v1/providers/{provider_id}/messages``.
"""

import json

from pydantic.json_schema import models_json_schema

from . import contract, signing

VERSION = "1.0.0"
REF_TEMPLATE = "#/components/schemas/{model}"

_SIGNATURE = {
    "name": signing.HEADER,
    "in": "header",
    "required": True,
    "description": 't=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>"> '
    "keyed with the provider's signing secret; refused when t is more than "
    f"{signing.TOLERANCE_SECONDS // 60} minutes away.",
    "schema": {"type": "string", "pattern": "^t=\\d+(,v1=[0-9a-f]{64})+$"},
}
_IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": True,
    "description": "The message_id of the request: the same request sent again "
    "carries the same key.",
    "schema": {"type": "string"},
}


_REQUEST_ID = {
    "name": "X-Request-Id",
    "in": "header",
    "required": False,
    "description": "Odoo's correlation id of the work the request belongs to "
    "(16 hex characters): a provider may log it, its support may quote it.",
    "schema": {"type": "string", "maxLength": 64},
}


def _ref(model):
    return {"$ref": REF_TEMPLATE.format(model=model.__name__)}


def _json(model):
    return {"content": {"application/json": {"schema": _ref(model)}}}


def _schemas():
    models = [
        contract.FulfillmentOrder,
        contract.OrderAnswer,
        contract.FulfillmentOrderUpdate,
        contract.UpdateAnswer,
        contract.CancelRequest,
        contract.CancelAnswer,
        contract.ReceiptNotice,
        contract.InventoryAnswer,
        *contract.MESSAGES.values(),
    ]
    _keys, document = models_json_schema(
        [(model, "validation") for model in models], ref_template=REF_TEMPLATE
    )
    return document["$defs"]


def document():
    """The OpenAPI document (a dict)."""
    messages = list(contract.MESSAGES.items())
    outbound = [_SIGNATURE, _IDEMPOTENCY, _REQUEST_ID]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Retail connectors: generic 3PL contract",
            "version": VERSION,
            "description": "Odoo sends fulfilment orders, their changes, cancels "
            "and receipt notices to {base} and reads the inventory; the provider posts "
            "messages to Odoo. Both directions are signed with "
            f"{signing.HEADER}.",
        },
        "paths": {
            "/fulfillment-orders": {
                "post": {
                    "operationId": "createFulfillmentOrder",
                    "summary": "Ship an order (the same order_ref again is "
                    "answered already_accepted, never a second order)",
                    "parameters": outbound,
                    "requestBody": {
                        "required": True,
                        **_json(contract.FulfillmentOrder),
                    },
                    "responses": {
                        "201": {
                            "description": "Accepted",
                            **_json(contract.OrderAnswer),
                        },
                        "200": {
                            "description": "Already accepted",
                            **_json(contract.OrderAnswer),
                        },
                        "409": {"description": "Already accepted (also accepted)"},
                        "422": {"description": "Refused: the body names why"},
                    },
                }
            },
            "/fulfillment-orders/{order_ref}": {
                "put": {
                    "operationId": "updateFulfillmentOrder",
                    "summary": "Change an order before it is picked: the order "
                    "as it is now (a revision is applied once, never an older "
                    "one after a newer)",
                    "parameters": [
                        {
                            "name": "order_ref",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        *outbound,
                    ],
                    "requestBody": {
                        "required": True,
                        **_json(contract.FulfillmentOrderUpdate),
                    },
                    "responses": {
                        "200": {
                            "description": "updated, or rejected once the order "
                            "is picked (it ships as it was)",
                            **_json(contract.UpdateAnswer),
                        },
                        "404": {"description": "No such order"},
                        "409": {"description": "Rejected (the order is picked)"},
                        "422": {"description": "Refused: the body names why"},
                    },
                }
            },
            "/fulfillment-orders/{order_ref}/cancel": {
                "post": {
                    "operationId": "cancelFulfillmentOrder",
                    "summary": "Ask to cancel an order (only a request)",
                    "parameters": [
                        {
                            "name": "order_ref",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        *outbound,
                    ],
                    "requestBody": {"required": True, **_json(contract.CancelRequest)},
                    "responses": {
                        "200": {
                            "description": "The outcome",
                            **_json(contract.CancelAnswer),
                        }
                    },
                }
            },
            "/receipts": {
                "post": {
                    "operationId": "announceReceipt",
                    "summary": "Advance ship notice of a purchase receipt",
                    "parameters": outbound,
                    "requestBody": {"required": True, **_json(contract.ReceiptNotice)},
                    "responses": {"2XX": {"description": "Accepted"}},
                }
            },
            "/inventory": {
                "get": {
                    "operationId": "getInventory",
                    "summary": "What is on the shelves of a warehouse",
                    "parameters": [
                        {
                            "name": "warehouse_code",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                        _REQUEST_ID,
                    ],
                    "responses": {
                        "200": {
                            "description": "The stock",
                            **_json(contract.InventoryAnswer),
                        }
                    },
                }
            },
            "/retail/3pl/v1/providers/{provider_id}/messages": {
                "post": {
                    "operationId": "postMessage",
                    "summary": "A message of the provider to Odoo (served by Odoo)",
                    "servers": [
                        {"url": "{odoo}", "variables": {"odoo": {"default": ""}}}
                    ],
                    "parameters": [
                        {
                            "name": "provider_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer"},
                        },
                        _SIGNATURE,
                    ],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [_ref(model) for _type, model in messages],
                                    "discriminator": {
                                        "propertyName": "type",
                                        "mapping": {
                                            message_type: REF_TEMPLATE.format(
                                                model=model.__name__
                                            )
                                            for message_type, model in messages
                                        },
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {"description": "Stored (or a duplicate message_id)"},
                        "400": {"description": "Not valid: the body names the field"},
                        "401": {
                            "description": "Bad or expired signature: nothing stored"
                        },
                        "413": {"description": "Too large"},
                        "429": {"description": "Too many messages: see Retry-After"},
                    },
                }
            },
        },
        "components": {"schemas": _schemas()},
    }


def dumps():
    """The document as the text of ``openapi/retail-3pl-v1.json``."""
    return json.dumps(document(), indent=2, sort_keys=True) + "\n"


def write(path):
    """Write the document to ``path``."""
    with open(path, "w", encoding="utf-8") as file:
        file.write(dumps())
