"""The scheduled maintenance of ``retail.event``: retention in batches,
the re-queue of stalled events and the release of held ones whose wait is
provided."""

import logging
from datetime import datetime, timedelta

from odoo import api, fields, models
from odoo.fields import Domain

from .retail_event import (
    PERSONAL_EXPORT_PREFIX,
    REQUEUE_AFTER,
    REQUEUE_BATCH,
    RETENTION_BATCH,
    RETENTION_PARAMS,
)

_logger = logging.getLogger(__name__)


class RetailEvent(models.Model):
    _inherit = "retail.event"  # pylint: disable=consider-merging-classes-inherited

    # ------------------------------------------------------------------
    # crons
    # ------------------------------------------------------------------
    @api.model
    def _retention_days(self, key):
        """The retention period of ``key`` (see RETENTION_PARAMS), in days."""
        param, default = RETENTION_PARAMS[key]
        value = self.env["ir.config_parameter"].sudo().get_param(param, default)
        try:
            return int(value or 0)
        except ValueError:
            return default

    @api.model
    def _cron_step(self, done, remaining=None):
        """Commit a step of a cron run; the seconds left to it.

        Run by the scheduler, the step is committed and counted in the cron's
        progress (a run out of time is picked up again at once); called
        otherwise (tests, shell), nothing is committed.
        """
        if not self.env.context.get("ir_cron_progress_id"):
            return float("inf")
        return self.env["ir.cron"]._commit_progress(done, remaining=remaining)

    @api.model
    def _cron_retention(self, batch_size=RETENTION_BATCH):
        """Delete what is kept long enough, in batches; the number deleted.

        - processed events (done, ignored) after ``event_retention_days``;
        - failed events ``failed_event_retention_days`` after their last
          failure, once none of their exceptions is open;
        - resolved and ignored sync exceptions after
          ``exception_retention_days``;
        - personal data exports attached to a backend (a backend model names
          them with ``_retail_personal_export_prefix``) after
          ``personal_export_retention_days``;
        - the journal of remote calls after ``remote_call_retention_days``.

        An event that is held (waits for something), pending, has an open
        exception or units not deleted yet is never deleted. A period of 0
        keeps that kind forever. Run by the scheduler, each batch is
        committed; a run out of time resumes where it stopped.
        """
        now = fields.Datetime.now()
        limits = {
            key: now - timedelta(days=days)
            for key in RETENTION_PARAMS
            if (days := self._retention_days(key)) > 0
        }
        steps = [
            ("events", self._retention_events_batch),
            ("exceptions", self._retention_exceptions_batch),
            ("exports", self._retention_exports_batch),
            ("remote_calls", self._retention_remote_calls_batch),
        ]
        counts = dict.fromkeys((name for name, _batch in steps), 0)
        self._cron_step(0, remaining=self._retention_due_count(limits))
        for name, batch in steps:
            while True:
                deleted = batch(limits, batch_size)
                counts[name] += deleted
                if not deleted:
                    break
                if self._cron_step(deleted) <= 0:
                    # out of time: the scheduler runs it again for the rest
                    self._cron_step(0, remaining=self._retention_due_count(limits))
                    return self._retention_log(counts)
        self._cron_step(0, remaining=0)
        return self._retention_log(counts)

    @api.model
    def _retention_log(self, counts):
        total = sum(counts.values())
        if total:
            _logger.info(
                "Retail retention: deleted %(events)s events, %(exceptions)s sync "
                "exceptions, %(exports)s personal data exports and "
                "%(remote_calls)s journaled remote calls",
                counts,
            )
        return total

    @api.model
    def _retention_events_where(self, limits):
        """SQL condition (and its parameters) of the events due for deletion."""
        states = []
        params = []
        if "processed" in limits:
            states.append("(e.state IN ('done', 'ignored') AND e.received_at < %s)")
            params.append(limits["processed"])
        if "failed" in limits:
            # a failed event counts from its last failure
            states.append(
                "(e.state = 'failed' AND COALESCE(e.processed_at, e.received_at) < %s)"
            )
            params.append(limits["failed"])
        if not states:
            return None, []
        where = f"""({" OR ".join(states)})
            AND NOT EXISTS (SELECT 1 FROM retail_event_wait w WHERE w.event_id = e.id)
            AND NOT EXISTS (
                SELECT 1 FROM retail_sync_exception x
                WHERE x.event_id = e.id AND x.state = 'open'
            )
            AND NOT EXISTS (SELECT 1 FROM retail_event c WHERE c.parent_id = e.id)"""
        return where, params

    @api.model
    def _retention_due_count(self, limits):
        """How many rows the retention has to delete (its progress)."""
        count = 0
        where, params = self._retention_events_where(limits)
        self.env.flush_all()
        if where:
            self.env.cr.execute(
                f"SELECT count(*) FROM retail_event e WHERE {where}",  # noqa: S608
                params,
            )
            count += self.env.cr.fetchone()[0]
        if "exceptions" in limits:
            count += (
                self.env["retail.sync.exception"]
                .sudo()
                .search_count(self._retention_exceptions_domain(limits))
            )
        if "exports" in limits:
            count += (
                self.env["ir.attachment"]
                .sudo()
                .search_count(self._retention_exports_domain(limits))
            )
        if "remote_calls" in limits:
            count += (
                self.env["retail.remote.call"]
                .sudo()
                .search_count([("called_at", "<", limits["remote_calls"])])
            )
        return count

    @api.model
    def _retention_events_batch(self, limits, batch_size):
        """Delete one batch of the events due, oldest first (SQL)."""
        where, params = self._retention_events_where(limits)
        if not where:
            return 0
        self.env.flush_all()
        # rows another transaction is working on are left for the next run
        # the batch is chosen once (a CTE with FOR UPDATE is materialised):
        # an IN (subquery) may be run again by the plan, each run skipping
        # other rows, and delete more than a batch
        self.env.cr.execute(
            f"""WITH due AS (
                    SELECT e.id FROM retail_event e WHERE {where}
                    ORDER BY e.received_at, e.id LIMIT %s
                    FOR UPDATE SKIP LOCKED
                )
                DELETE FROM retail_event WHERE id IN (SELECT id FROM due)
                RETURNING id""",  # noqa: S608
            [*params, batch_size],
        )
        deleted = self.env.cr.rowcount
        if deleted:
            self.env.invalidate_all()
        return deleted

    @api.model
    def _retention_exceptions_domain(self, limits):
        return [
            ("state", "in", ("resolved", "ignored")),
            ("last_seen", "<", limits["exceptions"]),
        ]

    @api.model
    def _retention_exceptions_batch(self, limits, batch_size):
        """Delete one batch of the closed exceptions due (with their chatter)."""
        if "exceptions" not in limits:
            return 0
        exceptions = (
            self.env["retail.sync.exception"]
            .sudo()
            .search(
                self._retention_exceptions_domain(limits),
                order="last_seen, id",
                limit=batch_size,
            )
        )
        count = len(exceptions)
        exceptions.unlink()
        return count

    @api.model
    def _retention_exports_domain(self, limits):
        """The personal data exports due: attachments of a backend model that
        names them with ``_retail_personal_export_prefix``."""
        exports = [
            Domain("res_model", "=", model) & Domain("name", "=like", f"{prefix}%")
            for model in self.env.registry.descendants(
                ["retail.backend.mixin"], "_inherit"
            )
            if not self.env[model]._abstract
            and (prefix := getattr(self.env[model], PERSONAL_EXPORT_PREFIX, ""))
        ]
        return Domain("create_date", "<", limits["exports"]) & Domain.OR(exports)

    @api.model
    def _retention_exports_batch(self, limits, batch_size):
        """Delete one batch of the personal data exports due."""
        if "exports" not in limits:
            return 0
        exports = (
            self.env["ir.attachment"]
            .sudo()
            .search(
                self._retention_exports_domain(limits),
                order="create_date, id",
                limit=batch_size,
            )
        )
        count = len(exports)
        exports.unlink()
        return count

    @api.model
    def _retention_remote_calls_batch(self, limits, batch_size):
        """Delete one batch of the journaled remote calls due (SQL)."""
        if "remote_calls" not in limits:
            return 0
        self.env.cr.execute(
            """DELETE FROM retail_remote_call WHERE id IN (
                    SELECT id FROM retail_remote_call WHERE called_at < %s
                    ORDER BY called_at, id LIMIT %s
                )""",
            (limits["remote_calls"], batch_size),
        )
        return self.env.cr.rowcount

    @api.model
    def _cron_requeue_stalled(self, batch_size=REQUEUE_BATCH):
        """Queue again the events stalled before processing, oldest first.

        Stalled: received or queued more than five minutes ago, and their job
        is missing (a crash between storing and queuing, a job deleted), done,
        cancelled or failed (its failure hook did not run). Then the held
        events whose wait is provided are released. Returns how many events
        were queued.
        """
        limit_date = fields.Datetime.now() - REQUEUE_AFTER
        count = 0
        after = (datetime.min, 0)
        while True:
            self.env.flush_all()
            self.env.cr.execute(
                """SELECT e.id, e.received_at FROM retail_event e
                    LEFT JOIN queue_job j ON j.uuid = e.job_uuid
                    WHERE e.state IN ('received', 'queued')
                      AND e.received_at < %s
                      AND (e.received_at, e.id) > (%s, %s)
                      AND (j.id IS NULL OR j.state IN ('done', 'cancelled', 'failed'))
                    ORDER BY e.received_at, e.id
                    LIMIT %s""",
                (limit_date, *after, batch_size),
            )
            rows = self.env.cr.fetchall()
            if not rows:
                break
            self.sudo().browse([row[0] for row in rows])._enqueue()
            count += len(rows)
            after = (rows[-1][1], rows[-1][0])
            if self._cron_step(len(rows)) <= 0 or len(rows) < batch_size:
                break
        return count + len(self._release_provided())

    @api.model
    def _release_provided(self, limit=200):
        """Queue the held events whose wait is provided although nobody
        released it (the change committed while the event was being held),
        oldest first."""
        held = self.sudo().search(
            [("state", "=", "failed"), ("wait_ids", "!=", False)],
            order="received_at, id",
            limit=limit,
        )
        ready = held.filtered(lambda event: event._waits_state() is True)
        ready._requeue()
        return ready
