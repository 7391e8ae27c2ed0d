"""The two phases of an order reconciliation page, as plain decisions."""

import datetime
import unittest

from odoo.addons.retail_connector_base.services import errors
from odoo.addons.retail_shopify.services import order_reconcile

T0 = datetime.datetime(2026, 11, 27, 9, 0, 0)


def edge(number, minutes, cursor=None):
    stamp = (T0 + datetime.timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {
        "cursor": cursor or f"c{number}",
        "node": {"id": f"gid://shopify/Order/{number}", "updatedAt": stamp},
    }


def gid(number):
    return f"gid://shopify/Order/{number}"


class TestParseStamps(unittest.TestCase):
    def test_edges_become_stamps(self):
        (stamp,) = order_reconcile.parse_stamps([edge(7, 30)])
        self.assertEqual(stamp.gid, gid(7))
        self.assertEqual(stamp.updated_at, T0 + datetime.timedelta(minutes=30))
        self.assertEqual(stamp.cursor, "c7")

    def test_offsets_are_read_as_utc(self):
        raw = edge(7, 0)
        raw["node"]["updatedAt"] = "2026-11-27T10:00:00+01:00"
        (stamp,) = order_reconcile.parse_stamps([raw])
        self.assertEqual(stamp.updated_at, T0)

    def test_an_unusable_edge_is_named(self):
        cases = {
            "node.id": lambda e: e["node"].update(id="gid://shopify/Product/7"),
            "node.updatedAt": lambda e: e["node"].update(updatedAt="yesterday"),
            "cursor": lambda e: e.pop("cursor"),
        }
        for path, spoil in cases.items():
            with self.subTest(path=path):
                bad = edge(8, 1)
                spoil(bad)
                with self.assertRaises(errors.PayloadValidationError) as caught:
                    order_reconcile.parse_stamps([edge(7, 0), bad])
                self.assertIn("(edge 1)", str(caught.exception))
                self.assertIn(path, str(caught.exception))
                self.assertIn("OrderStampsUpdatedSince", caught.exception.hint)

    def test_edges_must_be_a_list_of_objects(self):
        for value in (None, {"edges": []}, ["edge"]):
            with (
                self.subTest(value=value),
                self.assertRaises(errors.PayloadValidationError),
            ):
                order_reconcile.parse_stamps(value)


class TestPlanPage(unittest.TestCase):
    def stamps(self, count):
        return order_reconcile.parse_stamps([edge(n, n) for n in range(1, count + 1)])

    def test_only_new_and_changed_orders_are_read(self):
        stamps = self.stamps(4)
        imported = {
            gid(1): stamps[0].updated_at,  # as imported
            gid(2): stamps[1].updated_at - datetime.timedelta(seconds=1),  # changed
            gid(3): stamps[2].updated_at + datetime.timedelta(minutes=5),  # newer
        }
        plan = order_reconcile.plan_page(stamps, imported, "next")
        self.assertEqual(plan.fetch, (gid(2), gid(4)))
        self.assertEqual(plan.stamps, tuple(stamps))
        self.assertEqual(plan.cursor, "next")

    def test_an_order_without_an_import_time_is_read(self):
        stamps = self.stamps(1)
        plan = order_reconcile.plan_page(stamps, {gid(1): None}, None)
        self.assertEqual(plan.fetch, (gid(1),))
        self.assertIsNone(plan.cursor)

    def test_the_page_ends_after_the_last_order_it_can_read(self):
        stamps = self.stamps(10)
        imported = {gid(2): stamps[1].updated_at, gid(5): stamps[4].updated_at}
        plan = order_reconcile.plan_page(stamps, imported, "end", limit=3)
        # 1, 3 and 4 are read, 2 and 5 are unchanged; 6 and on are the next page's
        self.assertEqual(plan.fetch, (gid(1), gid(3), gid(4)))
        self.assertEqual([s.gid for s in plan.stamps], [gid(n) for n in range(1, 6)])
        self.assertEqual(plan.cursor, "c5")

    def test_unchanged_orders_after_the_limit_stay_on_the_page(self):
        stamps = self.stamps(4)
        imported = {gid(n): stamps[n - 1].updated_at for n in (3, 4)}
        plan = order_reconcile.plan_page(stamps, imported, "end", limit=2)
        self.assertEqual(plan.fetch, (gid(1), gid(2)))
        self.assertEqual(len(plan.stamps), 4)
        self.assertEqual(plan.cursor, "end")

    def test_a_full_page_of_unknown_orders_reads_the_limit(self):
        stamps = self.stamps(order_reconcile.STAMP_PAGE_SIZE)
        plan = order_reconcile.plan_page(stamps, {}, "end")
        self.assertEqual(len(plan.fetch), order_reconcile.FETCH_PER_PAGE)
        self.assertEqual(plan.cursor, stamps[order_reconcile.FETCH_PER_PAGE - 1].cursor)

    def test_an_empty_page(self):
        plan = order_reconcile.plan_page([], {}, None)
        self.assertEqual((plan.stamps, plan.fetch, plan.cursor), ((), (), None))
        self.assertEqual(plan.items({}), [])

    def test_a_page_reads_at_least_one_order(self):
        with self.assertRaises(ValueError):
            order_reconcile.plan_page(self.stamps(1), {}, None, limit=0)

    def test_items_keep_the_listing_order(self):
        stamps = self.stamps(3)
        plan = order_reconcile.plan_page(stamps, {gid(2): stamps[1].updated_at}, None)
        nodes = {gid(1): {"id": gid(1), "name": "#1"}}  # 3 was deleted since
        items = plan.items(nodes)
        self.assertEqual(len(items), 2)
        self.assertEqual(items[0], nodes[gid(1)])
        self.assertTrue(order_reconcile.is_unchanged_item(items[1]))
        self.assertEqual(items[1]["id"], gid(2))
        self.assertFalse(order_reconcile.is_unchanged_item(items[0]))

    def test_groups(self):
        gids = [gid(n) for n in range(1, 12)]
        grouped = order_reconcile.groups(gids)
        self.assertEqual([len(g) for g in grouped], [5, 5, 1])
        self.assertEqual([g for group in grouped for g in group], gids)
        self.assertEqual(order_reconcile.groups([]), [])
