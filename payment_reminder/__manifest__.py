# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
{
    "name": "Payment Reminders for Unpaid Orders",
    "summary": "Win back orders placed but not paid: a daily reminder queue, "
    "the right channel at the right moment, results and sheets",
    "version": "18.0.1.0.0",
    "category": "Sales/Sales",
    "author": "payment_reminder authors",
    "website": "https://github.com/payment-reminder/payment_reminder",
    "license": "LGPL-3",
    "application": True,
    "depends": ["sale_management", "mail", "sms", "portal", "payment", "phone_validation"],
    "external_dependencies": {"python": ["phonenumbers"]},
    "data": [
        "security/payment_reminder_groups.xml",
        "security/ir.model.access.csv",
        "security/payment_reminder_security.xml",
        "data/payment_reminder_window_data.xml",
        "data/payment_reminder_channel_rule_data.xml",
        "data/ir_cron_data.xml",
        "views/payment_reminder_views.xml",
        "views/payment_reminder_window_views.xml",
        "views/payment_reminder_channel_rule_views.xml",
        "views/sale_order_views.xml",
        "views/res_partner_views.xml",
        "views/res_config_settings_views.xml",
        "views/payment_reminder_menus.xml",
    ],
    "demo": [
        "demo/product_demo.xml",
        "demo/res_partner_demo.xml",
        "demo/payment_reminder_demo.xml",
    ],
    "installable": True,
}
