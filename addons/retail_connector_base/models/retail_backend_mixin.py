import logging
from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError
from odoo.tools import str2bool

from odoo.addons.queue_job.exception import RetryableJobError

from ..services import correlation, endpoints, errors, locks, wait_keys
from ..services.circuit_breaker import CircuitBreaker, PgCircuit
from ..services.redaction import register_secrets
from ..services.token_bucket import PgTokenBucket, leased
from .base import traced

#: backend model -> the stored fields its intake routes read for every
#: delivery (``controllers/intake.py`` registers them); each worker caches
#: them per backend until one of them is written
INTAKE_FIELDS = {}

_logger = logging.getLogger(__name__)

MANAGER_GROUP = "retail_connector_base.group_retail_manager"
#: system parameter: backends may call http URLs of any host (simulators,
#: tests and demos only)
ALLOW_SIMULATORS_PARAM = "retail_connector_base.allow_simulator_endpoints"
#: system parameter: comma-separated hosts (``*.example.com`` allowed) a
#: backend's configurable base URL may name
ALLOWED_HOSTS_PARAM = "retail_connector_base.allowed_endpoint_hosts"
# the flows a job belongs to; each has a sub-channel of the backend's channel
JOB_FLOWS = ("inbound", "outbound", "reconcile")
#: most tokens of the inbound limit one process takes from the shared bucket
INBOUND_MAX_LEASE = 50


