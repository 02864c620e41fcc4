# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged
from odoo.tools import SQL

from .common import PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
MORNING = shop_time(2026, 11, 11, 10, 0)
# Levels as numbers: Odoo names its level 25 "INFO".
LOGGER = "odoo.addons.payment_reminder.models.payment_reminder_results"


@tagged("post_install", "-at_install")
class TestSendRace(PaymentReminderSendCommon):
    """A payment racing the reminder: not sent, or sent and flagged, never silent."""

    def setUp(self):
        super().setUp()
        self.order = self._order(self.customer, PLACED)

    def start_payment(self, order, at, amount=None):
        """The customer opens the payment form at ``at``: a draft transaction."""
        with freeze_time(at):
            tx = self._pay(order, state="draft", amount=amount)
        # The creation date is the database transaction's clock, which
        # freeze_time does not move: set it as the payment's start.
        tx.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE payment_transaction SET create_date = %s WHERE id = %s",
                at,
                tx.id,
            )
        )
        tx.invalidate_recordset(["create_date"])
        return tx

    def pay(self, tx, at):
        with freeze_time(at):
            tx._set_done()

    def test_pending_payment_means_no_message(self):
        reminder = self.due_reminder(self.order, "portal")
        tx = self.start_payment(self.order, MORNING - timedelta(minutes=2))
        with freeze_time(MORNING - timedelta(minutes=1)):
            tx._set_pending()
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "skipped")
        self.assertEqual(reminder.skip_reason, "payment_in_progress")
        self.assertNoMail(self.customer)
        self.assertFalse(reminder.sent_after_payment)

    def test_reminder_sent_while_paying_is_flagged_when_the_payment_lands(self):
        reminder = self.due_reminder(self.order, "portal")
        # The customer opened the payment form a minute before the cron ran: a
        # draft transaction is no payment under way yet, the reminder goes.
        tx = self.start_payment(self.order, MORNING - timedelta(minutes=1))
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "done")
        self.assertFalse(reminder.sent_after_payment)
        with self.assertLogs(LOGGER, logging.INFO) as logs:
            self.pay(tx, MORNING + timedelta(minutes=1))
        self.assertTrue(reminder.sent_after_payment)
        # The customer was paying anyway: the reminder won nothing back.
        self.assertFalse(tx.payment_reminder_id)
        self.assertFalse(reminder.is_recovered)
        self.assertIn(
            f"Payment reminders [{reminder.id}] went out after the customer started "
            "paying",
            logs.output[0],
        )
        # A visible statistic: the list's filter and grouping count it.
        self.assertEqual(
            self.Reminder.search_count([("sent_after_payment", "=", True)]), 1
        )
        groups = self.Reminder._read_group(
            [("order_ids", "in", self.order.ids)], ["sent_after_payment"], ["__count"]
        )
        self.assertEqual(groups, [(True, 1)])

    def test_payment_started_after_the_reminder_is_no_race(self):
        reminder = self.due_reminder(self.order, "portal")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        tx = self.start_payment(self.order, MORNING + timedelta(minutes=5))
        self.pay(tx, MORNING + timedelta(minutes=6))
        self.assertFalse(reminder.sent_after_payment)
        self.assertTrue(reminder.is_recovered)

    def test_an_earlier_part_payment_is_no_race(self):
        self.order.order_line.product_uom_qty = 3
        part = self.start_payment(
            self.order, MORNING - timedelta(minutes=40), amount=100.0
        )
        self.pay(part, MORNING - timedelta(minutes=35))
        self.assertTrue(self.order.awaiting_payment)
        reminder = self.due_reminder(self.order, "portal")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "done")
        rest = self.start_payment(
            self.order, MORNING + timedelta(minutes=5), amount=200.0
        )
        self.pay(rest, MORNING + timedelta(minutes=6))
        self.send_due(MORNING + timedelta(minutes=10))
        self.assertFalse(reminder.sent_after_payment)

    def test_race_lost_unseen_by_the_payment_is_flagged_by_the_next_run(self):
        reminder = self.due_reminder(self.order, "portal")
        tx = self.start_payment(self.order, MORNING - timedelta(seconds=2))
        # The payment lands while another worker sends the reminder: the
        # worker's snapshot does not show it, and the payment sees the
        # reminder still planned.
        self.pay(tx, MORNING + timedelta(seconds=1))
        self.assertFalse(reminder.sent_after_payment)
        # Then the worker commits what it did.
        reminder.write({"state": "done", "done_at": MORNING + timedelta(seconds=2)})
        with self.assertLogs(LOGGER, logging.INFO):
            self.send_due(MORNING + timedelta(minutes=5))
        self.assertTrue(reminder.sent_after_payment)
