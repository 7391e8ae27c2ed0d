"""Test helpers shared by the connectors' tests.

A connector's ``tests/common.py`` says once how its tests make a backend and
how its remote signs and labels a delivery; its tests then inherit users, a
backend, deliveries (stored directly, or posted to the intake route over
HTTP) and, for the tests that need real commits, a harness that runs
transactions at the same time.

- :class:`RemoteAdapterTestMixin`: outgoing HTTP reaches the transport
  adapter mounted on the client's session (``responses``, a simulator),
  never the network.
- :class:`ConnectorTestMixin`: the connector's hooks (``_setup_backend``,
  headers, signing secret, intake route) and the delivery helpers
  (``store_event``, ``deliver``, ``events``, ``post_delivery``,
  ``post_body``).
- :class:`ConnectorTransactionCase`, :class:`ConnectorHttpCase`: the fixture
  made once per class: ``backend``, ``user`` (retail user), ``manager``
  (retail manager), ``Event``, ``Exception`` and ``Binding``.
- :class:`CommittedTransactionCase`: tests whose transactions really commit
  (concurrent deliveries, short transactions), the removal of what they
  committed, and the concurrency harness: ``run_concurrently``,
  ``race_holding_the_commit``, ``race_after_a_snapshot``,
  ``process_committed`` and the two races of event processing.
- :class:`ConnectorCommittedCase`: the same with the connector's backend
  (``create_backend``) and ``deliver_concurrently`` / ``process_concurrently``.

Example of a connector's ``tests/common.py``::

    from odoo.addons.retail_connector_base.tests.common import (
        ConnectorCommittedCase,
        ConnectorHttpCase,
        ConnectorTestMixin,
        ConnectorTransactionCase,
    )

    SECRET = "acme-webhook-secret"


    class AcmeTestMixin(ConnectorTestMixin):
        login_prefix = "acme"
        binding_model = "acme.partner.binding"
        intake_route = "/retail/acme/webhook/{backend.id}"
        topic_header = "X-Acme-Topic"
        event_key_header = "X-Acme-Event-Id"
        signature_header = "X-Acme-Signature"
        signing_secret = SECRET
        signature_encoding = "hex"

        @classmethod
        def _setup_backend(cls, env, **values):
            return env["acme.backend"].create(
                {"name": "Acme", "state": "active", "webhook_secret": SECRET, **values}
            )


    class AcmeTestCase(AcmeTestMixin, ConnectorTransactionCase):
        pass


    class AcmeHttpCase(AcmeTestMixin, ConnectorHttpCase):
        pass


    class AcmeCommittedCase(AcmeTestMixin, ConnectorCommittedCase):
        pass

Example of usage in a test::

    class TestPartnerImport(AcmeTestCase):
        def test_upsert_creates_the_partner(self):
            event = self.deliver("partner/upsert", {"id": "P-1"}, process=True)
            self.assertEqual(event.state, "done")


    @tagged("post_install", "-at_install")
    class TestWebhook(AcmeHttpCase):
        def test_signed_delivery_is_stored_and_queued(self):
            with trap_jobs() as trap:
                response = self.post_delivery("partner/upsert", {"id": "P-1"})
                self.assertEqual(response.status_code, 200, response.text)
                trap.assert_jobs_count(1, only=self.events()._process)
            # a wrong signature (``headers``, ``body`` and ``path`` also
            # replace what the helper would send)
            response = self.post_delivery("partner/upsert", {"id": 1}, signature="x")
            self.assertEqual(response.status_code, 401)


    class TestConcurrentImports(AcmeCommittedCase):
        def setUp(self):
            super().setUp()
            with self.committed_env() as env:
                # removed after the test, with its events and exceptions
                self.backend = backend = self.create_backend(env)
                self.event_ids = [
                    self.deliver("partner/upsert", {"id": "P-1"}, key=key,
                                 backend=backend).id
                    for key in ("k1", "k2")
                ]

        def test_same_key_delivered_at_once_is_stored_once(self):
            outcome = self.deliver_concurrently(
                self.backend, [("partner/upsert", {"id": "P-2"}, "same")] * 4
            )
            self.assertFalse(outcome.errors, outcome.errors)
            self.assertEqual(sorted(c for _id, c in outcome.values()),
                             [False, False, False, True])

        def test_second_worker_waits_for_the_lock(self):
            outcome = self.race_while_the_first_holds_the_lock(*self.event_ids)
            self.assertFalse(outcome.errors, outcome.errors)
            self.assertTrue(outcome["first"].startswith("done"), outcome)
            self.assertEqual(outcome["second"], "retry")
            self.assertTrue(outcome["retry"].startswith("ignored"), outcome)

A race's callables take the environment of their own transaction and return
what the test wants to compare; what they raise is kept in
``outcome.errors`` under the same name, so a test asserts on both.
"""

