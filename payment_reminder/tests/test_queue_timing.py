# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.tests import tagged

from .common import PaymentReminderCommon, shop_time


@tagged("post_install", "-at_install")
class TestQueueTiming(PaymentReminderCommon):
    """Rules 4 to 8: when each reminder goes out, in shop time."""

    def scheduled(self, placed_at, now=None, partner=None, **order_values):
        partner = partner or self.customer
        self._order(partner, placed_at, **order_values)
        now = now or placed_at + timedelta(minutes=1)
        with freeze_time(now):
            self.build(now)
        reminder = self.reminders_of(partner, step="first")
        self.assertEqual(reminder.state, "planned", reminder.skip_reason)
        return reminder.scheduled_at

    def test_rule4_not_before_the_minimum_delay(self):
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 9, 50)),
            shop_time(2026, 11, 11, 10, 20),
        )

    def test_rule5_morning_order_reminded_before_noon(self):
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 7, 0)),
            shop_time(2026, 11, 11, 9, 0),
        )

    def test_rule5_afternoon_order_reminded_before_17(self):
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 13, 0)),
            shop_time(2026, 11, 11, 13, 30),
        )

    def test_rule5_evening_order_reminded_before_22(self):
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 18, 0)),
            shop_time(2026, 11, 11, 18, 30),
        )

    def test_rule5_night_order_reminded_at_10_next_morning(self):
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 23, 0)),
            shop_time(2026, 11, 12, 10, 0),
        )

    def test_rule5_after_midnight_order_reminded_at_10_the_same_morning(self):
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 12, 2, 0)),
            shop_time(2026, 11, 12, 10, 0),
        )

    def test_rule5_midnight_boundary(self):
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 23, 59, 59)),
            shop_time(2026, 11, 12, 10, 0),
        )
        self.assertEqual(
            self.scheduled(
                shop_time(2026, 11, 12, 0, 0, 0), partner=self.returning_customer
            ),
            shop_time(2026, 11, 12, 10, 0),
        )

    def test_rule5_order_that_misses_its_window_rolls_to_the_next(self):
        # 11:50 + 30 minutes is past noon: the afternoon window takes it.
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 11, 50)),
            shop_time(2026, 11, 11, 12, 20),
        )

    def test_rule5_late_evening_order_rolls_to_next_morning(self):
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 21, 45)),
            shop_time(2026, 11, 12, 9, 0),
        )

    def test_rule5_windows_are_editable_records(self):
        self.env.ref("payment_reminder.window_morning").remind_from = 10.5
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 7, 0)),
            shop_time(2026, 11, 11, 10, 30),
        )

    def test_rule5_a_company_with_its_own_windows_uses_them(self):
        self.env["payment.reminder.window"].create(
            {
                "name": "All day",
                "company_id": self.company.id,
                "placed_from": 0.0,
                "placed_to": 24.0,
                "remind_from": 8.0,
                "remind_to": 20.0,
            }
        )
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 6, 0)),
            shop_time(2026, 11, 11, 8, 0),
        )

    def test_rule5_time_zone_with_daylight_saving(self):
        # Paris leaves summer time on 2026-10-25: 07:00 local is 06:00 UTC that
        # morning and 05:00 UTC the day before.
        self.company.payment_reminder_tz = "Europe/Paris"
        self.assertEqual(
            self.scheduled(shop_time(2026, 10, 25, 14, 0)),  # 07:00 in Paris
            shop_time(2026, 10, 25, 16, 0),  # 09:00 in Paris = 08:00 UTC
        )
        self.assertEqual(
            self.scheduled(
                shop_time(2026, 10, 24, 13, 0), partner=self.returning_customer
            ),  # 07:00 in Paris, summer time
            shop_time(2026, 10, 24, 15, 0),  # 09:00 in Paris = 07:00 UTC
        )

    def test_rule6_cutoff_mode_reminds_in_the_hour_before_dispatch(self):
        self.company.payment_reminder_cutoff_mode = True
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 8, 0)),
            shop_time(2026, 11, 11, 10, 0),
        )

    def test_rule6_cutoff_mode_after_the_cutoff_waits_for_the_next(self):
        self.company.payment_reminder_cutoff_mode = True
        self.assertEqual(
            self.scheduled(shop_time(2026, 11, 11, 10, 45)),
            shop_time(2026, 11, 11, 16, 0),
        )

    def test_rule7_final_reminder_before_close(self):
        placed = shop_time(2026, 11, 9, 14, 0)
        order = self._order(self.customer, placed)
        deadline = placed + timedelta(hours=72)
        self.assertEqual(order.payment_deadline, deadline)
        with freeze_time(deadline - timedelta(hours=3)):
            self.build(deadline - timedelta(hours=3))
        self.assertFalse(self.reminders_of(self.customer, step="final"))
        now = deadline - timedelta(hours=1)
        with freeze_time(now):
            self.build(now)
        final = self.reminders_of(self.customer, step="final")
        self.assertEqual(final.scheduled_at, deadline - timedelta(minutes=30))
        self.assertEqual(final.channel, "sms")
        self.assertEqual(final.order_id, order)

    def test_rule7_no_final_reminder_once_the_maximum_is_reached(self):
        self.company.payment_reminder_max_count = 1
        placed = shop_time(2026, 11, 9, 14, 0)
        self._order(self.customer, placed)
        with freeze_time(placed + timedelta(hours=1)):
            self.build(placed + timedelta(hours=1))
        self.mark_done(self.reminders_of(self.customer), placed + timedelta(hours=1))
        now = placed + timedelta(hours=71)
        with freeze_time(now):
            self.build(now)
        final = self.reminders_of(self.customer, step="final")
        self.assertEqual(final.skip_reason, "max_reached")

    def test_rule8_flash_sale_reminded_against_its_deadline(self):
        placed = shop_time(2026, 11, 11, 0, 5)  # Double 11 at midnight
        order = self._order(self.customer, placed, product=self.product_flash)
        self.assertTrue(order.is_flash_sale)
        self.assertEqual(order.payment_deadline, placed + timedelta(minutes=30))
        with freeze_time(placed + timedelta(minutes=1)):
            self.build(placed + timedelta(minutes=1))
        self.assertFalse(self.reminders_of(self.customer, step="first"))
        final = self.reminders_of(self.customer, step="final")
        self.assertEqual(final.scheduled_at, placed + timedelta(minutes=15))
        self.assertEqual(final.channel, "sms")

    def test_rule8_flash_sale_by_pricelist(self):
        pricelist = self.env["product.pricelist"].create({"name": "Double 11"})
        self.company.payment_reminder_flash_pricelist_ids = pricelist
        order = self._order(
            self.customer, shop_time(2026, 11, 11, 0, 5), pricelist_id=pricelist.id
        )
        self.assertTrue(order.is_flash_sale)

    # === DEADLINES BEAT QUIET HOURS (issue 11) === #

    def final_at(self, placed_at, now, partner=None, **order_values):
        """The final reminder of an order placed at ``placed_at``, built at
        ``now`` (shop time)."""
        partner = partner or self.customer
        self._order(partner, placed_at, **order_values)
        with freeze_time(now):
            self.build(now)
        return self.reminders_of(partner, step="final")

    def test_final_reminder_of_an_order_closing_in_quiet_hours_goes_before(self):
        # Closes on the 11th at 23:10: 30 minutes before is in quiet hours, and
        # they end after the deadline. The last moment before they start, the
        # sending cron's interval before, is planned two hours ahead.
        final = self.final_at(
            shop_time(2026, 11, 8, 23, 10), shop_time(2026, 11, 11, 19, 50)
        )
        self.assertFalse(final)
        now = shop_time(2026, 11, 11, 20, 0)
        with freeze_time(now):
            self.build(now)
        final = self.reminders_of(self.customer, step="final")
        self.assertEqual(final.state, "planned")
        self.assertEqual(final.scheduled_at, shop_time(2026, 11, 11, 21, 55))
        self.assertEqual(final.channel, "sms")

    def test_final_reminder_of_an_order_closing_at_0850_goes_the_evening_before(self):
        final = self.final_at(
            shop_time(2026, 11, 8, 8, 50), shop_time(2026, 11, 10, 20, 0)
        )
        self.assertEqual(final.scheduled_at, shop_time(2026, 11, 10, 21, 55))

    def test_final_reminder_waits_for_the_end_of_quiet_hours_when_it_fits(self):
        # Closes at 09:20: quiet hours end at 09:00, time enough.
        final = self.final_at(
            shop_time(2026, 11, 8, 9, 20), shop_time(2026, 11, 11, 7, 30)
        )
        self.assertEqual(final.scheduled_at, shop_time(2026, 11, 11, 9, 0))

    def test_final_reminder_before_quiet_hours_the_minimum_interval_allowing(self):
        placed = shop_time(2026, 11, 8, 8, 50)
        self._order(self.customer, placed)
        with freeze_time(placed + timedelta(minutes=30)):
            self.build(placed + timedelta(minutes=30))
        first = self.reminders_of(self.customer, step="first")
        # Contacted at 19:30: 21:55 is two hours later, still allowed.
        self.mark_done(first, shop_time(2026, 11, 10, 19, 30))
        now = shop_time(2026, 11, 10, 20, 0)
        with freeze_time(now):
            self.build(now)
        final = self.reminders_of(self.customer, step="final")
        self.assertEqual(final.scheduled_at, shop_time(2026, 11, 10, 21, 55))
        # Contacted at 20:30 instead: no moment before the deadline is both
        # outside quiet hours and two hours after it.
        first.done_at = shop_time(2026, 11, 10, 20, 30)
        with freeze_time(now + timedelta(minutes=15)):
            self.build(now + timedelta(minutes=15))
        self.assertEqual((final.state, final.skip_reason), ("skipped", "too_soon"))

    def test_midnight_flash_sale_buyer_is_awake_quiet_hours_do_not_apply(self):
        placed = shop_time(2026, 11, 11, 0, 2)
        final = self.final_at(
            placed, placed + timedelta(minutes=13), product=self.product_flash
        )
        self.assertEqual(final.scheduled_at, placed + timedelta(minutes=15))
        self.assertEqual(final.channel, "sms")

    def test_without_the_grace_a_midnight_flash_sale_has_no_slot(self):
        self.company.payment_reminder_quiet_grace_minutes = 0
        placed = shop_time(2026, 11, 11, 0, 2)
        final = self.final_at(
            placed, placed + timedelta(minutes=13), product=self.product_flash
        )
        self.assertEqual((final.state, final.skip_reason), ("skipped", "no_slot"))

    def test_a_call_that_cannot_happen_before_the_deadline_is_not_chosen(self):
        self.env["payment.reminder.channel.rule"].create(
            {
                "name": "Before close: call",
                "sequence": 5,
                "step": "final",
                "channel": "phone",
            }
        )
        now = shop_time(2026, 11, 11, 20, 0)
        # Reminded at 21:55, after the last call window (19:00-21:00): the
        # next one is tomorrow at 11:00, after the 23:10 deadline.
        late = self.final_at(shop_time(2026, 11, 8, 23, 10), now)
        self.assertEqual(late.channel, "sms")
        # Reminded at 20:10, inside the evening call window.
        early = self.final_at(
            shop_time(2026, 11, 8, 20, 40), now, partner=self.returning_customer
        )
        self.assertEqual(early.scheduled_at, shop_time(2026, 11, 11, 20, 10))
        self.assertEqual(early.channel, "phone")

    def test_no_slot_before_the_deadline(self):
        self.company.payment_reminder_deadline_hours = 1
        self._order(self.customer, shop_time(2026, 11, 11, 21, 45))
        now = shop_time(2026, 11, 11, 21, 46)
        with freeze_time(now):
            self.build(now)
        self.assertEqual(
            self.reminders_of(self.customer, step="first").skip_reason, "no_slot"
        )
