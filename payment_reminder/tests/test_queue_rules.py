# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import mute_logger

from .common import PaymentReminderCommon, shop_time

MORNING = shop_time(2026, 11, 11, 9, 0)
NOW = shop_time(2026, 11, 11, 9, 45)


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestQueueRules(PaymentReminderCommon):
    """The seed rules that decide whom to remind, about what, how and by whom."""

    def test_rule1_one_reminder_per_customer_about_the_latest_order(self):
        first = self._order(self.customer, MORNING - timedelta(hours=2))
        second = self._order(self.customer, MORNING - timedelta(hours=1), qty=2)
        latest = self._order(self.customer, MORNING, qty=3)
        self.build(NOW)
        reminder = self.reminders_of(self.customer)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.order_id, latest)
        self.assertEqual(reminder.order_ids, first | second | latest)
        self.assertEqual(reminder.amount_unpaid, 600.0)
        self.assertEqual(reminder.state, "planned")
        self.assertEqual(latest.reminder_state, "pending")
        self.assertEqual(first.reminder_count, 1)

    def test_rule1_unpaid_amount_is_summed_per_currency(self):
        eur_pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": self.currency_euro.id}
        )
        self._order(self.customer, MORNING - timedelta(hours=1))
        self._order(self.customer, MORNING, pricelist_id=eur_pricelist.id, qty=2)
        self.build(NOW)
        reminder = self.reminders_of(self.customer)
        self.assertEqual(reminder.currency_id, self.currency_euro)
        self.assertEqual(reminder.amount_unpaid, 200.0)
        self.assertEqual(
            reminder.amount_unpaid_other, self.company.currency_id.format(100.0)
        )

    def test_rule2_no_reminder_when_another_order_was_paid_the_same_day(self):
        # Paid first, then another order left unpaid (a later paid order is a
        # replacement: see test_replaced_*).
        self._paid_order(self.customer, MORNING - timedelta(minutes=20))
        unpaid = self._order(self.customer, MORNING)
        self.build(NOW)
        reminder = self.reminders_of(self.customer)
        self.assertEqual(reminder.state, "skipped")
        self.assertEqual(reminder.skip_reason, "paid_same_day")
        self.assertEqual(reminder.order_id, unpaid)

    def test_rule2_an_order_paid_another_day_does_not_count(self):
        self._paid_order(self.customer, MORNING - timedelta(days=1))
        self._order(self.customer, MORNING)
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.customer).state, "planned")

    def test_rule2_same_day_is_the_shop_day_not_the_utc_day(self):
        # 07:30 in Shanghai is 23:30 UTC the day before: still the same shop day
        # as the 09:00 order.
        self._paid_order(self.customer, shop_time(2026, 11, 11, 7, 30))
        self._order(self.customer, MORNING)
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.customer).skip_reason, "paid_same_day")

    def test_replaced_a_later_paid_order_stops_reminders_about_the_earlier_one(self):
        # Ordered at 22:30, ordered again after midnight and paid that one: not
        # the same shop day, still the customer's decision.
        agent = new_test_user(
            self.env, login="li.ming", groups="sales_team.group_sale_salesman"
        )
        first = self._order(
            self.customer, shop_time(2026, 11, 10, 22, 30), user_id=agent.id
        )
        later = self._paid_order(self.customer, shop_time(2026, 11, 11, 0, 20))
        self.build(NOW)
        reminder = self.reminders_of(self.customer)
        self.assertEqual(
            (reminder.state, reminder.skip_reason), ("skipped", "replaced_by_paid")
        )
        self.assertEqual(reminder.order_ids, first)
        # The agent is offered to cancel it as a likely duplicate, once.
        self.assertEqual(first.reminder_replaced_by_id, later)
        offer = first._payment_reminder_duplicate_offers()
        self.assertEqual(offer.user_id, agent)
        self.assertIn(later.name, offer.summary)
        self.build(NOW + timedelta(minutes=15))
        self.assertEqual(first._payment_reminder_duplicate_offers(), offer)
        first.with_user(agent).action_payment_reminder_cancel_duplicate()
        self.assertEqual(first.state, "cancel")
        self.assertEqual(first.reminder_closed_kind, "manual")
        self.assertIn("Cancelled as a duplicate", first.message_ids[0].body)
        self.assertFalse(offer.exists())
        self.assertEqual(later.state, "sale")

    def test_replaced_only_by_an_order_placed_within_the_window(self):
        self._order(self.customer, MORNING - timedelta(hours=25))
        self._paid_order(self.customer, MORNING)
        self.build(NOW)
        reminder = self.reminders_of(self.customer)
        self.assertEqual(reminder.state, "planned")
        self.company.payment_reminder_replace_hours = 26
        self.build(NOW)
        self.assertEqual(reminder.skip_reason, "replaced_by_paid")

    def test_replaced_order_leaves_the_reminder_of_a_newer_unpaid_one(self):
        replaced = self._order(self.customer, shop_time(2026, 11, 10, 20, 0))
        paid = self._paid_order(self.customer, shop_time(2026, 11, 10, 21, 0))
        newer = self._order(self.customer, MORNING)
        self.build(NOW)
        reminder = self.reminders_of(self.customer)
        self.assertEqual(reminder.state, "planned")
        self.assertEqual(reminder.order_id, newer)
        self.assertEqual(reminder.order_ids, newer)
        self.assertEqual(replaced.reminder_replaced_by_id, paid)

    def test_rule3_one_mobile_on_two_partner_records_is_one_customer(self):
        twin = self._customer("Wang Fang (2nd account)", "+86 138 0013 8001")
        order_a = self._order(self.customer, MORNING - timedelta(minutes=30))
        order_b = self._order(twin, MORNING)
        self.build(NOW)
        reminders = self.Reminder.search([("order_ids", "in", (order_a | order_b).ids)])
        self.assertEqual(len(reminders), 1)
        self.assertEqual(reminders.order_ids, order_a | order_b)
        self.assertEqual(reminders.order_id, order_b)
        self.assertEqual(reminders.customer_key, "+8613800138001")

    def test_rule3_paid_order_of_the_twin_record_counts_as_paid(self):
        twin = self._customer("Wang Fang (2nd account)", "13800138001")
        self._order(self.customer, MORNING)
        self._paid_order(twin, MORNING + timedelta(minutes=5))
        self.build(NOW)
        # The twin's paid order replaces the unpaid one: one customer.
        self.assertEqual(
            self.reminders_of(self.customer).skip_reason, "replaced_by_paid"
        )

    def test_rule3_landline_numbers_do_not_merge_customers(self):
        one = self._customer("Office A", None, phone="+86 10 6552 9988")
        two = self._customer("Office B", None, phone="+86 10 6552 9988")
        self.assertFalse(one.payment_reminder_mobile)
        self._order(one, MORNING)
        self._order(two, MORNING)
        self.build(NOW)
        self.assertEqual(len(self.reminders_of(one)), 1)
        self.assertEqual(len(self.reminders_of(two)), 1)

    def test_rule9_do_not_contact(self):
        self.customer.payment_reminder_opt_out = True
        order = self._order(self.customer, MORNING)
        self.build(NOW)
        reminder = self.reminders_of(self.customer)
        self.assertEqual((reminder.state, reminder.skip_reason), ("skipped", "opt_out"))
        self.assertEqual(order.reminder_state, "excluded")

    def test_rule9_opt_out_stops_a_planned_reminder(self):
        self._order(self.customer, MORNING)
        self.build(NOW)
        self.customer.payment_reminder_opt_out = True
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.customer).skip_reason, "opt_out")

    def test_rule9_blacklisted_email_is_not_used(self):
        self.env["mail.blacklist"]._add(self.returning_customer.email)
        self._paid_order(self.returning_customer, MORNING - timedelta(days=5))
        self._order(self.returning_customer, MORNING)
        self.build(NOW)
        self.assertEqual(
            self.reminders_of(self.returning_customer, step="first").channel, "sms"
        )

    def test_rule9_never_after_the_maximum_count(self):
        order = self._order(self.customer, MORNING - timedelta(days=1))
        done = self.Reminder.create(
            [
                {
                    "partner_id": self.customer.id,
                    "order_id": order.id,
                    "order_ids": [Command.set(order.ids)],
                    "customer_key": order.reminder_customer_key,
                    "step": "manual",
                    "scheduled_at": NOW - timedelta(days=1, hours=hours),
                    "queue_date": (NOW - timedelta(days=1)).date(),
                    "currency_id": order.currency_id.id,
                }
                for hours in (1, 2)
            ]
        )
        self.mark_done(done, NOW - timedelta(days=1))
        self.company.payment_reminder_max_count = 2
        self.build(NOW)
        reminder = self.reminders_of(self.customer, step="first")
        self.assertEqual(reminder.skip_reason, "max_reached")

    def test_rule9_never_twice_within_the_minimum_interval(self):
        earlier = self._order(self.customer, MORNING - timedelta(days=1))
        self.build(MORNING - timedelta(days=1) + timedelta(hours=1))
        first = self.reminders_of(self.customer)
        self.mark_done(first, NOW - timedelta(minutes=30))
        self._order(self.customer, MORNING)
        self.build(NOW)
        new = self.reminders_of(self.customer, state="planned")
        self.assertEqual(
            new.order_ids.sorted("id"), (earlier | new.order_id).sorted("id")
        )
        self.assertEqual(
            new.scheduled_at,
            NOW
            - timedelta(minutes=30)
            + timedelta(minutes=self.company.payment_reminder_min_interval),
        )

    def test_rule10_large_order_gets_a_call(self):
        self._order(self.returning_customer, MORNING, product=self.product_phone)
        self._paid_order(self.returning_customer, MORNING - timedelta(days=3))
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.returning_customer).channel, "phone")

    def test_rule10_first_time_buyer_gets_a_call(self):
        self._order(self.customer, MORNING)
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.customer).channel, "phone")

    def test_rule10_returning_customer_gets_a_free_message_first(self):
        self._paid_order(self.returning_customer, MORNING - timedelta(days=3))
        self._order(self.returning_customer, MORNING)
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.returning_customer).channel, "email")

    def test_rule10_customer_with_an_account_gets_a_portal_message(self):
        new_test_user(
            self.env,
            "li.na",
            groups="base.group_portal",
            partner_id=self.returning_customer.id,
        )
        self._paid_order(self.returning_customer, MORNING - timedelta(days=3))
        self._order(self.returning_customer, MORNING)
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.returning_customer).channel, "portal")

    def test_rule10_bad_payer_gets_no_call(self):
        for days in (3, 4, 5):
            closed = self._order(self.customer, MORNING - timedelta(days=days))
            closed._payment_reminder_close(kind="auto")
        self._order(self.customer, MORNING, product=self.product_phone)
        self.build(NOW)
        self.assertEqual(
            self.reminders_of(self.customer, step="first", state="planned").channel,
            "email",
        )

    def test_rule10_channel_rules_are_editable_records(self):
        self.env.ref("payment_reminder.channel_rule_new_customer_call").active = False
        self.env.ref("payment_reminder.channel_rule_email").channel = "sms"
        self._order(self.customer, MORNING)
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.customer).channel, "sms")

    def test_rule10_nothing_reaches_the_customer(self):
        nobody = self._customer("No Contact", None, email=False, phone="12")
        self._order(nobody, MORNING)
        self.build(NOW)
        reminder = self.reminders_of(nobody)
        self.assertEqual(
            (reminder.state, reminder.skip_reason), ("skipped", "no_channel")
        )

    def test_rule11_salesperson_first_else_round_robin_over_the_team(self):
        agent_a = new_test_user(
            self.env, "agent_a", groups="sales_team.group_sale_salesman"
        )
        agent_b = new_test_user(
            self.env, "agent_b", groups="sales_team.group_sale_salesman"
        )
        seller = new_test_user(
            self.env, "seller", groups="sales_team.group_sale_salesman"
        )
        self.company.payment_reminder_team_ids = agent_a | agent_b
        customers = [self._customer(f"Buyer {i}", f"1390000000{i}") for i in range(4)]
        for customer in customers:
            self._order(customer, MORNING, user_id=False)
        sold = self._order(self.customer, MORNING, user_id=seller.id)
        self.build(NOW)
        self.assertEqual(self.reminders_of(self.customer).user_id, seller)
        agents = [self.reminders_of(c).user_id for c in customers]
        self.assertEqual(agents.count(agent_a), 2)
        self.assertEqual(agents.count(agent_b), 2)
        self.assertTrue(sold.reminder_ids)

    def test_payment_in_progress_is_not_chased(self):
        order = self._order(self.customer, MORNING)
        self._pay(order, state="pending")
        self.build(NOW)
        self.assertEqual(
            self.reminders_of(self.customer).skip_reason, "payment_in_progress"
        )

    def test_a_queue_built_late_moves_to_the_next_window(self):
        # The morning window closed at noon; built at 13:00 the reminder takes
        # the afternoon window from now on, and today's queue shows it.
        self._order(self.customer, MORNING)
        late = shop_time(2026, 11, 11, 13, 0)
        self.build(late)
        reminder = self.reminders_of(self.customer)
        self.assertEqual(reminder.scheduled_at, late)
        self.assertEqual(
            reminder.window_id, self.env.ref("payment_reminder.window_afternoon")
        )

    def test_orders_before_the_start_date_are_never_reminded(self):
        self.company.payment_reminder_start_from = NOW
        self._order(self.customer, MORNING)
        self.build(NOW)
        self.assertFalse(self.reminders_of(self.customer))


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestQueueIdempotency(PaymentReminderCommon):
    def test_building_twice_creates_nothing_new(self):
        self._order(self.customer, MORNING)
        self._order(self.returning_customer, MORNING)
        self.build(NOW)
        count = self.Reminder.search_count([])
        self.build(NOW)
        self.build(NOW + timedelta(minutes=15))
        self.assertEqual(self.Reminder.search_count([]), count)

    def test_a_new_mobile_number_does_not_remind_an_order_again(self):
        """Rule 3 keys a customer by mobile number: a customer who changes it
        after the first reminder is a new key, but the order was reminded at
        that step already (the soak test found it reminded twice)."""
        order = self._order(self.customer, MORNING)
        self.build(NOW)
        reminder = self.reminders_of(self.customer)
        self.mark_done(reminder, NOW + timedelta(minutes=5))
        key = order.reminder_customer_key
        self.customer.mobile = "+86 139 1234 5678"
        self.assertNotEqual(order.reminder_customer_key, key)
        self.build(NOW + timedelta(hours=3))
        self.assertEqual(self.reminders_of(self.customer, step="first"), reminder)

    def test_order_paid_between_two_runs_is_dropped(self):
        order = self._order(self.customer, MORNING)
        self.build(NOW)
        self._pay(order)
        self.assertEqual(order.reminder_state, "paid")
        self.build(NOW + timedelta(minutes=15))
        reminder = self.reminders_of(self.customer)
        self.assertEqual((reminder.state, reminder.skip_reason), ("skipped", "paid"))

    def test_one_of_two_orders_paid_between_runs_leaves_the_other(self):
        older = self._order(self.customer, MORNING - timedelta(hours=1))
        latest = self._order(self.customer, MORNING)
        self.build(NOW)
        self._pay(older)
        self.build(NOW + timedelta(minutes=15))
        reminder = self.reminders_of(self.customer)
        self.assertEqual(reminder.state, "planned")
        self.assertEqual(reminder.order_ids, latest)

    def test_new_order_refreshes_the_planned_reminder(self):
        self._order(self.customer, MORNING)
        self.build(NOW)
        later = self._order(self.customer, NOW, qty=2)
        self.build(NOW + timedelta(minutes=15))
        reminder = self.reminders_of(self.customer)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.order_id, later)
        self.assertEqual(reminder.amount_unpaid, 300.0)

    def test_database_refuses_a_second_reminder_for_the_same_step_and_day(self):
        self._order(self.customer, MORNING)
        reminder = self.build(NOW)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            with self.env.cr.savepoint():
                reminder.copy()
                self.env.flush_all()

    def test_two_companies_keep_their_own_queues(self):
        other = self.env["res.company"].create(
            {
                "name": "Shop Two",
                "payment_reminder_tz": "Europe/Paris",
                "payment_reminder_start_from": MORNING - timedelta(days=10),
            }
        )
        self.env.user.company_ids += other
        order_one = self._order(self.customer, MORNING)
        order_two = self._order(self.customer, MORNING, company_id=other.id)
        self.build(NOW)
        self.assertEqual(
            self.Reminder.search([("order_ids", "in", order_one.ids)]).company_id,
            self.company,
        )
        self.assertFalse(self.Reminder.search([("order_ids", "in", order_two.ids)]))
        self.build(NOW, company=other)
        reminder_two = self.Reminder.search([("order_ids", "in", order_two.ids)])
        self.assertEqual(reminder_two.company_id, other)
        self.assertEqual(reminder_two.order_ids, order_two)
