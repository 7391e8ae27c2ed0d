/** A store is configured through its form: named, coded, given its
 * warehouse, activated, and its till gets an API key shown once.
 * Run by tests/test_tours.py. */
import { registry } from "@web/core/registry";

registry.category("web_tour.tours").add("retail_pos_store_tour", {
    url: "/odoo/action-retail_pos.action_retail_pos_store",
    steps: () => [
        {
            content: "New store",
            trigger: ".o_control_panel button.o_list_button_add, .o_control_panel button.o-kanban-button-new",
            run: "click",
        },
        {
            content: "Its name",
            trigger: ".o_form_view .o_field_widget[name=name] input",
            run: "edit Tour Chiado",
        },
        {
            content: "Its code, as the tills send it",
            trigger: ".o_form_view .o_field_widget[name=code] input",
            run: "edit TOUR1",
        },
        {
            content: "The warehouse its sales leave",
            trigger: ".o_form_view .o_field_widget[name=warehouse_id] input",
            run: "edit Tour Warehouse",
        },
        {
            trigger: ".o-autocomplete--dropdown-menu .dropdown-item:contains('Tour Warehouse')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "Saved",
            trigger: ".o_form_view .o_form_saved",
        },
        {
            content: "Activate the store",
            trigger: ".o_form_view button[name=action_activate]",
            run: "click",
        },
        {
            content: "The store is active",
            trigger: ".o_form_view .o_statusbar_status .o_arrow_button_current:contains('Active')",
        },
        {
            content: "A key for the till",
            trigger: ".o_form_view button[name=action_new_api_key]",
            run: "click",
        },
        {
            trigger: ".modal .o_field_widget[name=name] input",
            run: "edit Till vendor",
        },
        {
            trigger: ".modal button[name=action_generate]",
            run: "click",
        },
        {
            content: "The key is shown once, to copy",
            trigger: ".modal .o_field_widget[name=key]",
            run: () => {
                const key = document
                    .querySelector(".modal .o_field_widget[name=key]")
                    .textContent.trim();
                if (key.length < 40) {
                    throw new Error(`the key shown is not a key: "${key}"`);
                }
            },
        },
        {
            trigger: ".modal button[name=action_done]",
            run: "click",
        },
        {
            content: "The store counts one key",
            trigger: ".o_form_view button[name=action_open_api_keys]:contains('1')",
        },
    ],
});
