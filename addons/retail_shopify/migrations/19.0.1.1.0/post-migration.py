"""Give the fulfilments Shopify acknowledged before
``shopify.fulfillment.acknowledged_at`` existed their acknowledgement.

The fulfilment KPI and the late-fulfilment alert measured up to the
binding's last exchange (``sync_date``); they now read ``acknowledged_at``,
set when Shopify answers. A fulfilment Shopify has (it has a remote id, or
was found fulfilled there) takes its last exchange, the time the KPI
used until now: the figures of the days computed again after the upgrade
stay what they were, and no fulfilment sent before it is reported late.
"""

import logging

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    cr.execute(
        """UPDATE shopify_fulfillment SET acknowledged_at = sync_date
            WHERE acknowledged_at IS NULL AND sync_date IS NOT NULL
              AND (external_id IS NOT NULL OR sync_state = 'synced')"""
    )
    _logger.info(
        "shopify.fulfillment: %d acknowledgements taken from the last exchange",
        cr.rowcount,
    )
