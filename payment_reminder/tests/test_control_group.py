# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from ..const import MIN_ARM_SIZE, Z_95
from ..utils import difference_interval
from .common import PaymentReminderResultsCommon, PaymentReminderSendCommon, shop_time

DAY1 = shop_time(2026, 11, 11, 8, 0)
PLACED = shop_time(2026, 11, 11, 9, 0)
BUILT = shop_time(2026, 11, 11, 9, 45)


@tagged("post_install", "-at_install")
class TestControlGroupDraw(PaymentReminderResultsCommon):
    """Item 4: the draw is made once per customer and unpaid-order cycle."""

    def customers(self, count, placed=PLACED):
        orders = self.env["sale.order"]
        for number in range(count):
            customer = self._customer(f"Cycle {number}", f"1391234{number:04d}")
            orders |= self._order(customer, placed)
        return orders

    def arms(self, orders):
        return {
            order.reminder_customer_key: order.reminder_cycle_id.arm for order in orders
        }

    def test_the_draw_is_stored_on_the_cycle_of_the_first_unpaid_order(self):
        self.company.payment_reminder_holdout_percent = 50.0
        orders = self.customers(10)
        self.build(BUILT)
        cycles = orders.reminder_cycle_id
        self.assertEqual(len(cycles), 10)
        self.assertEqual(cycles.first_order_id, orders)
        self.assertEqual(set(cycles.mapped("drawn_at")), {BUILT})
        control = cycles.filtered(lambda cycle: cycle.arm == "control")
        self.assertTrue(0 < len(control) < 10, "about half held out")
        reminders = self.Reminder.search([("order_id", "in", orders.ids)])
        self.assertEqual(reminders.cycle_id, cycles)
        self.assertEqual(
            reminders.filtered(lambda r: r.skip_reason == "control").cycle_id, control
        )

    def test_every_step_and_rebuild_keeps_the_draw_whatever_the_setting(self):
        self.company.payment_reminder_holdout_percent = 50.0
        orders = self.customers(10)
        self.build(BUILT)
        drawn = self.arms(orders)
        # The share changes; the next day a new order joins the cycle; then the
        # final reminders are planned: deadlines beat quiet hours, so the one
        # before the 09:00 deadline goes at 21:55 the evening before, planned
        # from 20:00.
        self.company.payment_reminder_holdout_percent = 0.0
        newer = self._order(orders[0].partner_id, PLACED + timedelta(days=1))
        self.build(PLACED + timedelta(days=1, hours=1))
        self.build(PLACED + timedelta(hours=59))
        self.assertEqual(self.arms(orders), drawn)
        self.assertEqual(newer.reminder_cycle_id, orders[0].reminder_cycle_id)
        for order in orders:
            final = self.Reminder.search(
                [("order_ids", "in", order.ids), ("step", "=", "final")]
            )
            self.assertEqual(final.cycle_id, order.reminder_cycle_id)
            held_out = final.skip_reason == "control"
            self.assertEqual(held_out, drawn[order.reminder_customer_key] == "control")

    def test_a_new_cycle_once_nothing_is_left_unpaid(self):
        self.company.payment_reminder_holdout_percent = 50.0
        [order] = self.customers(1)
        self.build(BUILT)
        first_cycle = order.reminder_cycle_id
        with freeze_time(BUILT + timedelta(hours=1)):
            self._pay(order)
        again = self._order(order.partner_id, PLACED + timedelta(days=2))
        self.build(PLACED + timedelta(days=2, hours=1))
        self.assertTrue(again.reminder_cycle_id)
        self.assertNotEqual(again.reminder_cycle_id, first_cycle)
        self.assertEqual(again.reminder_cycle_id.first_order_id, again)

    def test_no_control_group_everyone_is_in_the_reminded_arm(self):
        orders = self.customers(5)
        self.build(BUILT)
        self.assertEqual(set(orders.reminder_cycle_id.mapped("arm")), {"remind"})


