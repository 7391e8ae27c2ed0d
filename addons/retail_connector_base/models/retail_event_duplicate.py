from odoo import api, fields, models


class RetailEventDuplicate(models.Model):
    """One delivery of an event received again after it was stored.

    Rows are only ever inserted, by ``retail.event._count_duplicate`` in a
    short transaction of its own: counting a re-delivery never writes (so
    never waits for) the event's row, which the event's job keeps locked
    while it runs. ``event_id`` is a plain integer for the same reason: a
    foreign key would lock the event's row too. ``retail.event``'s
    ``duplicate_count`` counts these rows; those of deleted events are
    removed by the autovacuum.
    """

    _name = "retail.event.duplicate"
    _description = "Retail Event Duplicate Delivery"
    _log_access = False
    _order = "id desc"

    event_id = fields.Integer(required=True, index=True, readonly=True)
    received_at = fields.Datetime(required=True, readonly=True)

    @api.model
    def _counts(self, event_ids=None):
        """``{event id: duplicate deliveries}``, of ``event_ids`` or all."""
        if event_ids is None:
            domain = []
        elif not event_ids:
            return {}
        else:
            domain = [("event_id", "in", list(event_ids))]
        return dict(self._read_group(domain, ["event_id"], ["__count"]))

    @api.autovacuum
    def _gc_deleted_events(self):
        """Remove the duplicates of deleted events."""
        self.env.cr.execute(
            "DELETE FROM retail_event_duplicate duplicate WHERE NOT EXISTS "
            "(SELECT 1 FROM retail_event event WHERE event.id = duplicate.event_id)"
        )