class RetailBackendMixin(models.AbstractModel):
    """What every connector backend has: state, ownership, limits, health.

    Adding a connector, the checklist (``retail_connector_test`` is the
    smallest whole example, ``retail_shopify`` the largest):

    **The backend.** A model inheriting this mixin (``shopify.backend``,
    ``retail.pos.store`` ...) with ``_retail_source`` (short name stored on
    events and exceptions) and ``_retail_channel_xmlid`` (its job channel,
    with the sub-channels ``inbound``, ``outbound`` and ``reconcile`` declared
    in its ``data/queue_job_data.xml``). Credentials are fields with
    ``groups=MANAGER_GROUP``, listed by :meth:`_retail_secrets` so that they
    never reach logs or errors. Large backends are split into files named
    ``<connector>_backend_<object>.py`` that ``_inherit`` the backend, each
    with its inbound, outbound and reconciliation sections.

    **Hooks it implements** (as Odoo's delivery carriers do):

    - :meth:`_retail_test_connection`: call the remote, return a message;
    - inbound: a thin controller on ``controllers.intake.WebhookIntake``;
      :meth:`_retail_event_subject` names what a delivery is about;
      :meth:`_retail_process_event` dispatches to
      ``_<connector>_handle_<topic>(event)``; a handler raises an error with
      ``waits_for`` keys to hold the delivery until what it needs exists
      (``services.wait_keys``), releases the keys it provides with
      ``retail.event._release``, and answers :meth:`_retail_wait_satisfied`
      for its own kinds of key; batches fan out with ``event._spawn``;
    - outbound: ``_retail_export_<kind>()``, queued by
      :meth:`_retail_schedule_export` (one pending job per backend and kind),
      usually one call of ``retail.binding.mixin._retail_export_batch``; the
      job function is declared with ``on_fail_method``
      ``_retail_on_export_failed``; stock is published by a model on
      ``retail.stock.level.mixin`` (the base's single ``stock.move`` hook
      notifies it) with locations on ``retail.location.mixin``;
    - reconciliation: the sync run hooks of ``retail.sync.run.mixin``
      (``_retail_run_kinds``, ``_retail_run_fetch_page``,
      ``_retail_run_import_item``, and where the checkpoint lives), started
      by ``_retail_run_cron(kind)`` from a cron and
      ``_retail_run_action_start(kind)`` from a button;
    - importing: bindings on ``retail.binding.mixin`` written inside
      ``_retail_importing()`` (no echo back out); partners, addresses,
      products, pricelists through ``retail.import.helper``; taxes through a
      mapping on ``retail.tax.mapping.mixin``; amounts with
      ``services.money``; payloads validated with ``services.validation``.

    **Calls out** go through a client in ``services/`` with the backend's
    :meth:`_retail_rate_limiter`, :meth:`_retail_circuit` and
    :meth:`_retail_http_journal` (the journal of remote calls; the client
    sends the running correlation id as ``X-Request-Id`` to a remote that
    accepts one); jobs are queued with :meth:`_retail_job_options` for their
    flow and carry the correlation id of what queued them (``models.base``).
    Errors are those of ``services.errors``: transient ones retry, permanent
    ones become sync exceptions (:meth:`_retail_raise_exception`).

    **Messages**: exception messages are plain English, never translated:
    identical open exceptions are merged by a fingerprint of their message.
    Hints (``hint=``), which say what a person does next, are translated
    (``self.env._(...)``), like every text shown in the interface.

    **Tests and demo**: a simulator of the remote on ``simulator/`` of the
    base, tests on the case classes of ``tests/common.py`` of the base.
    """

    _name = "retail.backend.mixin"
    _description = "Retail Connector Backend"
    _inherit = ["mail.thread", "mail.activity.mixin", "retail.sync.run.mixin"]
    _order = "sequence, name, id"
    _check_company_auto = True

    # the job channel created for this kind of backend, e.g. "root.retail.shopify":
    # its jobs run in the sub-channel of their flow (root.retail.shopify.inbound)
    _retail_channel_xmlid = "retail_connector_base.channel_retail"
    # short name of the connector, stored on events and exceptions
    _retail_source = "generic"
    _retail_traced_jobs = True

    name = fields.Char(required=True, tracking=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True, tracking=True)
    company_id = fields.Many2one(
        "res.company",
        required=True,
        default=lambda self: self.env.company,
        tracking=True,
        index=True,
    )
    state = fields.Selection(
        [
            ("draft", "Draft"),
            ("active", "Active"),
            ("paused", "Paused"),
            ("error", "Error"),
        ],
        default="draft",
        required=True,
        tracking=True,
        help="Only active backends run jobs. Signed deliveries are stored "
        "whatever the state and processed once the backend is active again.",
    )
    state_message = fields.Char(
        readonly=True, help="Why the backend is in error or paused."
    )
    user_id = fields.Many2one(
        "res.users",
        string="Responsible",
        default=lambda self: self.env.user,
        tracking=True,
        help="Receives an activity for every new sync exception.",
    )
    job_channel_id = fields.Many2one(
        "queue.job.channel",
        default=lambda self: self._default_job_channel(),
        tracking=True,
        help="Parent channel of the jobs of this backend: each job runs in the "
        "sub-channel of its flow (inbound, outbound or reconcile), e.g. "
        "root.retail.shopify.inbound. Their capacities are set in the Odoo "
        "configuration (queue_job channels); give a backend a channel of its own "
        "to set capacities for it alone.",
    )
    # outbound limits
    rate_limit_capacity = fields.Integer(
        string="Burst (requests)",
        default=40,
        tracking=True,
        help="Requests that may be sent at once before throttling.",
    )
    rate_limit_per_second = fields.Float(
        string="Sustained rate (requests/s)",
        default=2.0,
        tracking=True,
    )
    circuit_threshold = fields.Integer(
        string="Circuit breaker threshold",
        default=5,
        tracking=True,
        help="Consecutive transient failures after which calls stop and jobs "
        "are postponed until a probe succeeds.",
    )
    circuit_cooldown = fields.Integer(
        string="Circuit breaker cooldown (s)", default=60, tracking=True
    )
    # inbound limits
    inbound_rate_limit = fields.Integer(
        string="Inbound limit (deliveries/min)",
        default=20000,
        tracking=True,
        help="Deliveries accepted per minute (with a burst of as many) before "
        "answering 429 with Retry-After. It protects against abuse, not load: "
        "keep it well above the busiest minute a sale may bring (senders such "
        "as Shopify retry a refused delivery a few times, then may remove the "
        "subscription).",
    )
    inbound_max_bytes = fields.Integer(
        string="Max delivery size (bytes)",
        default=1024 * 1024,
        tracking=True,
        help="Larger deliveries are answered 413 and never read past this "
        "size; at most 16 MiB whatever is set here.",
    )
    retail_card_id = fields.Many2one(
        "retail.backend",
        string="Dashboard card",
        readonly=True,
        copy=False,
        index="btree_not_null",
    )
    # dashboard counters
    event_count_24h = fields.Integer(compute="_compute_retail_counters")
    event_failed_count = fields.Integer(compute="_compute_retail_counters")
    exception_open_count = fields.Integer(compute="_compute_retail_counters")
    oldest_pending_age = fields.Integer(
        string="Oldest pending (min)", compute="_compute_retail_counters"
    )
    circuit_state = fields.Selection(
        [("closed", "Closed"), ("open", "Open"), ("half_open", "Probing")],
        compute="_compute_circuit_state",
    )

    _rate_limit_positive = models.Constraint(
        "CHECK (rate_limit_capacity > 0 AND rate_limit_per_second > 0 "
        "AND circuit_threshold > 0 AND circuit_cooldown >= 0 "
        "AND inbound_rate_limit > 0 AND inbound_max_bytes > 0)",
        "Rate limits, sizes and circuit breaker settings must be positive.",
    )

    @api.model
    def _default_job_channel(self):
        return self.env.ref(self._retail_channel_xmlid, raise_if_not_found=False)

    # ------------------------------------------------------------------
    # counters
    # ------------------------------------------------------------------
    def _retail_domain(self):
        return [("backend_model", "=", self._name), ("backend_id", "in", self.ids)]

    def _compute_retail_counters(self):
        Event = self.env["retail.event"].sudo()
        Exc = self.env["retail.sync.exception"].sudo()
        since = fields.Datetime.now() - timedelta(hours=24)
        base = self._retail_domain()
        recent = dict(
            Event._read_group(
                base + [("received_at", ">=", since)], ["backend_id"], ["__count"]
            )
        )
        failed = dict(
            Event._read_group(
                base + [("state", "=", "failed")], ["backend_id"], ["__count"]
            )
        )
        pending = dict(
            Event._read_group(
                base + [("state", "in", ("received", "queued", "processing"))],
                ["backend_id"],
                ["received_at:min"],
            )
        )
        open_exc = dict(
            Exc._read_group(
                base + [("state", "=", "open")], ["backend_id"], ["__count"]
            )
        )
        now = fields.Datetime.now()
        for backend in self:
            backend.event_count_24h = recent.get(backend.id, 0)
            backend.event_failed_count = failed.get(backend.id, 0)
            backend.exception_open_count = open_exc.get(backend.id, 0)
            oldest = pending.get(backend.id)
            backend.oldest_pending_age = (
                int((now - oldest).total_seconds() // 60) if oldest else 0
            )

    def _compute_circuit_state(self):
        keys = {backend: f"circuit:{backend._name}:{backend.id}" for backend in self}
        self.env.cr.execute(
            "SELECT key, state FROM retail_circuit WHERE key IN %s",
            (tuple(keys.values()) or ("",),),
        )
        states = dict(self.env.cr.fetchall())
        for backend, key in keys.items():
            backend.circuit_state = states.get(key) or "closed"

    # ------------------------------------------------------------------
    # shared helpers for connectors
    # ------------------------------------------------------------------
    def _retail_key(self):
        self.ensure_one()
        return f"{self._name}:{self.id}"

    def _retail_cursor_factory(self):
        # a short transaction of its own: the state survives a job rollback
        return self.env.registry.cursor

    def _retail_rate_limiter(self):
        self.ensure_one()
        return PgTokenBucket(
            self._retail_cursor_factory(),
            f"out:{self._retail_key()}",
            capacity=self.rate_limit_capacity,
            refill_per_second=self.rate_limit_per_second,
        )

    def _retail_inbound_limiter(self, per_minute=None):
        """The shared bucket of the inbound limit (``per_minute``: the
        limit when the caller read it already)."""
        self.ensure_one()
        if per_minute is None:
            per_minute = self.inbound_rate_limit
        return PgTokenBucket(
            self._retail_cursor_factory(),
            f"in:{self._retail_key()}",
            capacity=per_minute,
            refill_per_second=per_minute / 60.0,
        )

    def _retail_inbound_tokens(self, per_minute=None):
        """This process's tokens of the inbound limit (the intake's limiter).

        Taken from the shared bucket a tenth of a second's worth at a time
        (at most 50, at least 1), so that the intake spends a transaction
        on the limit once per lease, not per request; a limit below 600 per
        minute leases one token at a time, exactly as the shared bucket.
        """
        bucket = self._retail_inbound_limiter(per_minute)
        lease = max(1, min(INBOUND_MAX_LEASE, int(bucket.refill_per_second / 10)))
        return leased(bucket, lease=lease)

    def _retail_circuit(self):
        self.ensure_one()
        return PgCircuit(
            self._retail_cursor_factory(),
            f"circuit:{self._retail_key()}",  # read back in _compute_circuit_state
            CircuitBreaker(
                threshold=self.circuit_threshold, cooldown=float(self.circuit_cooldown)
            ),
        )

    def _retail_secrets(self):
        """Values that must never appear in logs or errors (override)."""
        return []

    def _retail_http_journal(self):
        """The ``journal`` of this backend's HTTP client: each request that
        left becomes a ``retail.remote.call`` row, written when the running
        trace ends (at once outside of one)."""
        self.ensure_one()
        backend = self.sudo()
        RemoteCall = self.env["retail.remote.call"].sudo()

        def journal(entry):
            row = RemoteCall._retail_journal_row(backend, entry)
            trace = correlation.current()
            if trace is not None and trace.on_exit is not None:
                trace.add_call(row)
            else:
                RemoteCall._retail_journal_write([row])

        return journal

    def _retail_job_channel(self, flow):
        """Complete name of the channel of this backend's jobs of ``flow``."""
        self.ensure_one()
        if flow not in JOB_FLOWS:
            raise ValueError(f"Unknown job flow {flow!r}: use one of {JOB_FLOWS}")
        # job channels are readable by queue managers only; a retail user
        # pressing a button still queues the job on the backend's channel
        parent = self.sudo().job_channel_id[:1] or self._default_job_channel()
        return f"{parent.sudo().complete_name if parent else 'root.retail'}.{flow}"

    def _retail_job_options(self, flow, **kwargs):
        """Options of ``with_delay()`` for a job of ``flow``, then ``kwargs``.

        ``flow`` is ``"inbound"``, ``"outbound"`` or ``"reconcile"``: the
        channel follows from it, never from the backend alone, so a slow
        export never waits behind a backlog of deliveries.
        """
        self.ensure_one()
        if "channel" in kwargs:
            raise TypeError("The channel of a retail job follows from its flow.")
        return {"channel": self._retail_job_channel(flow), **kwargs}

    def _retail_is_accepting(self):
        self.ensure_one()
        return self.active and self.state == "active"

    def _retail_open_exceptions(self, domain=()):
        """The open sync exceptions of these backends matching ``domain``."""
        return (
            self.env["retail.sync.exception"]
            .sudo()
            .search(
                [
                    ("backend_model", "=", self._name),
                    ("backend_id", "in", self.ids),
                    ("state", "=", "open"),
                    *domain,
                ]
            )
        )

    def _retail_raise_exception(self, **values):
        """Record a sync exception on this backend (merged while open)."""
        self.ensure_one()
        values.update(backend_model=self._name, backend_id=self.id)
        return self.env["retail.sync.exception"].sudo()._record(values)

    # ------------------------------------------------------------------
    # outbound: one coalescing job per backend and kind
    # ------------------------------------------------------------------
    def _retail_schedule_export(self, kind):
        """Queue the export of everything of ``kind`` marked for sending.

        One pending job per backend and kind (identity key): a thousand
        changes in a minute make one job that sends them in batches.
        """
        for backend in self:
            if not backend._retail_is_accepting():
                continue
            backend.with_delay(
                identity_key=f"retail.export:{backend._retail_key()}:{kind}",
                description=self.env._(
                    "Export %(kind)s to %(backend)s",
                    kind=kind,
                    backend=backend.display_name,
                ),
                **backend._retail_job_options("outbound"),
            )._retail_export_job(kind)

    @traced
    def _retail_export_job(self, kind):
        """Send what is marked for export (queued job).

        The connector implements ``_retail_export_<kind>()``: it records the
        permanent failures of single records itself and lets transient errors
        through, which postpone the whole job (see :meth:`_retail_retry_job`:
        a wait, such as the previous export still running, spends no tries).
        """
        self.ensure_one()
        if not self._retail_is_accepting():
            return self.env._("Backend not active: nothing sent.")
        export = getattr(self, f"_retail_export_{kind}")
        try:
            # a job queued while the previous one still runs waits for it
            locks.advisory_lock(
                self.env.cr, self._retail_key(), f"export:{kind}", retry_after=10
            )
            return export()
        except Exception as exc:
            kind_of_error = errors.classify(exc)
            if kind_of_error == "transient":
                exc = self._retail_retry_job(
                    exc, f"The export of {kind} to {self.display_name}"
                )
            elif kind_of_error != "permanent":
                raise
            self._retail_raise_exception(
                flow="outbound",
                category=exc.category,
                message=str(exc),
                hint=exc.hint or self.env._("Correct the cause, then press Retry."),
                job_uuid=self.env.context.get("job_uuid"),
            )
            return self.env._("Failed: %(error)s", error=str(exc))

    def _retail_on_export_failed(self, exc_name=None, exc_message=None, exc_info=None):
        """queue_job hook: an export job failed for good (fresh transaction)."""
        for backend in self.exists():
            job = (
                self.env["queue.job"]
                .sudo()
                .search(
                    [
                        (
                            "identity_key",
                            "=like",
                            f"retail.export:{backend._retail_key()}:%",
                        ),
                        ("state", "=", "failed"),
                    ],
                    order="date_created desc, id desc",
                    limit=1,
                )
            )
            backend._retail_raise_exception(
                flow="outbound",
                category="unexpected",
                message=self.env._(
                    "The export to %(backend)s failed: %(error)s",
                    backend=backend.display_name,
                    error=exc_message,
                ),
                hint=self.env._(
                    "If the remote system was unreachable, press Retry once it is "
                    "back; otherwise send the job's traceback to your integrator."
                ),
                job_uuid=job.uuid,
            )

    def _retail_retry_job(self, exc, label, since=None):
        """Postpone the running job for the transient ``exc``, or stop waiting.

        A failure (network, 5xx) raises RetryableJobError, which spends one
        of the job's tries. A wait (:func:`~..services.errors.is_waiting`: a
        rate limit, an open circuit, a lock ...)
        raises it without spending any, until the waiting deadline
        (ir.config_parameter ``retail_connector_base.waiting_deadline_hours``)
        counted from when the running job was queued, or from ``since`` when
        no job runs; then the :class:`~..services.errors.WaitedTooLongError`
        naming ``label`` is returned, for the caller to record. The delay is
        the error's Retry-After, capped (never a year).
        """
        self.ensure_one()
        seconds = errors.job_delay(exc)
        if not errors.is_waiting(exc):
            raise RetryableJobError(str(exc), seconds=seconds) from exc
        job_uuid = self.env.context.get("job_uuid")
        job = (
            self.env["queue.job"].sudo().search([("uuid", "=", job_uuid)], limit=1)
            if job_uuid
            else self.env["queue.job"]
        )
        started = job.date_created or since
        deadline = errors.waiting_deadline(
            self.env["ir.config_parameter"]
            .sudo()
            .get_param(errors.WAITING_DEADLINE_PARAM)
        )
        if errors.wait_expired(started, fields.Datetime.now(), deadline):
            return errors.waited_too_long(label, exc, deadline)
        raise RetryableJobError(str(exc), seconds=seconds, ignore_retry=True) from exc

    # ------------------------------------------------------------------
    # hooks implemented by each connector
    # ------------------------------------------------------------------
    def _retail_test_connection(self):
        """Check the remote answers with these credentials; return a message.

        Raise a :class:`~..services.errors.RetailError` when it does not.
        """
        raise UserError(
            self.env._(
                "The connector of %(backend)s cannot test its connection.",
                backend=self.display_name,
            )
        )

    def _retail_process_event(self, event):
        """Process one inbound event; return the resulting record or False.

        Raise TransientError to retry later, PermanentError for a sync
        exception; call ``event._mark_ignored(reason)`` to ignore it.
        """
        raise errors.MappingError(
            f"No handler for topic {event.topic!r} on {self.display_name}",
            hint="Upgrade the connector module or disable this subscription.",
        )

    def _retail_destructive_topics(self):
        """Topics whose processing erases or disables something: a signed body
        stored under another topic is refused under these (a replay with a
        forged topic header)."""
        return ()

    def _retail_event_subject(self, topic, payload):
        """The remote object a delivery of ``topic`` is about, or None.

        Stored as the event's subject (``remote_ref``) when it is accepted,
        so that the events about an object are found without reading
        payloads. ``payload`` is the parsed JSON (None when not JSON).
        """
        return None

    def _retail_metrics_freshness(self):
        """``[(backend label, flow, seconds since its last success)]`` of
        these backends' own flows, for ``/retail/metrics`` (deliveries and
        sync runs are counted by the base); ``backend label`` is
        ``"<model>:<id>"``."""
        return []

    def _retail_metrics_kpis(self):
        """``[(name, value)]``: today's business figures of this backend,
        for ``/retail/metrics``."""
        self.ensure_one()
        return []

    def _retail_describe_wait(self, key):
        """What ``key`` waits for, in words (a connector adds its kinds)."""
        return wait_keys.describe(key)

    def _retail_wait_satisfied(self, key):
        """Whether what a held delivery waits for (``key``) exists now.

        True or False for the kinds of key the backend knows, None for the
        others. The base knows the product keys of
        :func:`~..services.wait_keys.product_keys`; a connector extends it
        for its own kinds and calls super().
        """
        self.ensure_one()
        for kind, field in (("sku", "default_code"), ("barcode", "barcode")):
            prefix = wait_keys.make("product", kind, "x")[:-1]
            if key.startswith(prefix):
                domain = [
                    (field, "=", key[len(prefix) :]),
                    ("company_id", "in", (False, self.company_id.id)),
                ]
                Product = self.env["product.product"].sudo()
                return bool(
                    Product.with_context(active_test=False).search_count(
                        domain, limit=1
                    )
                )
        return None

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    @api.model
    def _retail_endpoint_problem(self, url, allowed_hosts=()):
        """Why the base URL ``url`` may not be called, or None.

        https and a host of ``allowed_hosts`` (the connector's own, e.g. the
        shop's domain) or of the ``allowed_endpoint_hosts`` parameter only,
        unless ``allow_simulator_endpoints`` is set.
        """
        get = self.env["ir.config_parameter"].sudo().get_param
        hosts = [*allowed_hosts, *(get(ALLOWED_HOSTS_PARAM) or "").split(",")]
        allow_any = str2bool(get(ALLOW_SIMULATORS_PARAM) or "0", False)
        return endpoints.endpoint_problem(url, hosts, allow_any_host=allow_any)

    @api.model
    def _retail_check_endpoint(self, url, allowed_hosts=()):
        """Raise a ValidationError when ``url`` may not be called."""
        problem = url and self._retail_endpoint_problem(url, allowed_hosts)
        if problem:
            raise ValidationError(
                self.env._(
                    "%(url)s cannot be called: %(problem)s. Use the remote's "
                    "https address; a system administrator allows other hosts "
                    "with the parameter %(param)s.",
                    url=url,
                    problem=problem,
                    param=ALLOWED_HOSTS_PARAM,
                )
            )

    def _retail_check_remote_access(self):
        """Refuse an action with a remote effect to who cannot edit the backend.

        Every action that calls the remote (or lets calls through again)
        calls it first, before any request leaves.
        """
        self.check_access("write")

    def action_test_connection(self):
        self.ensure_one()
        self._retail_check_remote_access()
        try:
            message = self._retail_test_connection()
        except errors.RetailError as exc:
            self.write({"state": "error", "state_message": str(exc)[:250]})
            self.message_post(
                body=self.env._("Connection test failed: %(error)s", error=str(exc))
            )
            return self._retail_notify(
                self.env._("Connection failed"), str(exc), "danger"
            )
        vals = {"state_message": False}
        if self.state in ("draft", "error"):
            vals["state"] = "active"
        self.write(vals)
        self.message_post(
            body=self.env._("Connection test succeeded: %(msg)s", msg=message)
        )
        return self._retail_notify(self.env._("Connection works"), message, "success")

    def action_activate(self):
        self.write({"state": "active", "state_message": False})

    def action_pause(self):
        self.write({"state": "paused"})

    def action_reset_circuit(self):
        self._retail_check_remote_access()
        for backend in self:
            backend._retail_circuit().reset()
            backend.message_post(body=self.env._("Circuit breaker closed by hand."))

    def _retail_action(self, model, name, extra_domain=None):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": name,
            "res_model": model,
            "view_mode": "list,form",
            "domain": self._retail_domain()[:1]
            + [("backend_id", "=", self.id)]
            + (extra_domain or []),
        }

    def action_open_events(self):
        return self._retail_action("retail.event", self.env._("Events"))

    def action_open_failed_events(self):
        return self._retail_action(
            "retail.event", self.env._("Failed events"), [("state", "=", "failed")]
        )

    def action_open_exceptions(self):
        return self._retail_action(
            "retail.sync.exception",
            self.env._("Open exceptions"),
            [("state", "=", "open")],
        )

    @api.model
    def _retail_notify(self, title, message, kind):
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": title,
                "message": message,
                "type": kind,
                "sticky": kind == "danger",
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    # ------------------------------------------------------------------
    # dashboard card index
    # ------------------------------------------------------------------
    def _register_hook(self):
        res = super()._register_hook()
        if not self._abstract:
            # a process serves a few backends: the first thousand are plenty
            self.sudo().with_context(active_test=False).search(
                [], limit=1000
            )._retail_register_secrets()
        return res

    def _retail_register_secrets(self):
        """Mask these backends' secrets in every log record of the process."""
        for backend in self:
            register_secrets(backend._retail_secrets())

    @api.model_create_multi
    def create(self, vals_list):
        records = super().create(vals_list)
        self.env["retail.backend"].sudo()._sync_from(records)
        records._retail_register_secrets()
        return records

    def write(self, vals):
        res = super().write(vals)
        if INTAKE_FIELDS.get(self._name, frozenset()).intersection(vals):
            # every worker reads these again at its next request
            self.env.registry.clear_cache()
        if any(self._fields[name].groups for name in vals if name in self._fields):
            self._retail_register_secrets()
        if {"name", "company_id", "active", "state", "sequence"} & set(vals):
            self.env["retail.backend"].sudo()._sync_from(self)
        return res

    def unlink(self):
        self.env["retail.backend"].sudo()._drop_for(self)
        if self._name in INTAKE_FIELDS:
            self.env.registry.clear_cache()
        return super().unlink()
