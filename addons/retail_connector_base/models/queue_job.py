import logging
from datetime import timedelta

from odoo import api, fields, models

from .retail_sync_exception import RETAIL_CHANNELS

_logger = logging.getLogger(__name__)

#: system parameter: minutes after which a retail job still ``enqueued`` or
#: ``started`` is stuck
STUCK_MINUTES_PARAM = "retail_connector_base.stuck_job_minutes"
STUCK_MINUTES = 60


class QueueJob(models.Model):
    """Stuck retail jobs: re-queued when no worker runs them, reported."""

    _inherit = "queue.job"

    retail_correlation_id = fields.Char(
        string="Correlation id",
        readonly=True,
        index="btree_not_null",
        help="The delivery or trigger this job works for: its deliveries, "
        "jobs, remote calls, sync exceptions and log lines carry the same id.",
    )

    @api.model
    def _retail_stuck_jobs(self, minutes=None):
        """Retail jobs ``enqueued`` or ``started`` for longer than
        ``minutes``: ``(dead, running)``. A job whose lock no live worker
        holds is dead (its worker was killed, or it never reached one); the
        others really run, for far too long."""
        if minutes is None:
            minutes = int(
                self.env["ir.config_parameter"]
                .sudo()
                .get_param(STUCK_MINUTES_PARAM, STUCK_MINUTES)
            )
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT job.id,
                      job.id IN (SELECT queue_job_id FROM queue_job_lock lock
                                  WHERE lock.queue_job_id = job.id
                                    FOR NO KEY UPDATE SKIP LOCKED)
                      OR NOT EXISTS (SELECT 1 FROM queue_job_lock lock
                                      WHERE lock.queue_job_id = job.id)
                 FROM queue_job job
                WHERE job.channel LIKE %s
                  AND job.state IN ('enqueued', 'started')
                  AND coalesce(job.date_started, job.date_enqueued,
                               job.date_created) < %s
                ORDER BY job.id""",
            (
                RETAIL_CHANNELS,
                fields.Datetime.now() - timedelta(minutes=minutes),
            ),
        )
        rows = self.env.cr.fetchall()
        dead = self.sudo().browse([job_id for job_id, is_dead in rows if is_dead])
        running = self.sudo().browse(
            [job_id for job_id, is_dead in rows if not is_dead]
        )
        return dead, running

    @api.model
    def _retail_cron_stuck_jobs(self):
        """Re-queue the dead retail jobs, alert about every stuck one."""
        dead, running = self._retail_stuck_jobs()
        for job in dead:
            _logger.info(
                "Re-queuing stuck retail job %s (%s since %s)",
                job.uuid,
                job.state,
                job.date_started or job.date_enqueued,
            )
        dead._change_job_state("pending")
        for job, requeued in [(job, True) for job in dead] + [
            (job, False) for job in running
        ]:
            job._retail_report_stuck(requeued)
        return dead, running

    def _retail_backend_of_job(self):
        """The backend a job works for, or None."""
        self.ensure_one()
        records = self.records.exists() if self.model_name in self.env else None
        if not records:
            return None
        record = records[:1].sudo()
        Card = self.env["retail.backend"]
        if hasattr(record, "_retail_check_alerts"):
            return record
        if "backend_model" in record._fields and "backend_id" in record._fields:
            return Card._retail_resolve(record.backend_model, record.backend_id)
        backend = record._fields.get("backend_id")
        if backend and backend.type == "many2one":
            target = record.backend_id
            if hasattr(target, "_retail_check_alerts"):
                return target
        return None

    def _retail_report_stuck(self, requeued):
        self.ensure_one()
        backend = self._retail_backend_of_job()
        since = self.date_started or self.date_enqueued or self.date_created
        what = self.name or f"{self.model_name}.{self.method_name}"
        if requeued:
            note = self.env._(
                "The job %(job)s (%(uuid)s) was %(state)s since %(since)s without "
                "a worker running it: it was queued again. If it happens "
                "often, check that the job runner and the workers are up and "
                "that their time limits fit the jobs.",
                job=what,
                uuid=self.uuid,
                state="started/enqueued",
                since=fields.Datetime.to_string(since),
            )
        else:
            note = self.env._(
                "The job %(job)s (%(uuid)s) has been running since %(since)s. "
                "Check what it waits for (locks, the remote system) in the "
                "job and the server log; cancel it if it hangs.",
                job=what,
                uuid=self.uuid,
                since=fields.Datetime.to_string(since),
            )
        summary = self.env._("Stuck job: %(job)s", job=what)
        if backend:
            backend._retail_alert(f"job:{self.uuid}", summary, note)
        else:
            _logger.warning("%s: %s", summary, note)
