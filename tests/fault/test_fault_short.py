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

import pytest

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

    @pytest.mark.xfail(
        reason="known bug: 3PL confirmations validated at once collide on "
        "their quants (ERROR logged, tries spent); the collision is a race",
        strict=False,
    )
    def test_duplicate_3pl_confirmations(self):
        """Known bug: confirmations of deliveries of the same products
        validated at once collide on their quants (``could not serialize
        access`` logged at ERROR by ``odoo.sql_db``, a try of the job spent
        each time); with 1,000 confirmations some jobs spend all their
        tries. Every delivery is still validated once."""
        self.assert_scenario(
            duplicates(self.profile, self.fdb, self.workdir, only=("3pl",))
        )

    def test_kill_runner_and_workers(self):
        self.assert_scenario(kill_workers(self.profile, self.fdb, self.workdir))

    def test_connection_loss(self):
        self.assert_scenario(connection_loss(self.profile, self.fdb, self.workdir))

    def test_remote_faults_and_outage(self):
        self.assert_scenario(remote_faults(self.profile, self.fdb, self.workdir))

    def test_flash_sale(self):
        self.assert_scenario(flash_sale(self.profile, self.fdb, self.workdir))

    @pytest.mark.xfail(
        reason="known bug: the 3PL message route answered 500 to 5 of 40 "
        "generated bodies (under investigation)",
        strict=False,
    )
    def test_schemathesis_against_the_pos_and_3pl_documents(self):
        self.assert_scenario(schemathesis_apis(self.profile, self.fdb, self.workdir))
