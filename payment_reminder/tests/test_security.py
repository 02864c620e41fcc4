# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.tests import new_test_user, tagged

from .common import PaymentReminderCommon, shop_time

MORNING = shop_time(2026, 11, 11, 9, 0)
NOW = shop_time(2026, 11, 11, 9, 45)


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestSecurity(PaymentReminderCommon):
    """Who sees and edits which reminders, windows and rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent_a = new_test_user(
            cls.env, "agent_a", groups="sales_team.group_sale_salesman"
        )
        cls.agent_b = new_test_user(
            cls.env, "agent_b", groups="sales_team.group_sale_salesman"
        )
        cls.manager = new_test_user(
            cls.env, "reminder_manager", groups="sales_team.group_sale_manager"
        )
        cls.portal_user = new_test_user(
            cls.env, "portal_buyer", groups="base.group_portal"
        )
        other = cls._customer("Zhao Min", "13800138003")
        cls.order_a = cls._order(cls.customer, MORNING, user_id=cls.agent_a.id)
        cls.order_b = cls._order(other, MORNING, user_id=cls.agent_b.id)
        cls.env["payment.reminder.queue"]._build(cls.company, NOW)
        cls.reminder_a = cls.order_a.reminder_ids
        cls.reminder_b = cls.order_b.reminder_ids

    def test_agent_sees_only_their_own_queue(self):
        visible = self.Reminder.with_user(self.agent_a).search([])
        self.assertIn(self.reminder_a, visible)
        self.assertNotIn(self.reminder_b, visible)

    def test_unassigned_reminders_are_visible_to_every_agent(self):
        self.reminder_b.user_id = False
        self.assertIn(self.reminder_b, self.Reminder.with_user(self.agent_a).search([]))

    def test_manager_sees_every_agent(self):
        visible = self.Reminder.with_user(self.manager).search([])
        self.assertIn(self.reminder_a, visible)
        self.assertIn(self.reminder_b, visible)

    def test_portal_user_never_reads_reminders(self):
        with self.assertRaises(AccessError):
            self.Reminder.with_user(self.portal_user).search([])

    def test_only_managers_edit_windows_and_channel_rules(self):
        window = self.env.ref("payment_reminder.window_morning")
        rule = self.env.ref("payment_reminder.channel_rule_portal")
        with self.assertRaises(AccessError):
            window.with_user(self.agent_a).remind_to = 11.0
        with self.assertRaises(AccessError):
            rule.with_user(self.agent_a).channel = "sms"
        window.with_user(self.manager).remind_to = 11.5
        rule.with_user(self.manager).min_order_age = 1.0
        self.assertEqual(window.remind_to, 11.5)

    def test_agent_cannot_change_the_settings(self):
        with self.assertRaises(AccessError):
            self.env["res.config.settings"].with_user(self.agent_a).create(
                {"payment_reminder_min_delay": 5}
            )

    def test_users_of_another_company_see_none_of_its_reminders(self):
        other_company = self.env["res.company"].create({"name": "Shop Two"})
        outsider = new_test_user(
            self.env,
            "outsider",
            groups="sales_team.group_sale_manager",
            company_id=other_company.id,
            company_ids=[(6, 0, other_company.ids)],
        )
        self.assertFalse(self.Reminder.with_user(outsider).search([]))
        order = self._order(self.customer, MORNING, company_id=other_company.id)
        other_company.write(
            {"payment_reminder_start_from": MORNING - timedelta(days=1)}
        )
        self.env["payment.reminder.queue"]._build(other_company, NOW)
        self.assertEqual(self.Reminder.with_user(outsider).search([]).order_ids, order)
