import functools

from odoo import api, models

from ..services import correlation

CONTEXT_KEY = correlation.CONTEXT_KEY


def traced(method):
    """Run a job method (or a trigger) as the work of its correlation id.

    The id is the job's (its context key), else the one running, else a
    new one; log lines made inside carry it and the remote calls it makes
    are written to the journal in one insert when it ends, about
    :meth:`Base._retail_trace_subject` of the records.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._retail_trace(subject=self._retail_trace_subject()):
            return method(self, *args, **kwargs)

    return wrapper


class Base(models.AbstractModel):
    """Correlation ids on every job, and the sync history of any record.

    A job queued while a delivery or a trigger runs (a scope of
    :mod:`..services.correlation`, or the context key of a job) carries its
    id: in the job's stored context (read back while it runs) and on the
    ``queue.job`` row. A job of a retail model queued outside of both (a
    person confirming an order) is a trigger of its own: it gets a new id.
    """

    _inherit = "base"

    #: jobs of this model are retail work: each gets a correlation id
    _retail_traced_jobs = False

    def _retail_correlation_id(self):
        """The correlation id of the work running now (its scope, else the
        job's context key), or None."""
        return correlation.current_id() or correlation.clean(
            self.env.context.get(CONTEXT_KEY)
        )

    def _retail_job_correlation_id(self):
        """The correlation id a job of these records runs as: the one of
        its stored context (read back while it runs), or None. Records that
        hold their own id (an event) return it."""
        return correlation.clean(self.env.context.get(CONTEXT_KEY))

    def _retail_trace(self, correlation_id=None, subject=None):
        """A scope (:func:`..services.correlation.scope`) of
        ``correlation_id`` (default: the one running, else a new one), whose
        remote calls are written to the journal when it ends."""
        return correlation.scope(
            correlation_id or self._retail_correlation_id(),
            on_exit=self.env["retail.remote.call"].sudo()._retail_journal_write,
            subject=subject,
        )

    def _retail_trace_subject(self):
        """``"model,id"`` of the record remote calls made for these records
        are about, or None (a binding: its Odoo record)."""
        return None

    def _retail_correlated(self):
        """These records with the correlation id their jobs carry."""
        correlation_id = self._retail_correlation_id()
        if not correlation_id and self._retail_traced_jobs:
            correlation_id = correlation.new_id()
        if not correlation_id or self.env.context.get(CONTEXT_KEY) == correlation_id:
            return self
        return self.with_context(**{CONTEXT_KEY: correlation_id})

    def with_delay(self, *args, **kwargs):
        return super(Base, self._retail_correlated()).with_delay(*args, **kwargs)

    def delayable(self, *args, **kwargs):
        return super(Base, self._retail_correlated()).delayable(*args, **kwargs)

    @api.model
    def _job_prepare_context_before_enqueue_keys(self):
        return (*super()._job_prepare_context_before_enqueue_keys(), CONTEXT_KEY)

    @api.model
    def _job_store_values(self, job):
        values = super()._job_store_values(job)
        correlation_id = correlation.clean(self.env.context.get(CONTEXT_KEY))
        if correlation_id:
            values["retail_correlation_id"] = correlation_id
        return values

    # ------------------------------------------------------------------
    # sync history
    # ------------------------------------------------------------------
    def _retail_sync_history_records(self):
        """The records whose history is these records' (override: a sale
        order adds its deliveries, a product template its variants)."""
        return [self]

    def action_retail_sync_history(self):
        """Open the sync history of these records (retail users)."""
        return self.env["retail.sync.history"]._retail_action_history(self)
