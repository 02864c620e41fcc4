# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.fields import Command
from odoo.tests import tagged

from .common import PaymentReminderCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 0)


@tagged("post_install", "-at_install")
class TestAwaitingPayment(PaymentReminderCommon):
    def test_quotation_sent_with_online_payment_awaits_payment(self):
        order = self._order(self.customer, PLACED)
        self.assertTrue(order.awaiting_payment)
        self.assertIn(
            order, self.env["sale.order"].search([("awaiting_payment", "=", True)])
        )

    def test_draft_quotation_without_payment_step_is_not_awaiting(self):
        order = self._order(self.customer, PLACED)
        order.state = "draft"
        self.assertFalse(order.awaiting_payment)

    def test_customer_at_payment_step_awaits_payment(self):
        order = self._order(self.customer, PLACED, require_payment=False)
        order.state = "draft"
        self.assertFalse(order.awaiting_payment)
        tx = self._pay(order, state="draft")
        self.assertTrue(order.awaiting_payment, "a draft transaction means checkout")
        tx._set_pending()
        self.assertTrue(order.awaiting_payment)

    def test_done_payment_ends_waiting_without_cron(self):
        order = self._order(self.customer, PLACED)
        tx = self._pay(order, state="draft")
        self.assertTrue(order.awaiting_payment)
        tx._set_done()
        self.assertFalse(order.awaiting_payment)
        self.assertFalse(
            self.env["sale.order"].search(
                [("id", "=", order.id), ("awaiting_payment", "=", True)]
            )
        )

    def test_authorized_payment_ends_waiting(self):
        order = self._order(self.customer, PLACED)
        self._pay(order, state="authorized")
        self.assertFalse(order.awaiting_payment)

    def test_failed_payment_keeps_waiting(self):
        order = self._order(self.customer, PLACED)
        tx = self._pay(order, state="draft")
        tx._set_canceled()
        self.assertTrue(order.awaiting_payment)

    def test_partial_payment_counts_against_the_prepayment(self):
        order = self._order(self.customer, PLACED, qty=10)  # 1000
        order.prepayment_percent = 0.3
        self._pay(order, amount=200.0)
        self.assertTrue(order.awaiting_payment, "200 does not cover a 300 prepayment")
        self._pay(order, amount=100.0)
        self.assertFalse(order.awaiting_payment)

    def test_confirmed_order_with_missing_prepayment_awaits_payment(self):
        order = self._order(self.customer, PLACED)
        order.with_context(send_email=False).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertTrue(order.awaiting_payment)
        order.require_payment = False
        self.assertFalse(order.awaiting_payment, "no payment was required")

    def test_cancelled_order_is_not_awaiting(self):
        order = self._order(self.customer, PLACED)
        order.with_context(disable_cancel_warning=True).action_cancel()
        self.assertFalse(order.awaiting_payment)

    def test_public_partner_is_not_awaiting(self):
        order = self._order(self.env.ref("base.public_partner"), PLACED)
        self.assertFalse(order.awaiting_payment)

    def test_zero_amount_order_is_not_awaiting(self):
        order = self._order(self.customer, PLACED)
        order.order_line.price_unit = 0.0
        self.assertFalse(order.awaiting_payment)
        order.order_line = [
            Command.create({"product_id": self.product_scarf.id, "price_unit": 5.0})
        ]
        self.assertTrue(order.awaiting_payment)
