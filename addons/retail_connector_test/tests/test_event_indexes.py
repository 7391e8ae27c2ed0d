from .common import RetailTestCase


class TestEventIndexes(RetailTestCase):
    """What every delivery's insert and every state change of an event
    writes: the indexes its lookups use, no index another one covers."""

    def test_the_event_table_has_the_indexes_its_lookups_use(self):
        self.env.cr.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'retail_event'"
        )
        self.assertEqual(
            sorted(row[0] for row in self.env.cr.fetchall()),
            [
                "retail_event__correlation_id_index",
                "retail_event__parent_id_index",
                "retail_event__received_at_index",
                "retail_event__remote_ref_index",
                "retail_event_body_class_excl",
                "retail_event_event_key_unique",
                "retail_event_failed_idx",
                "retail_event_pending_idx",
                "retail_event_pkey",
                "retail_event_undispatched_idx",
            ],
        )

    def test_the_failed_events_of_a_backend_use_their_partial_index(self):
        self.env.cr.execute("SET LOCAL enable_seqscan = off")
        self.env.cr.execute(
            "EXPLAIN SELECT count(*) FROM retail_event"
            " WHERE backend_model = %s AND backend_id = %s AND state = 'failed'",
            (self.backend._name, self.backend.id),
        )
        plan = "\n".join(row[0] for row in self.env.cr.fetchall())
        self.assertIn("retail_event_failed_idx", plan)