import json
import threading
import time
from contextlib import contextmanager
from urllib.parse import urlsplit

from requests.adapters import HTTPAdapter

from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.tests import BaseCase, HttpCase, TransactionCase, new_test_user
from odoo.tests.common import get_db_name

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.tests.common import trap_jobs

from ..services.signatures import hmac_sha256_digest

LOCAL_HOSTS = ("127.0.0.1", "localhost")
_NETWORK_SEND = HTTPAdapter.send

#: seconds a race waits for each of its transactions
RACE_TIMEOUT = 30
#: seconds after which a transaction still running is taken as blocked
BLOCK_PROBE = 0.5


def backend_domain(backend):
    """Domain of the events and sync exceptions of ``backend``."""
    return [("backend_model", "=", backend._name), ("backend_id", "=", backend.id)]


class RemoteAdapterTestMixin:
    """Let calls to a remote reach the session's transport adapter.

    Odoo's test cases refuse every outgoing HTTP request. Connector tests
    replace the transport instead: `responses` or a simulator adapter mounted
    on the client's session answer, and an unregistered URL fails, so
    nothing ever leaves the host. Calls to the test server itself go through
    Odoo's own handler.
    """

    @classmethod
    def _request_handler(cls, session, request, **kwargs):
        adapter = session.get_adapter(request.url)
        to_network = type(adapter) is HTTPAdapter and HTTPAdapter.send is _NETWORK_SEND
        if urlsplit(request.url).hostname in LOCAL_HOSTS or to_network:
            # the test server, or a real network call Odoo's handler refuses
            return super()._request_handler(session, request, **kwargs)
        adapter_kwargs = {
            key: kwargs[key]
            for key in ("stream", "timeout", "verify", "cert", "proxies")
            if key in kwargs
        }
        return adapter.send(request, **adapter_kwargs)


