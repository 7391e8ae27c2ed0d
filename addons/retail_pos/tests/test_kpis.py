"""The store's KPIs: tickets, sessions past their day, cash-up differences."""

import datetime

from .common import DAY
from .test_cashups import CashupCase


class TestPosKpis(CashupCase):
    def figures(self, day, is_today=False):
        return {
            figure["code"]: figure
            for figure in self.store._retail_kpis_of_day(day, is_today)
        }

    def test_tickets_of_the_business_day(self):
        self.day_of_trade()
        day = datetime.date.fromisoformat(DAY)
        self.assertEqual(self.figures(day)["pos_tickets"]["value"], 3)
        self.assertNotIn("pos_tickets", self.figures(day + datetime.timedelta(days=1)))

    def test_session_open_past_its_day_alerts_until_closed(self):
        self.day_of_trade()
        today = self.store._retail_kpi_today()
        self.assertLess(datetime.date.fromisoformat(DAY), today)
        late = self.figures(today, is_today=True)["pos_sessions_past_day"]
        self.assertEqual((late["value"], late["breaches"]), (1, 1))
        self.store._retail_check_alerts()
        alert = self.store._retail_open_alerts()["sla:session_past_day"]
        self.assertIn(self.session().name, alert.note)
        self.send_cashup(self.z_report(counted="37.20"))
        self.assertEqual(self.session().state, "closed")
        self.store._retail_check_alerts()
        self.assertNotIn("sla:session_past_day", self.store._retail_open_alerts())
        self.assertFalse(alert.active)
        figures = self.figures(today, is_today=True)
        self.assertEqual(figures["pos_sessions_past_day"]["value"], 0)
        # the session closed today with 0.30 missing in the drawer
        difference = figures["pos_cashup_difference"]
        self.assertAlmostEqual(difference["value"], 0.30)
        self.assertEqual((difference["count"], difference["breaches"]), (1, 1))

    def test_freshness_of_ticket_import(self):
        flows = {flow.flow: flow for flow in self.store._retail_freshness()}
        self.assertIsNone(flows["ticket_import"].last)
        self.day_of_trade()
        flows = {flow.flow: flow for flow in self.store._retail_freshness()}
        self.assertTrue(flows["ticket_import"].last)
        self.assertEqual(
            [flow for _label, flow, _s in self.store._retail_metrics_freshness()],
            ["ticket_import"],
        )
