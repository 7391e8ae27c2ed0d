import hashlib
import hmac
import unittest

from odoo.addons.retail_3pl.services import signing

SECRET = "whsec-test"
BODY = b'{"message_id":"m-1"}'
NOW = 1_780_000_000


class TestSigning(unittest.TestCase):
    def test_signature_is_hmac_of_timestamp_dot_body(self):
        expected = hmac.new(
            SECRET.encode(), f"{NOW}.".encode() + BODY, hashlib.sha256
        ).hexdigest()
        self.assertEqual(signing.sign(SECRET, BODY, NOW), f"t={NOW},v1={expected}")

    def test_verify_accepts_its_own_signature(self):
        header = signing.sign(SECRET, BODY, NOW)
        self.assertTrue(signing.verify(SECRET, BODY, header, now=NOW))

    def test_window_is_five_minutes_each_way(self):
        header = signing.sign(SECRET, BODY, NOW)
        self.assertTrue(signing.verify(SECRET, BODY, header, now=NOW + 300))
        self.assertTrue(signing.verify(SECRET, BODY, header, now=NOW - 300))
        # a replay of a captured request later, or a clock far ahead
        self.assertFalse(signing.verify(SECRET, BODY, header, now=NOW + 301))
        self.assertFalse(signing.verify(SECRET, BODY, header, now=NOW - 301))

    def test_other_body_secret_or_timestamp_fail(self):
        header = signing.sign(SECRET, BODY, NOW)
        self.assertFalse(signing.verify(SECRET, BODY + b" ", header, now=NOW))
        self.assertFalse(signing.verify("other", BODY, header, now=NOW))
        forged = header.replace(f"t={NOW}", f"t={NOW + 1}")
        self.assertFalse(signing.verify(SECRET, BODY, forged, now=NOW))

    def test_one_of_several_signatures_is_enough(self):
        good = signing.signature(SECRET, BODY, NOW)
        header = f"t={NOW},v1={'0' * 64},v1={good}"
        self.assertTrue(signing.verify(SECRET, BODY, header, now=NOW))

    def test_malformed_headers_are_refused_without_error(self):
        good = signing.signature(SECRET, BODY, NOW)
        for header in (
            None,
            "",
            good,
            f"v1={good}",
            f"t={NOW}",
            f"t=abc,v1={good}",
            f"t={NOW},t={NOW},v1={good}",
            f"t={NOW},v1={good[:-1]}",
            f"t={NOW},v1={good}z",
            f"t=-{NOW},v1={good}",
            f"t={NOW},v1={good}," + "x" * 2000,
            f"t=\u0661\u0662,v1={good}",
        ):
            with self.subTest(header=header):
                self.assertFalse(signing.verify(SECRET, BODY, header, now=NOW))

    def test_empty_secret_never_verifies(self):
        header = signing.sign("", BODY, NOW)
        self.assertFalse(signing.verify("", BODY, header, now=NOW))
        self.assertFalse(signing.verify(None, BODY, header, now=NOW))

    def test_uppercase_hex_is_accepted(self):
        header = f"t={NOW},v1={signing.signature(SECRET, BODY, NOW).upper()}"
        self.assertTrue(signing.verify(SECRET, BODY, header, now=NOW))

    def test_authenticator_reads_the_header_and_its_clock(self):
        authenticator = signing.RetailSignatureAuthenticator(clock=lambda: NOW + 10)
        header = signing.sign(SECRET, BODY, NOW)
        self.assertTrue(authenticator.verify(SECRET, BODY, {signing.HEADER: header}))
        self.assertFalse(authenticator.verify(SECRET, BODY, {}))
        late = signing.RetailSignatureAuthenticator(clock=lambda: NOW + 600)
        self.assertFalse(late.verify(SECRET, BODY, {signing.HEADER: header}))
