import logging

from .common import SECRET, TOKEN, RetailTestCase


class TestLogRedaction(RetailTestCase):
    """Secrets are masked in what any logger writes, not only the clients'."""

    def log(self, message, *args, logger="odoo.addons.retail_connector_test.models"):
        with self.assertLogs(logger, level=logging.WARNING) as logs:
            logging.getLogger(logger).warning(message, *args)
        return logs.output[0]

    def test_backend_secrets_are_written_redacted(self):
        line = self.log("calling with token %s and secret %s", TOKEN, SECRET)
        self.assertNotIn(TOKEN, line)
        self.assertNotIn(SECRET, line)
        self.assertIn("calling with token *** and secret ***", line)

    def test_bearer_token_is_written_redacted(self):
        line = self.log(
            "sent Authorization: Bearer %s", "abc.DEF-123_xyz", logger="odoo"
        )
        self.assertNotIn("abc.DEF-123_xyz", line)
        self.assertIn("Bearer ***", line)

    def test_a_new_secret_is_redacted_once_saved(self):
        self.backend.write({"access_token": "rotated-token-7f3a9c"})
        line = self.log("token is %s", "rotated-token-7f3a9c", logger="requests")
        self.assertNotIn("rotated-token-7f3a9c", line)

    def test_traceback_is_written_redacted(self):
        logger = logging.getLogger("odoo.addons.retail_connector_base")
        with self.assertLogs(logger, level=logging.ERROR) as logs:
            try:
                raise RuntimeError(f"remote refused {TOKEN}")
            except RuntimeError:
                logger.exception("call failed")
        self.assertIn("RuntimeError: remote refused ***", logs.output[0])
        self.assertNotIn(TOKEN, logs.output[0])
