from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Domain

USER_GROUP = "retail_connector_base.group_retail_user"
#: the most rows of each kind a history shows (newest first)
HISTORY_LIMIT = 200
KINDS = [
    ("delivery", "Delivery"),
    ("job", "Job"),
    ("call", "Remote call"),
    ("exception", "Sync exception"),
]


class RetailSyncHistory(models.TransientModel):
    """The sync history of a record: one row per delivery, job, remote
    call and sync exception about it, across connectors, newest first.

    Built on demand (:meth:`_retail_sync_history`) from what is about the
    record or one of the records it stands for
    (``_retail_sync_history_records``: a sale order and its deliveries):

    - the bindings of any connector on them (``odoo_id``, or a many2many
      to their model), which give the remote objects they are;
    - deliveries whose result is one of them, or whose subject is one of
      those remote objects (on the binding's backend);
    - sync exceptions on them, on those deliveries or those remote objects;
    - remote calls made for them (sending a binding);
    - then everything sharing a correlation id with what was found: the
      deliveries, jobs, calls and exceptions of those deliveries and
      triggers.

    Nothing here holds a payload; a row opens its delivery, job, call or
    exception, whose own access rules apply.
    """

    _name = "retail.sync.history"
    _description = "Retail Sync History"
    _order = "at desc, sequence desc, id desc"

    res_model = fields.Char(string="Record model", readonly=True)
    res_id = fields.Many2oneReference(
        string="Record id", model_field="res_model", readonly=True
    )
    at = fields.Datetime(string="When", readonly=True)
    sequence = fields.Integer(readonly=True)
    kind = fields.Selection(KINDS, readonly=True)
    connector = fields.Char(readonly=True)
    summary = fields.Char(readonly=True)
    state = fields.Char(readonly=True)
    correlation_id = fields.Char(readonly=True)
    source_model = fields.Char(readonly=True)
    source_id = fields.Many2oneReference(model_field="source_model", readonly=True)

    # ------------------------------------------------------------------
    # building
    # ------------------------------------------------------------------
    @api.model
    def _retail_sync_history(self, records):
        """The timeline of ``records``: a list of dicts (``at``, ``kind``,
        ``connector``, ``summary``, ``state``, ``correlation_id``,
        ``source_model``, ``source_id``), newest first.

        Read with the user's rights (events, exceptions, calls and jobs of
        the retail channels are readable by retail users); bindings are read
        as the system to find the remote objects.
        """
        targets = defaultdict(set)
        for record in records._retail_sync_history_records():
            targets[record._name].update(record.ids)
        targets = {model: sorted(ids) for model, ids in targets.items() if ids}
        if not targets:
            return []
        refs, binding_cids = self._history_bindings(targets)
        target_domain = Domain.OR(
            Domain("res_model", "=", model) & Domain("res_id", "in", ids)
            for model, ids in targets.items()
        )
        Event = self.env["retail.event"]
        Exc = self.env["retail.sync.exception"]
        Call = self.env["retail.remote.call"]
        Job = self.env["queue.job"]
        events = Event.search(
            Domain.OR(
                [
                    *(
                        Domain("result_model", "=", model)
                        & Domain("result_id", "in", ids)
                        for model, ids in targets.items()
                    ),
                    *(
                        Domain("backend_model", "=", backend_model)
                        & Domain("backend_id", "=", backend_id)
                        & Domain("remote_ref", "in", sorted(external_ids))
                        for (backend_model, backend_id), external_ids in refs.items()
                    ),
                ]
            ),
            limit=HISTORY_LIMIT,
        )
        events |= events.parent_id
        exceptions = Exc.search(
            Domain.OR(
                [
                    target_domain,
                    Domain("event_id", "in", events.ids),
                    *(
                        Domain("backend_model", "=", backend_model)
                        & Domain("backend_id", "=", backend_id)
                        & Domain("remote_ref", "in", sorted(external_ids))
                        for (backend_model, backend_id), external_ids in refs.items()
                    ),
                ]
            ),
            limit=HISTORY_LIMIT,
        )
        calls = Call.search(target_domain, limit=HISTORY_LIMIT)
        cids = sorted(
            {
                *events.mapped("correlation_id"),
                *exceptions.mapped("correlation_id"),
                *calls.mapped("correlation_id"),
                *binding_cids,
            }
            - {False, None, ""}
        )
        if cids:
            # the deliveries behind an exception or a call found above
            events |= Event.search(
                [("correlation_id", "in", cids)], limit=HISTORY_LIMIT
            )
            calls |= Call.search([("correlation_id", "in", cids)], limit=HISTORY_LIMIT)
            exceptions |= Exc.search(
                [("correlation_id", "in", cids)], limit=HISTORY_LIMIT
            )
        job_domain = Domain("uuid", "in", [u for u in events.mapped("job_uuid") if u])
        if cids:
            job_domain |= Domain("retail_correlation_id", "in", cids)
        jobs = Job.search(job_domain, limit=HISTORY_LIMIT)
        items = [
            *self._history_events(events),
            *self._history_jobs(jobs),
            *self._history_calls(calls),
            *self._history_exceptions(exceptions),
        ]
        now = fields.Datetime.now()
        items.sort(key=lambda item: (item["at"] or now, item["sequence"]), reverse=True)
        return items

    @api.model
    def _history_bindings(self, targets):
        """The remote objects ``targets`` are, by backend:
        ``({(backend model, backend id): {external ids}}, {correlation ids})``."""
        refs = defaultdict(set)
        cids = set()
        for name in self.env.registry.descendants(["retail.binding.mixin"], "_inherit"):
            Binding = self.env[name]
            if Binding._abstract or Binding._transient:
                continue
            links = [
                field.name
                for field in Binding._fields.values()
                if field.type in ("many2one", "many2many")
                and field.comodel_name in targets
                and (field.name == "odoo_id" or field.type == "many2many")
                and field.store
            ]
            if not links:
                continue
            domain = Domain.OR(
                Domain(link, "in", targets[Binding._fields[link].comodel_name])
                for link in links
            )
            bindings = (
                Binding.sudo()
                .with_context(active_test=False)
                .search_fetch(
                    domain, ["backend_id", "external_id", "sync_correlation_id"]
                )
            )
            for binding in bindings:
                if binding.external_id:
                    key = (binding.backend_id._name, binding.backend_id.id)
                    refs[key].add(binding.external_id)
                if binding.sync_correlation_id:
                    cids.add(binding.sync_correlation_id)
        return refs, cids

    @api.model
    def _history_connector(self, backend_card, source):
        return backend_card.display_name or source or ""

    @api.model
    def _history_events(self, events):
        states = dict(events._fields["state"]._description_selection(self.env))
        for event in events:
            detail = event.reason or (event.error or "").splitlines()[:1]
            detail = detail if isinstance(detail, str) else "".join(detail)
            summary = self.env._(
                "%(origin)s %(topic)s",
                origin=self.env._("Delivery")
                if event.origin == "delivery"
                else self.env._("Found by reconciliation"),
                topic=event.topic,
            )
            yield {
                "at": event.received_at,
                "sequence": 1,
                "kind": "delivery",
                "connector": self._history_connector(
                    event.retail_backend_id, event.source
                ),
                "summary": (f"{summary}: {detail}" if detail else summary)[:250],
                "state": states.get(event.state, event.state),
                "correlation_id": event.correlation_id,
                "source_model": event._name,
                "source_id": event.id,
            }

    @api.model
    def _history_jobs(self, jobs):
        states = dict(jobs._fields["state"]._description_selection(self.env))
        for job in jobs:
            yield {
                "at": job.date_started or job.date_created,
                "sequence": 2,
                "kind": "job",
                "connector": job.channel or "",
                "summary": (job.name or job.func_string or "")[:250],
                "state": states.get(job.state, job.state),
                "correlation_id": job.retail_correlation_id,
                "source_model": job._name,
                "source_id": job.id,
            }

    @api.model
    def _history_calls(self, calls):
        outcomes = dict(calls._fields["outcome"]._description_selection(self.env))
        for call in calls:
            answer = (
                self.env._("HTTP %(status)s", status=call.status_code)
                if call.status_code
                else outcomes.get(call.outcome, call.outcome or "")
            )
            yield {
                "at": call.called_at,
                "sequence": 3,
                "kind": "call",
                "connector": self._history_connector(
                    call.retail_backend_id, call.source
                ),
                "summary": self.env._(
                    "%(operation)s: %(answer)s in %(ms)s ms",
                    operation=call.operation,
                    answer=answer,
                    ms=call.duration_ms,
                )[:250],
                "state": outcomes.get(call.outcome, call.outcome or ""),
                "correlation_id": call.correlation_id,
                "source_model": call._name,
                "source_id": call.id,
            }

    @api.model
    def _history_exceptions(self, exceptions):
        states = dict(exceptions._fields["state"]._description_selection(self.env))
        for exc in exceptions:
            yield {
                "at": exc.last_seen,
                "sequence": 4,
                "kind": "exception",
                "connector": self._history_connector(exc.retail_backend_id, ""),
                "summary": (exc.name or "")[:250],
                "state": states.get(exc.state, exc.state),
                "correlation_id": exc.correlation_id,
                "source_model": exc._name,
                "source_id": exc.id,
            }

    # ------------------------------------------------------------------
    # actions
    # ------------------------------------------------------------------
    @api.model
    def _retail_action_history(self, records):
        """Open the sync history of ``records`` (retail users only)."""
        if not self.env.su and not self.env.user.has_group(USER_GROUP):
            raise AccessError(
                self.env._("Only Retail Integration users can read sync histories.")
            )
        records.check_access("read")
        items = self._retail_sync_history(records)
        target = records[:1]
        rows = self.create(
            [dict(item, res_model=target._name, res_id=target.id) for item in items]
        )
        return {
            "type": "ir.actions.act_window",
            "name": self.env._(
                "Sync history of %(record)s",
                record=", ".join(records.mapped("display_name"))[:100],
            ),
            "res_model": self._name,
            "view_mode": "list",
            "domain": [("id", "in", rows.ids)],
            "context": {"create": False, "edit": False, "delete": False},
        }

    def action_open_source(self):
        """Open the delivery, job, call or exception of this row."""
        self.ensure_one()
        if not self.source_model or not self.source_id:
            raise UserError(self.env._("This row has nothing to open."))
        return {
            "type": "ir.actions.act_window",
            "res_model": self.source_model,
            "res_id": self.source_id,
            "view_mode": "form",
        }
