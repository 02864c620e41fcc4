# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""'Today' is the shop's day: the filters named for a day and the evening
summary e-mail read each company's day in its own time zone."""

from datetime import datetime

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import PaymentReminderResultsCommon, shop_time

# 07:30 in Shanghai on 10 Nov is still 9 Nov in UTC (and in a UTC browser).
SHANGHAI_MORNING = shop_time(2026, 11, 10, 7, 30)


@tagged("post_install", "-at_install")
class TestShopToday(PaymentReminderResultsCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.paris = cls.env["res.company"].create(
            {
                "name": "Paris shop",
                "currency_id": cls.currency_euro.id,
                "payment_reminder_tz": "Europe/Paris",
                "payment_reminder_start_from": datetime(2020, 1, 1),
            }
        )
        cls.env.user.company_ids |= cls.paris
        order = cls._order(cls.customer, shop_time(2026, 11, 9, 21, 0))
        cls.today = cls._reminder(order, SHANGHAI_MORNING, state="planned")
        cls.yesterday = cls._reminder(
            order, shop_time(2026, 11, 9, 21, 30), step="final"
        )
        cls.last_week = cls._reminder(
            order, shop_time(2026, 11, 3, 10, 0), step="manual"
        )

    def search_ids(self, domain):
        companies = (self.company | self.paris).ids
        reminders = self.Reminder.with_context(allowed_company_ids=companies)
        return set(reminders.search(domain).ids)

    def test_todays_queue_is_the_shops_day_not_the_browsers(self):
        """At 07:30 in Shanghai a UTC browser still says 9 Nov: the filter
        says 10 Nov, the shop's day."""
        with freeze_time(SHANGHAI_MORNING):
            self.assertEqual(SHANGHAI_MORNING.day, 9)
            self.assertEqual(
                self.search_ids([("is_shop_today", "=", True)]), {self.today.id}
            )
            self.assertNotIn(
                self.today.id, self.search_ids([("is_shop_today", "=", False)])
            )
            self.assertTrue(self.today.is_shop_today)
            self.assertFalse(self.yesterday.is_shop_today)
            self.assertEqual(self.yesterday.queue_days_ago, 1)

    def test_last_days_filters_count_shop_days(self):
        with freeze_time(SHANGHAI_MORNING):
            self.assertEqual(
                self.search_ids([("queue_days_ago", "<=", 6)]),
                {self.today.id, self.yesterday.id},
            )
            self.assertEqual(
                self.search_ids([("queue_days_ago", "<=", 29)]),
                {self.today.id, self.yesterday.id, self.last_week.id},
            )

    def test_todays_queue_menu_shows_the_work_from_today_on(self):
        """Opened late in the shop's evening, when the day's windows are over,
        *Today's Queue* shows the next morning's planned reminders, not an
        empty list."""
        tomorrow = self._reminder(
            self.today.order_id,
            shop_time(2026, 11, 11, 9, 0),
            state="planned",
            step="manual",
        )
        action = self.env.ref("payment_reminder.action_payment_reminder_today")
        self.assertIn("search_default_upcoming", action.context)
        with freeze_time(shop_time(2026, 11, 10, 23, 0)):
            self.assertEqual(
                self.search_ids(
                    [("queue_days_ago", "<=", 0), ("state", "=", "planned")]
                ),
                {self.today.id, tomorrow.id},
            )

    def test_each_company_reads_today_in_its_own_time_zone(self):
        """At 22:30 UTC on 9 Nov it is 10 Nov in Shanghai and still 9 Nov in
        Paris: each company's today is its own."""
        paris_order = self._order(
            self.returning_customer,
            datetime(2026, 11, 9, 18, 0),
            company_id=self.paris.id,
            pricelist_id=self.env["product.pricelist"]
            .create(
                {
                    "name": "Paris",
                    "currency_id": self.currency_euro.id,
                    "company_id": self.paris.id,
                }
            )
            .id,
        )
        paris_today = self.Reminder.create(
            {
                "partner_id": paris_order.partner_id.id,
                "order_id": paris_order.id,
                "order_ids": [Command.set(paris_order.ids)],
                "customer_key": paris_order.reminder_customer_key,
                "step": "first",
                "scheduled_at": datetime(2026, 11, 9, 19, 0),
                "queue_date": datetime(2026, 11, 9).date(),
                "company_id": self.paris.id,
                "currency_id": paris_order.currency_id.id,
            }
        )
        with freeze_time(shop_time(2026, 11, 10, 6, 30)):
            self.assertEqual(
                self.search_ids([("is_shop_today", "=", True)]),
                {self.today.id, paris_today.id},
            )

    def test_my_calls_due_today_is_the_shops_day(self):
        order = self.today.order_id
        call = order.activity_schedule(
            "payment_reminder.mail_activity_type_call",
            date_deadline=datetime(2026, 11, 10).date(),
            user_id=self.env.user.id,
            payment_reminder_id=self.today.id,
        )
        Activity = self.env["mail.activity"]
        with freeze_time(SHANGHAI_MORNING):
            self.assertIn(call, Activity.search([("payment_reminder_due", "=", True)]))
            self.assertTrue(call.payment_reminder_due)
        with freeze_time(shop_time(2026, 11, 9, 23, 0)):
            self.assertNotIn(
                call, Activity.search([("payment_reminder_due", "=", True)])
            )

    def test_the_summary_goes_out_in_each_companys_evening(self):
        """The cron runs every hour: Shanghai gets its sheet at 23:00 Shanghai
        time, Paris at 23:00 Paris time, each once a day."""
        boss = new_test_user(
            self.env,
            "boss",
            email="boss@example.com",
            company_ids=[Command.set((self.company | self.paris).ids)],
        )
        (self.company | self.paris).payment_reminder_summary_user_ids = boss
        Mail = self.env["mail.mail"]
        # As the scheduler runs it: as the superuser, who sees every company.
        cron = self.Reminder.sudo()

        def summaries():
            return Mail.search([("subject", "like", "summary")]).mapped("subject")

        with freeze_time(shop_time(2026, 11, 10, 22, 0)):
            cron._cron_email_summary()
        self.assertEqual(summaries(), [])
        with freeze_time(shop_time(2026, 11, 10, 23, 0)):
            cron._cron_email_summary()
            cron._cron_email_summary()
        self.assertEqual(len(summaries()), 1)
        self.assertEqual(self.company.payment_reminder_summary_sent_on.day, 10)
        self.assertFalse(self.paris.payment_reminder_summary_sent_on)
        # 23:00 in Paris (UTC+1 in November) is 22:00 UTC.
        with freeze_time(datetime(2026, 11, 10, 22, 0)):
            cron._cron_email_summary()
        self.assertEqual(len(summaries()), 2)
        self.assertEqual(self.paris.payment_reminder_summary_sent_on.day, 10)
        # A cron that missed the evening sends the day before's sheet once.
        with freeze_time(shop_time(2026, 11, 12, 10, 0)):
            cron._cron_email_summary()
        self.assertEqual(self.company.payment_reminder_summary_sent_on.day, 11)
        self.assertEqual(len(summaries()), 4)
