import hashlib
import importlib.util
from pathlib import Path

from odoo.modules.module import get_module_path

from .common import RetailTestCase


def _migration():
    path = (
        Path(get_module_path("retail_connector_base"))
        / "migrations/19.0.1.1.0/post-migration.py"
    )
    spec = importlib.util.spec_from_file_location("body_class_migration", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.migrate


class TestBodyClassMigration(RetailTestCase):
    """Events stored before body classes existed get theirs on upgrade."""

    def store(self, topic, key, body):
        event, _created = self.Event._accept(
            self.backend,
            topic=topic,
            event_key=key,
            payload=body,
            headers={},
            body_sha256=hashlib.sha256(body.encode()).hexdigest(),
        )
        return event

    def test_stored_events_get_their_class(self):
        ordinary = self.store("partner/upsert", "a", '{"id": "1"}')
        also_ordinary = self.store("partner/refresh", "b", '{"id": "1"}')
        destructive = self.store("partner/delete", "c", '{"id": "2"}')
        clash = self.store("partner/upsert", "e", '{"id": "3"}')
        events = ordinary | also_ordinary | destructive | clash
        self.env.flush_all()
        self.env.cr.execute(
            "UPDATE retail_event SET body_class = NULL WHERE id IN %s",
            (tuple(events.ids),),
        )
        # one body under both classes, stored before the check existed
        self.env.cr.execute(
            "INSERT INTO retail_event (backend_model, backend_id, source, topic,"
            " origin, event_key, received_at, state, body_sha256)"
            " SELECT backend_model, backend_id, source, 'partner/delete', origin,"
            " 'd', received_at, state, body_sha256 FROM retail_event WHERE id = %s"
            " RETURNING id",
            (clash.id,),
        )
        conflicting = self.Event.browse(self.env.cr.fetchone()[0])
        events.invalidate_recordset()
        _migration()(self.env.cr, "19.0.1.0.0")
        (events | conflicting).invalidate_recordset()
        self.assertEqual(ordinary.body_class, "-")
        self.assertEqual(also_ordinary.body_class, "-")
        self.assertEqual(destructive.body_class, "partner/delete")
        # the two that disagree keep none: nothing deleted, nothing guessed
        self.assertFalse(clash.body_class)
        self.assertFalse(conflicting.body_class)
