/** @odoo-module **/
// Copyright 2026 payment_reminder authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { formatDateTime } from "@web/core/l10n/dates";
import { registry } from "@web/core/registry";
import { stepUtils } from "@web_tour/tour_service/tour_utils";

const { DateTime } = luxon;

// Data from TestTours.test_agent_logs_a_promise: order "TOUR/CALL" with a call planned.
registry.category("web_tour.tours").add("payment_reminder_agent_tour", {
    url: "/odoo",
    steps: () => {
        // In the future whenever the tour runs; shown in the browser's time zone.
        const promised = formatDateTime(
            DateTime.now()
                .plus({ days: 2 })
                .set({ hour: 10, minute: 0, second: 0, millisecond: 0 }),
        );
        return [
            stepUtils.showAppsMenuItem(),
            {
                content: "Open Sales",
                trigger: ".o_app[data-menu-xmlid='sale.sale_menu_root']",
                run: "click",
            },
            {
                content: "Open the Payment Reminders menu",
                trigger:
                    "button[data-menu-xmlid='payment_reminder.menu_payment_reminder_root']",
                run: "click",
            },
            {
                content: "Open My Calls",
                trigger:
                    ".dropdown-item[data-menu-xmlid='payment_reminder.menu_payment_reminder_my_calls']",
                run: "click",
            },
            {
                content: "Log the result of the call about TOUR/CALL",
                trigger:
                    ".o_data_row:contains(TOUR/CALL) button[name='action_payment_reminder_log_call']",
                run: "click",
            },
            {
                content: "The customer will pay",
                trigger: ".modal div[name='outcome'] input[data-value='will_pay']",
                run: "click",
            },
            {
                content: "By the promised moment",
                trigger: ".modal div[name='promised_at'] input",
                run: `edit ${promised}`,
            },
            {
                content: "Log the result",
                trigger: ".modal .modal-footer button[name='action_confirm']",
                run: "click",
            },
            {
                content: "The call is done: no call left",
                trigger: ".o_view_nocontent",
            },
            {
                content: "Open the Orders menu",
                trigger: "button[data-menu-xmlid='sale.sale_order_menu']",
                run: "click",
            },
            {
                content: "Open Quotations",
                trigger: ".dropdown-item[data-menu-xmlid='sale.menu_sale_quotations']",
                run: "click",
            },
            {
                content: "Open the order",
                trigger: ".o_data_row td[name='name']:contains(TOUR/CALL)",
                run: "click",
            },
            {
                content: "Open the order's other information",
                trigger: ".o_notebook a[name='other_information']",
                run: "click",
            },
            {
                content: "The order waits for the promised payment",
                trigger:
                    ".o_form_view div[name='reminder_state']:contains(Payment promised)",
            },
            {
                content: "By the promised moment",
                trigger: `.o_form_view div[name='reminder_promised_at'] input:value(${promised})`,
            },
        ];
    },
});
