# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
MORNING = shop_time(2026, 11, 11, 10, 0)
BANK_DETAILS = "Bank of Shanghai, account 6222 0210 0112 3456"


@tagged("post_install", "-at_install")
class TestWireTransfer(PaymentReminderSendCommon):
    """Orders waiting for the customer's bank transfer are chased, with the bank
    details; a card payment in flight is not; cash on delivery is left alone."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.wire_provider = cls.env.ref("payment.payment_provider_transfer")
        cls.wire_provider.write(
            {
                "state": "test",
                "pending_msg": f"<p>Please transfer to {BANK_DETAILS}</p>",
                # Odoo's "partner" payment reference (CUST/..), not the order name.
                "so_reference_type": "partner",
            }
        )
        cls.company.payment_reminder_wire_deadline_hours = 120

    def test_pending_wire_transfer_awaits_the_customer(self):
        order = self._order(self.customer, PLACED)
        self._wire_transfer(order)
        self.assertTrue(order.awaiting_payment)
        self.assertFalse(order._payment_reminder_has_payment_in_progress())
        self.build(PLACED + timedelta(hours=1))
        reminder = self.reminders_of(self.customer)
        self.assertEqual(reminder.state, "planned")
        self.assertFalse(reminder.skip_reason)

    def test_pending_card_payment_is_still_under_way(self):
        order = self._order(self.customer, PLACED)
        self._pay(order, state="pending")
        self.assertTrue(order._payment_reminder_has_payment_in_progress())
        self.build(PLACED + timedelta(hours=1))
        self.assertEqual(
            self.reminders_of(self.customer).skip_reason, "payment_in_progress"
        )

    def test_a_card_payment_in_flight_wins_over_a_wire_transfer(self):
        order = self._order(self.customer, PLACED)
        self._wire_transfer(order)
        self._pay(order, state="pending")
        self.assertTrue(order._payment_reminder_has_payment_in_progress())

    def test_wire_transfer_gets_its_own_deadline(self):
        order = self._order(self.customer, PLACED)
        card = self._order(self.returning_customer, PLACED)
        self.assertEqual(order.payment_deadline, PLACED + timedelta(hours=72))
        self._wire_transfer(order)
        self.assertEqual(order.payment_deadline, PLACED + timedelta(hours=120))
        self.assertEqual(card.payment_deadline, PLACED + timedelta(hours=72))
        # 0: the general deadline.
        self.company.payment_reminder_wire_deadline_hours = 0
        self.assertEqual(order.payment_deadline, PLACED + timedelta(hours=72))

    def test_wire_transfer_never_made_closes_at_its_deadline(self):
        order = self._order(self.customer, PLACED)
        self._wire_transfer(order)
        with freeze_time(PLACED + timedelta(hours=100)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "sent")
        with freeze_time(PLACED + timedelta(hours=120, minutes=1)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.reminder_closed_kind, "auto")

    def test_reminder_email_gives_the_bank_details_and_the_reference(self):
        order = self._order(self.customer, PLACED)
        tx = self._wire_transfer(order)
        reference = tx._get_communication()
        self.assertTrue(reference.startswith("CUST/"), reference)
        self.assertEqual(
            order._payment_reminder_wire_transfer_details()["reference"], reference
        )
        reminder = self.due_reminder(order, "email")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "done")
        # Odoo's own "payment pending" e-mail aside, the reminder.
        message = order.message_ids.filtered(lambda m: "Pay now" in (m.body or ""))
        self.assertEqual(len(message), 1)
        for text in ("Pay by bank transfer", reference, BANK_DETAILS, "100.00"):
            self.assertIn(text, message.body)

    def test_reminder_email_without_wire_transfer_has_no_bank_details(self):
        order = self._order(self.customer, PLACED)
        self.due_reminder(order, "email")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        message = order.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_comment")
        )
        self.assertNotIn("Pay by bank transfer", message.body)

    def test_cash_on_delivery_is_excluded_by_the_setting(self):
        cod = self.env["payment.method"].create(
            {"name": "Cash on delivery", "code": "cash_on_delivery"}
        )
        self.dummy_provider.payment_method_ids = [Command.link(cod.id)]
        order = self._order(self.customer, PLACED)
        tx = self._pay(order, state="draft")
        tx.payment_method_id = cod
        tx._set_pending()
        self.assertTrue(self.company.payment_reminder_skip_cash_on_delivery)
        self.assertFalse(order.awaiting_payment)
        self.assertEqual(order.reminder_state, "excluded")
        self.build(PLACED + timedelta(hours=1))
        self.assertFalse(self.reminders_of(self.customer))
        with freeze_time(PLACED + timedelta(hours=73)):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "sent")
        # A shop that wants them chased turns the setting off.
        self.company.payment_reminder_skip_cash_on_delivery = False
        self.assertTrue(order.awaiting_payment)
        self.assertFalse(order._payment_reminder_has_payment_in_progress())
        self.build(PLACED + timedelta(hours=1))
        self.assertEqual(self.reminders_of(self.customer).state, "planned")

    def test_bank_transfer_paragraph_in_the_customers_language(self):
        order = self._order(self.customer, PLACED)
        reference = self._wire_transfer(order)._get_communication()
        template = self.env.ref("payment_reminder.mail_template_placed")
        for lang, texts in (
            ("zh_CN", ("银行转账付款：请转账", "，转账附言请填写", "立即付款")),
            ("zh_TW", ("銀行匯款付款：請匯款", "，匯款備註請填寫", "立即付款")),
        ):
            with self.subTest(lang=lang):
                self.env["res.lang"]._activate_lang(lang)
                self.env["ir.module.module"]._load_module_terms(
                    ["payment_reminder"], [lang], overwrite=True
                )
                self.customer.lang = lang
                with freeze_time(MORNING):
                    body = template._render_field(
                        "body_html", order.ids, compute_lang=True
                    )[order.id]
                for text in (*texts, reference, BANK_DETAILS):
                    self.assertIn(text, body)
                self.assertNotIn("Pay by bank transfer", body)
