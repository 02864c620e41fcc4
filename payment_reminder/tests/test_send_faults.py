# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import html2plaintext

from .common import PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
MORNING = shop_time(2026, 11, 11, 10, 0)
RETRY = MORNING + timedelta(minutes=30)


@tagged("post_install", "-at_install")
class TestSendFaults(PaymentReminderSendCommon):
    """One reminder failing in the middle of a batch: the others go out once,
    the failed one goes out once when it is tried again."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customers = cls.customer | cls.returning_customer
        for number, name in enumerate(("Zhou Min", "Wu Hao", "Sun Li"), start=3):
            cls.customers |= cls._customer(name, f"1380013800{number}")

    def setUp(self):
        super().setUp()
        self.orders = self.env["sale.order"]
        for customer in self.customers:
            self.orders |= self._order(customer, PLACED)

    def due_reminders(self, channels):
        """One reminder per order by these channels, due together, in order."""
        reminders = self.Reminder
        for order, channel in zip(self.orders, channels, strict=True):
            reminders |= self.due_reminder(order, channel, MORNING)
        return reminders

    def sent(self, order):
        """What reached the customer of ``order`` and what the order keeps."""
        note = self.env.ref("mail.mt_note")
        comment = self.env.ref("mail.mt_comment")
        messages = order.message_ids
        return {
            "chatter lines": len(
                messages.filtered(
                    lambda m: m.subtype_id == note
                    and "· attempt" in html2plaintext(m.body or "")
                )
            ),
            "messages": len(messages.filtered(lambda m: m.subtype_id == comment)),
            "sms": len(messages.filtered(lambda m: m.message_type == "sms")),
            "calls": len(order.activity_ids),
        }

    def expected(self, channel):
        return {
            "chatter lines": 1,
            "messages": int(channel in ("portal", "email")),
            "sms": int(channel == "sms"),
            "calls": int(channel == "phone"),
        }

    def assertSentOnce(self, reminders, failed=None):
        for reminder in reminders - (failed or self.Reminder):
            # Sent; a call is handed to its agent, a call to make.
            state = "calling" if reminder.channel == "phone" else "done"
            self.assertEqual(reminder.state, state, reminder.channel)
            self.assertEqual(
                self.sent(reminder.order_id), self.expected(reminder.channel)
            )

    def test_broken_template_mid_batch_fails_alone_and_is_retried(self):
        channels = ["portal", "email", "phone", "sms", "email"]
        reminders = self.due_reminders(channels)
        broken = self.env.ref("payment_reminder.mail_template_placed").copy(
            {"subject": "{{ object.no_such_field }}"}
        )
        failing = reminders[1]
        failing.mail_template_id = broken
        with self.mock_mail_gateway(), self.mockSMSGateway():
            self.send_due(MORNING)
        self.assertSentOnce(reminders, failed=failing)
        self.assertEqual(failing.state, "failed")
        self.assertEqual(failing.retry_count, 1)
        self.assertEqual(failing.scheduled_at, RETRY)
        self.assertFalse(failing.done_at)
        self.assertEqual(
            self.sent(failing.order_id),
            {"chatter lines": 0, "messages": 0, "sms": 0, "calls": 0},
        )
        # Fixed, it goes out at the next try; the others do not go out again.
        broken.subject = "{{ object.name }}: shall we get your order on its way?"
        with self.mock_mail_gateway(), self.mockSMSGateway():
            self.send_due(RETRY)
        self.assertEqual(failing.state, "done")
        self.assertEqual(failing.retry_count, 1)
        self.assertSentOnce(reminders)
        self.assertEqual(len(self._sms), 0)

    def test_call_that_cannot_be_created_fails_its_reminder_alone(self):
        reminders = self.due_reminders(["phone", "phone", "email", "phone", "sms"])
        failing = reminders[1]
        Activity = self.registry["mail.activity"]
        create = Activity.create

        def create_but_not_for_failing(records, vals_list):
            vals_list = [vals_list] if isinstance(vals_list, dict) else vals_list
            if any(vals["res_id"] == failing.order_id.id for vals in vals_list):
                raise ValueError("No call can be planned on this order.")
            return create(records, vals_list)

        with (
            self.mock_mail_gateway(),
            self.mockSMSGateway(),
            patch.object(Activity, "create", create_but_not_for_failing),
        ):
            self.send_due(MORNING)
        self.assertSentOnce(reminders, failed=failing)
        self.assertEqual(failing.state, "failed")
        self.assertEqual(failing.retry_count, 1)
        self.assertIn("No call can be planned", failing.error_message)
        self.assertFalse(failing.done_at)
        self.assertEqual(
            self.sent(failing.order_id),
            {"chatter lines": 0, "messages": 0, "sms": 0, "calls": 0},
        )
        with self.mock_mail_gateway(), self.mockSMSGateway():
            self.send_due(RETRY)
        self.assertEqual(failing.state, "calling")
        self.assertSentOnce(reminders)
