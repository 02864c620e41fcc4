# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import base64
import os
from datetime import timedelta
from pathlib import Path
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tests.common import ChromeBrowser

from .common import PaymentReminderSendCommon


@tagged("post_install", "-at_install")
class TestTours(PaymentReminderSendCommon, HttpCase):
    """The three people who meet reminders, in the browser: the agent who calls,
    the manager who sets the timing, the customer who follows the pay link."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.payment_reminder_enabled = True
        cls.tour_agent = cls._tour_user(
            "tour.agent", "Qian Yu", "sales_team.group_sale_salesman"
        )
        cls.tour_manager = cls._tour_user(
            "tour.manager",
            "Zhou Min",
            "base.group_system,sales_team.group_sale_manager",
        )
        # No onboarding tour running alongside ours.
        cls.tour_manager.tour_enabled = False

    @classmethod
    def _tour_user(cls, login, name, groups):
        """A user who logs in to the browser with their login as password."""
        return new_test_user(
            cls.env,
            login=login,
            password=login,
            name=name,
            email=f"{login}@example.com",
            tz="Asia/Shanghai",
            groups=groups,
        )

    def start_tour(self, url_path, tour_name, step_delay=None, **kwargs):
        """Run the tour; with PAYMENT_REMINDER_TOUR_SCREENSHOTS=<dir>, keep a
        screenshot of where it ended in <dir>/<tour>.png (Odoo only keeps them
        on failure)."""
        shots = os.environ.get("PAYMENT_REMINDER_TOUR_SCREENSHOTS")
        if not shots:
            return super().start_tour(url_path, tour_name, step_delay, **kwargs)
        stop = ChromeBrowser.stop

        def stop_after_screenshot(browser):
            future = browser._websocket_send("Page.captureScreenshot", with_future=True)
            png = base64.b64decode(future.result(timeout=10)["data"])
            Path(shots).mkdir(parents=True, exist_ok=True)
            Path(shots, f"{tour_name}.png").write_bytes(png)
            stop(browser)

        with patch.object(ChromeBrowser, "stop", stop_after_screenshot):
            return super().start_tour(url_path, tour_name, step_delay, **kwargs)

    def test_agent_logs_a_promise(self):
        now = fields.Datetime.now()
        order = self._order(
            self.customer,
            now - timedelta(hours=1),
            name="TOUR/CALL",
            user_id=self.tour_agent.id,
        )
        reminder = self.due_reminder(
            order, "phone", now - timedelta(minutes=5), user_id=self.tour_agent.id
        )
        reminder._reminder_send(now)
        call = order._payment_reminder_call_activities()
        self.assertEqual(len(call), 1)
        # Due whatever the time of day: My Calls shows today's and overdue calls.
        call.date_deadline = fields.Date.today() - timedelta(days=1)
        # A call to make: the customer is not reminded until the agent calls.
        self.assertEqual(reminder.state, "calling")
        self.assertEqual(order.reminder_state, "pending")

        with self.mock_mail_gateway(), self.mockSMSGateway():
            self.start_tour("/odoo", "payment_reminder_agent_tour", login="tour.agent")

        self.assertEqual(order.reminder_state, "promised")
        self.assertEqual(reminder.outcome, "will_pay")
        # The tour promises payment in two days at 10:00 in the browser's zone.
        self.assertGreater(order.reminder_promised_at, now + timedelta(hours=24))
        self.assertLess(order.reminder_promised_at, now + timedelta(hours=72))
        self.assertFalse(order._payment_reminder_call_activities())

    def test_manager_changes_the_timing(self):
        self.assertEqual(self.company.payment_reminder_min_delay, 30)
        self.start_tour("/odoo", "payment_reminder_settings_tour", login="tour.manager")
        self.assertEqual(self.company.payment_reminder_min_delay, 45)

    def test_manager_edits_a_window(self):
        morning = self.env.ref("payment_reminder.window_morning")
        self.assertEqual(morning.remind_to, 12.0)
        self.start_tour("/odoo", "payment_reminder_window_tour", login="tour.manager")
        self.assertEqual(morning.remind_to, 11.5)
        self.assertEqual(morning.remind_from, 9.0)

    def test_customer_reaches_the_payment_form(self):
        # Odoo's default quotation settings: signature required, no online payment.
        order = self._order(
            self.customer,
            fields.Datetime.now() - timedelta(hours=1),
            name="TOUR/PAY",
            require_payment=False,
            require_signature=True,
        )
        self._pay(order, state="draft")
        url = order._payment_reminder_payment_url()
        self.assertIn(f"/payment_reminder/pay/{order.id}?", url)
        self.assertIn(f"access_token={order.access_token}", url)
        # The customer follows the link from the message, not logged in.
        self.start_tour(
            url.removeprefix(order.get_base_url()), "payment_reminder_customer_tour"
        )