class ConnectorTestMixin(RemoteAdapterTestMixin):
    """What a connector tells the test helpers, and the delivery helpers.

    A connector's ``tests/common.py`` subclasses it once, overriding
    :meth:`_setup_backend` and the class attributes below; the helpers work
    on ``self.backend`` unless given another backend (of any environment,
    e.g. one of a committed transaction).
    """

    #: test users are ``<login_prefix>_user`` and ``<login_prefix>_manager``
    login_prefix = "retail"
    #: model exposed as ``Binding`` by the fixture (optional)
    binding_model = None
    #: the connector's webhook route, formatted with ``backend``
    intake_route = None
    #: headers naming a delivery's topic and key, and carrying its signature
    topic_header = None
    event_key_header = None
    signature_header = None
    #: HMAC-SHA256 secret and digest encoding (``base64`` or ``hex``) of
    #: :meth:`sign`; the backend made by :meth:`_setup_backend` must use it
    signing_secret = None
    signature_encoding = "base64"
    #: key of a delivery made without one
    default_event_key = "evt-1"

    @classmethod
    def _setup_backend(cls, env, **values):
        """Create and return the connector's test backend in ``env``.

        ``values`` override the connector's defaults (name, domain, options).
        """
        raise NotImplementedError(
            f"{cls.__name__} must create the connector's test backend in "
            "_setup_backend(env, **values)"
        )

    @classmethod
    def setup_connector(cls):
        """The class fixture: backend, users and model shortcuts."""
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.backend = cls._setup_backend(cls.env)
        cls.Event = cls.env["retail.event"]
        cls.Exception = cls.env["retail.sync.exception"]
        if cls.binding_model:
            cls.Binding = cls.env[cls.binding_model]
        cls.user = new_test_user(
            cls.env,
            login=f"{cls.login_prefix}_user",
            groups="base.group_user,retail_connector_base.group_retail_user",
        )
        cls.manager = new_test_user(
            cls.env,
            login=f"{cls.login_prefix}_manager",
            groups="base.group_user,retail_connector_base.group_retail_manager",
        )

    @classmethod
    def sign(cls, body):
        """The signature the connector's remote puts on ``body``."""
        if not cls.signing_secret:
            raise NotImplementedError(
                f"{cls.__name__} signs nothing: set signing_secret or override sign()"
            )
        return hmac_sha256_digest(cls.signing_secret, body, cls.signature_encoding)

    def _delivery_headers(self, topic, key):
        """Further headers the remote sends with every delivery (hook)."""
        return {}

    # -- deliveries stored directly -------------------------------------
    def store_event(self, topic, payload, *, key=None, headers=None, backend=None):
        """Store a delivery as the intake controller does; ``(event, created)``.

        ``payload`` is JSON-encoded unless it already is text; ``headers``
        default to the topic header alone.
        """
        backend = backend if backend is not None else self.backend
        if headers is None:
            headers = {self.topic_header: topic} if self.topic_header else {}
        if not isinstance(payload, str):
            payload = json.dumps(payload)
        return backend.env["retail.event"]._accept(
            backend,
            topic=topic,
            event_key=key or self.default_event_key,
            payload=payload,
            headers=headers,
        )

    def deliver(self, topic, payload, *, key=None, backend=None, process=False):
        """Store a delivery and return its event, processed with ``process``
        as its job would process it."""
        event, _created = self.store_event(topic, payload, key=key, backend=backend)
        if process:
            event._process()
        return event

    def events(self, key=None, *, backend=None):
        """The stored events of the backend, or the one of ``key``."""
        backend = backend if backend is not None else self.backend
        domain = backend_domain(backend)
        if key:
            domain.append(("event_key", "=", key))
        return backend.env["retail.event"].search(domain)

    # -- deliveries over HTTP (HttpCase) ---------------------------------
    def post_delivery(
        self,
        topic,
        payload=None,
        *,
        key=None,
        body=None,
        signature=None,
        headers=None,
        path=None,
        backend=None,
        dispatch=True,
    ):
        """Post a signed delivery to the intake route; return the response.

        ``body`` replaces the JSON of ``payload`` (malformed documents),
        ``signature`` the computed one, ``headers`` add to or replace the
        delivery's headers, ``path`` the intake route; ``dispatch``: see
        :meth:`post_body`.
        """
        body = body if body is not None else json.dumps(payload).encode()
        key = key or self.default_event_key
        all_headers = {"Content-Type": "application/json"}
        if self.topic_header:
            all_headers[self.topic_header] = topic
        if self.event_key_header:
            all_headers[self.event_key_header] = key
        all_headers.update(self._delivery_headers(topic, key))
        if self.signature_header:
            all_headers[self.signature_header] = (
                signature if signature is not None else self.sign(body)
            )
        all_headers.update(headers or {})
        return self.post_body(
            body, all_headers, path=path, backend=backend, dispatch=dispatch
        )

    def post_body(self, body, headers, *, path=None, backend=None, dispatch=True):
        """Post ``body`` with exactly ``headers`` to the intake route (a
        delivery signed elsewhere, e.g. by a simulator); return the response.

        The test environment is invalidated afterwards: the request wrote
        through a cursor of its own. With ``dispatch``, the dispatcher then
        queues the jobs of what the request stored, as the cron woken by
        the request's commit does (the test transaction never commits).
        """
        if path is None:
            path = self.intake_route.format(
                backend=backend if backend is not None else self.backend
            )
        response = self.url_open(path, data=body, headers=headers)
        self.env.invalidate_all()
        if dispatch:
            self.env["retail.event"]._retail_dispatch()
        return response


class ConnectorTransactionCase(ConnectorTestMixin, TransactionCase):
    """A connector's model and job tests, on the class fixture.

    The registry is put in test mode first: rate limiters and circuit
    breakers, which use cursors of their own, then stay inside the test
    transaction, so every test starts from a clean state.
    """

    registry_test_mode = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.registry_test_mode:
            cls.registry_enter_test_mode_cls()
        cls.setup_connector()


