# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import html2plaintext

from odoo.addons.sale.models.sale_order import SaleOrder

from .common import PaymentReminderResultsCommon, shop_time

PLACED = shop_time(2026, 11, 10, 9, 0)
REMINDED = PLACED + timedelta(hours=1)
CLOSED = PLACED + timedelta(hours=72, minutes=5)
LATE = PLACED + timedelta(hours=80)


@tagged("post_install", "-at_install")
class TestPaidAfterClose(PaymentReminderResultsCommon):
    """A payment that lands on an order the reminders closed is never lost."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.salesperson = cls.env["res.users"].create(
            {
                "name": "Sun Li",
                "login": "sun.li",
                "email": "sun.li@example.com",
                "groups_id": [
                    Command.link(cls.env.ref("sales_team.group_sale_salesman").id),
                ],
            }
        )
        cls.todo = cls.env.ref("mail.mail_activity_data_todo")

    def closed_order(self, **values):
        order = self._order(
            self.customer, PLACED, user_id=self.salesperson.id, **values
        )
        reminder = self._reminder(order, REMINDED)
        with freeze_time(CLOSED):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(reminder.result, "closed_auto")
        return order, reminder

    def late_payment(self, order, amount=None):
        """The money comes in after the close, and core post-processes it."""
        with freeze_time(LATE):
            tx = self._pay(order, state="pending", amount=amount)
            tx._set_done()
            tx._post_process()
        return tx

    def notes(self, order):
        return [html2plaintext(m.body) for m in order.message_ids if m.body]

    def test_late_payment_in_full_reopens_and_confirms_the_order(self):
        order, reminder = self.closed_order()
        tx = self.late_payment(order)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.reminder_paid_after_close_at, LATE)
        self.assertFalse(order.reminder_closed_kind)
        self.assertFalse(order.awaiting_payment)
        self.assertTrue(
            any(
                note.startswith("Paid after it closed") and tx.reference in note
                for note in self.notes(order)
            ),
            self.notes(order),
        )
        self.assertFalse(order.activity_ids)
        # Not recovered by the reminder (it came after the close), but not lost.
        self.assertEqual(reminder.amount_recovered, 0.0)
        self.assertEqual(reminder.result, "paid_after_close")
        # Closing again is never automatic: it is a sale now.
        with freeze_time(LATE + timedelta(hours=1)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "sale")

    def test_late_wire_transfer_confirms_the_closed_order(self):
        order = self._order(self.customer, PLACED, user_id=self.salesperson.id)
        reminder = self._reminder(order, REMINDED)
        tx = self._wire_transfer(order)
        with freeze_time(CLOSED):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "cancel")
        # The shop sees the transfer on its bank account and confirms it.
        with freeze_time(LATE):
            tx._set_done()
            tx._post_process()
        self.assertEqual(order.state, "sale")
        self.assertTrue(
            any(
                note.startswith("Paid after it closed") and tx.reference in note
                for note in self.notes(order)
            )
        )
        self.assertFalse(order.activity_ids)
        self.assertEqual(reminder.result, "paid_after_close")

    def test_late_partial_payment_asks_the_salesperson(self):
        order, reminder = self.closed_order(qty=3)
        self.late_payment(order, amount=100.0)
        self.assertEqual(order.state, "draft")
        self.assertEqual(order.reminder_paid_after_close_at, LATE)
        activity = order.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.activity_type_id, self.todo)
        self.assertEqual(activity.user_id, self.salesperson)
        self.assertEqual(activity.summary, "Paid after close: ship or refund")
        self.assertIn("100.00 paid of", html2plaintext(activity.note))
        self.assertEqual(reminder.result, "paid_after_close")
        # The reopened order waits for the salesperson, not for the close cron.
        with freeze_time(LATE + timedelta(hours=1)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "draft")

    def test_without_salesperson_a_reminder_manager_settles_it(self):
        order, _reminder = self.closed_order(qty=3)
        order.user_id = False
        self.late_payment(order, amount=100.0)
        manager = order.activity_ids.user_id
        self.assertTrue(
            manager.has_group("payment_reminder.group_payment_reminder_manager")
        )

    def test_an_order_that_cannot_be_confirmed_is_left_to_the_salesperson(self):
        order, _reminder = self.closed_order()
        with patch.object(
            SaleOrder,
            "_confirmation_error_message",
            lambda self: "A line on these orders missing a product",
        ):
            self.late_payment(order)
        self.assertEqual(order.state, "draft")
        self.assertIn("missing a product", html2plaintext(order.activity_ids.note))
        self.assertEqual(order.activity_ids.user_id, self.salesperson)

    def test_an_order_cancelled_outside_the_reminders_is_left_as_core_leaves_it(
        self,
    ):
        order = self._order(self.customer, PLACED)
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.late_payment(order)
        self.assertEqual(order.state, "cancel")
        self.assertFalse(order.reminder_paid_after_close_at)

    def test_refused_confirmation_is_not_swallowed_elsewhere(self):
        order = self._order(self.customer, PLACED)
        with (
            patch.object(
                SaleOrder,
                "_confirmation_error_message",
                lambda self: "Nope",
            ),
            self.assertRaises(UserError),
        ):
            self.late_payment(order)
