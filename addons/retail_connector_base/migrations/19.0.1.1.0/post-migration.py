"""Class the bodies stored before ``retail.event.body_class`` existed.

The exclusion constraint added with the column ignores rows without a
class; this gives the stored events theirs, so that a body stored before
the upgrade is protected against a replay under a forged topic too. Rows
that already disagree (one body under two classes, stored before the
check existed) keep no class: nothing is deleted, and the log says how
many.
"""

import logging

from odoo import SUPERUSER_ID, api

_logger = logging.getLogger(__name__)


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    cr.execute(
        "SELECT DISTINCT backend_model FROM retail_event"
        " WHERE body_sha256 IS NOT NULL AND body_class IS NULL"
    )
    for (model,) in cr.fetchall():
        if model not in env:
            continue
        destructive = list(env[model]._retail_destructive_topics())
        # ordinary topics first: one class, they never conflict together
        cr.execute(
            """UPDATE retail_event e SET body_class = '-'
                WHERE e.backend_model = %(model)s AND e.body_sha256 IS NOT NULL
                  AND e.body_class IS NULL AND e.topic <> ALL(%(destructive)s)
                  AND NOT EXISTS (
                      SELECT 1 FROM retail_event o
                       WHERE o.backend_model = e.backend_model
                         AND o.backend_id = e.backend_id
                         AND o.body_sha256 = e.body_sha256
                         AND o.topic = ANY(%(destructive)s))""",
            {"model": model, "destructive": destructive},
        )
        # then each destructive topic, where no other topic has the body
        cr.execute(
            """UPDATE retail_event e SET body_class = e.topic
                WHERE e.backend_model = %(model)s AND e.body_sha256 IS NOT NULL
                  AND e.body_class IS NULL AND e.topic = ANY(%(destructive)s)
                  AND NOT EXISTS (
                      SELECT 1 FROM retail_event o
                       WHERE o.backend_model = e.backend_model
                         AND o.backend_id = e.backend_id
                         AND o.body_sha256 = e.body_sha256
                         AND o.topic <> e.topic)""",
            {"model": model, "destructive": destructive},
        )
    cr.execute(
        "SELECT count(*) FROM retail_event"
        " WHERE body_sha256 IS NOT NULL AND body_class IS NULL"
    )
    left = cr.fetchone()[0]
    if left:
        _logger.info(
            "%s stored events keep no body class: their body was stored under "
            "topics of two classes before the check existed",
            left,
        )
