import contextlib
import hashlib
import json

from odoo import api, fields, models

from ..services import correlation
from ..services.export_batch import send_batch
from ..services.timeutils import parse_remote_datetime

# Context key set while importing: writes made by an import must not be
# exported back to the system they came from.
NO_EXPORT_KEY = "retail_connector_no_export"


def payload_hash(payload):
    """Stable hash of a payload (dict, list, str or bytes)."""
    if isinstance(payload, bytes):
        data = payload
    elif isinstance(payload, str):
        data = payload.encode()
    else:
        data = json.dumps(
            payload, sort_keys=True, separators=(",", ":"), default=str
        ).encode()
    return hashlib.sha256(data).hexdigest()


class RetailBindingMixin(models.AbstractModel):
    """Link between an Odoo record and an object of a remote system.

    Concrete bindings declare ``backend_id`` (Many2one to their backend model,
    ``required=True, ondelete="cascade"``), ``odoo_id`` (Many2one to the
    bound model) and ``company_id`` (related to the backend's company,
    stored). The pair (backend, external id) is unique in the database.
    """

    _name = "retail.binding.mixin"
    _description = "Retail Binding"
    _retail_traced_jobs = True

    external_id = fields.Char(string="Remote ID", index=True, copy=False)
    sync_state = fields.Selection(
        [
            ("pending", "Pending"),
            ("synced", "Synced"),
            ("outdated", "Outdated"),
            ("error", "Error"),
        ],
        default="pending",
        required=True,
        index=True,
        copy=False,
    )
    sync_date = fields.Datetime(string="Last synchronised", copy=False)
    external_updated_at = fields.Datetime(
        string="Remote update time",
        copy=False,
        help="Update time of the remote version last applied; older versions "
        "arriving later are ignored.",
    )
    payload_hash = fields.Char(copy=False)
    last_error = fields.Text(copy=False)
    sync_correlation_id = fields.Char(
        string="Last correlation id",
        readonly=True,
        copy=False,
        help="The delivery or trigger of the last exchange of this record "
        "(see its sync history).",
    )

    _backend_external_unique = models.Constraint(
        "UNIQUE (backend_id, external_id)",
        "This remote object is already bound on this backend.",
    )

    @api.model
    def _retail_export_allowed(self):
        """False while an import writes: what it writes must not echo back."""
        return not self.env.context.get(NO_EXPORT_KEY)

    def _retail_importing(self):
        """These records with the import flag set (see NO_EXPORT_KEY)."""
        return self.with_context(**{NO_EXPORT_KEY: True})

    @api.model
    def _retail_get(self, backend, external_id):
        return self.with_context(active_test=False).search(
            [("backend_id", "=", backend.id), ("external_id", "=", external_id)],
            limit=1,
        )

    def _retail_is_stale(self, updated_at):
        """True when ``updated_at`` is older than what was already applied."""
        self.ensure_one()
        if not updated_at or not self.external_updated_at:
            return False
        return parse_remote_datetime(updated_at) < self.external_updated_at

    def _retail_is_unchanged(self, payload):
        """True when the same payload was already applied successfully."""
        self.ensure_one()
        return self.sync_state == "synced" and self.payload_hash == payload_hash(
            payload
        )

    @api.model
    def _retail_bind(
        self,
        backend,
        external_id,
        odoo_record,
        payload=None,
        updated_at=None,
        *,
        values=None,
    ):
        """Create or update the binding and mark it synced; return it.

        ``values`` (fields of the concrete binding) are written with it.
        """
        vals = dict(values or {}, **self._retail_synced_values())
        vals["odoo_id"] = odoo_record.id
        if payload is not None:
            vals["payload_hash"] = payload_hash(payload)
        if updated_at:
            vals["external_updated_at"] = parse_remote_datetime(updated_at)
        binding = self._retail_get(backend, external_id)
        if binding:
            binding.write(vals)
        else:
            binding = self.create(
                dict(vals, backend_id=backend.id, external_id=external_id)
            )
        return binding

    def _retail_mark_outdated(self):
        self.filtered(lambda b: b.sync_state != "outdated").write(
            {"sync_state": "outdated"}
        )

    def _retail_mark_error(self, message):
        values = {"sync_state": "error", "last_error": message}
        if correlation_id := self._retail_correlation_id():
            values["sync_correlation_id"] = correlation_id
        self.write(values)

    @api.model
    def _retail_synced_values(self):
        """The values of a binding just exchanged successfully."""
        values = {
            "sync_state": "synced",
            "sync_date": fields.Datetime.now(),
            "last_error": False,
        }
        if correlation_id := self._retail_correlation_id():
            values["sync_correlation_id"] = correlation_id
        return values

    def _retail_trace_subject(self):
        if len(self) != 1 or not self.odoo_id:
            return None
        return f"{self.odoo_id._name},{self.odoo_id.id}"

    def _retail_mark_synced(self, **values):
        """Record a successful exchange now; ``values`` are written too."""
        self.write(dict(self._retail_synced_values(), **values))

    # ------------------------------------------------------------------
    # outbound: one batch of an export
    # ------------------------------------------------------------------
    def _retail_export_failed(self, exc, message, hint=None, **values):
        """A permanent failure to send this binding: in error, and a sync
        exception on its backend. ``message`` names the record; ``values``
        add ``res_model``, ``res_id``, ``remote_ref`` ..."""
        self.ensure_one()
        self._retail_mark_error(str(exc))
        return self.backend_id._retail_raise_exception(
            flow="outbound",
            category=exc.category,
            message=message,
            hint=exc.hint
            or hint
            or self.env._("Correct the record, then press Retry."),
            **values,
        )

    def _retail_describe_failure(self, exc):
        """Default sync exception values of this binding not sent: the
        message names the Odoo record, which the exception opens."""
        self.ensure_one()
        record = self.odoo_id
        return {
            "message": f"{record.display_name} ({self.external_id or 'new'}) "
            f"was not sent: {exc}",
            "res_model": record._name,
            "res_id": record.id,
            "remote_ref": self.external_id or None,
        }

    @api.model
    def _retail_export_batch(
        self,
        backend,
        domain,
        send_one,
        *,
        kind,
        batch_size,
        describe=None,
        on_failure=None,
        order="id",
        savepoint=False,
    ):
        """Send one batch of the bindings of ``backend`` matching ``domain``.

        ``send_one(binding)`` sends one binding and marks it synced; it
        returns a true value when it sent something, a false one when
        nothing had to go. It writes only once the remote accepted, or
        ``savepoint=True`` runs each in a savepoint (a failure then leaves
        nothing half-written). A permanent error puts
        that binding in error with a sync exception: ``describe(binding,
        exc)`` returns its values (``message`` naming the record, ``hint``,
        ``res_model``, ``res_id``, ``remote_ref``; default
        :meth:`_retail_describe_failure`), or ``on_failure(binding, exc)``
        handles the failure instead. Transient errors propagate,
        unless some bindings were done already: then the batch stops and
        keeps them. When the batch was full or stopped, the next export of
        ``kind`` is queued. Returns a
        :class:`~..services.export_batch.BatchResult`.
        """
        bindings = self.search(
            [("backend_id", "=", backend.id), *domain], order=order, limit=batch_size
        )

        def failed(binding, exc):
            if on_failure:
                on_failure(binding, exc)
            else:
                values = (
                    describe(binding, exc)
                    if describe
                    else binding._retail_describe_failure(exc)
                )
                binding._retail_export_failed(exc, **values)

        def send_about(binding):
            # the calls sending a binding are about its Odoo record
            with correlation.about(binding._retail_trace_subject()):
                return send_one(binding)

        result = send_batch(
            bindings,
            send_about,
            failed,
            isolate=self.env.cr.savepoint if savepoint else contextlib.nullcontext,
        )
        if result.interrupted or len(bindings) == batch_size:
            # more to send: the next batch runs in a job of its own
            backend._retail_schedule_export(kind)
            result.requeued = True
        return result
