"""Run a queued job as queue_job's runner does, inside a test transaction.

:func:`run_once` performs the job through queue_job's ``Job`` API: its work
is rolled back when it raises (the runner rolls its transaction back), a
``RetryableJobError`` postpones it (counting a try unless the error says to
ignore it) and a ``FailedJobError`` (tries exhausted) propagates.
"""

from odoo.addons.queue_job.exception import RetryableJobError
from odoo.addons.queue_job.job import Job


def run_once(env, job_uuid):
    """Perform the job once; return its result or the RetryableJobError
    that postponed it. The job is stored either way: read ``retry`` back."""
    job = Job.load(env, job_uuid)
    try:
        with env.cr.savepoint():
            result = job.perform()
    except RetryableJobError as err:
        job.postpone(result=str(err), seconds=err.seconds)
        job.set_pending(reset_retry=False)
        job.store()
        return err
    job.set_done(result=result)
    job.store()
    return result


def set_job_created(env, job_uuid, when):
    """Pretend the job was queued at ``when`` (its waits started then)."""
    env.flush_all()
    env.cr.execute(
        "UPDATE queue_job SET date_created = %s WHERE uuid = %s", (when, job_uuid)
    )
    env["queue.job"].invalidate_model(["date_created"])
