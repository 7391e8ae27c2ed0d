/** A 3PL provider is configured through its form: named, its adapter and
 * API, its release and short-shipment policies, the warehouse it operates,
 * a signing secret, then activated. Run by tests/test_tours.py. */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("retail_3pl_provider_tour", {
    url: "/odoo/action-retail_3pl.action_retail_3pl_provider",
    steps: () => [
        {
            content: "New provider",
            trigger: ".o_control_panel button.o_list_button_add, .o_control_panel button.o-kanban-button-new",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour Logistics",
        },
        {
            content: "It speaks the generic contract",
            trigger: ".o_form_view .o_field_widget[name=adapter_type] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_item:contains('Generic contract')",
            run: "click",
        },
        {
            content: "Its API",
            trigger: ".o_form_view .o_field_widget[name=api_url] input",
            run: "edit https://3pl.example.test/v1",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=api_token] input",
            run: "edit tour-token-123",
        },
        {
            content: "Send a delivery only once it is reserved",
            trigger: ".o_form_view .o_field_widget[name=release_policy] input",
            run: "click",
        },
        {
            trigger: ".o_select_menu_item:contains('Only when the delivery is reserved')",
            run: "click",
        },
        {
            content: "The warehouse it operates",
            trigger: ".o_form_view .o_field_widget[name=warehouse_ids] .o_field_x2many_list_row_add a",
            run: "click",
        },
        {
            trigger: ".modal .o_data_row:contains('Tour Warehouse') td.o_data_cell",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=warehouse_ids] .o_data_row:contains('Tour Warehouse')",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "A signing secret for the provider's messages",
            trigger: ".o_form_view button[name=action_generate_signing_secret]",
            run: "click",
        },
        {
            content: "Confirm: messages signed with an old secret are refused",
            trigger: ".modal button.btn-primary",
            run: "click",
        },
        {
            trigger: ".o-mail-Message:contains('A new signing secret was generated.')",
        },
        {
            content: "Activate",
            trigger: ".o_form_view button[name=action_activate]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Active')",
        },
    ],
});
