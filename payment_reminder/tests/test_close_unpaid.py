# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import PaymentReminderCommon, shop_time

PLACED = shop_time(2026, 11, 8, 10, 0)
AFTER_DEADLINE = PLACED + timedelta(hours=72, minutes=1)


@tagged("post_install", "-at_install")
class TestCloseUnpaid(PaymentReminderCommon):
    def test_expired_unpaid_order_is_closed_with_its_reminders(self):
        order = self._order(self.customer, PLACED)
        with freeze_time(PLACED + timedelta(hours=1)):
            self.build(PLACED + timedelta(hours=1))
        reminder = self.reminders_of(self.customer)
        self.assertEqual(reminder.state, "planned")
        with freeze_time(AFTER_DEADLINE):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.reminder_state, "closed")
        self.assertEqual(order.reminder_closed_kind, "auto")
        self.assertEqual(reminder.state, "cancelled")
        self.assertIn("Closed automatically", order.message_ids[0].body)

    def test_order_before_its_deadline_stays_open(self):
        order = self._order(self.customer, PLACED)
        with freeze_time(AFTER_DEADLINE - timedelta(minutes=2)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "sent")

    def test_never_close_an_order_with_an_authorized_or_pending_payment(self):
        authorized = self._order(self.customer, PLACED, qty=10)
        authorized.prepayment_percent = 1.0
        self._pay(authorized, state="authorized", amount=10.0)
        pending = self._order(self.returning_customer, PLACED)
        self._pay(pending, state="pending")
        self.assertTrue(authorized.awaiting_payment)
        with freeze_time(AFTER_DEADLINE):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(authorized.state, "sent")
        self.assertEqual(pending.state, "sent")

    def test_paid_order_is_never_closed(self):
        order = self._order(self.customer, PLACED)
        self._pay(order)
        with freeze_time(AFTER_DEADLINE):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertNotEqual(order.state, "cancel")

    def test_a_promise_holds_the_order_open_until_it_expires(self):
        order = self._order(self.customer, PLACED)
        order.reminder_promised_at = AFTER_DEADLINE + timedelta(hours=2)
        self.assertEqual(order.reminder_state, "promised")
        with freeze_time(AFTER_DEADLINE):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "sent")
        with freeze_time(AFTER_DEADLINE + timedelta(hours=3)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "cancel")

    def test_confirmed_order_missing_its_prepayment_is_never_cancelled(self):
        order = self._order(self.customer, PLACED)
        order.with_context(send_email=False).action_confirm()
        order.date_order = PLACED
        self.assertTrue(order.awaiting_payment)
        with freeze_time(AFTER_DEADLINE):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "sale")

    def test_orders_placed_before_the_start_date_are_never_closed(self):
        self.company.payment_reminder_start_from = PLACED + timedelta(hours=1)
        order = self._order(self.customer, PLACED)
        with freeze_time(AFTER_DEADLINE):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "sent")

    def test_deadline_zero_never_closes(self):
        self.company.payment_reminder_deadline_hours = 0
        order = self._order(self.customer, PLACED)
        self.assertFalse(order.payment_deadline)
        with freeze_time(PLACED + timedelta(days=30)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "sent")

    def test_flash_sale_order_closes_after_the_short_deadline(self):
        order = self._order(self.customer, PLACED, product=self.product_flash)
        with freeze_time(PLACED + timedelta(minutes=31)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "cancel")

    def test_cron_record_runs_the_close(self):
        order = self._order(self.customer, PLACED)
        with freeze_time(AFTER_DEADLINE):
            self.env.ref(
                "payment_reminder.ir_cron_close_unpaid"
            ).method_direct_trigger()
        self.assertEqual(order.state, "cancel")
