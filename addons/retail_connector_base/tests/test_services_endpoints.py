import unittest

from ..services.endpoints import endpoint_problem, host_allowed


class TestEndpoints(unittest.TestCase):
    def test_https_on_an_allowed_host(self):
        self.assertIsNone(
            endpoint_problem("https://a.example.com/api", ["a.example.com"])
        )
        self.assertIsNone(endpoint_problem("https://x.example.com", ["*.example.com"]))

    def test_refused(self):
        allowed = ["shop.myshopify.com"]
        for url, reason in (
            ("http://shop.myshopify.com", "only https"),
            ("https://169.254.169.254/latest", "not allowed"),
            ("https://shop.myshopify.com.evil.example", "not allowed"),
            ("https://user:pw@shop.myshopify.com", "credentials"),
            ("file:///etc/passwd", "http(s)"),
            ("gopher://shop.myshopify.com", "http(s)"),
            ("https://shop.myshopify.com:abc", "valid URL"),
            ("", "http(s)"),
        ):
            with self.subTest(url=url):
                self.assertIn(reason, endpoint_problem(url, allowed) or "")

    def test_simulators_may_use_any_host(self):
        self.assertIsNone(
            endpoint_problem("http://127.0.0.1:8999", allow_any_host=True)
        )
        self.assertIn("http(s)", endpoint_problem("ftp://h", allow_any_host=True))

    def test_wildcard_is_for_sub_domains(self):
        self.assertFalse(host_allowed("example.com", ["*.example.com"]))
        self.assertFalse(host_allowed("badexample.com", ["*.example.com"]))
        self.assertTrue(host_allowed("A.Example.com.", ["*.example.com"]))
