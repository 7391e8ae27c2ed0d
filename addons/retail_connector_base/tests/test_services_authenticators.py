import unittest

from odoo.addons.retail_connector_base.services.authenticators import (
    ApiKeyAuthenticator,
    HmacAuthenticator,
)
from odoo.addons.retail_connector_base.services.signatures import (
    hash_api_key,
    hmac_sha256_digest,
)

BODY = b'{"id": 1}'


class TestHmacAuthenticator(unittest.TestCase):
    def test_base64_header(self):
        auth = HmacAuthenticator("X-Sig")
        good = {"X-Sig": hmac_sha256_digest("k", BODY)}
        self.assertTrue(auth.verify("k", BODY, good))
        self.assertFalse(auth.verify("other", BODY, good))
        self.assertFalse(auth.verify("k", BODY + b" ", good))
        self.assertFalse(auth.verify("k", BODY, {}))

    def test_hex_header(self):
        auth = HmacAuthenticator("X-Sig", encoding="hex")
        good = {"X-Sig": hmac_sha256_digest("k", BODY, encoding="hex")}
        self.assertTrue(auth.verify("k", BODY, good))
        base64_sig = {"X-Sig": hmac_sha256_digest("k", BODY)}
        self.assertFalse(auth.verify("k", BODY, base64_sig))

    def test_missing_secret_never_authenticates(self):
        auth = HmacAuthenticator("X-Sig")
        self.assertFalse(auth.verify(None, BODY, {"X-Sig": ""}))
        self.assertFalse(auth.verify("", BODY, {"X-Sig": hmac_sha256_digest("", BODY)}))

    def test_unknown_encoding_is_refused(self):
        with self.assertRaises(ValueError):
            HmacAuthenticator("X-Sig", encoding="base32")


class TestApiKeyAuthenticator(unittest.TestCase):
    def test_bearer(self):
        stored = hash_api_key("key-123")
        auth = ApiKeyAuthenticator()
        self.assertTrue(auth.verify(stored, BODY, {"Authorization": "Bearer key-123"}))
        self.assertFalse(auth.verify(stored, BODY, {"Authorization": "Bearer key-124"}))
        self.assertFalse(auth.verify(stored, BODY, {"Authorization": "Basic a2V5"}))
        self.assertFalse(auth.verify(None, BODY, {"Authorization": "Bearer key-123"}))

    def test_custom_header(self):
        stored = hash_api_key("key-123")
        auth = ApiKeyAuthenticator(header="X-Api-Key")
        self.assertTrue(auth.verify(stored, BODY, {"X-Api-Key": " key-123 "}))
        self.assertFalse(auth.verify(stored, BODY, {"Authorization": "Bearer key-123"}))
