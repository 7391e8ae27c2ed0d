import datetime
import unittest
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import AccessError

from ..services import api_keys
from .common import PosTestCase


class TestApiKeyService(unittest.TestCase):
    def test_keys_are_random_and_long(self):
        first, second = api_keys.generate_key(), api_keys.generate_key()
        self.assertNotEqual(first, second)
        self.assertGreaterEqual(len(first), 43)

    def test_hash_is_salted_and_verified(self):
        key = api_keys.generate_key()
        stored = api_keys.hash_key(key)
        self.assertNotIn(key, stored)
        self.assertNotEqual(stored, api_keys.hash_key(key))
        self.assertTrue(api_keys.verify_any(key, ["garbage", stored]))
        self.assertFalse(api_keys.verify_any(key + "x", [stored]))
        self.assertFalse(api_keys.verify_any("", [stored]))
        self.assertFalse(api_keys.verify_any(None, [stored]))
        self.assertFalse(api_keys.verify_any(key, []))

    def test_every_stored_hash_is_compared(self):
        key = api_keys.generate_key()
        stored = [api_keys.hash_key(key), api_keys.hash_key("other")]
        with patch.object(api_keys, "verify_api_key", return_value=False) as verify:
            api_keys.verify_any(key, stored)
        self.assertEqual(verify.call_count, 2)

    def test_overlap_is_capped(self):
        now = datetime.datetime(2026, 12, 1)
        self.assertEqual(
            api_keys.overlap_expiry(now, 24), now + datetime.timedelta(hours=24)
        )
        self.assertEqual(
            api_keys.overlap_expiry(now, 10**6),
            now + datetime.timedelta(hours=api_keys.MAX_OVERLAP_HOURS),
        )

    def test_store_codes(self):
        self.assertTrue(api_keys.valid_store_code("LIS-01_a"))
        for code in ("", "a b", "a/b", "x" * 33, None, "é"):
            self.assertFalse(api_keys.valid_store_code(code), code)


class TestStoreKeys(PosTestCase):
    def test_only_the_hash_is_kept(self):
        self.assertTrue(self.store._retail_pos_authenticate(self.key))
        self.assertNotEqual(self.key_record.key_hash, self.key)
        self.assertNotIn(self.key, self.key_record.key_hash)
        self.assertEqual(self.key_record.prefix, self.key[:6])
        self.assertFalse(self.store._retail_pos_authenticate(self.key[:-1]))

    def test_rotation_keeps_the_old_key_until_the_overlap_ends(self):
        now = fields.Datetime.now()
        _new, new_key = self.store._retail_pos_new_key(overlap_hours=2)
        self.assertTrue(self.store._retail_pos_authenticate(new_key))
        self.assertTrue(self.store._retail_pos_authenticate(self.key))
        self.assertEqual(self.key_record.state, "expiring")
        later = now + datetime.timedelta(hours=3)
        with patch.object(fields.Datetime, "now", return_value=later):
            self.assertFalse(self.store._retail_pos_authenticate(self.key))
            self.assertTrue(self.store._retail_pos_authenticate(new_key))

    def test_a_second_key_without_rotation_leaves_the_first_valid(self):
        _new, new_key = self.store._retail_pos_new_key()
        self.assertTrue(self.store._retail_pos_authenticate(self.key))
        self.assertTrue(self.store._retail_pos_authenticate(new_key))
        self.assertEqual(self.store.api_key_count, 2)

    def test_revoked_keys_stop_at_once(self):
        self.key_record.action_revoke()
        self.assertFalse(self.store._retail_pos_authenticate(self.key))
        self.assertEqual(self.key_record.state, "expired")

    def test_keys_belong_to_their_store(self):
        other = self._setup_backend(self.env, name="Baixa", code="STORE2")
        self.assertFalse(other._retail_pos_authenticate(self.key))

    def test_only_managers_make_keys(self):
        with self.assertRaises(AccessError):
            self.store.with_user(self.user)._retail_pos_new_key()
        _record, key = self.store.with_user(self.manager)._retail_pos_new_key()
        self.assertTrue(self.store._retail_pos_authenticate(key))

    def test_the_wizard_shows_the_key_once(self):
        wizard = (
            self.env["retail.pos.api.key.wizard"]
            .with_user(self.manager)
            .with_context(default_store_id=self.store.id)
            .create({"name": "Vendor", "rotate": True, "overlap_hours": 1})
        )
        wizard.action_generate()
        key = wizard.key
        self.assertTrue(self.store._retail_pos_authenticate(key))
        self.assertEqual(self.key_record.state, "expiring")
        wizard.action_done()
        self.assertFalse(wizard.key)
        self.assertTrue(self.store._retail_pos_authenticate(key))

    def test_signature(self):
        self.assertTrue(self.store._retail_pos_check_signature(b"{}", None))
        self.store.require_signature = True
        self.assertFalse(self.store._retail_pos_check_signature(b"{}", None))
        self.store.action_generate_signing_secret()
        from odoo.addons.retail_connector_base.services.signatures import (  # noqa: PLC0415
            hmac_sha256_digest,
        )

        signature = hmac_sha256_digest(self.store.signing_secret, b"{}", "hex")
        self.assertTrue(self.store._retail_pos_check_signature(b"{}", signature))
        self.assertFalse(self.store._retail_pos_check_signature(b"{ }", signature))
