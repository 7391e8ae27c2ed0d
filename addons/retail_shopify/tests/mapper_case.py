"""What the tests of the payload mappers share: fixtures and one assertion."""

import json
import pathlib
import unittest

from odoo.addons.retail_connector_base.services import errors

FIXTURES = pathlib.Path(__file__).resolve().parent / "fixtures"


def load(name):
    """The decoded fixture ``fixtures/<name>``."""
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class MapperCase(unittest.TestCase):
    def assertInvalid(self, func, payload, field, *texts):
        """The mapper refuses ``payload`` and names ``field`` (and ``texts``)."""
        with self.assertRaises(errors.PayloadValidationError) as caught:
            func(payload)
        exc = caught.exception
        self.assertIn(field, exc.message)
        self.assertEqual(exc.details["field"], field)
        for text in texts:
            self.assertIn(text, exc.message)
        self.assertTrue(exc.hint)
        self.assertEqual(exc.category, "validation")
        return exc
