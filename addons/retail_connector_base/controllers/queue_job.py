"""The job runner's entry point, run as the work of each job's correlation id.

Every job a retail delivery or trigger queued carries its correlation id in
its stored context (``models.base``), or in its records (a delivery's
event holds its own): performed by the job runner, the job runs inside a
scope of that id (:mod:`..services.correlation`), so that the
log lines of the job, of its retries and of its failure hook carry it, and
the remote calls it makes are journaled in one insert when it ends.
"""

from odoo.addons.queue_job.controllers.main import RunJobController


class RetailRunJobController(RunJobController):
    @classmethod
    def _runjob(cls, env, job):
        correlation_id = job.recordset._retail_job_correlation_id()
        if not correlation_id:
            return super()._runjob(env, job)
        with env["base"]._retail_trace(correlation_id):
            return super()._runjob(env, job)
