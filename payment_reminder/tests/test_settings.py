# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import ValidationError
from odoo.tests import Form, tagged

from .common import PaymentReminderCommon


@tagged("post_install", "-at_install")
class TestSettings(PaymentReminderCommon):
    def test_settings_are_saved_per_company(self):
        with Form(self.env["res.config.settings"]) as settings:
            settings.payment_reminder_min_delay = 45
            settings.payment_reminder_deadline_hours = 48
            settings.payment_reminder_cutoff_mode = True
            settings.payment_reminder_quiet_grace_minutes = 30
            settings.payment_reminder_replace_hours = 48
        self.assertEqual(self.company.payment_reminder_min_delay, 45)
        self.assertEqual(self.company.payment_reminder_quiet_grace_minutes, 30)
        self.assertEqual(self.company.payment_reminder_replace_hours, 48)
        self.assertEqual(self.company.payment_reminder_deadline_hours, 48)
        self.assertTrue(self.company.payment_reminder_cutoff_mode)

    def test_negative_delays_are_refused(self):
        with self.assertRaises(ValidationError):
            self.company.payment_reminder_min_delay = -5
        with self.assertRaises(ValidationError):
            self.company.payment_reminder_quiet_grace_minutes = -1
        with self.assertRaises(ValidationError):
            self.company.payment_reminder_replace_hours = -24

    def test_deadline_shorter_than_the_minimum_delay_is_refused(self):
        with self.assertRaises(ValidationError):
            self.company.write(
                {"payment_reminder_deadline_hours": 1, "payment_reminder_min_delay": 90}
            )

    def test_flash_reminder_must_fit_in_the_flash_deadline(self):
        with self.assertRaises(ValidationError):
            self.company.payment_reminder_flash_remind_before = 45

    def test_overlapping_windows_are_refused(self):
        with self.assertRaises(ValidationError):
            self.env["payment.reminder.window"].create(
                {
                    "name": "Lunch",
                    "placed_from": 11.0,
                    "placed_to": 13.0,
                    "remind_from": 11.0,
                    "remind_to": 14.0,
                }
            )

    def test_window_ending_before_it_starts_is_refused(self):
        with self.assertRaises(ValidationError):
            self.env.ref("payment_reminder.window_morning").remind_to = 8.0
