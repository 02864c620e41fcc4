# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta
from html import unescape
from urllib.parse import urlsplit

from freezegun import freeze_time
from lxml import html

from odoo.fields import Command
from odoo.tests import HttpCase, tagged

from .common import PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
MORNING = shop_time(2026, 11, 11, 10, 0)
CLOSED = PLACED + timedelta(hours=72, minutes=5)


@tagged("post_install", "-at_install")
class TestPayLink(PaymentReminderSendCommon, HttpCase):
    """The customer opens the pay link of a message they received, not logged
    in, on a database with Odoo's default quotation settings (the tests install
    without demo data: online signature on, online payment off)."""

    def webshop_order(self, **values):
        """An order as the web shop leaves it when the customer reached the
        payment step and left: the quotation settings are the company's."""
        order = self.env["sale.order"].create(
            {
                "partner_id": self.customer.id,
                "order_line": [
                    Command.create(
                        {"product_id": self.product_scarf.id, "product_uom_qty": 2}
                    )
                ],
                **values,
            }
        )
        order.date_order = PLACED
        self._pay(order, state="draft")
        self.assertTrue(order.awaiting_payment)
        return order

    def sent_link(self, order, channel="email"):
        """Send the order's reminder and return the pay link the message carries."""
        self.due_reminder(order, channel, PLACED)
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        bodies = [m.body for m in order.message_ids if "payment_reminder/pay" in m.body]
        self.assertEqual(len(bodies), 1)
        [link] = re.findall(r'href="([^"]*/payment_reminder/pay/[^"]*)"', bodies[0])
        link = urlsplit(unescape(link))
        return f"{link.path}?{link.query}"

    def open_payment_form(self, link, amount):
        """Follow ``link`` logged out: Odoo's payment form for ``amount``."""
        self.authenticate(None, None)
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlsplit(response.url).path, "/payment/pay")
        self.assertNotIn("Accept &amp; Sign", response.text)
        self.assertNotIn("o_portal_sign", response.text)
        [form] = html.fromstring(response.text).xpath('//form[@id="o_payment_form"]')
        self.assertEqual(float(form.get("data-amount")), amount)
        self.assertTrue(form.xpath('.//input[@name="o_payment_radio"]'))
        return form

    def start_payment(self, order, form):
        """What the form's Pay button does: a transaction for the order."""
        result = self.make_jsonrpc_request(
            form.get("data-transaction-route"),
            {
                "provider_id": self.dummy_provider.id,
                "payment_method_id": self.payment_method_id,
                "token_id": None,
                "amount": float(form.get("data-amount")),
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": form.get("data-landing-route"),
                "access_token": form.get("data-access-token"),
            },
        )
        return self.env["payment.transaction"].search(
            [("reference", "=", result["reference"])]
        )

    def test_webshop_order_on_default_settings_opens_the_payment_form(self):
        order = self.webshop_order()
        self.assertTrue(order.require_signature)
        self.assertFalse(order.require_payment)
        form = self.open_payment_form(self.sent_link(order), 200.0)
        tx = self.start_payment(order, form)
        self.assertEqual(tx.sale_order_ids, order)
        self.assertEqual(tx.amount, 200.0)
        self.assertEqual(tx.partner_id, order.partner_invoice_id)
        # Paying it confirms the order as Odoo confirms paid orders, unsigned.
        tx._set_done()
        tx._post_process()
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.signature)

    def test_quotation_requiring_payment_opens_the_payment_form(self):
        order = self._order(self.customer, PLACED, qty=3, require_signature=True)
        self.assertTrue(order.require_payment)
        self.open_payment_form(self.sent_link(order, "portal"), 300.0)

    def test_partly_paid_order_asks_for_what_is_left(self):
        order = self.webshop_order(require_payment=True)
        link = self.sent_link(order)
        self._pay(order, state="done", amount=50.0)
        self.assertEqual(order.state, "draft")
        self.open_payment_form(link, 150.0)

    def test_closed_order_shows_when_it_closed(self):
        order = self.webshop_order()
        link = self.sent_link(order)
        with freeze_time(CLOSED):
            self.env["sale.order"]._cron_close_unpaid()
        self.assertEqual(order.state, "cancel")
        self.assertEqual(order.reminder_closed_at, CLOSED)
        self.authenticate(None, None)
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlsplit(response.url).path, urlsplit(link).path)
        page = response.text
        self.assertIn("This order is closed", page)
        self.assertIn(order.name, page)
        self.assertIn(order._payment_reminder_closed_on(), page)
        self.assertIn("It was not paid before its payment deadline", page)
        self.assertIn("Silk scarf", page)
        self.assertIn("Contact us", page)
        self.assertNotIn("o_payment_form", page)

    def test_paid_order_opens_its_page(self):
        order = self.webshop_order()
        link = self.sent_link(order)
        self._pay(order)
        order.with_context(send_email=False).action_confirm()
        self.authenticate(None, None)
        response = self.url_open(link)
        self.assertEqual(response.status_code, 200)
        self.assertEqual(urlsplit(response.url).path, f"/my/orders/{order.id}")
        self.assertNotIn("o_payment_form", response.text)

    def test_a_wrong_token_says_the_link_is_not_valid(self):
        order = self.webshop_order()
        self.authenticate(None, None)
        response = self.url_open(f"/payment_reminder/pay/{order.id}?access_token=x")
        self.assertEqual(response.status_code, 404)
        self.assertIn("This payment link is not valid any more", response.text)
        self.assertNotIn(order.name, response.text)
