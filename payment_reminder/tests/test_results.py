# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import PaymentReminderResultsCommon, shop_time

PLACED = shop_time(2026, 11, 10, 9, 0)
REMINDED = PLACED + timedelta(hours=1)


@tagged("post_install", "-at_install")
class TestResults(PaymentReminderResultsCommon):
    def pay(self, order, at, state="done", amount=None):
        with freeze_time(at):
            return self._pay(order, state=state, amount=amount)

    def test_payment_after_reminder_is_recovered_at_once(self):
        order = self._order(self.customer, PLACED, qty=3)
        reminder = self._reminder(order, REMINDED)
        self.assertEqual(reminder.result, "pending")
        paid_at = REMINDED + timedelta(hours=2)
        tx = self.pay(order, paid_at)
        # No cron ran: the transaction's state change alone did it.
        self.assertEqual(tx.payment_reminder_id, reminder)
        self.assertEqual(reminder.amount_recovered, 300.0)
        self.assertEqual(reminder.paid_at, paid_at)
        self.assertEqual(reminder.result, "paid")
        self.assertTrue(reminder.is_recovered)
        self.assertEqual(order.reminder_state, "paid")

    def test_payment_before_any_reminder_done_is_not_recovered(self):
        order = self._order(self.customer, PLACED)
        self.pay(order, REMINDED - timedelta(minutes=10))
        reminder = self._reminder(order, REMINDED)
        self.assertEqual(reminder.amount_recovered, 0.0)
        self.assertFalse(reminder.is_recovered)
        self.assertFalse(reminder.paid_at)

    def test_payment_after_the_attribution_window_is_not_recovered(self):
        self.company.payment_reminder_attribution_hours = 24
        late = self._order(self.customer, PLACED)
        in_time = self._order(self.returning_customer, PLACED)
        late_reminder = self._reminder(late, REMINDED)
        in_time_reminder = self._reminder(in_time, REMINDED)
        self.pay(late, REMINDED + timedelta(hours=24, minutes=1))
        self.pay(in_time, REMINDED + timedelta(hours=23, minutes=59))
        self.assertEqual(late_reminder.amount_recovered, 0.0)
        self.assertEqual(in_time_reminder.amount_recovered, 100.0)
        # Paid, but not thanks to the reminder: the result says what happened.
        self.assertEqual(late_reminder.result, "paid")

    def test_default_window_runs_until_the_order_deadline(self):
        self.assertEqual(self.company.payment_reminder_attribution_hours, 0)
        before = self._order(self.customer, PLACED)
        after = self._order(self.returning_customer, PLACED)
        before_reminder = self._reminder(before, REMINDED)
        after_reminder = self._reminder(after, REMINDED)
        deadline = PLACED + timedelta(hours=72)
        self.assertEqual(before.payment_deadline, deadline)
        self.pay(before, deadline - timedelta(minutes=1))
        # Past the deadline, before the closing cron got to it.
        self.pay(after, deadline + timedelta(minutes=1))
        self.assertEqual(before_reminder.amount_recovered, 100.0)
        self.assertEqual(after_reminder.amount_recovered, 0.0)

    def test_two_reminders_the_last_one_gets_the_payment(self):
        order = self._order(self.customer, PLACED)
        first = self._reminder(order, REMINDED)
        final = self._reminder(order, PLACED + timedelta(hours=71), step="final")
        self.pay(order, PLACED + timedelta(hours=71, minutes=30))
        self.assertEqual(first.amount_recovered, 0.0)
        self.assertEqual(final.amount_recovered, 100.0)
        self.assertEqual(first.result, "paid")
        self.assertEqual(final.result, "paid")

    def test_partial_payments_count_what_was_paid(self):
        order = self._order(self.customer, PLACED, qty=3)
        reminder = self._reminder(order, REMINDED)
        self.pay(order, REMINDED + timedelta(hours=1), amount=120.0)
        self.assertTrue(order.awaiting_payment)
        self.assertEqual(reminder.amount_recovered, 120.0)
        self.assertEqual(reminder.result, "paid")
        self.pay(order, REMINDED + timedelta(hours=5), amount=180.0)
        self.assertEqual(reminder.amount_recovered, 300.0)
        self.assertEqual(reminder.paid_at, REMINDED + timedelta(hours=5))

    def test_one_of_two_orders_paid_counts_that_order(self):
        small = self._order(self.customer, PLACED)
        large = self._order(self.customer, PLACED + timedelta(minutes=5), qty=2)
        reminder = self._reminder(small | large, REMINDED)
        self.assertEqual(reminder.amount_unpaid, 300.0)
        self.pay(small, REMINDED + timedelta(hours=1))
        with freeze_time(PLACED + timedelta(hours=73)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(large.state, "cancel")
        self.assertEqual(reminder.amount_recovered, 100.0)
        self.assertEqual(reminder.result, "paid")

    def test_payment_after_close_is_not_recovered(self):
        order = self._order(self.customer, PLACED)
        reminder = self._reminder(order, REMINDED)
        with freeze_time(PLACED + timedelta(hours=73)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(reminder.result, "closed_auto")
        self.pay(order, PLACED + timedelta(hours=74))
        self.assertFalse(
            self.env["payment.transaction"]
            .search([("sale_order_ids", "in", order.ids)])
            .payment_reminder_id
        )
        self.assertEqual(reminder.amount_recovered, 0.0)
        self.assertEqual(reminder.result, "closed_auto")

    def test_closed_by_hand_is_closed_manual(self):
        agent_closed = self._order(self.customer, PLACED)
        cancelled = self._order(self.returning_customer, PLACED)
        by_agent = self._reminder(agent_closed, REMINDED)
        by_hand = self._reminder(cancelled, REMINDED)
        agent_closed._payment_reminder_close(
            "manual", reason="Customer does not need it"
        )
        cancelled.with_context(disable_cancel_warning=True).action_cancel()
        self.assertEqual(by_agent.result, "closed_manual")
        self.assertEqual(by_hand.result, "closed_manual")

    def test_authorized_then_captured_counts_once(self):
        order = self._order(self.customer, PLACED)
        reminder = self._reminder(order, REMINDED)
        tx = self.pay(order, REMINDED + timedelta(hours=1), state="authorized")
        self.assertEqual(reminder.amount_recovered, 100.0)
        with freeze_time(REMINDED + timedelta(days=2)):
            tx._set_done()
        self.assertEqual(reminder.amount_recovered, 100.0)
        self.assertEqual(reminder.paid_at, REMINDED + timedelta(hours=1))

    def test_voided_authorization_is_no_longer_recovered(self):
        order = self._order(self.customer, PLACED)
        reminder = self._reminder(order, REMINDED)
        tx = self.pay(order, REMINDED + timedelta(hours=1), state="authorized")
        tx._set_canceled()
        self.assertEqual(reminder.amount_recovered, 0.0)
        self.assertEqual(reminder.result, "pending")

    def test_payment_in_another_currency_is_converted(self):
        order = self._order(self.customer, PLACED, pricelist_id=self.pricelist_eur.id)
        reminder = self._reminder(order, REMINDED)
        self.assertEqual(reminder.currency_id, self.currency_euro)
        self.pay(order, REMINDED + timedelta(hours=1))
        self.assertEqual(reminder.amount_recovered, 100.0)

    # === CONTROL GROUP === #

    def _queue_ten_customers(self, now):
        customers = self.env["res.partner"]
        for number in range(10):
            customer = self._customer(f"Customer {number}", f"1390000{number:04d}")
            self._order(customer, PLACED)
            customers |= customer
        with freeze_time(now):
            self.build(now)
        return self.Reminder.search([("partner_id", "in", customers.ids)])

    def test_no_control_group_by_default(self):
        reminders = self._queue_ten_customers(PLACED + timedelta(minutes=40))
        self.assertEqual(len(reminders), 10)
        self.assertFalse(reminders.filtered(lambda r: r.skip_reason == "control"))

    def test_control_group_is_held_out_the_same_way_on_every_rebuild(self):
        self.company.payment_reminder_holdout_percent = 50.0
        now = PLACED + timedelta(minutes=40)
        reminders = self._queue_ten_customers(now)
        control = reminders.filtered(lambda r: r.skip_reason == "control")
        self.assertTrue(0 < len(control) < 10, "about half the customers held out")
        self.assertEqual(set(control.mapped("state")), {"skipped"})
        planned = reminders - control
        self.assertEqual(set(planned.mapped("state")), {"planned"})
        # The control customers got everything but the reminder itself.
        self.assertTrue(all(control.mapped("scheduled_at")))
        self.assertTrue(all(control.mapped("channel")))
        # Rebuilding the day's queue holds out the same customers.
        with freeze_time(now + timedelta(minutes=15)):
            self.build(now + timedelta(minutes=15))
        self.assertEqual(
            reminders.filtered(lambda r: r.skip_reason == "control"), control
        )
        self.assertEqual(planned.mapped("state"), ["planned"] * len(planned))

    def test_everyone_held_out_at_100_percent(self):
        self.company.payment_reminder_holdout_percent = 100.0
        reminders = self._queue_ten_customers(PLACED + timedelta(minutes=40))
        self.assertEqual(set(reminders.mapped("skip_reason")), {"control"})

    def test_control_group_payment_is_tracked(self):
        order = self._order(self.customer, PLACED)
        control = self._reminder(
            order, REMINDED, state="skipped", skip_reason="control"
        )
        self.pay(order, REMINDED + timedelta(hours=2))
        self.assertEqual(control.amount_recovered, 100.0)
        self.assertEqual(control.result, "paid")

    # === ANALYSIS === #

    def test_grouped_success_rate_is_sum_over_sum(self):
        paid = self._order(self.customer, PLACED)
        unpaid = self._order(self.returning_customer, PLACED, qty=3)
        reminders = self._reminder(paid, REMINDED) | self._reminder(unpaid, REMINDED)
        self.pay(paid, REMINDED + timedelta(hours=1))
        self.assertEqual(sorted(reminders.mapped("success_rate")), [0.0, 100.0])
        [(rate,)] = self.Reminder._read_group(
            [("id", "in", reminders.ids)], [], ["success_rate:sum"]
        )
        # 100 recovered / 400 unpaid: 25 %, not the 50 % average of the rates.
        self.assertAlmostEqual(rate, 25.0)
        # What the pivot and graph views ask for.
        [group] = self.Reminder.read_group(
            [("id", "in", reminders.ids)],
            ["success_rate:sum", "amount_unpaid:sum", "amount_recovered:sum"],
            [],
        )
        self.assertAlmostEqual(group["success_rate"], 25.0)
        self.assertEqual(group["amount_unpaid"], 400.0)
        self.assertEqual(group["amount_recovered"], 100.0)

    def test_export_the_detail_fields(self):
        order = self._order(self.customer, PLACED, qty=2)
        reminder = self._reminder(order, REMINDED)
        self.pay(order, REMINDED + timedelta(hours=1), amount=150.0)
        rows = reminder.export_data(
            [
                "queue_date",
                "order_date",
                "partner_id",
                "amount_unpaid",
                "result",
                "is_recovered",
                "paid_at",
                "amount_recovered",
            ]
        )["datas"]
        self.assertEqual(len(rows), 1)
        self.assertEqual(rows[0][2], "Wang Fang")
        self.assertEqual(rows[0][3], 200.0)
        self.assertEqual(rows[0][4], "Paid")
        self.assertEqual(rows[0][5], True)
        self.assertEqual(rows[0][7], 150.0)

    def test_new_queue_reminders_carry_the_results_they_would_compute(self):
        # The queue writes a new reminder's results with it instead of
        # computing them: they must be what the computation gives, a customer
        # who already paid part of the order included.
        part_paid = self._order(self.customer, PLACED, qty=3)
        self.pay(part_paid, PLACED + timedelta(minutes=5), amount=100.0)
        self.assertTrue(part_paid.awaiting_payment)
        self._order(self.returning_customer, PLACED)
        reminders = self.build(REMINDED)
        self.assertEqual(len(reminders), 2)
        names = [
            "result",
            "amount_recovered",
            "paid_at",
            "is_recovered",
            "success_rate",
        ]
        self.env.flush_all()
        written = reminders.read(names)
        reminders._compute_recovery()
        reminders._compute_success_rate()
        reminders._compute_result()
        self.assertEqual(reminders.read(names), written)
        self.assertEqual(set(reminders.mapped("result")), {"pending"})