class ConnectorHttpCase(ConnectorTestMixin, HttpCase):
    """A connector's HTTP tests (intake route, health), on the class fixture."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.setup_connector()


class Outcome(dict):
    """What the transactions of a race returned, by name.

    ``errors`` holds, by the same names, what they raised instead (a
    ``TimeoutError`` for one still running when the race gave up on it);
    ``blocked`` the names of those found waiting on another transaction.
    """

    def __init__(self):
        super().__init__()
        self.errors = {}
        self.blocked = set()

    def __repr__(self):
        return f"Outcome({dict(self)!r}, errors={self.errors!r})"


def process_outcome(env, event_id):
    """Process an event as its job would; ``"retry"`` when the job would be
    postponed (its transaction is rolled back), else ``"<state>: <result>"``."""
    event = env["retail.event"].browse(event_id)
    try:
        result = event._process()
    except RetryableJobError:
        env.cr.rollback()
        return "retry"
    return f"{event.state}: {result}"


class CommittedTransactionCase(BaseCase):
    """Tests whose transactions really commit, as job workers' do.

    No test transaction wraps them: each transaction is a cursor of the
    registry, committed when it ends. What a test commits is removed after
    it by the cleanups it registers (``add_committed_cleanup``,
    ``create_committed``), the last registered running first.

    The jobs they queue are trapped (``self.jobs``, queue_job's
    ``trap_jobs``): a committed job row would be run by the test server's
    job runner meanwhile, against remotes no test set up. A test that needs
    the rows sets ``trap_committed_jobs = False`` (and removes its jobs
    before it commits them).
    """

    trap_committed_jobs = True

    def setUp(self):
        super().setUp()
        self.registry = Registry(get_db_name())
        self.jobs = self.enterContext(trap_jobs()) if self.trap_committed_jobs else None

    # -- transactions ----------------------------------------------------
    @staticmethod
    def superuser_env(cr):
        """The superuser environment of a cursor the test opened itself."""
        return api.Environment(cr, SUPERUSER_ID, {})

    @contextmanager
    def committed_env(self):
        """A superuser environment on a new cursor, committed at the end of
        the block (rolled back if it raises)."""
        with self.registry.cursor() as cr:
            yield self.superuser_env(cr)

    def in_transaction(self, func, *, after_snapshot=None, before_commit=None):
        """``func(env)`` in a transaction of its own, committed; its result.

        ``after_snapshot()`` runs once the transaction has its snapshot
        (before ``func``), ``before_commit()`` after ``func``: the points
        where a race makes the other transaction wait or run.
        """
        with self.committed_env() as env:
            if after_snapshot:
                env.cr.execute("SELECT 1")  # the transaction's snapshot starts here
                after_snapshot()
            result = func(env)
            if before_commit:
                before_commit()
            return result

    def add_committed_cleanup(self, func, *args):
        """Run ``func(env, *args)`` in a committed transaction after the test."""
        self.addCleanup(lambda: self.in_transaction(lambda env: func(env, *args)))

    def create_committed(self, env, model, values):
        """Create records in ``env``'s transaction; remove them after the test."""
        records = env[model].create(values)
        self.add_committed_cleanup(
            lambda cleanup_env: records.with_env(cleanup_env).exists().unlink()
        )
        return records

    @staticmethod
    def remove_backend(env, backend):
        """Remove a backend with the events and sync exceptions it has."""
        backend = backend.with_env(env)
        domain = backend_domain(backend)
        env["retail.sync.exception"].search(domain).unlink()
        env["retail.event"].search(domain).unlink()
        backend.exists().unlink()

    # -- running transactions at once ------------------------------------
    def _start(self, outcome, name, target, *, started=None):
        def run():
            try:
                outcome[name] = target()
            except Exception as exc:  # noqa: BLE001 - reported in the outcome
                outcome.errors[name] = exc
            finally:
                if started is not None:
                    # a transaction that fails early releases who waits on it
                    started.set()

        thread = threading.Thread(
            target=run, name=f"{self._testMethodName}:{name}", daemon=True
        )
        thread.start()
        return thread

    @staticmethod
    def _join(outcome, threads, timeout):
        deadline = time.monotonic() + timeout
        for name, thread in threads.items():
            thread.join(max(0.0, deadline - time.monotonic()))
            if thread.is_alive():
                outcome.errors[name] = TimeoutError(
                    f"{name} was still running after {timeout} s"
                )

    def run_concurrently(self, targets, *, timeout=RACE_TIMEOUT, start_together=True):
        """Run callables in threads at once; an :class:`Outcome` by name.

        ``targets`` is a dict of callables by name or a list (named by
        index). With ``start_together`` every thread starts its callable
        once all are ready. A callable opens whatever transaction it needs
        (see :meth:`in_transaction`).
        """
        if not isinstance(targets, dict):
            targets = dict(enumerate(targets))
        barrier = threading.Barrier(len(targets)) if start_together else None

        def ready(target):
            def run():
                if barrier is not None:
                    barrier.wait(timeout)
                return target()

            return run

        outcome = Outcome()
        threads = {
            name: self._start(outcome, name, ready(target))
            for name, target in targets.items()
        }
        self._join(outcome, threads, timeout)
        return outcome

    def race_holding_the_commit(
        self, first, second, *, second_blocks=False, timeout=RACE_TIMEOUT
    ):
        """``first(env)`` does its work, then waits before committing while
        ``second(env)`` runs in another transaction; ``first`` commits once
        ``second`` is done or, with ``second_blocks``, found waiting.

        ``outcome.blocked`` holds ``"second"`` when it was still running
        (after ``BLOCK_PROBE`` seconds with ``second_blocks``, else after
        ``timeout``).
        """
        holding, release = threading.Event(), threading.Event()
        outcome = Outcome()

        def hold():
            holding.set()
            release.wait(timeout)

        threads = {
            "first": self._start(
                outcome,
                "first",
                lambda: self.in_transaction(first, before_commit=hold),
                started=holding,
            )
        }
        holding.wait(timeout)
        threads["second"] = self._start(
            outcome, "second", lambda: self.in_transaction(second)
        )
        threads["second"].join(BLOCK_PROBE if second_blocks else timeout)
        if threads["second"].is_alive():
            outcome.blocked.add("second")
        release.set()
        self._join(outcome, threads, timeout)
        return outcome

    def race_after_a_snapshot(self, first, second, *, timeout=RACE_TIMEOUT):
        """``second(env)``'s transaction takes its snapshot, then waits while
        ``first(env)`` runs and commits: ``second`` runs on data that does
        not show what ``first`` committed (REPEATABLE READ, as Odoo runs)."""
        snapshot_taken, first_done = threading.Event(), threading.Event()
        outcome = Outcome()

        def wait_for_first():
            snapshot_taken.set()
            first_done.wait(timeout)

        threads = {
            "second": self._start(
                outcome,
                "second",
                lambda: self.in_transaction(second, after_snapshot=wait_for_first),
                started=snapshot_taken,
            )
        }
        snapshot_taken.wait(timeout)
        threads["first"] = self._start(
            outcome, "first", lambda: self.in_transaction(first)
        )
        threads["first"].join(timeout)
        first_done.set()
        self._join(outcome, threads, timeout)
        return outcome

    # -- processing events at once ---------------------------------------
    def process_committed(self, event_id, *, after_snapshot=None, before_commit=None):
        """Process one event in its own transaction; see :func:`process_outcome`."""
        return self.in_transaction(
            lambda env: process_outcome(env, event_id),
            after_snapshot=after_snapshot,
            before_commit=before_commit,
        )

    def race_while_the_first_holds_the_lock(self, first_id, second_id):
        """The second delivery is processed while the first one, done but
        not yet committed, holds the lock; then the job runner retries the
        second (``"retry"`` in the outcome)."""
        outcome = self.race_holding_the_commit(
            lambda env: process_outcome(env, first_id),
            lambda env: process_outcome(env, second_id),
        )
        outcome["retry"] = self.process_committed(second_id)
        return outcome

    def race_with_a_snapshot_before_the_commit(self, first_id, second_id):
        """The second delivery's transaction starts before the first one
        commits, and runs after it: the lock is free, the data invisible;
        then the job runner retries the second (``"retry"``)."""
        outcome = self.race_after_a_snapshot(
            lambda env: process_outcome(env, first_id),
            lambda env: process_outcome(env, second_id),
        )
        outcome["retry"] = self.process_committed(second_id)
        return outcome

    def process_concurrently(self, event_ids, *, timeout=RACE_TIMEOUT):
        """Process events in threads at once, each in its own transaction;
        an :class:`Outcome` of :func:`process_outcome` by index."""
        return self.run_concurrently(
            [
                lambda event_id=event_id: self.process_committed(event_id)
                for event_id in event_ids
            ],
            timeout=timeout,
        )


