# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
MORNING = shop_time(2026, 11, 11, 10, 0)


@tagged("post_install", "-at_install")
class TestSend(PaymentReminderSendCommon):
    """Sending due reminders: what goes out, to whom, and what the order keeps."""

    def setUp(self):
        super().setUp()
        self.order = self._order(self.customer, PLACED)

    def chatter_lines(self, order):
        note = self.env.ref("mail.mt_note")
        return [
            html2plaintext(message.body)
            for message in order.message_ids
            if message.subtype_id == note and "· attempt" in (message.body or "")
        ]

    # === PORTAL AND EMAIL === #

    def test_portal_message_reaches_the_customer_with_a_pay_link(self):
        reminder = self.due_reminder(self.order, "portal")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        token = self.order.access_token
        self.assertTrue(token)
        message = self.order.message_ids.filtered(lambda m: m.message_type == "comment")
        self.assertEqual(len(message), 1)
        self.assertMessageFields(
            message,
            {
                "subtype_id": self.env.ref("mail.mt_comment"),
                "partner_ids": self.customer,
                "subject": f"{self.order.name}: shall we get your order on its way?",
            },
        )
        body = message.body
        for text in (
            "Wang Fang",
            self.order.name,
            "Silk scarf",
            "100.00",
            "2 days 23 hours",
            f"/payment_reminder/pay/{self.order.id}?access_token={token}",
        ):
            self.assertIn(text, body)
        self.assertMailMail(
            self.customer,
            "sent",
            author=message.author_id,
            content=f"access_token={token}",
        )
        self.assertEqual(reminder.state, "done")
        self.assertEqual(reminder.done_at, MORNING)
        self.assertEqual(
            reminder.script_id, self.env.ref("payment_reminder.script_placed")
        )

    def test_email_is_sent_like_core_order_emails(self):
        self.due_reminder(self.order, "email")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        message = self.order.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_comment")
        )
        self.assertEqual(len(message), 1)
        self.assertEqual(message.message_type, "notification")
        self.assertSentEmail(
            message.author_id,
            [self.customer],
            subject=f"{self.order.name}: shall we get your order on its way?",
            body_content=f"access_token={self.order.access_token}",
        )

    # === SMS === #

    def test_sms_goes_to_the_mobile_with_the_pay_link(self):
        reminder = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        link = reminder.link_tracker_id
        self.assertEqual(link.url, self.order._payment_reminder_payment_url())
        self.assertSMSIapSent(["+8613800138001"], content=link.short_url)
        self.assertSMSIapSent(["+8613800138001"], content=f"order {self.order.name}")
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(reminder.state, "done")

    def test_sms_to_a_landline_falls_back_and_says_why(self):
        order = self._order(self.landline_customer, PLACED)
        reminder = self.due_reminder(order, "sms")
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self.send_due(MORNING)
        self.assertEqual(self._sms, [])
        # The first usable channel of the rules: a landline still takes calls,
        # a call to make until the agent makes it.
        self.assertEqual(reminder.state, "calling")
        self.assertEqual(reminder.channel, "phone")
        self.assertEqual(len(order.activity_ids), 1)
        [line] = self.chatter_lines(order)
        self.assertIn("Phone call · call planned for Zhao Lei", line)
        self.assertIn("(no SMS: +861062345678 is not a mobile number)", line)

    def test_sms_gateway_error_fails_the_reminder_and_sends_nothing(self):
        reminder = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway(sim_error="credit"):
            self.send_due(MORNING)
        self.assertEqual(self._sms, [])
        # Queued with the batch, refused when Odoo's SMS queue sent it.
        self.assertEqual(reminder.state, "failed")
        self.assertIn("Insufficient Credit", reminder.error_message)
        self.assertEqual(reminder.retry_count, 1)
        self.assertEqual(reminder.scheduled_at, MORNING + timedelta(minutes=30))
        self.assertEqual(reminder.cost, 0.0)
        message = self.order.message_ids.filtered(lambda m: m.message_type == "sms")
        self.assertEqual(message.notification_ids.notification_status, "exception")

    # === QUIET HOURS === #

    def test_no_sms_in_quiet_hours_it_waits_until_9(self):
        reminder = self.due_reminder(self.order, "sms", shop_time(2026, 11, 11, 22, 30))
        with self.mockSMSGateway():
            self.send_due(shop_time(2026, 11, 11, 22, 35))
        self.assertEqual(self._sms, [])
        self.assertEqual(reminder.state, "planned")
        self.assertEqual(reminder.scheduled_at, shop_time(2026, 11, 12, 9, 0))
        with self.mockSMSGateway():
            self.send_due(shop_time(2026, 11, 12, 9, 0))
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(reminder.state, "done")

    def test_quiet_hours_follow_the_customer_time_zone(self):
        self.customer.tz = "Europe/Paris"
        # 16:00 in Shanghai is 09:00 in Paris (winter): still quiet until 09:00.
        reminder = self.due_reminder(
            self.order, "portal", shop_time(2026, 11, 11, 15, 0)
        )
        with self.mock_mail_gateway():
            self.send_due(shop_time(2026, 11, 11, 15, 30))
        self.assertEqual(reminder.state, "planned")
        self.assertEqual(reminder.scheduled_at, shop_time(2026, 11, 11, 16, 0))
        self.assertFalse(
            self.order.message_ids.filtered(lambda m: m.message_type == "comment")
        )

    def test_quiet_hours_are_a_company_setting(self):
        self.company.write(
            {"payment_reminder_quiet_start": 21.0, "payment_reminder_quiet_end": 8.0}
        )
        reminder = self.due_reminder(
            self.order, "portal", shop_time(2026, 11, 11, 21, 10)
        )
        with self.mock_mail_gateway():
            self.send_due(shop_time(2026, 11, 11, 21, 15))
        self.assertEqual(reminder.scheduled_at, shop_time(2026, 11, 12, 8, 0))

    # === DEADLINES (issue 11) === #

    def test_nothing_goes_out_after_the_deadline(self):
        # Due before the deadline; the sending run comes after it, before the
        # closing cron ran.
        deadline = self.order.payment_deadline
        reminder = self.due_reminder(
            self.order, "sms", deadline - timedelta(minutes=30), step="final"
        )
        with self.mockSMSGateway():
            self.send_due(deadline + timedelta(minutes=5))
        self.assertEqual(self._sms, [])
        self.assertEqual(
            (reminder.state, reminder.skip_reason), ("skipped", "deadline_passed")
        )
        self.assertFalse(self.chatter_lines(self.order))

    def test_a_reminder_due_within_the_minimum_interval_waits(self):
        # Rule 9 at sending: the first reminder went out at 10:00; a final
        # reminder of the same customer comes due at 10:30 (interval: 2 h).
        first = self.due_reminder(self.order, "email", shop_time(2026, 11, 11, 10, 0))
        self.send_due(shop_time(2026, 11, 11, 10, 0))
        self.assertEqual(first.state, "done")
        other = self._order(self.customer, PLACED + timedelta(minutes=10))
        final = self.due_reminder(
            other, "email", shop_time(2026, 11, 11, 10, 30), step="final"
        )
        self.send_due(shop_time(2026, 11, 11, 10, 30))
        self.assertEqual(
            (final.state, final.scheduled_at, final.wait_reason),
            ("planned", shop_time(2026, 11, 11, 12, 0), "min_interval"),
        )
        self.send_due(shop_time(2026, 11, 11, 12, 0))
        self.assertEqual(final.state, "done")

    def test_a_reminder_that_would_wait_past_the_deadline_is_too_soon(self):
        first = self.due_reminder(self.order, "email", shop_time(2026, 11, 11, 10, 0))
        self.send_due(shop_time(2026, 11, 11, 10, 0))
        flash = self._order(
            self.customer, shop_time(2026, 11, 11, 10, 5), product=self.product_flash
        )
        final = self.due_reminder(
            flash, "email", shop_time(2026, 11, 11, 10, 20), step="final"
        )
        self.send_due(shop_time(2026, 11, 11, 10, 20))
        self.assertEqual(first.state, "done")
        self.assertEqual((final.state, final.skip_reason), ("skipped", "too_soon"))
        self.assertFalse(self.chatter_lines(flash))

    def test_quiet_hours_never_hold_a_reminder_past_the_deadline(self):
        order = self._order(self.returning_customer, shop_time(2026, 11, 8, 23, 10))
        reminder = self.due_reminder(
            order, "sms", shop_time(2026, 11, 11, 22, 40), step="final"
        )
        with self.mockSMSGateway():
            self.send_due(shop_time(2026, 11, 11, 22, 40))
        self.assertEqual(self._sms, [])
        self.assertEqual((reminder.state, reminder.skip_reason), ("skipped", "no_slot"))

    def test_quiet_hours_do_not_apply_to_a_customer_who_just_ordered(self):
        placed = shop_time(2026, 11, 11, 23, 40)
        order = self._order(self.returning_customer, placed)
        reminder = self.due_reminder(order, "sms", placed + timedelta(minutes=15))
        # Another customer who ordered in the morning sleeps.
        sleeping = self.due_reminder(self.order, "sms", placed + timedelta(minutes=15))
        with self.mockSMSGateway():
            self.send_due(placed + timedelta(minutes=15))
        self.assertSMSIapSent(["+8613800138002"])
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(reminder.state, "done")
        self.assertEqual(sleeping.state, "planned")
        self.assertEqual(sleeping.scheduled_at, shop_time(2026, 11, 12, 9, 0))

    def test_a_later_order_paid_since_the_queue_was_built_stops_the_reminder(self):
        reminder = self.due_reminder(self.order, "sms")
        self._paid_order(self.customer, PLACED + timedelta(minutes=10))
        with self.mockSMSGateway():
            self.send_due(MORNING)
        self.assertEqual(self._sms, [])
        self.assertEqual(
            (reminder.state, reminder.skip_reason), ("skipped", "replaced_by_paid")
        )

    # === PHONE === #

    def test_call_is_an_activity_in_the_next_call_window_with_the_script(self):
        self.order.user_id = self.agent
        earlier = self.due_reminder(
            self.order, "portal", shop_time(2026, 11, 11, 10, 0)
        )
        with self.mock_mail_gateway():
            self.send_due(shop_time(2026, 11, 11, 10, 0))
        reminder = self.due_reminder(
            self.order,
            "phone",
            shop_time(2026, 11, 11, 12, 30),
            step="final",
            queue_date=shop_time(2026, 11, 12, 0, 0).date(),
        )
        self.send_due(shop_time(2026, 11, 11, 12, 30))
        self.assertEqual(earlier.state, "done")
        activity = self.order.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(
            activity.activity_type_id,
            self.env.ref("payment_reminder.mail_activity_type_call"),
        )
        self.assertEqual(activity.user_id, self.agent)
        self.assertEqual(str(activity.date_deadline), "2026-11-11")
        self.assertIn("16:00-17:00", activity.summary)
        note = activity.note
        for text in (
            "Wang Fang",
            'href="tel:+86-138-0013-8001"',
            "+86 138 0013 8001",
            "in the morning",
            "Silk scarf",
            "100.00",
            "2 days 21 hours",
            "Portal message",
            "They are busy",
            "They no longer want the order",
            "Someone else answers",
        ):
            self.assertIn(text, note)
        self.assertEqual(reminder.state, "calling")
        self.assertFalse(reminder.done_at)
        self.assertIn(
            "Zhao Lei · attempt 2 · Phone call · call planned",
            self.chatter_lines(self.order)[0],
        )

    def test_call_after_the_last_window_is_due_the_next_morning(self):
        self.due_reminder(self.order, "phone", shop_time(2026, 11, 11, 21, 30))
        self.send_due(shop_time(2026, 11, 11, 21, 30))
        activity = self.order.activity_ids
        self.assertEqual(str(activity.date_deadline), "2026-11-12")
        self.assertIn("11:00-12:00", activity.summary)

    # === CHECKS JUST BEFORE SENDING === #

    def test_order_paid_meanwhile_is_skipped(self):
        reminder = self.due_reminder(self.order, "portal")
        self._pay(self.order)
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "skipped")
        self.assertEqual(reminder.skip_reason, "paid")
        self.assertNoMail(self.customer)
        self.assertFalse(self.chatter_lines(self.order))

    def test_pending_payment_is_not_chased(self):
        reminder = self.due_reminder(self.order, "sms")
        self._pay(self.order, state="pending")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "skipped")
        self.assertEqual(reminder.skip_reason, "payment_in_progress")
        self.assertEqual(self._sms, [])

    # === CHATTER, BATCHES, FAILURES === #

    def test_every_sent_reminder_writes_one_chatter_line(self):
        self.due_reminder(self.order, "portal")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        self.assertEqual(
            self.chatter_lines(self.order),
            [
                "11/11/26, 10:00 AM · Zhao Lei · attempt 1 · Portal message · "
                "message posted"
            ],
        )

    def test_running_the_cron_twice_sends_once(self):
        reminder = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
            self.send_due(MORNING + timedelta(minutes=5))
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(len(self.chatter_lines(self.order)), 1)
        self.assertEqual(reminder.state, "done")

    def test_reminders_not_yet_due_wait(self):
        reminder = self.due_reminder(self.order, "portal", MORNING + timedelta(hours=1))
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "planned")
        self.assertNoMail(self.customer)

    def test_broken_template_fails_retries_then_stays_failed(self):
        broken = self.env.ref("payment_reminder.mail_template_placed").copy(
            {"subject": "{{ object.no_such_field }}"}
        )
        self.env.ref("payment_reminder.script_placed").mail_template_id = broken
        other = self._order(self.returning_customer, PLACED)
        reminder = self.due_reminder(self.order, "portal")
        fine = self.due_reminder(other, "email", step="final")
        now = MORNING
        with self.mock_mail_gateway():
            self.send_due(now)
            # The other reminder of the batch went out all the same.
            self.assertEqual(fine.state, "done")
            self.assertEqual(reminder.state, "failed")
            self.assertIn("no_such_field", reminder.error_message)
            for retry in (2, 3, 4):
                now += timedelta(minutes=30)
                self.send_due(now)
                self.assertEqual(reminder.retry_count, retry)
            self.assertEqual(reminder.scheduled_at, now)
            self.send_due(now + timedelta(hours=1))
        self.assertEqual(reminder.retry_count, 4)
        self.assertEqual(reminder.state, "failed")
        self.assertFalse(
            self.order.message_ids.filtered(lambda m: m.message_type == "comment")
        )

    def test_a_failed_reminder_retried_after_a_fix_is_sent(self):
        reminder = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway(sim_error="server_error"):
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "failed")
        with self.mockSMSGateway():
            self.send_due(MORNING + timedelta(minutes=30))
        self.assertEqual(reminder.state, "done")
        self.assertFalse(reminder.error_message)
        self.assertEqual(len(self._sms), 1)
