import json
import unittest

from ..services import openapi, schemas
from .common import PosTestMixin


def resolve(document, schema):
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = document["components"]["schemas"][name]
    return schema


class TestOpenApi(unittest.TestCase):
    def setUp(self):
        super().setUp()
        self.doc = openapi.document()
        self.schemas = self.doc["components"]["schemas"]

    def test_an_openapi_3_1_document(self):
        self.assertEqual(self.doc["openapi"], "3.1.0")
        self.assertEqual(self.doc["servers"], [{"url": "/retail/pos/v1"}])
        json.dumps(self.doc)  # serialisable
        self.assertEqual(
            self.doc["components"]["securitySchemes"]["storeKey"]["scheme"], "bearer"
        )

    def test_every_reference_resolves(self):
        text = json.dumps(self.doc)
        for part in text.split('"$ref": "')[1:]:
            ref = part.split('"', 1)[0]
            self.assertTrue(ref.startswith(schemas.SCHEMA_REF_PREFIX), ref)
            self.assertIn(ref.rsplit("/", 1)[-1], self.schemas)

    def test_the_paths_take_the_validating_models(self):
        paths = self.doc["paths"]
        tickets = paths["/stores/{store_code}/tickets"]["post"]
        body = tickets["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(resolve(self.doc, body), self.schemas["TicketBatch"])
        items = self.schemas["TicketBatch"]["properties"]["tickets"]
        self.assertEqual(items["maxItems"], schemas.MAX_TICKETS)
        self.assertEqual(resolve(self.doc, items["items"]), self.schemas["Ticket"])
        cashups = paths["/stores/{store_code}/cashups"]["post"]
        body = cashups["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(resolve(self.doc, body), self.schemas["Cashup"])
        self.assertIn("401", tickets["responses"])
        self.assertIn("413", tickets["responses"])

    def test_schemas_are_the_models_own(self):
        ticket = self.schemas["Ticket"]
        expected = schemas.Ticket.model_json_schema(
            ref_template=schemas.SCHEMA_REF_PREFIX + "{model}"
        )
        self.assertEqual(ticket["required"], expected["required"])
        self.assertEqual(ticket["properties"], expected["properties"])
        self.assertFalse(ticket["additionalProperties"])

    def test_the_document_says_what_validation_refuses(self):
        """Each required field of the document is refused when missing, each
        pattern refuses a value it does not match, and the examples of the
        document are accepted."""
        cases = (
            ("Ticket", PosTestMixin.ticket(), schemas.validate_ticket),
            ("Line", None, None),
            ("Cashup", PosTestMixin.cashup(), schemas.validate_cashup),
        )
        for name, document, validate in cases:
            if document is None:
                continue
            schema = self.schemas[name]
            for field in schema["required"]:
                broken = {k: v for k, v in document.items() if k != field}
                result, errors = validate(broken)
                self.assertIn(field, [e["field"] for e in errors], (name, field))
            for field, spec in schema["properties"].items():
                spec = resolve(self.doc, spec)
                if "pattern" in spec:
                    result, errors = validate(dict(document, **{field: "\u00e9 no"}))
                    self.assertIn(field, [e["field"] for e in errors], (name, field))
                for example in spec.get("examples", []):
                    if field in document and field not in ("ticket_id", "total"):
                        result, errors = validate(dict(document, **{field: example}))
                        self.assertNotIn(
                            field, [e["field"] for e in errors], (name, field, example)
                        )
        line_schema = self.schemas["Line"]
        for field in line_schema["required"]:
            document = PosTestMixin.ticket()
            del document["lines"][0][field]
            errors = schemas.validate_ticket(document)[1]
            self.assertIn(f"lines[0].{field}", [e["field"] for e in errors])
