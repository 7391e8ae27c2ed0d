"""The intake's and the dispatcher's slice of ``retail.event``: storing a
delivery once (:meth:`_accept`, :meth:`_ingest`, the request's one
statement), queuing the jobs of stored events (:meth:`_enqueue`, one insert
for a batch) and the dispatcher cron that does it off the request."""

import json
import logging

import psycopg2

from odoo import api, models
from odoo.exceptions import ConcurrencyError
from odoo.tools import SQL

from odoo.addons.queue_job import delay as job_delay
from odoo.addons.queue_job.job import Job
from odoo.addons.queue_job.utils import must_run_without_delay

from ..services import correlation, dispatch_loop
from ..services.pg import short_transaction
from ..services.quiet_sql import expected_unique_violation
from .retail_event import (
    DISPATCH_BATCH,
    DISPATCH_CRON,
    DISPATCH_LOOP,
    DISPATCH_WAKER,
    JOB_WAITING_STATES,
    ORDINARY_BODY,
    _json_or_none,
)

_logger = logging.getLogger(__name__)


class RetailEvent(models.Model):
    _inherit = "retail.event"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # intake
    # ------------------------------------------------------------------
    @api.model
    def _accept(
        self,
        backend,
        *,
        topic,
        event_key,
        payload,
        headers,
        state="received",
        error=None,
        remote_ref=None,
        parent=None,
        origin="delivery",
        body_sha256=None,
        correlation_id=None,
    ):
        """Store a delivery once; return ``(event, created)``.

        ``remote_ref`` is the subject of the delivery (None: asked of the
        backend's :meth:`_retail_event_subject` from the payload; False:
        none), ``parent`` the batch event it belongs to, ``body_sha256`` the
        digest of the raw body received, ``correlation_id`` the delivery's
        (a new one when None).

        A delivery whose key is already stored is counted as a duplicate
        without touching the stored row (see :meth:`_count_duplicate`).
        Concurrent deliveries of the same key are serialised by the unique
        index: the loser counts itself as a duplicate of the winner.
        """
        Event = self.sudo()
        key_domain = [
            ("backend_model", "=", backend._name),
            ("backend_id", "=", backend.id),
            ("event_key", "=", event_key),
        ]
        existing = Event.search(key_domain, limit=1)
        if not existing and remote_ref is None:
            remote_ref = backend._retail_event_subject(topic, _json_or_none(payload))
        if not existing:
            vals = {
                "backend_model": backend._name,
                "backend_id": backend.id,
                "retail_backend_id": backend.retail_card_id.id,
                "company_id": backend.company_id.id,
                "source": backend._retail_source,
                "topic": topic,
                "event_key": event_key,
                "payload": payload,
                "headers": headers,
                "state": state,
                "error": error,
                "remote_ref": remote_ref or False,
                "parent_id": parent.id if parent else False,
                "origin": origin,
                "body_sha256": body_sha256 or False,
                "body_class": self._body_class(backend, topic)
                if body_sha256
                else False,
                "correlation_id": correlation_id or correlation.new_id(),
            }
            try:
                with self.env.cr.savepoint(), expected_unique_violation():
                    return Event.create(vals), True
            except psycopg2.errors.UniqueViolation:
                _logger.info(
                    "Delivery %s for %s was stored concurrently: counted as a "
                    "duplicate",
                    event_key,
                    backend._retail_key(),
                )
        event = Event.browse(self._count_duplicate(backend, event_key) or existing.ids)
        event.invalidate_recordset(["duplicate_count"])
        return event, False

    @api.model
    def _count_duplicate(self, backend, event_key):
        """Count one more delivery of a stored event; return its id.

        Runs in a short transaction of its own at READ COMMITTED (the stored
        row may have been committed after this request's snapshot) and only
        inserts into ``retail_event_duplicate``: the event's row is read,
        never locked, so a re-delivery answers at once while the event's job
        holds that row for its whole run.
        """

        def insert(cr):
            cr.execute(
                "INSERT INTO retail_event_duplicate (event_id, received_at)"
                " SELECT id, now() AT TIME ZONE 'UTC' FROM retail_event"
                " WHERE backend_model = %s AND backend_id = %s AND event_key = %s"
                " RETURNING event_id",
                (backend._name, backend.id, event_key),
            )
            row = cr.fetchone()
            return row[0] if row else None

        return short_transaction(self.env.registry.cursor, insert)

    @api.model
    def _body_class(self, backend, topic):
        """The class of a body delivered under ``topic`` (``body_class``).

        Only the backend's destructive topics (``_retail_destructive_topics``)
        have a class of their own: a body delivered under a destructive topic
        that was stored under another one, or the other way round, is a replay
        under a forged topic header. Senders may deliver the same document
        under several harmless topics (Shopify's orders/create and orders/paid
        of a paid order): those share one class and stay accepted.
        """
        return topic if topic in backend._retail_destructive_topics() else ORDINARY_BODY

    def _body_stored_under_other_topic(self, backend, body_sha256, topic):
        """The event holding a signed body now replayed under a forged topic
        header, if any (see :meth:`_body_class`; the exclusion constraint on
        ``body_class`` settles concurrent deliveries)."""
        if not backend._retail_destructive_topics():
            return self.browse()
        return self.sudo().search(
            [
                ("backend_model", "=", backend._name),
                ("backend_id", "=", backend.id),
                ("body_sha256", "=", body_sha256),
                ("body_class", "!=", self._body_class(backend, topic)),
            ],
            limit=1,
        )

    @api.model
    def _ingest(
        self,
        backend,
        *,
        topic,
        event_key,
        payload,
        headers,
        remote_ref,
        body_sha256,
        company_id=None,
        card_id=None,
        correlation_id=None,
    ):
        """Store a signed delivery once; ``(outcome, event id)``.

        The intake's hot path (see :mod:`..controllers.intake`). ``outcome``:

        - ``"accepted"``: stored (state received); the dispatcher queues its
          job (:meth:`_cron_dispatch`), woken after this transaction commits;
        - ``"duplicate"``: the key was already stored; the delivery is
          counted (``retail.event.duplicate``) without reading the stored row
          for update, so it never waits for the event's job;
        - ``"relabelled"``: the same body is stored under a topic of another
          class (:meth:`_body_class`); nothing is stored.

        ``company_id`` and ``card_id`` are the backend's, when the caller read
        them already; ``correlation_id`` is the delivery's (a new one when
        None), stored with it. A new delivery is one insert, which the unique
        key and the exclusion constraint on the body's class guard;
        only when it inserts nothing does a second statement count the
        duplicate or find the relabelled body. The commit
        wakes the dispatcher (``DISPATCH_WAKER``: a trigger and a
        notification per 0.2 s at most, from a thread). Two requests racing
        with the same key or body meet on the unique index or the exclusion
        constraint: the later one fails with a serialisation error, and Odoo
        replays its request, which then finds the first.
        """
        cr = self.env.cr
        if company_id is None:
            card_id, company_id = backend.retail_card_id.id, backend.company_id.id
        body_class = self._body_class(backend, topic)
        now = SQL("now() AT TIME ZONE 'UTC'")
        # a new delivery is this one insert (a statement with common table
        # expressions costs more to plan than to run). A key this snapshot
        # sees stored is not inserted at all: the unique index would wait
        # for the job updating that row. The unique key and the exclusion
        # constraint on the body's class keep out the rest; a race is a
        # serialisation failure Odoo replays, not an error
        cr.execute(
            SQL(
                """
                INSERT INTO retail_event (
                    backend_model, backend_id, retail_backend_id, company_id,
                    source, topic, origin, remote_ref, event_key, payload,
                    headers, received_at, state, attempts, body_sha256,
                    body_class, correlation_id, create_uid, create_date,
                    write_uid, write_date)
                SELECT %(model)s, %(backend)s, %(card)s, %(company)s,
                       %(source)s, %(topic)s, 'delivery', %(remote_ref)s,
                       %(key)s, %(payload)s, %(headers)s::jsonb, %(now)s,
                       'received', 0, %(sha)s, %(class)s, %(cid)s, %(uid)s,
                       %(now)s, %(uid)s, %(now)s
                 WHERE NOT EXISTS (
                        SELECT 1 FROM retail_event
                         WHERE backend_model = %(model)s
                           AND backend_id = %(backend)s
                           AND event_key = %(key)s)
                ON CONFLICT DO NOTHING
                RETURNING id
                """,
                now=now,
                model=backend._name,
                backend=backend.id,
                card=card_id or None,
                company=company_id or None,
                source=backend._retail_source,
                topic=topic,
                remote_ref=remote_ref or None,
                key=event_key,
                payload=payload,
                headers=json.dumps(headers),
                sha=body_sha256,
                cid=correlation_id or correlation.new_id(),
                uid=self.env.uid,
                **{"class": body_class},
            ),
            log_exceptions=False,
        )
        row = cr.fetchone()
        if row:
            cr.postcommit.add(lambda dbname=cr.dbname: DISPATCH_WAKER.wake(dbname))
            return "accepted", row[0]
        # the key is stored: counted as a duplicate (without reading the
        # stored row for update), unless the body is stored under another
        # topic's class
        cr.execute(
            SQL(
                """
                INSERT INTO retail_event_duplicate (event_id, received_at)
                SELECT e.id, %(now)s FROM retail_event e
                 WHERE e.backend_model = %(model)s AND e.backend_id = %(backend)s
                   AND e.event_key = %(key)s
                   AND NOT EXISTS (
                        SELECT 1 FROM retail_event r
                         WHERE r.backend_model = %(model)s
                           AND r.backend_id = %(backend)s
                           AND r.body_sha256 = %(sha)s
                           AND r.body_class <> %(class)s)
                RETURNING event_id
                """,
                now=now,
                model=backend._name,
                backend=backend.id,
                key=event_key,
                sha=body_sha256,
                **{"class": body_class},
            ),
            log_exceptions=False,
        )
        row = cr.fetchone()
        if row:
            return "duplicate", row[0]
        stored = self._body_stored_under_other_topic(backend, body_sha256, topic)
        if stored:
            return "relabelled", stored.id
        # the conflict was with a row this snapshot cannot see: Odoo replays
        # the request (a repeatable read transaction reports it as a
        # serialisation failure itself; this is the safety net)
        raise ConcurrencyError("a concurrent delivery stored the same key or body")

    def _enqueue(self, job_options=None):
        """Queue the processing job of each event (one job per event).

        Several events get their jobs in one insert; an event whose job is
        already waiting to run (same identity key) keeps that job.
        ``job_options`` memoises the options of each backend and flow (see
        :meth:`_job_options`): the dispatcher keeps one for its run.
        """
        if not self:
            return True
        if (
            len(self) == 1
            or job_delay.Job is not Job
            or must_run_without_delay(self.env)
        ):
            # one by one through with_delay(): what queue_job's test helpers
            # (trap_jobs, the no-delay mode) watch
            for event in self:
                event._enqueue_one()
            return True
        identity = {event: event._job_identity_key() for event in self}
        waiting = {
            job.identity_key: job.uuid
            for job in self.env["queue.job"]
            .sudo()
            .search_fetch(
                [
                    ("identity_key", "in", list(identity.values())),
                    ("state", "in", list(JOB_WAITING_STATES)),
                ],
                ["identity_key", "uuid"],
            )
        }
        options_of = {} if job_options is None else job_options
        jobs = {}
        for event in self:
            if identity[event] in waiting:
                continue
            jobs[event] = Job(
                event._retail_correlated()._process,
                identity_key=identity[event],
                description=event._job_description(),
                **event._job_options(options_of),
            )
        if jobs:
            queue_job = self.env["queue.job"]
            queue_job.with_context(
                _job_edit_sentinel=queue_job.EDIT_SENTINEL,
                # a new job logs nothing and has no followers (queue_job's
                # own creation asks the same): no chatter machinery at all
                tracking_disable=True,
            ).sudo().create([job._store_values(create=True) for job in jobs.values()])
        self._mark_queued(
            {
                event.id: jobs[event].uuid
                if event in jobs
                else waiting[identity[event]]
                for event in self
            }
        )
        return True

    def _mark_queued(self, job_uuids):
        """Record the job of each event (``{event id: job uuid}``), queued,
        in one statement for the batch (a write per event would be one
        statement each: each has a job of its own). No stored field depends
        on these columns."""
        events = self.browse(list(job_uuids))
        # a pending write of these columns must not land after this one
        events.flush_recordset(["state", "job_uuid", "write_uid", "write_date"])
        self.env.cr.execute(
            SQL(
                """UPDATE retail_event AS e
                      SET state = 'queued', job_uuid = v.uuid,
                          write_uid = %s, write_date = now() AT TIME ZONE 'UTC'
                     FROM (VALUES %s) AS v(id, uuid)
                    WHERE e.id = v.id""",
                self.env.uid,
                SQL(", ").join(
                    SQL("(%s, %s)", event_id, uuid)
                    for event_id, uuid in job_uuids.items()
                ),
            )
        )
        events.invalidate_recordset(["state", "job_uuid", "write_uid", "write_date"])

    def _enqueue_one(self):
        self.ensure_one()
        job = self.with_delay(
            identity_key=self._job_identity_key(),
            description=self._job_description(),
            **self._job_options({}),
        )._process()
        self.write(
            {"state": "queued", "job_uuid": getattr(job, "uuid", False) or False}
        )

    def _job_identity_key(self):
        return f"retail.event:{self.id}"

    def _retail_correlated(self):
        # an event's job runs as the work of the event's own id, which the
        # event holds (see _retail_job_correlation_id): its stored context
        # needs none, and a batch of jobs needs no environment per event
        if len(self) == 1 and self.correlation_id:
            return self
        return super()._retail_correlated()

    def _retail_job_correlation_id(self):
        if len(self) == 1 and self.correlation_id:
            return self.correlation_id
        return super()._retail_job_correlation_id()

    def _job_store_values(self, job):
        values = super()._job_store_values(job)
        if len(self) == 1 and self.correlation_id:
            values["retail_correlation_id"] = self.correlation_id
        return values

    def _job_description(self):
        return self.env._("Process %(event)s", event=self.display_name)

    def _job_options(self, cache):
        """The job options of the event's backend and flow, memoised in
        ``cache`` (a dict shared by the events of one batch)."""
        flow = "reconcile" if self.origin == "poll" else "inbound"
        key = (self.backend_model, self.backend_id, flow)
        if key not in cache:
            backend = self._get_backend()
            # no backend: the job function's channel, the job fails at once
            cache[key] = backend._retail_job_options(flow) if backend else {}
        return cache[key]

    # ------------------------------------------------------------------
    # dispatching (cron)
    # ------------------------------------------------------------------
    def _dispatch_soon(self):
        """Leave the jobs of these stored events (state received, no job) to
        the dispatcher, woken once this transaction commits: a request that
        stores many (a batch of tickets) answers without creating their
        queue_job rows. Returns the events."""
        if self:
            self.env.ref(DISPATCH_CRON).sudo()._trigger()
        return self

    @api.model
    def _retail_dispatch(self, limit=DISPATCH_BATCH, job_options=None):
        """Queue the jobs of up to ``limit`` stored, undispatched events,
        oldest first; the events queued (``job_options``: see
        :meth:`_enqueue`).

        Events another dispatcher is queuing are skipped (``SKIP LOCKED``):
        each event gets one job.
        """
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT id FROM retail_event
                WHERE state = 'received' AND job_uuid IS NULL
                ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED""",
            (limit,),
        )
        events = self.sudo().browse([row[0] for row in self.env.cr.fetchall()])
        events._enqueue(job_options)
        return events

    @api.model
    def _cron_dispatch(self, settings=DISPATCH_LOOP):
        """Turn stored deliveries into jobs (cron, woken by the intake).

        Run by the scheduler, the passes of :func:`~..services.dispatch_loop.
        run` are committed one by one until nothing is left for
        ``settings.linger`` seconds; a run under constant load ends after
        ``settings.max_seconds`` and triggers the next one, which starts at
        once. Called outside the scheduler (tests, shell), one pass. Returns
        how many events were queued.
        """
        if not self.env.context.get("ir_cron_progress_id"):
            return len(self._retail_dispatch(settings.batch_size))
        # a pass is committed on its own; the cron's progress is written
        # with one of them now and then, and at the end
        keep = dispatch_loop.ThrottledProgress(
            self._cron_step, self.env.cr.commit, settings.progress_every
        )
        # the channel of each backend's jobs, read once for the run (a
        # channel changed meanwhile applies from the next run, 20 s at most)
        job_options = {}
        count, ended = dispatch_loop.run(
            lambda: len(self._retail_dispatch(settings.batch_size, job_options)),
            keep,
            self.env.cr.rollback,
            settings,
        )
        if ended == dispatch_loop.HAND_OVER:
            # the next run starts as soon as this one ends
            self.env.ref(DISPATCH_CRON)._trigger()
        self._cron_step(keep.pending, remaining=0)
        return count
