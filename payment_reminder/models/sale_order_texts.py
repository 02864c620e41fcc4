# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What reminder messages say about a sale order (dates, time left, products,
amounts, the pay and opt-out links), and the situation a reminder speaks to."""

import logging
from urllib.parse import urlencode

import pytz

from odoo import fields, models
from odoo.tools import consteq, format_amount, format_datetime, format_time, hmac

from ..utils import shop_tz, to_local

_logger = logging.getLogger(__name__)


class PaymentReminderOrderTextMixin(models.AbstractModel):
    _name = "payment.reminder.order.text.mixin"
    _description = "Sale order: what reminders say"

    def _payment_reminder_tz(self):
        """The customer's time zone, else the shop's: messages speak their time."""
        self.ensure_one()
        return pytz.timezone(
            self.partner_id.tz or self.company_id.payment_reminder_tz or "UTC"
        )

    def _payment_reminder_format_datetime(self, value):
        """``value`` (naive UTC) as the customer reads it, in their language."""
        self.ensure_one()
        return format_datetime(
            self.env, value, tz=self._payment_reminder_tz().zone, dt_format="short"
        )

    def _payment_reminder_order_date(self):
        self.ensure_one()
        return self._payment_reminder_format_datetime(self.date_order)

    def _payment_reminder_close_at(self):
        """When the order closes unpaid, as text; empty when it never closes."""
        self.ensure_one()
        if not self.payment_deadline:
            return ""
        return self._payment_reminder_format_datetime(self.payment_deadline)

    def _payment_reminder_time_left(self, now=None):
        """How long the customer has left to pay, as text ("2 days 5 hours")."""
        self.ensure_one()
        if not self.payment_deadline:
            return ""
        minutes = int(
            (self.payment_deadline - (now or fields.Datetime.now())).total_seconds()
            // 60
        )
        if minutes < 1:
            return self.env._("a few moments")
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        parts = []
        if days:
            parts.append(
                self.env._("1 day")
                if days == 1
                else self.env._("%(count)s days", count=days)
            )
        if hours:
            parts.append(
                self.env._("1 hour")
                if hours == 1
                else self.env._("%(count)s hours", count=hours)
            )
        if minutes and not days:
            parts.append(
                self.env._("1 minute")
                if minutes == 1
                else self.env._("%(count)s minutes", count=minutes)
            )
        return " ".join(parts)

    def _payment_reminder_product_lines(self):
        """The order's product lines, largest amount first."""
        self.ensure_one()
        return self.order_line.filtered(
            lambda line: not line.display_type and not line.is_downpayment
        ).sorted(lambda line: (-line.price_subtotal, line.sequence, line.id))

    def _payment_reminder_main_products(self, limit=2):
        """The products the customer ordered, the largest first, as text."""
        self.ensure_one()
        names = list(
            dict.fromkeys(
                self._payment_reminder_product_lines().product_id.mapped("name")
            )
        )
        if len(names) <= limit:
            return ", ".join(names)
        return self.env._(
            "%(products)s and %(count)s more",
            products=", ".join(names[:limit]),
            count=len(names) - limit,
        )

    def _payment_reminder_amount(self):
        """The amount the customer is asked to pay, formatted in the order currency."""
        self.ensure_one()
        return format_amount(
            self.env, self.amount_total - self.amount_paid, self.currency_id
        )

    def _payment_reminder_discount(self):
        """What the discounts on the order's lines save the customer (untaxed)."""
        self.ensure_one()
        return sum(
            line.price_unit * line.product_uom_qty - line.price_subtotal
            for line in self._payment_reminder_product_lines()
            if line.discount
        )

    def _payment_reminder_delivery_address(self):
        """The delivery address on one line, empty parts left out."""
        self.ensure_one()
        address = self.partner_shipping_id or self.partner_id
        lines = address._display_address(without_company=True).splitlines()
        return ", ".join(line.strip(" ,") for line in lines if line.strip(" ,"))

    def _payment_reminder_carrier(self):
        """The carrier chosen for the order, when a delivery module is installed."""
        self.ensure_one()
        return self["carrier_id"].name if "carrier_id" in self._fields else ""

    def _payment_reminder_payment_url(self):
        """One click to pay: our pay link, with the order's portal access token.

        It leads to Odoo's payment page for what is left to pay (see
        ``controllers/portal.py``), whatever the quotation settings, or says the
        order closed.
        """
        self.ensure_one()
        query = urlencode({"access_token": self._portal_ensure_token()})
        return f"{self.get_base_url()}/payment_reminder/pay/{self.id}?{query}"

    def _payment_reminder_amount_to_pay(self):
        """What the pay link asks for: all that is left to pay on the order (the
        amount the messages announce), rounded to the currency."""
        self.ensure_one()
        return self.currency_id.round(self.amount_total - self.amount_paid)

    def _payment_reminder_wire_transfer_details(self):
        """What the customer needs to pay by bank transfer, for the messages.

        :return: empty when the order does not await a transfer, else a dict:
            ``reference`` the payment reference Odoo generated (to quote in the
            transfer), ``amount`` formatted, ``bank_details`` the wire-transfer
            provider's instructions (HTML, with the shop's bank accounts)
        """
        self.ensure_one()
        transaction = self.sudo()._payment_reminder_wire_transfer_transaction()
        if not transaction:
            return {}
        return {
            "reference": transaction._get_communication(),
            "amount": format_amount(
                self.env, transaction.amount, transaction.currency_id
            ),
            "bank_details": transaction.provider_id.pending_msg or "",
        }

    def _payment_reminder_closed_on(self):
        """When the order closed, as the customer reads it."""
        self.ensure_one()
        closed_at = self.reminder_closed_at or (
            self.reminder_closed_kind == "auto" and self.payment_deadline
        )
        return self._payment_reminder_format_datetime(closed_at or self.write_date)

    def _payment_reminder_opt_out_token(self, channel):
        """What proves an opt-out link of ``channel`` ("sms", "email") was sent
        for this order."""
        self.ensure_one()
        return hmac(self.env(su=True), "payment_reminder-opt-out", (self.id, channel))

    def _payment_reminder_check_opt_out_token(self, channel, token):
        self.ensure_one()
        return consteq(self._payment_reminder_opt_out_token(channel), token or "")

    def _payment_reminder_opt_out_url(self, channel):
        """The page where the customer stops the reminders of ``channel``."""
        self.ensure_one()
        return (
            f"{self.get_base_url()}/payment_reminder/stop/{self.id}/{channel}/"
            f"{self._payment_reminder_opt_out_token(channel)}"
        )

    def _payment_reminder_opt_out(self, channel):
        """The customer opted out through the link of a reminder ``channel``:
        the number (SMS) or address (e-mail) goes to Odoo's blacklist, and the
        customer is not reminded again."""
        self.ensure_one()
        contact = self.partner_id
        self.env["payment.reminder"]._reminder_opt_out(
            contact,
            numbers=[contact.payment_reminder_mobile or contact.phone_sanitized]
            if channel == "sms"
            else [],
            emails=[contact.email_normalized] if channel == "email" else [],
            message=self.env._(
                "Opted out of payment reminders through the link of order %(order)s.",
                order=self.name,
            ),
        )

    def _payment_reminder_masked_contact(self, channel):
        """The number or address the opt-out page speaks of, half hidden."""
        self.ensure_one()
        contact = self.partner_id
        if channel == "sms":
            number = contact.payment_reminder_mobile or contact.phone_sanitized or ""
            return f"{number[:-8]}****{number[-4:]}" if len(number) > 8 else number
        local, _sep, domain = (contact.email_normalized or "").partition("@")
        return f"{local[:2]}***@{domain}" if domain else ""

    def _payment_reminder_next_cutoff(self, now=None):
        """The next dispatch cut-off in shop time, as text ("17:00")."""
        self.ensure_one()
        company = self.company_id
        now = now or fields.Datetime.now()
        tz = shop_tz(company)
        cutoffs = self.env["payment.reminder.window"]._get_windows(company, "cutoff")
        today = to_local(now, tz).date()
        for _start, end, _window in cutoffs._slots_between(today, 2, tz):
            if end > now:
                local = to_local(end, tz)
                text = format_time(self.env, local.time(), time_format="HH:mm")
                if local.date() == today:
                    return text
                return self.env._("%(time)s tomorrow", time=text)
        return ""

    def _payment_reminder_day_part(self):
        """When in the day the order was placed (shop time), as agents say it."""
        self.ensure_one()
        tz = shop_tz(self.company_id)
        hour = to_local(self.date_order, tz).hour
        if 6 <= hour < 12:
            return self.env._("in the morning")
        if 12 <= hour < 17:
            return self.env._("in the afternoon")
        if 17 <= hour < 22:
            return self.env._("in the evening")
        return self.env._("at night")

    def _payment_reminder_segment(self):
        """The customer: ``vip`` (tagged so), ``returning`` (paid before) or ``new``."""
        self.ensure_one()
        return self._payment_reminder_segments()[self.id]

    def _payment_reminder_segments(self):
        """The segment of each of these orders' customers, by order id, read
        with one grouped query however many orders there are."""
        vip = self.env.ref(
            "payment_reminder.res_partner_category_vip", raise_if_not_found=False
        )
        paid = self._payment_reminder_paid_order_ids()
        segments = {}
        for order in self:
            partner = order.partner_id.commercial_partner_id
            if vip and vip in (partner.category_id | order.partner_id.category_id):
                segments[order.id] = "vip"
            elif paid.get((order.company_id.id, order.reminder_customer_key), set()) - {
                order.id
            }:
                segments[order.id] = "returning"
            else:
                segments[order.id] = "new"
        return segments

    def _payment_reminder_paid_order_ids(self):
        """(company id, customer key) -> ids of the paid orders of these orders'
        customers."""
        groups = self._read_group(
            [
                ("company_id", "in", self.company_id.ids),
                (
                    "reminder_customer_key",
                    "in",
                    list(set(self.mapped("reminder_customer_key"))),
                ),
                ("state", "=", "sale"),
                ("awaiting_payment", "=", False),
            ],
            ["company_id", "reminder_customer_key"],
            ["id:array_agg"],
        )
        return {(company.id, key): set(order_ids) for company, key, order_ids in groups}

    def _payment_reminder_had_payment_problem(self):
        """The customer tried to pay and it failed: they need help, not a push."""
        self.ensure_one()
        return any(tx.state in ("error", "cancel") for tx in self.transaction_ids)

    def _payment_reminder_was_adjusted(self):
        """The shop adjusted the price for the customer (a discount on a line)."""
        self.ensure_one()
        return bool(self._payment_reminder_discount())

    def _payment_reminder_has_limited_stock(self, tag=None):
        """A product of the order is tagged as limited stock.

        :param tag: the limited-stock tag when the caller looked it up already
        """
        self.ensure_one()
        tag = tag or self.env.ref(
            "payment_reminder.product_tag_limited_stock", raise_if_not_found=False
        )
        return bool(tag) and tag in self.order_line.product_id.all_product_tag_ids