class ConnectorCommittedCase(ConnectorTestMixin, CommittedTransactionCase):
    """Committed transactions on the connector's backend.

    A connector's case combines it with its :class:`ConnectorTestMixin`;
    there is no class fixture: each test makes its backend in a committed
    transaction with :meth:`create_backend`.
    """

    def create_backend(self, env, **values):
        """The connector's backend in ``env``'s transaction (see
        ``_setup_backend``); removed after the test, with its events and
        sync exceptions."""
        backend = self._setup_backend(env, **values)
        self.add_committed_cleanup(self.remove_backend, backend)
        return backend

    def deliver_concurrently(self, backend, deliveries, *, timeout=RACE_TIMEOUT):
        """Store deliveries at once, each in its own transaction, as
        concurrent requests to the intake route do.

        ``deliveries`` are ``(topic, payload, key)``; the :class:`Outcome`
        holds ``(event id, created)`` by index.
        """

        def store(env, topic, payload, key):
            event, created = self.store_event(
                topic, payload, key=key, backend=backend.with_env(env)
            )
            return event.id, created

        return self.run_concurrently(
            [
                lambda delivery=delivery: self.in_transaction(
                    lambda env: store(env, *delivery)
                )
                for delivery in deliveries
            ],
            timeout=timeout,
        )
