# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from freezegun import freeze_time

from odoo import SUPERUSER_ID, api
from odoo.tests import new_test_user, tagged

from ..models.payment_reminder_sending import ReminderWait
from .common import PaymentReminderSendCommon, shop_time
from .common_workers import CommittedOrdersCase

PLACED = shop_time(2026, 11, 11, 9, 30)
MORNING = shop_time(2026, 11, 11, 10, 0)


@tagged("post_install", "-at_install")
class TestSmsBudget(PaymentReminderSendCommon):
    """The daily SMS budget (segments per shop day): never exceeded; past it,
    the next channel of the rules, else the next day."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["payment_reminder"], ["zh_CN"], overwrite=True
        )
        # Chinese SMS of 71 to 134 characters: two segments each.
        cls.buyers = [
            cls._customer(name, f"139001390{number:02d}", lang="zh_CN", email=email)
            for number, (name, email) in enumerate(
                [("周一", True), ("吴二", True), ("郑三", True), ("王四", False)]
            )
        ]
        cls.company.payment_reminder_sms_daily_limit = 5
        # A shop that does not call: past the budget, e-mail, else SMS the
        # next day.
        cls.env["payment.reminder.channel.rule"].search(
            [("channel", "=", "phone")]
        ).active = False

    def used(self, day=date(2026, 11, 11)):
        return (
            self.env["payment.reminder.sms.usage"]
            .search([("company_id", "=", self.company.id), ("day", "=", day)])
            .segments
        )

    def test_budget_is_never_exceeded_then_next_channel_or_next_day(self):
        reminders = [
            self.due_reminder(self._order(buyer, PLACED), "sms")
            for buyer in self.buyers
        ]
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self.send_due(MORNING)
        first, second, third, fourth = reminders
        # 2 + 2 segments sent; 2 more would make 6 > 5.
        self.assertEqual([len(self._sms), self.used()], [2, 4])
        self.assertEqual((first.channel, first.sms_segments), ("sms", 2))
        self.assertEqual((second.channel, second.sms_segments), ("sms", 2))
        # The next channel of the rules that reaches the customer instead.
        self.assertEqual((third.state, third.channel), ("done", "email"))
        self.assertFalse(third.sms_segments)
        line = third.order_id.message_ids.filtered(
            lambda m: "· attempt" in (m.body or "")
        )
        self.assertIn("the day's SMS budget is used up", line.body)
        # No other channel: the first window of the next day (09:00).
        self.assertEqual(fourth.state, "planned")
        self.assertEqual(fourth.wait_reason, "sms_budget")
        self.assertEqual(fourth.scheduled_at, shop_time(2026, 11, 12, 9, 0))
        with self.mockSMSGateway():
            self.send_due(MORNING + timedelta(hours=5))
            self.assertEqual(self._sms, [])
            self.send_due(shop_time(2026, 11, 12, 9, 0))
        self.assertEqual(len(self._sms), 1)
        self.assertEqual((fourth.state, fourth.channel), ("done", "sms"))
        self.assertEqual(self.used(), 4)
        self.assertEqual(self.used(date(2026, 11, 12)), 2)

    def test_no_limit_counts_nothing_and_holds_nothing(self):
        self.company.payment_reminder_sms_daily_limit = 0
        reminders = [
            self.due_reminder(self._order(buyer, PLACED), "sms")
            for buyer in self.buyers
        ]
        with self.mockSMSGateway():
            self.send_due(MORNING)
        self.assertEqual(len(self._sms), 4)
        self.assertEqual({r.channel for r in reminders}, {"sms"})
        self.assertFalse(self.used())

    def test_the_day_count_starts_from_the_sms_already_sent(self):
        """A budget set during the day counts what was sent before it."""
        self.company.payment_reminder_sms_daily_limit = 0
        early = self.due_reminder(self._order(self.buyers[0], PLACED), "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        self.assertEqual(early.sms_segments, 2)
        self.company.payment_reminder_sms_daily_limit = 3
        late = self.due_reminder(self._order(self.buyers[3], PLACED), "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING + timedelta(hours=1))
        self.assertEqual(self._sms, [])
        self.assertEqual(late.wait_reason, "sms_budget")
        self.assertEqual(
            self.Reminder._reminder_sms_segments_of_day(
                self.company, date(2026, 11, 11)
            ),
            2,
        )

    def test_the_day_count_counts_every_agents_sms(self):
        """An agent's SMS starts the count with every agent's, not only the
        reminders the agent may see."""
        self.company.payment_reminder_sms_daily_limit = 0
        other = new_test_user(
            self.env, "other.agent", "payment_reminder.group_payment_reminder_user"
        )
        self.due_reminder(self._order(self.buyers[0], PLACED), "sms", user_id=other.id)
        with self.mockSMSGateway():
            self.send_due(MORNING)
        Reminder = self.Reminder.with_user(self.agent)
        self.assertFalse(Reminder.search([("user_id", "=", other.id)]))
        self.assertEqual(
            Reminder._reminder_sms_segments_of_day(self.company, date(2026, 11, 11)), 2
        )

    def test_remind_now_by_sms_says_it_waits_for_the_budget(self):
        self.company.payment_reminder_sms_daily_limit = 1
        order = self._order(self.buyers[3], PLACED)
        wizard = (
            self.env["payment.reminder.send"]
            .with_context(default_order_ids=order.ids)
            .create({"channel": "sms"})
        )
        with freeze_time(MORNING), self.mockSMSGateway():
            action = wizard.action_send()
        self.assertIn(
            "1 wait for tomorrow: the day's SMS budget is used up.",
            action["params"]["message"],
        )


@tagged("post_install", "-at_install")
class TestSmsBudgetWorkers(CommittedOrdersCase):
    """Two workers counting against the same budget, each on its connection:
    neither may spend what the other one took."""

    def setUp(self):
        super().setUp()
        with self.committed_env() as env:
            self.company_id = env.company.id
            saved = env.company.payment_reminder_sms_daily_limit
            env.company.payment_reminder_sms_daily_limit = 3
        self.addCleanup(self._restore, saved)
        self.now = shop_time(2027, 1, 5, 10, 0)

    def _restore(self, limit):
        with self.committed_env() as env:
            env["payment.reminder.sms.usage"].search(
                [("company_id", "=", self.company_id), ("day", "=", date(2027, 1, 5))]
            ).unlink()
            env["res.company"].browse(
                self.company_id
            ).payment_reminder_sms_daily_limit = limit

    def take(self, env, segments):
        reminder = env["payment.reminder"].new({"company_id": self.company_id})
        return reminder._reminder_take_sms_budget(segments, self.now)

    def test_a_worker_never_spends_what_another_one_took(self):
        with self.registry.cursor() as cr_a, self.registry.cursor() as cr_b:
            env_a = api.Environment(cr_a, SUPERUSER_ID, {})
            env_b = api.Environment(cr_b, SUPERUSER_ID, {})
            # B's transaction starts before A takes anything.
            env_b["res.company"].browse(self.company_id).name  # noqa: B018
            self.assertTrue(self.take(env_a, 2))
            # A holds the count: B does not wait, it tries again next run.
            with self.assertRaises(ReminderWait):
                self.take(env_b, 1)
            cr_a.commit()
            # Committed since B began: B cannot see it, so it may not count.
            with self.assertRaises(ReminderWait):
                self.take(env_b, 2)
            cr_b.rollback()
        with self.registry.cursor() as cr_c:
            env_c = api.Environment(cr_c, SUPERUSER_ID, {})
            self.assertFalse(self.take(env_c, 2))
            self.assertTrue(self.take(env_c, 1))
            self.assertFalse(self.take(env_c, 1))
            cr_c.commit()
        with self.committed_env() as env:
            usage = env["payment.reminder.sms.usage"].search(
                [("company_id", "=", self.company_id), ("day", "=", date(2027, 1, 5))]
            )
            self.assertEqual(usage.segments, 3)