@tagged("post_install", "-at_install")
class TestControlGroupCycle(PaymentReminderSendCommon):
    """A three-day cycle run by the crons, with half the customers held out."""

    def test_nobody_is_held_out_at_one_step_and_reminded_at_another(self):
        self.company.payment_reminder_holdout_percent = 50.0
        orders = self.env["sale.order"]
        for number in range(16):
            # A third can only be reached by e-mail: messages, not calls.
            mobile = False if number % 3 == 0 else f"1391235{number:04d}"
            customer = self._customer(f"Three days {number}", mobile)
            orders |= self._order(customer, PLACED + timedelta(minutes=37 * number))
        payers = orders[1::4]
        moment = DAY1
        with self.mock_mail_gateway(), self.mockSMSGateway():
            # Until the last order (placed 18:15) closes, three days later.
            while moment <= PLACED + timedelta(hours=82):
                with freeze_time(moment):
                    if moment == shop_time(2026, 11, 12, 11, 0):
                        for order in payers:
                            self._pay(order)
                    self.Reminder._cron_build_queue()
                    self.Reminder._cron_send_due()
                    self.env["sale.order"]._cron_close_unpaid()
                moment += timedelta(hours=1)
        reminders = self.Reminder.search([("order_ids", "in", orders.ids)])
        self.assertEqual(set(reminders.mapped("step")), {"first", "final"})
        held_out = reminders.filtered(lambda r: r.skip_reason == "control")
        self.assertTrue(held_out and held_out != reminders)
        for key, mine in reminders.grouped("customer_key").items():
            with self.subTest(customer=key):
                self.assertEqual(len(mine.cycle_id), 1)
                arm = mine.cycle_id.arm
                if arm == "control":
                    self.assertEqual(set(mine.mapped("skip_reason")), {"control"})
                else:
                    self.assertNotIn("control", mine.mapped("skip_reason"))
        control_orders = held_out.order_ids
        # Nothing reached the control group: no message, no call.
        self.assertFalse(
            control_orders.message_ids.filtered(lambda m: m.message_type == "comment")
        )
        self.assertFalse(control_orders.activity_ids)
        self.assertFalse(
            self.Reminder.search(
                [
                    ("order_ids", "in", control_orders.ids),
                    ("state", "in", ("done", "calling")),
                ]
            )
        )
        unpaid_reminded = (orders - payers - control_orders).filtered(
            lambda order: order.reminder_cycle_id.arm == "remind"
        )
        self.assertTrue(
            all(
                self.Reminder.search_count(
                    [("order_ids", "in", order.ids), ("step", "=", "final")]
                )
                for order in unpaid_reminded
            ),
            "the reminded customers who did not pay got their final reminder",
        )


@tagged("post_install", "-at_install")
class TestIntentToTreat(PaymentReminderSendCommon):
    """The arms compare what was assigned, on the same window for paid."""

    def setUp(self):
        super().setUp()
        self.company.payment_reminder_holdout_percent = 50.0
        self.sheet = self.env["report.payment_reminder.report_summary_sheet"]
        self.orders = {}
        for number, (name, arm) in enumerate(
            [
                ("Paid first", "remind"),
                ("Reminded", "remind"),
                ("Control paid", "control"),
                ("Control", "control"),
            ]
        ):
            customer = self._customer(name, f"1391236{number:04d}")
            order = self._order(customer, PLACED)
            self._cycle(order, BUILT, arm=arm)
            self.orders[name] = order

    def test_a_customer_who_pays_before_the_send_stays_in_the_reminded_arm(self):
        self.build(BUILT)
        with freeze_time(BUILT + timedelta(minutes=5)):
            self._pay(self.orders["Paid first"])
            self._pay(self.orders["Control paid"])
        self.send_due(shop_time(2026, 11, 11, 10, 0))
        skipped = self.Reminder.search(
            [("order_id", "=", self.orders["Paid first"].id)]
        )
        self.assertEqual((skipped.state, skipped.skip_reason), ("skipped", "paid"))
        lift = self.sheet._get_sheet_lines([("queue_date", "=", BUILT.date())])["lift"]
        self.assertEqual(
            (lift["reminded"]["customers"], lift["reminded"]["customers_paid"]), (2, 1)
        )
        self.assertEqual(
            (lift["control"]["customers"], lift["control"]["customers_paid"]), (2, 1)
        )
        self.assertEqual(lift["points"], 0.0)
        self.assertEqual(
            [amount["amount_recovered"] for amount in lift["reminded"]["amounts"]],
            [100.0],
        )

    def test_both_arms_use_the_same_window_for_paid(self):
        self.build(BUILT)
        deadline = self.orders["Reminded"].payment_deadline
        # After the deadline: paid, but not in the window, in both arms.
        with freeze_time(deadline + timedelta(minutes=1)):
            self._pay(self.orders["Reminded"])
            self._pay(self.orders["Control"])
        lift = self.sheet._get_sheet_lines([("queue_date", "=", BUILT.date())])["lift"]
        self.assertEqual(lift["reminded"]["customers_paid"], 0)
        self.assertEqual(lift["control"]["customers_paid"], 0)


