/** @odoo-module **/
// Copyright 2026 payment_reminder authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

// Starts at the pay link of a reminder (TestTours.test_customer_reaches_the_payment_form).
registry.category("web_tour.tours").add("payment_reminder_customer_tour", {
    steps: () => [
        {
            content: "The order is shown",
            trigger: "#portal_sale_content:contains(TOUR/PAY)",
        },
        {
            content: "The pay link opens the payment dialog",
            trigger: "#modalaccept.show #o_payment_form",
        },
        {
            content: "The shop's payment provider is offered",
            trigger: "#modalaccept.show #o_payment_form [name='o_payment_option']",
        },
        {
            content: "The amount to pay is announced",
            trigger: "#modalaccept.show button[name='o_payment_submit_button']",
        },
    ],
});
