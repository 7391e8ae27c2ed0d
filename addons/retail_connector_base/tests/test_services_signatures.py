import base64
import unittest

from odoo.addons.retail_connector_base.services import signatures

# Published HMAC-SHA256 example (key "key").
KEY = "key"
MESSAGE = b"The quick brown fox jumps over the lazy dog"
HEX = "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8"
B64 = base64.b64encode(bytes.fromhex(HEX)).decode()


class TestHmac(unittest.TestCase):
    def test_known_vector_hex(self):
        self.assertEqual(signatures.hmac_sha256_digest(KEY, MESSAGE, "hex"), HEX)

    def test_known_vector_base64_default(self):
        self.assertEqual(signatures.hmac_sha256_digest(KEY, MESSAGE), B64)

    def test_bytes_secret(self):
        self.assertEqual(signatures.hmac_sha256_digest(b"key", MESSAGE), B64)

    def test_unknown_encoding(self):
        with self.assertRaises(ValueError):
            signatures.hmac_sha256_digest(KEY, MESSAGE, "base32")

    def test_verify_valid(self):
        self.assertTrue(signatures.verify_hmac_sha256(KEY, MESSAGE, B64))
        self.assertTrue(signatures.verify_hmac_sha256(KEY, MESSAGE, HEX, "hex"))
        self.assertTrue(
            signatures.verify_hmac_sha256(KEY, MESSAGE, HEX.upper(), encoding="hex")
        )
        self.assertTrue(signatures.verify_hmac_sha256(KEY, MESSAGE, B64.encode()))

    def test_verify_prefix(self):
        self.assertTrue(
            signatures.verify_hmac_sha256(KEY, MESSAGE, "sha256=" + HEX, "hex")
        )
        self.assertTrue(signatures.verify_hmac_sha256(KEY, MESSAGE, "sha256=" + B64))

    def test_verify_rejects_wrong_signature_or_body(self):
        self.assertFalse(signatures.verify_hmac_sha256("other", MESSAGE, B64))
        self.assertFalse(signatures.verify_hmac_sha256(KEY, MESSAGE + b".", B64))
        self.assertFalse(signatures.verify_hmac_sha256(KEY, MESSAGE, HEX))
        self.assertFalse(signatures.verify_hmac_sha256(KEY, MESSAGE, "sha256="))

    def test_verify_never_raises(self):
        cases = [
            (None, MESSAGE, B64, "base64"),
            ("", MESSAGE, B64, "base64"),
            (KEY, MESSAGE, None, "base64"),
            (KEY, MESSAGE, "", "base64"),
            (KEY, MESSAGE, "sïgnature", "base64"),
            (KEY, MESSAGE, b"\xff\xfe", "base64"),
            ("kéy", MESSAGE, B64, "base64"),
            (KEY, MESSAGE, B64, "base32"),
            (KEY, None, B64, "base64"),
            (KEY, MESSAGE, 12345, "base64"),
        ]
        for secret, body, received, encoding in cases:
            with self.subTest(secret=secret, received=received, encoding=encoding):
                self.assertFalse(
                    signatures.verify_hmac_sha256(secret, body, received, encoding)
                )


class TestApiKeys(unittest.TestCase):
    def test_generate(self):
        first = signatures.generate_api_key()
        second = signatures.generate_api_key()
        self.assertNotEqual(first, second)
        self.assertGreaterEqual(len(first), 43)
        self.assertRegex(first, r"^[A-Za-z0-9_-]+$")

    def test_hash_format(self):
        stored = signatures.hash_api_key("my-key")
        scheme, salt, digest = stored.split("$")
        self.assertEqual(scheme, "sha256")
        self.assertRegex(salt, r"^[0-9a-f]{32}$")
        self.assertRegex(digest, r"^[0-9a-f]{64}$")
        self.assertNotIn("my-key", stored)

    def test_hash_is_salted(self):
        self.assertNotEqual(
            signatures.hash_api_key("my-key"), signatures.hash_api_key("my-key")
        )
        self.assertEqual(
            signatures.hash_api_key("my-key", salt="abc"),
            signatures.hash_api_key("my-key", salt="abc"),
        )

    def test_hash_rejects_bad_input(self):
        for key, salt in (("", None), (None, None), ("k", "a$b"), ("k", "")):
            with self.subTest(key=key, salt=salt), self.assertRaises(ValueError):
                signatures.hash_api_key(key, salt=salt)

    def test_verify(self):
        key = signatures.generate_api_key()
        stored = signatures.hash_api_key(key)
        self.assertTrue(signatures.verify_api_key(key, stored))
        self.assertFalse(signatures.verify_api_key(key + "x", stored))
        self.assertFalse(signatures.verify_api_key("", stored))
        self.assertFalse(signatures.verify_api_key(None, stored))

    def test_verify_malformed_stored(self):
        good = signatures.hash_api_key("k3y", salt="0011")
        self.assertTrue(signatures.verify_api_key("k3y", good))
        _scheme, salt, digest = good.split("$")
        for stored in (
            None,
            "",
            "k3y",
            f"md5${salt}${digest}",
            f"sha256$${digest}",
            f"sha256${salt}${digest[:-1]}",
            f"sha256${salt}${digest.upper()}",
            f"sha256${salt}${digest}$extra",
            f"sha256${salt}${'é' * 64}",
            12,
        ):
            with self.subTest(stored=stored):
                self.assertFalse(signatures.verify_api_key("k3y", stored))


class TestParseBearer(unittest.TestCase):
    def test_valid(self):
        self.assertEqual(signatures.parse_bearer("Bearer abc.def"), "abc.def")
        self.assertEqual(signatures.parse_bearer("bearer abc"), "abc")
        self.assertEqual(signatures.parse_bearer("  BEARER   abc  "), "abc")

    def test_invalid(self):
        for value in (None, "", "Bearer", "Bearer ", "Basic abc", "abc", "Bearer a b"):
            with self.subTest(value=value):
                self.assertIsNone(signatures.parse_bearer(value))
