import datetime
import unittest

from odoo.addons.retail_connector_base.services.timeutils import (
    parse_remote_datetime,
)


class TestParseRemoteDatetime(unittest.TestCase):
    def test_zulu_and_offsets_become_naive_utc(self):
        expected = datetime.datetime(2026, 11, 20, 10, 0, 0)
        self.assertEqual(parse_remote_datetime("2026-11-20T10:00:00Z"), expected)
        self.assertEqual(parse_remote_datetime("2026-11-20T11:00:00+01:00"), expected)
        self.assertEqual(parse_remote_datetime("2026-11-20T05:00:00-05:00"), expected)
        self.assertEqual(parse_remote_datetime("2026-11-20 10:00:00"), expected)

    def test_empty_and_invalid(self):
        self.assertIsNone(parse_remote_datetime(None))
        self.assertIsNone(parse_remote_datetime(""))
        with self.assertRaises(ValueError):
            parse_remote_datetime("yesterday")
