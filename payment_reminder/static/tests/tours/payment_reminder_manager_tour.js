/** @odoo-module **/
// Copyright 2026 payment_reminder authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

registry.category("web_tour.tours").add("payment_reminder_settings_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open Settings",
            trigger: ".o_app[data-menu-xmlid='base.menu_administration']",
            run: "click",
        },
        {
            content: "Open the Sales settings",
            trigger: ".settings_tab .tab[data-key='sale_management']",
            run: "click",
        },
        {
            content: "Find the Payment Reminders block",
            trigger:
                ".app_settings_block[data-key='sale_management'] h2:contains(Payment Reminders)",
        },
        {
            content: "Wait at least 45 minutes after the order before reminding",
            trigger:
                "#payment_reminder_timing_setting div[name='payment_reminder_min_delay'] input",
            run: "edit 45",
        },
        {
            content: "Save",
            trigger: ".o_control_panel .o_form_button_save",
            run: "click",
            expectUnloadPage: true,
        },
        {
            content: "The settings are saved and shown again",
            trigger:
                "#payment_reminder_timing_setting div[name='payment_reminder_min_delay'] input:value(45)",
        },
    ],
});

registry.category("web_tour.tours").add("payment_reminder_window_tour", {
    url: "/odoo",
    steps: () => [
        stepUtils.showAppsMenuItem(),
        {
            content: "Open Sales",
            trigger: ".o_app[data-menu-xmlid='sale.sale_menu_root']",
            run: "click",
        },
        {
            content: "Open Configuration",
            trigger: "button[data-menu-xmlid='sale.menu_sale_config']",
            run: "click",
        },
        {
            content: "Open the reminder windows",
            trigger:
                ".dropdown-item[data-menu-xmlid='payment_reminder.menu_payment_reminder_window']",
            run: "click",
        },
        {
            content: "Unfold the order windows",
            trigger: ".o_group_header:contains(Order)",
            run: "click",
        },
        {
            content: "Edit the morning orders' window",
            trigger: ".o_data_row:contains(Morning orders) td[name='remind_to']",
            run: "click",
        },
        {
            content: "Remind morning orders until 11:30",
            trigger: ".o_data_row.o_selected_row td[name='remind_to'] input",
            run: "edit 11:30",
        },
        {
            content: "Save",
            trigger: ".o_list_button_save",
            run: "click",
        },
        {
            content: "The window is saved",
            trigger:
                ".o_data_row:not(.o_selected_row):contains(Morning orders) td[name='remind_to']:contains(11:30)",
        },
        {
            content: "Nothing left to save",
            trigger: ".o_control_panel:not(:has(.o_list_button_save))",
        },
    ],
});
