/** @odoo-module **/
// Copyright 2026 payment_reminder authors
// License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import { registry } from "@web/core/registry";

// Starts at the pay link of a reminder (TestTours.test_customer_reaches_the_payment_form),
// on Odoo's default quotation settings: the link leads to the payment page, not to
// "Accept & Sign".
registry.category("web_tour.tours").add("payment_reminder_customer_tour", {
    steps: () => [
        {
            content: "The payment page names the order",
            trigger: "body:contains(TOUR/PAY)",
        },
        {
            content: "The pay link opens the payment form, no signature asked",
            trigger: "#o_payment_form:not(:has(#o_portal_sign_draw))",
        },
        {
            content: "The shop's payment provider is offered",
            trigger: "#o_payment_form [name='o_payment_option']",
        },
        {
            content: "The customer can pay",
            trigger: "button[name='o_payment_submit_button']",
        },
    ],
});