@tagged("post_install", "-at_install")
class TestLiftInterval(PaymentReminderResultsCommon):
    """The lift's 95 % interval, checked against a hand-worked example."""

    def test_the_interval_by_hand(self):
        """Reminded: 54 of 120 customers paid (45 %); control: 24 of 80 (30 %).

        lift = 0.45 - 0.30 = 0.15
        variance = 0.45 x 0.55 / 120 + 0.30 x 0.70 / 80
                 = 0.0020625 + 0.002625 = 0.0046875
        standard error = sqrt(0.0046875) = 0.0684653
        half width = 1.959964 x 0.0684653 = 0.1341895
        interval = 0.15 -/+ 0.1341895 = [0.0158105, 0.2841895]
        i.e. +15.0 points, from +1.6 to +28.4.
        """
        lift, low, high = difference_interval(54, 120, 24, 80, Z_95)
        self.assertAlmostEqual(lift, 0.15)
        self.assertAlmostEqual(low, 0.0158105, places=6)
        self.assertAlmostEqual(high, 0.2841895, places=6)
        entries = [{"arm": "remind", "paid": index < 54} for index in range(120)] + [
            {"arm": "control", "paid": index < 24} for index in range(80)
        ]
        figures = self.env["report.payment_reminder.report_summary_sheet"]._sheet_lift(
            entries
        )
        self.assertAlmostEqual(figures["points"], 15.0)
        self.assertAlmostEqual(figures["low"], 1.58105, places=4)
        self.assertAlmostEqual(figures["high"], 28.41895, places=4)
        self.assertTrue(figures["enough"])

    def test_per_channel_and_agent_only_with_30_customers_in_each_arm(self):
        self.assertEqual(MIN_ARM_SIZE, 30)
        email = [
            {"arm": arm, "paid": index < 10, "channel": "email", "user": self.env.user}
            for arm in ("remind", "control")
            for index in range(30)
        ]
        sms = [
            {"arm": "remind", "paid": True, "channel": "sms", "user": self.env.user}
            for _index in range(29)
        ] + [
            {"arm": "control", "paid": False, "channel": "sms", "user": self.env.user}
            for _index in range(40)
        ]
        sheet = self.env["report.payment_reminder.report_summary_sheet"]
        lines = {
            line["label"]: line
            for line in sheet._sheet_lift_by(email + sms, "channel", str.upper)
        }
        self.assertTrue(lines["EMAIL"]["enough"])
        self.assertEqual(lines["EMAIL"]["points"], 0.0)
        self.assertIsNotNone(lines["EMAIL"]["low"])
        self.assertFalse(lines["SMS"]["enough"])
        self.assertEqual(lines["SMS"]["points"], 100.0)
        self.assertIsNone(lines["SMS"]["low"])
        [agent] = sheet._sheet_lift_by(email + sms, "user", lambda user: user.name)
        self.assertEqual(agent["sizes"], {"remind": 59, "control": 70})
        self.assertTrue(agent["enough"])
