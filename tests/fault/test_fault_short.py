"""The fault harness's short profile, run by ``make test``.

Starts its own Odoo servers (HTTP workers, the scheduler, the job runner)
on databases of its own (``fault_short_*``, cloned from a template
installed once by :class:`TestFaultShortProfile`), never the session's, and
loopback simulators in this process; each test is one scenario of
:mod:`.scenarios` at the sizes of :data:`.harness.SHORT` and asserts every
check it makes against the database. ``make fault`` runs the full profile.
"""

import logging
import shutil
import unittest

from .apis import schemathesis_apis
from .harness import SHORT, FaultDatabase, dropdb, workdir
from .scenarios import (
    connection_loss,
    duplicates,
    flash_sale,
    kill_workers,
    remote_faults,
)


class TestFaultShortProfile(unittest.TestCase):
    """Plain test case: no Odoo environment, the servers are processes."""

    profile = SHORT

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.workdir = workdir()
        cls.fdb = FaultDatabase(cls.profile, cls.workdir)
        # the simulators' access lines (werkzeug) stay out of the test log
        werkzeug = logging.getLogger("werkzeug")
        cls.addClassCleanup(werkzeug.setLevel, werkzeug.level)
        werkzeug.setLevel(logging.WARNING)
        cls.addClassCleanup(cls.drop_databases)
        cls.fdb.install()

    @classmethod
    def drop_databases(cls):
        for suffix in (
            "template",
            "duplicates",
            "kill",
            "postgres",
            "remote",
            "flash",
            "apis",
        ):
            dropdb(cls.profile.db(suffix))
        shutil.rmtree(cls.workdir, ignore_errors=True)

    def assert_scenario(self, result):
        self.assertTrue(result.ok, f"{result.text()}\nfailed: {result.failed()}")

    def test_duplicate_deliveries(self):
        self.assert_scenario(
            duplicates(self.profile, self.fdb, self.workdir, only=("shopify", "pos"))
        )

    def test_duplicate_3pl_confirmations(self):
        """Confirmations of deliveries of the same products validated at
        once: each job locks the quants it changes first, so that the others
        wait for it (no try spent, nothing logged) instead of colliding on
        their update."""
        self.assert_scenario(
            duplicates(self.profile, self.fdb, self.workdir, only=("3pl",))
        )

    def test_kill_runner_and_workers(self):
        self.assert_scenario(kill_workers(self.profile, self.fdb, self.workdir))

    def test_connection_loss(self):
        self.assert_scenario(connection_loss(self.profile, self.fdb, self.workdir))

    def test_remote_faults_and_outage(self):
        """The 3PL and Shopify failing a share of their calls (Shopify
        answering THROTTLED too), then both down while work is pushed to
        them: every request and fulfilment arrives once, no job fails or
        spends all its tries, both circuits open and close again; THROTTLED
        answers in a row leave the circuit closed (HTTP 200: an answer)."""
        result = remote_faults(self.profile, self.fdb, self.workdir)
        self.assert_scenario(result)
        self.assertGreater(result.figures["Shopify THROTTLED answers"], 0)
        for states in (
            result.figures["circuit states seen"],
            result.figures["Shopify circuit states seen"],
        ):
            self.assertIn("open", states)
            self.assertEqual(states[-1], "closed")
        self.assertNotIn(
            "open", result.figures["THROTTLED in a row"]["circuit states seen"]
        )

    def test_flash_sale(self):
        self.assert_scenario(flash_sale(self.profile, self.fdb, self.workdir))

    def test_schemathesis_against_the_pos_and_3pl_documents(self):
        self.assert_scenario(schemathesis_apis(self.profile, self.fdb, self.workdir))
