# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The bad-input catalogue: each kind of bad input gets a clear error or a safe
skip, and every other customer's reminder comes out as if nothing happened."""

from datetime import timedelta

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import PaymentReminderSendCommon, shop_time

MORNING = shop_time(2026, 11, 11, 9, 0)
NOW = shop_time(2026, 11, 11, 9, 45)


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestBadInput(PaymentReminderSendCommon):
    def setUp(self):
        super().setUp()
        # The well-behaved customer every case must leave untouched.
        self.good = self._customer("Good Buyer", "13900139000")
        self.good_order = self._order(self.good, MORNING)

    def build_and_check_others(self, now=NOW, expected=MORNING + timedelta(minutes=30)):
        """Build the queue; the well-behaved customer is reminded as usual."""
        self.build(now)
        good = self.reminders_of(self.good, step="first")
        self.assertEqual(len(good), 1)
        self.assertEqual(good.state, "planned")
        self.assertEqual(good.order_id, self.good_order)
        self.assertEqual(good.scheduled_at, max(now, expected))
        return good

    # === PHONE NUMBERS AND ADDRESSES === #

    def test_b01_invalid_phone_is_no_mobile_and_no_crash(self):
        buyer = self._customer("Bad Number", "12")
        self._order(buyer, MORNING)
        self.build_and_check_others()
        self.assertFalse(buyer.payment_reminder_mobile)
        self.assertEqual(
            self.reminders_of(buyer).channel,
            "phone" if buyer.phone_sanitized else "email",
        )

    def test_b02_landline_gets_no_sms(self):
        buyer = self._customer("Office", None, phone="+86 10 6552 9988")
        self._paid_order(buyer, MORNING - timedelta(days=3))
        self._order(buyer, MORNING)
        buyer.email = False
        self.build_and_check_others()
        self.assertFalse(buyer.payment_reminder_mobile)
        self.assertEqual(
            self.reminders_of(buyer, step="first").skip_reason, "no_channel"
        )

    def test_b03_foreign_mobile_is_kept_in_e164(self):
        buyer = self._customer("Visitor", "+1 415 555 2671")
        self.assertEqual(buyer.payment_reminder_mobile, "+14155552671")
        order = self._order(buyer, MORNING)
        self.build_and_check_others()
        self.assertEqual(order.reminder_customer_key, "+14155552671")

    def test_b04_empty_numbers_fall_back_to_the_partner(self):
        buyer = self._customer("No Phone", None)
        order = self._order(buyer, MORNING)
        self.build_and_check_others()
        self.assertEqual(order.reminder_customer_key, f"partner-{buyer.id}")
        self.assertEqual(self.reminders_of(buyer).channel, "email")

    def test_b05_absurdly_long_number_is_ignored(self):
        buyer = self._customer("Long Number", "1" * 500)
        self._order(buyer, MORNING)
        self.build_and_check_others()
        self.assertFalse(buyer.payment_reminder_mobile)
        self.assertEqual(len(self.reminders_of(buyer)), 1)

    def test_b06_missing_email_uses_the_mobile(self):
        buyer = self._customer("No Mail", "13900139001", email=False)
        self._paid_order(buyer, MORNING - timedelta(days=3))
        self._order(buyer, MORNING)
        self.build_and_check_others()
        self.assertEqual(
            self.reminders_of(buyer, step="first", state="planned").channel, "sms"
        )

    def test_b07_contact_without_a_name_is_reminded_as_its_company(self):
        company = self._customer("Tea House Ltd", "13900139002", is_company=True)
        contact = self.env["res.partner"].create(
            {
                "type": "other",
                "parent_id": company.id,
                "email": "orders@tea.example.com",
            }
        )
        order = self._order(contact, MORNING)
        self.build_and_check_others()
        self.assertEqual(order.reminder_ids.partner_id, company)

    def test_b08_archived_customer_is_skipped(self):
        buyer = self._customer("Gone Away", "13900139003")
        self._order(buyer, MORNING)
        buyer.action_archive()
        self.build_and_check_others()
        reminder = self.reminders_of(buyer.with_context(active_test=False))
        self.assertEqual(
            (reminder.state, reminder.skip_reason), ("skipped", "archived")
        )

    def test_b09_the_public_user_is_never_reminded(self):
        order = self._order(self.env.ref("base.public_partner"), MORNING)
        self.build_and_check_others()
        self.assertFalse(order.reminder_ids)

    # === AMOUNTS AND CURRENCIES === #

    def test_b10_zero_amount_is_not_awaiting_payment(self):
        order = self._order(self.customer, MORNING)
        order.order_line.price_unit = 0.0
        self.build_and_check_others()
        self.assertFalse(order.reminder_ids)

    def test_b11_negative_amount_is_not_awaiting_payment(self):
        order = self._order(self.customer, MORNING)
        order.order_line.price_unit = -50.0
        self.assertFalse(order.awaiting_payment)
        self.build_and_check_others()
        self.assertFalse(order.reminder_ids)

    def test_b12_huge_amount_is_summed_exactly_and_called(self):
        order = self._order(self.customer, MORNING)
        order.order_line.price_unit = 99_999_999_999.99
        self.build_and_check_others()
        reminder = order.reminder_ids
        self.assertEqual(reminder.amount_unpaid, 99_999_999_999.99)
        self.assertEqual(reminder.channel, "phone")

    def test_b13_three_currencies_make_one_reminder(self):
        pricelists = self.env["product.pricelist"].create(
            [
                {"name": "EUR", "currency_id": self.currency_euro.id},
                {"name": "CNY", "currency_id": self._prepare_currency("CNY").id},
            ]
        )
        self._order(self.customer, MORNING - timedelta(minutes=20))
        self._order(
            self.customer,
            MORNING - timedelta(minutes=10),
            pricelist_id=pricelists[0].id,
        )
        latest = self._order(
            self.customer, MORNING, pricelist_id=pricelists[1].id, qty=2
        )
        self.build_and_check_others()
        reminder = self.reminders_of(self.customer)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(reminder.currency_id, latest.currency_id)
        self.assertEqual(reminder.amount_unpaid, 200.0)
        self.assertEqual(reminder.amount_unpaid_other.count(","), 1)

    # === TIME === #

    def test_b14_order_in_the_repeated_hour_of_a_dst_change(self):
        # 2026-10-25 00:30 UTC is 02:30 CEST in Paris, just before the clocks
        # go back and 02:30 happens again: a night order, reminded at 10:00
        # local, which is 09:00 UTC once winter time applies.
        self.company.payment_reminder_tz = "Europe/Paris"
        placed = shop_time(2026, 10, 25, 8, 30)  # 00:30 UTC
        buyer = self._customer("Night Owl", "13900139004")
        self._order(buyer, placed)
        self.build(placed + timedelta(minutes=1))
        self.assertEqual(
            self.reminders_of(buyer).scheduled_at, shop_time(2026, 10, 25, 17, 0)
        )

    def test_b15_orders_at_the_last_and_first_second_of_the_day(self):
        late = self._customer("Last Second", "13900139005")
        early = self._customer("First Second", "13900139006")
        self._order(late, shop_time(2026, 11, 10, 23, 59, 59))
        self._order(early, shop_time(2026, 11, 11, 0, 0, 0))
        self.build_and_check_others()
        expected = shop_time(2026, 11, 11, 10, 0)
        self.assertEqual(self.reminders_of(late).scheduled_at, expected)
        self.assertEqual(self.reminders_of(early).scheduled_at, expected)

    def test_b16_order_dated_in_the_future_waits_for_its_time(self):
        buyer = self._customer("Time Traveller", "13900139007")
        self._order(buyer, NOW + timedelta(hours=5))
        self.build_and_check_others()
        reminder = self.reminders_of(buyer)
        self.assertGreaterEqual(
            reminder.scheduled_at, NOW + timedelta(hours=5, minutes=30)
        )

    def test_b17_company_without_a_time_zone_reads_utc(self):
        self.company.payment_reminder_tz = False
        self.build(NOW)
        reminder = self.reminders_of(self.good)
        # 09:00 Shanghai is 01:00 UTC: a night order in UTC, reminded at 10:00 UTC.
        self.assertEqual(reminder.scheduled_at, MORNING.replace(hour=10))

    # === SETTINGS OUT OF RANGE === #

    def test_b18_settings_out_of_range_are_refused_with_a_reason(self):
        for values in (
            {"payment_reminder_min_delay": -1},
            {"payment_reminder_min_interval": -30},
            {"payment_reminder_max_count": 0},
            {"payment_reminder_deadline_hours": 1, "payment_reminder_min_delay": 61},
            {"payment_reminder_flash_remind_before": 30},
        ):
            with self.subTest(values=values), self.assertRaises(ValidationError):
                self.company.write(values)

    def test_b19_window_hours_out_of_the_day_are_refused(self):
        with self.assertRaises(ValidationError):
            self.env.ref("payment_reminder.window_evening").remind_to = 25.0

    def test_b20_windows_that_overlap_are_refused(self):
        with self.assertRaises(ValidationError):
            self.env.ref("payment_reminder.window_afternoon").placed_from = 11.0

    def test_b21_a_gap_between_windows_rolls_to_the_next_window(self):
        self.env.ref("payment_reminder.window_afternoon").active = False
        buyer = self._customer("In The Gap", "13900139008")
        self._order(buyer, shop_time(2026, 11, 11, 13, 0))
        evening = shop_time(2026, 11, 11, 17, 0)
        self.build_and_check_others(shop_time(2026, 11, 11, 13, 1), expected=evening)
        self.assertEqual(self.reminders_of(buyer).scheduled_at, evening)

    # === VOLUME === #

    def test_b22_a_customer_with_500_unpaid_orders_gets_one_reminder(self):
        buyer = self._customer("Bulk Buyer", "13900139009")
        orders = self.env["sale.order"].create(
            [
                {
                    "partner_id": buyer.id,
                    "require_payment": True,
                    "order_line": [
                        Command.create({"product_id": self.product_scarf.id})
                    ],
                }
                for _i in range(500)
            ]
        )
        orders.write({"state": "sent", "date_order": MORNING})
        self.build_and_check_others()
        reminder = self.reminders_of(buyer)
        self.assertEqual(len(reminder), 1)
        self.assertEqual(len(reminder.order_ids), 500)
        self.assertEqual(reminder.amount_unpaid, 500 * 100.0)

    # === SENDING === #

    def test_b23_broken_placeholder_fails_that_reminder_only(self):
        # The good buyer is a returning customer: another script, untouched.
        self._paid_order(self.good, MORNING - timedelta(days=3))
        bad = self.due_reminder(self._order(self.customer, MORNING), "email")
        good = self.due_reminder(self.good_order, "email")
        template = self.env.ref("payment_reminder.mail_template_placed")
        template.body_html = '<p><t t-out="object.no_such_field"/></p>'
        with self.mock_mail_gateway():
            self.send_due(NOW)
        self.assertEqual(bad.state, "failed")
        self.assertTrue(bad.error_message)
        self.assertEqual(good.state, "done")
        self.assertEqual(
            good.script_id, self.env.ref("payment_reminder.script_returning")
        )

    def test_b24_deleted_mail_template_fails_with_a_clear_error(self):
        reminder = self.due_reminder(self._order(self.customer, MORNING), "email")
        sms_reminder = self.due_reminder(self.good_order, "sms")
        self.env.ref("payment_reminder.mail_template_placed").unlink()
        with self.mock_mail_gateway(), self.mockSMSGateway():
            self.send_due(NOW)
        self.assertEqual(reminder.state, "failed")
        self.assertTrue(reminder.error_message)
        self.assertEqual(sms_reminder.state, "done")

    def test_b25_deleted_call_activity_type_fails_with_a_clear_error(self):
        reminder = self.due_reminder(self._order(self.customer, MORNING), "phone")
        email_reminder = self.due_reminder(self.good_order, "email")
        self.env.ref("payment_reminder.mail_activity_type_call").unlink()
        with self.mock_mail_gateway():
            self.send_due(NOW)
        self.assertEqual(reminder.state, "failed")
        self.assertTrue(reminder.error_message)
        self.assertEqual(email_reminder.state, "done")

    def test_b26_sms_provider_error_fails_and_keeps_the_others(self):
        sms_reminder = self.due_reminder(self._order(self.customer, MORNING), "sms")
        email_reminder = self.due_reminder(self.good_order, "email")
        with self.mock_mail_gateway(), self.mockSMSGateway(sim_error="credit"):
            self.send_due(NOW)
        self.assertEqual(sms_reminder.state, "failed")
        self.assertEqual(email_reminder.state, "done")

    def test_b27_order_cancelled_by_hand_before_sending_sends_nothing(self):
        order = self._order(self.customer, MORNING)
        reminder = self.due_reminder(order, "email")
        order.with_context(disable_cancel_warning=True).action_cancel()
        with self.mock_mail_gateway():
            self.send_due(NOW)
        self.assertNotEqual(reminder.state, "done")
        self.assertFalse(self._new_mails)
