"""The job runner's entry point, run as the work of each job's correlation id.

Every job a retail delivery or trigger queued carries its correlation id in
its stored context (``models.base``), or in its records (a delivery's
event holds its own): performed by the job runner, the job runs inside a
scope of that id (:mod:`..services.correlation`), so that the
log lines of the job, of its retries and of its failure hook carry it, and
the remote calls it makes are journaled in one insert when it ends.

A job whose database connection is lost while it runs (PostgreSQL
restarted, its backend terminated) did nothing: its transaction is gone.
It is postponed like any transient failure (one of its tries spent), where
queue_job would mark it failed for good.
"""

import psycopg2

from odoo.addons.queue_job.controllers.main import RunJobController
from odoo.addons.queue_job.exception import FailedJobError, RetryableJobError

from ..services import pg

#: seconds before a job whose database connection was lost runs again
CONNECTION_LOST_RETRY = 10


class RetailRunJobController(RunJobController):
    @classmethod
    def _try_perform_job(cls, env, job):
        try:
            return super()._try_perform_job(env, job)
        except (psycopg2.InterfaceError, psycopg2.OperationalError) as exc:
            if not pg.connection_lost(exc):
                raise
            message = (
                f"The database connection was lost while the job ran ({exc}); "
                "its transaction was rolled back"
            )
            if job.max_retries and job.retry >= job.max_retries:
                raise FailedJobError(f"{message}, and it has no tries left.") from exc
            raise RetryableJobError(
                f"{message}: it runs again.", seconds=CONNECTION_LOST_RETRY
            ) from exc

    @classmethod
    def _runjob(cls, env, job):
        correlation_id = job.recordset._retail_job_correlation_id()
        if not correlation_id:
            return super()._runjob(env, job)
        with env["base"]._retail_trace(correlation_id):
            return super()._runjob(env, job)
