# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time
from lxml import etree

from odoo.tests import Form, new_test_user, tagged
from odoo.tools import html2plaintext
from odoo.tools.safe_eval import safe_eval

from ..const import REMINDED_DOMAIN
from .common import PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
# Handed to the agent at 10:00, for the late-morning call window (11-12).
PLANNED = shop_time(2026, 11, 11, 10, 0)
CALLED = shop_time(2026, 11, 11, 11, 30)


class CallsCommon(PaymentReminderSendCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call_type = cls.env.ref("payment_reminder.mail_activity_type_call")
        cls.Activity = cls.env["mail.activity"]

    def setUp(self):
        super().setUp()
        self.order = self._order(self.customer, PLACED, user_id=self.agent.id)

    def hand_out(self, order, at=PLANNED, **values):
        """The sending cron hands a reminder call to the agent."""
        reminder = self.due_reminder(order, "phone", at, **values)
        self.send_due(at)
        return reminder

    def calls(self, order):
        return order.activity_ids.filtered(
            lambda activity: activity.activity_type_id == self.call_type
        )

    def notes(self, order):
        return [
            html2plaintext(message.body)
            for message in order.message_ids.sorted("id")
            if message.message_type == "notification"
        ]

    def log_call(self, order, outcome, at, **values):
        with freeze_time(at), self.mock_mail_gateway(), self.mockSMSGateway():
            action = order.with_user(self.agent).action_payment_reminder_log_call()
            form = Form(
                self.env["payment.reminder.call.result"]
                .with_user(self.agent)
                .with_context(**action["context"])
            )
            form.outcome = outcome
            for name, value in values.items():
                setattr(form, name, value)
            form.save().action_confirm()


@tagged("post_install", "-at_install")
class TestCallDoneWhenMade(CallsCommon):
    """Item 1: a call is done when it is made, not when it is planned."""

    def test_a_call_handed_to_the_agent_is_a_call_to_make(self):
        reminder = self.hand_out(self.order)
        self.assertEqual(reminder.state, "calling")
        self.assertFalse(reminder.done_at)
        self.assertEqual(self.calls(self.order).payment_reminder_id, reminder)
        # Not a customer reminded: the sheets do not count it.
        self.assertFalse(self.Reminder.search(REMINDED_DOMAIN))
        sheet = self.env[
            "report.payment_reminder.report_summary_sheet"
        ]._get_sheet_lines([("queue_date", "=", PLANNED.date())])
        self.assertEqual(sheet["totals"]["customers"], 0)
        self.assertEqual(self.order.reminder_state, "pending")

    def test_logging_the_call_makes_it_done_at_the_moment_of_the_call(self):
        reminder = self.hand_out(self.order)
        self.log_call(
            self.order,
            "will_pay",
            CALLED,
            promised_at=shop_time(2026, 11, 11, 20, 0),
            send_followup=False,
        )
        self.assertEqual(reminder.state, "done")
        self.assertEqual(reminder.done_at, CALLED)
        self.assertEqual(reminder.outcome, "will_pay")
        self.assertFalse(self.calls(self.order))
        self.assertEqual(self.Reminder.search(REMINDED_DOMAIN), reminder)

    def test_mark_done_on_the_activity_records_a_call_without_details(self):
        reminder = self.hand_out(self.order)
        call = self.calls(self.order)
        with freeze_time(CALLED):
            call.with_user(self.agent).action_done()
        self.assertEqual(reminder.state, "done")
        self.assertEqual(reminder.done_at, CALLED)
        self.assertEqual(reminder.outcome, "done_no_details")
        self.assertFalse(self.calls(self.order))
        self.assertIn(
            "Zhao Lei · attempt 1 · Phone call · Call made, no details",
            "\n".join(self.notes(self.order)),
        )

    def test_a_call_back_is_a_new_call_to_make_not_a_done_one(self):
        reminder = self.hand_out(self.order)
        self.log_call(self.order, "call_back", CALLED)
        self.assertEqual((reminder.state, reminder.done_at), ("done", CALLED))
        call_back = self.calls(self.order).payment_reminder_id
        self.assertNotEqual(call_back, reminder)
        self.assertEqual(call_back.state, "calling")
        self.assertFalse(call_back.done_at)
        self.assertEqual(call_back.attempt, 2)
        self.assertEqual(call_back.scheduled_at, shop_time(2026, 11, 11, 16, 0))
        self.assertEqual(self.Reminder.search(REMINDED_DOMAIN), reminder)

    def test_a_call_not_made_is_not_credited_with_a_payment(self):
        email = self.due_reminder(
            self.order, "email", shop_time(2026, 11, 11, 9, 45), user_id=False
        )
        with self.mock_mail_gateway():
            self.send_due(shop_time(2026, 11, 11, 9, 45))
        call = self.hand_out(self.order, step="final")
        with freeze_time(shop_time(2026, 11, 11, 10, 30)):
            tx = self._pay(self.order)
        # The call was never made: the e-mail before it won the payment.
        self.assertEqual(tx.payment_reminder_id, email)
        self.assertEqual(call.amount_recovered, 0.0)
        self.assertEqual(email.amount_recovered, 100.0)

    def test_a_call_not_made_leaves_the_order_its_reminder_before_close(self):
        self.company.payment_reminder_max_count = 1
        self.hand_out(self.order)
        # Two hours before the order closes (14 Nov 09:30): the final
        # reminder is planned, the call to make used up nothing.
        self.build(shop_time(2026, 11, 14, 7, 45))
        final = self.reminders_of(self.customer, step="final")
        self.assertEqual(final.state, "planned")

    def test_a_call_made_uses_up_the_order_reminders(self):
        self.company.payment_reminder_max_count = 1
        self.hand_out(self.order)
        with freeze_time(CALLED):
            self.calls(self.order).action_done()
        self.build(shop_time(2026, 11, 14, 7, 45))
        final = self.reminders_of(self.customer, step="final")
        self.assertEqual((final.state, final.skip_reason), ("skipped", "max_reached"))

    def test_a_call_deleted_unlogged_was_not_made(self):
        reminder = self.hand_out(self.order)
        self.calls(self.order).unlink()
        self.assertEqual(reminder.state, "cancelled")
        self.assertFalse(reminder.done_at)


@tagged("post_install", "-at_install")
class TestPointlessCalls(CallsCommon):
    """Item 2: calls disappear at once when they are pointless."""

    def assertCallRemoved(self, order, reminder, why):
        self.assertFalse(self.calls(order))
        self.assertIn(
            f"Reminder call for Zhao Lei on 11/11/2026 removed: {why}.",
            self.notes(order),
        )

    def test_a_payment_removes_the_call_in_the_same_transaction(self):
        reminder = self.hand_out(self.order)
        # No cron runs: the payment itself removes the call.
        self._pay(self.order)
        self.assertCallRemoved(self.order, reminder, "the customer paid")
        self.assertEqual((reminder.state, reminder.skip_reason), ("skipped", "paid"))

    def test_paying_a_later_order_removes_the_calls_of_earlier_ones(self):
        reminder = self.hand_out(self.order)
        other_customer = self._order(
            self.returning_customer, PLACED, user_id=self.agent.id
        )
        theirs = self.hand_out(other_customer)
        later = self._order(self.customer, PLACED + timedelta(hours=2))
        self._pay(later)
        self.assertCallRemoved(self.order, reminder, "the customer paid")
        self.assertEqual(reminder.skip_reason, "paid")
        self.assertEqual(theirs.state, "calling")
        self.assertTrue(self.calls(other_customer))

    def test_paying_an_earlier_order_keeps_the_call_of_a_later_one(self):
        earlier = self._order(self.customer, PLACED - timedelta(hours=2))
        reminder = self.hand_out(self.order)
        self._pay(earlier)
        self.assertEqual(reminder.state, "calling")
        self.assertTrue(self.calls(self.order))

    def test_a_confirmed_order_is_paid_and_removes_the_call(self):
        reminder = self.hand_out(self.order)
        self.order.require_payment = False
        self.order.with_context(send_email=False).action_confirm()
        self.assertCallRemoved(self.order, reminder, "the customer paid")

    def test_cancelling_the_order_removes_the_call(self):
        reminder = self.hand_out(self.order)
        self.order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertCallRemoved(self.order, reminder, "the order was cancelled")
        self.assertEqual(reminder.state, "cancelled")

    def test_closing_the_order_at_its_deadline_removes_the_call(self):
        reminder = self.hand_out(self.order)
        self.env["sale.order"]._cron_close_unpaid(now=PLACED + timedelta(hours=73))
        self.assertEqual(self.order.state, "cancel")
        self.assertCallRemoved(self.order, reminder, "the order was cancelled")

    def test_do_not_contact_removes_the_calls(self):
        reminder = self.hand_out(self.order)
        self.customer.payment_reminder_opt_out = True
        self.assertCallRemoved(
            self.order, reminder, "the customer asked not to be contacted"
        )
        self.assertEqual(reminder.skip_reason, "opt_out")

    def test_declined_on_the_phone_closes_the_call_being_logged(self):
        other = self._order(self.customer, PLACED - timedelta(hours=1))
        reminder = self.hand_out(self.order)
        self.log_call(
            self.order,
            "declined",
            CALLED,
            reason_id=self.env.ref("payment_reminder.reason_not_needed"),
        )
        # Closed with the outcome as feedback, not removed as pointless.
        self.assertEqual(reminder.state, "done")
        self.assertEqual(reminder.outcome, "declined")
        done = self.order.message_ids.filtered(
            lambda m: m.mail_activity_type_id == self.call_type
        )
        self.assertIn("Declined", html2plaintext(done.body))
        self.assertEqual(other.state, "sent")


@tagged("post_install", "-at_install")
class TestMyCalls(CallsCommon):
    """My Calls: only calls still to make, what is at stake first."""

    def my_calls(self, user):
        action = self.env.ref("payment_reminder.action_payment_reminder_my_calls")
        order = etree.fromstring(action.view_id.arch).get("default_order")
        return (
            self.env["mail.activity"]
            .with_user(user)
            .search(safe_eval(action.domain) + [("user_id", "=", user.id)], order=order)
        )

    def test_calls_to_make_largest_amount_first_then_the_nearest_deadline(self):
        large = self._order(
            self._customer("Zhou Min", "13800138011"),
            PLACED,
            qty=5,
            user_id=self.agent.id,
        )
        soon = self._order(
            self._customer("Sun Yu", "13800138012"),
            PLACED - timedelta(hours=20),
            user_id=self.agent.id,
        )
        paid = self._order(
            self._customer("Qian Li", "13800138013"), PLACED, user_id=self.agent.id
        )
        for order in (self.order, large, soon, paid):
            self.hand_out(order)
        self._pay(paid)
        calls = self.my_calls(self.agent)
        self.assertEqual(
            [call.res_id for call in calls], [large.id, soon.id, self.order.id]
        )
        self.assertEqual(calls[0].payment_reminder_amount, 500.0)
        self.assertEqual(calls[1].payment_reminder_deadline, soon.payment_deadline)


@tagged("post_install", "-at_install")
class TestCallCapacity(PaymentReminderSendCommon):
    """Item 3: each agent makes at most their daily call capacity."""

    NOW = shop_time(2026, 11, 11, 9, 45)
    MORNING = shop_time(2026, 11, 11, 9, 0)

    def first_time_buyers(self, amounts, user=None, placed=None):
        """New customers (a call each, by the channel rules), one order each."""
        orders = self.env["sale.order"]
        for number, qty in enumerate(amounts):
            customer = self._customer(f"Buyer {number}", f"1390000{number:04d}")
            orders |= self._order(
                customer,
                placed or self.MORNING,
                qty=qty,
                user_id=(user or self.agent).id,
            )
        return orders

    def reminder_of(self, order):
        return self.Reminder.search([("order_id", "=", order.id)])

    def test_calls_go_where_most_is_at_stake_up_to_the_capacity(self):
        self.agent.payment_reminder_call_capacity = 2
        orders = self.first_time_buyers([1, 4, 2, 3])
        with freeze_time(self.NOW):
            self.build(self.NOW)
        channels = [self.reminder_of(order).channel for order in orders]
        self.assertEqual(channels, ["email", "phone", "email", "phone"])
        overflow = self.reminder_of(orders[0])
        self.assertEqual(overflow.overflow_reason, "call_capacity")
        self.assertEqual(overflow.state, "planned")
        self.assertFalse(self.reminder_of(orders[1]).overflow_reason)
        # A rebuild keeps the same calls.
        with freeze_time(self.NOW + timedelta(minutes=15)):
            self.build(self.NOW + timedelta(minutes=15))
        self.assertEqual(
            [self.reminder_of(order).channel for order in orders], channels
        )

    def test_the_expected_value_is_the_amount_times_the_time_left(self):
        self.agent.payment_reminder_call_capacity = 1
        # The same amount; the older order has 20 hours less left.
        older = self.first_time_buyers([2], placed=self.MORNING - timedelta(hours=20))
        newer = self._order(
            self._customer("Buyer new", "13900009999"),
            self.MORNING,
            qty=2,
            user_id=self.agent.id,
        )
        with freeze_time(self.NOW):
            self.build(self.NOW)
        self.assertEqual(self.reminder_of(newer).channel, "phone")
        self.assertEqual(self.reminder_of(older).channel, "email")

    def test_calls_handed_out_or_made_that_day_count(self):
        self.agent.payment_reminder_call_capacity = 2
        earlier = self.first_time_buyers([9])
        call = self.due_reminder(earlier, "phone", self.NOW, queue_date=self.NOW.date())
        self.send_due(self.NOW)
        self.assertEqual(call.state, "calling")
        orders = self._order(
            self._customer("Late buyer", "13900008888"),
            self.MORNING,
            qty=3,
            user_id=self.agent.id,
        ) | self._order(
            self._customer("Later buyer", "13900007777"),
            self.MORNING,
            qty=2,
            user_id=self.agent.id,
        )
        with freeze_time(self.NOW):
            self.build(self.NOW)
        self.assertEqual(
            [self.reminder_of(order).channel for order in orders], ["phone", "email"]
        )

    def test_a_team_member_with_room_takes_over(self):
        other = new_test_user(
            self.env, "qian.yu", groups="sales_team.group_sale_salesman"
        )
        self.agent.payment_reminder_call_capacity = 1
        self.company.payment_reminder_team_ids = self.agent | other
        orders = self.env["sale.order"]
        for number in range(3):
            orders |= self._order(
                self._customer(f"Team buyer {number}", f"1390001{number:04d}"),
                self.MORNING,
                qty=number + 1,
                user_id=False,
            )
        other.payment_reminder_call_capacity = 1
        with freeze_time(self.NOW):
            self.build(self.NOW)
        reminders = [self.reminder_of(order) for order in orders]
        self.assertEqual([r.channel for r in reminders], ["email", "phone", "phone"])
        self.assertEqual(set(r.user_id for r in reminders[1:]), {self.agent, other})

    def test_salesperson_customers_overflow_rather_than_change_agent(self):
        other = new_test_user(
            self.env, "qian.yu", groups="sales_team.group_sale_salesman"
        )
        self.company.payment_reminder_team_ids = other
        self.agent.payment_reminder_call_capacity = 0
        [order] = self.first_time_buyers([1])
        with freeze_time(self.NOW):
            self.build(self.NOW)
        reminder = self.reminder_of(order)
        self.assertEqual((reminder.channel, reminder.user_id), ("email", self.agent))

    def test_busy_day_everyone_gets_a_message(self):
        self.company.payment_reminder_busy_day = True
        orders = self.first_time_buyers([1, 20])
        with freeze_time(self.NOW):
            self.build(self.NOW)
        reminders = self.Reminder.search([("order_id", "in", orders.ids)])
        self.assertEqual(set(reminders.mapped("channel")), {"email"})
        self.assertEqual(set(reminders.mapped("overflow_reason")), {"busy_day"})

    def test_overflow_without_email_goes_to_sms(self):
        self.company.payment_reminder_busy_day = True
        customer = self._customer("No mail", "13900006666", email=False)
        order = self._order(customer, self.MORNING, user_id=self.agent.id)
        with freeze_time(self.NOW):
            self.build(self.NOW)
        self.assertEqual(self.reminder_of(order).channel, "sms")

    def test_the_control_group_takes_no_call_but_keeps_its_channel(self):
        self.agent.payment_reminder_call_capacity = 1
        held_out, called = self.first_time_buyers([5, 1])
        self._cycle(held_out, self.NOW, arm="control")
        with freeze_time(self.NOW):
            self.build(self.NOW)
        control = self.reminder_of(held_out)
        self.assertEqual((control.skip_reason, control.channel), ("control", "phone"))
        self.assertEqual(self.reminder_of(called).channel, "phone")

    def test_a_call_without_agent_or_team_is_planned_unassigned(self):
        # A shop without reminder team, an order without salesperson: the call
        # rule still chooses a call, and the capacity rule has no one to count.
        self.company.payment_reminder_team_ids = False
        customer = self._customer("Buyer alone", "13900005555")
        order = self._order(customer, self.MORNING, qty=4, user_id=False)
        with freeze_time(self.NOW):
            self.build(self.NOW)
        reminder = self.reminder_of(order)
        self.assertEqual((reminder.channel, reminder.state), ("phone", "planned"))
        self.assertFalse(reminder.user_id)

    def test_capacity_is_set_per_agent(self):
        self.assertEqual(self.agent.payment_reminder_call_capacity, 60)
        with Form(self.agent, view="base.view_users_form") as form:
            form.payment_reminder_call_capacity = 25
        self.assertEqual(self.agent.payment_reminder_call_capacity, 25)
