"""Give the requests a provider accepted before
``retail.3pl.picking.accepted_at`` existed their acceptance.

The hand-over KPI measured up to the order's last exchange (``sync_date``);
it now reads ``accepted_at``, set when the provider answers. An order sent
and past the queue takes its last exchange, the time the KPI used until
now, so the figures of the days computed again after the upgrade stay what
they were. An order cancelled before it was ever sent keeps none: it was
not handed over (the KPI leaves it out).
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute(
        """UPDATE retail_3pl_picking SET accepted_at = sync_date
            WHERE accepted_at IS NULL AND sync_date IS NOT NULL
              AND remote_state <> 'queued' AND send_attempted"""
    )
    _logger.info(
        "retail.3pl.picking: %d acceptances taken from the last exchange",
        cr.rowcount,
    )
