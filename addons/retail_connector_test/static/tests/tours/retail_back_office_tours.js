/** The back-office screens of the retail integration, as a clerk uses them.
 *
 * Run by tests/test_tours.py, which stores the deliveries, exceptions and
 * jobs each tour looks at. */
import { registry } from "@web/core/registry";

const tours = registry.category("web_tour.tours");
const HELD = "Partner C-2 belongs to company CO-1";

tours.add("retail_dashboard_tour", {
    url: "/odoo/action-retail_connector_base.action_retail_dashboard",
    steps: () => [
        {
            content: "The store's card shows its day: deliveries, failures, exceptions",
            trigger: ".o_kanban_record:contains('Tour feed'):contains('Events (24 h)')",
        },
        {
            content: "A banner says what to do",
            trigger:
                ".o_kanban_record:contains('Tour feed') .alert:contains('Failures need attention: open the exceptions.')",
        },
        {
            content: "Three deliveries today",
            trigger:
                ".o_kanban_record:contains('Tour feed') a[name=action_open_events] .fs-4:contains('3')",
        },
        {
            content: "Open the store's exceptions from its card",
            trigger: ".o_kanban_record:contains('Tour feed') a[name=action_open_exceptions]",
            run: "click",
        },
        {
            content: "The exception names the record and the cause",
            trigger: `.o_list_view .o_data_row:contains('${HELD}')`,
        },
    ],
});

tours.add("retail_exception_retry_tour", {
    url: "/odoo/action-retail_connector_base.action_retail_sync_exception",
    steps: () => [
        {
            content: "The held partner's exception is in the queue",
            trigger: `.o_data_row:contains('${HELD}')`,
        },
        {
            content: "Open it",
            trigger: `.o_data_row:contains('${HELD}') td.o_data_cell[name=name]`,
            run: "click",
        },
        {
            content: "The form says what to do",
            trigger: ".o_form_view .o_field_widget[name=hint]:contains('imported once its company is')",
        },
        {
            content: "Retry it: its company is there now",
            trigger: ".o_form_view button[name=action_retry]",
            run: "click",
        },
        {
            content: "The retry is recorded in the exception's chatter",
            trigger: ".o-mail-Message:contains('Retry requested.')",
        },
    ],
});

tours.add("retail_exception_gone_tour", {
    url: "/odoo/action-retail_connector_base.action_retail_sync_exception",
    steps: () => [
        {
            content: "The queue shows what is still open",
            trigger: ".o_data_row:contains('Partner C-9 has no name')",
        },
        {
            content: "The retried exception is gone from the queue",
            trigger: `.o_list_view:not(:has(.o_data_row:contains('${HELD}')))`,
        },
    ],
});

tours.add("retail_kpi_tour", {
    url: "/odoo/action-retail_connector_base.action_retail_kpi_dashboard",
    steps: () => [
        {
            content: "The store's KPIs of the day",
            trigger: ".o_kanban_record:contains('Tour feed') table:contains('Exceptions opened')",
        },
        {
            content: "The freshness of its flows",
            trigger: ".o_kanban_record:contains('Tour feed') table:contains('min ago')",
        },
        {
            content: "The last 30 days",
            trigger: ".o_kanban_record:contains('Tour feed') a[name=action_open_kpis]",
            run: "click",
        },
        {
            content: "As a graph of the days",
            trigger: ".o_action_manager .o_graph_view canvas, .o_action_manager .o_list_view .o_data_row",
        },
    ],
});
