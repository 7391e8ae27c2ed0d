from odoo import fields, models


class RetailEventWait(models.Model):
    """One key a held event waits for (see ``services/wait_keys.py``).

    Rows are inserted when an event is held and deleted when it is released
    or processed; releasing searches them by key (indexed), never payloads.
    """

    _name = "retail.event.wait"
    _description = "Retail Event Waiting For"
    _log_access = False

    event_id = fields.Many2one(
        "retail.event", required=True, ondelete="cascade", index=True
    )
    key = fields.Char(required=True, index=True)

    _event_key_unique = models.Constraint(
        "UNIQUE (event_id, key)", "The event already waits for this key."
    )
