"""Drop the single-column indexes of ``retail.event`` that other indexes
cover (Odoo keeps an index a field no longer declares).

Every delivery's insert, and every update of an event's state, wrote them:
the backend's events are found through the unique key's (backend_model,
backend_id) prefix, a body through the exclusion constraint's, the failed,
pending and undispatched events through partial indexes of their own.
"""

import logging

_logger = logging.getLogger(__name__)

FIELDS = (
    "backend_model",
    "backend_id",
    "retail_backend_id",
    "company_id",
    "source",
    "topic",
    "state",
    "body_sha256",
    "job_uuid",
)


def migrate(cr, version):
    for name in FIELDS:
        cr.execute(f'DROP INDEX IF EXISTS "retail_event__{name}_index"')
    _logger.info("retail.event: %d covered indexes dropped", len(FIELDS))
