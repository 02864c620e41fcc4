# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Results: what became of a reminder's orders, which reminder a payment is
credited to, reminders that crossed a payment, and the evening summary e-mail."""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import format_date

from ..const import PAYMENT_RACE_LOOKBACK, PAYMENT_RACE_WINDOW
from ..utils import hour_of, shop_tz, to_local

_logger = logging.getLogger(__name__)


class PaymentReminderResultsMixin(models.AbstractModel):
    _name = "payment.reminder.results.mixin"
    _description = "Payment reminder: results"

    def _reminder_result(self):
        """Paid, closed (how) or pending, from the covered orders."""
        self.ensure_one()
        orders = self.order_ids | self.order_id
        if not self.amount_recovered and any(
            order.reminder_paid_after_close_at for order in orders
        ):
            return "paid_after_close"
        if self.amount_recovered or any(
            order.state != "cancel" and not order.awaiting_payment and order.amount_paid
            for order in orders
        ):
            return "paid"
        if orders and all(order.state == "cancel" for order in orders):
            if all(order.reminder_closed_kind == "auto" for order in orders):
                return "closed_auto"
            return "closed_manual"
        return "pending"

    def _reminder_recovered_amount(self, transaction):
        """The part of ``transaction`` paying this reminder's orders, converted."""
        self.ensure_one()
        orders = transaction.sale_order_ids
        covered = orders & (self.order_ids | self.order_id)
        total = sum(orders.mapped("amount_total"))
        share = sum(covered.mapped("amount_total")) / total if total else 1.0
        paid_on = transaction.payment_reminder_paid_at or fields.Datetime.now()
        return transaction.currency_id._convert(
            transaction.amount * share,
            self.currency_id,
            self.company_id,
            paid_on.date(),
        )

    def _reminder_recovered_company(self, transaction):
        """The part of ``transaction`` paying this reminder's orders, in the
        company currency at each order date's rate."""
        self.ensure_one()
        covered = transaction.sale_order_ids & (self.order_ids | self.order_id)
        return sum(order._payment_reminder_paid_by(transaction) for order in covered)

    # --- which reminder won a payment back --- #

    def _reminder_touched_at(self):
        """When the customer was reminded, or would have been (control group)."""
        self.ensure_one()
        return self.done_at if self.state == "done" else self.scheduled_at

    @api.model
    def _reminder_attribute_payment(self, orders, paid_at, transaction=None):
        """The reminder credited with a payment of ``orders`` made at ``paid_at``.

        Last touch wins: the last reminder done before the payment (for the
        control group, the last one held out before it) covering one of the
        orders. A call counts once it was made: one still to make (calling) is
        credited with nothing. The payment must fall inside the attribution window: the
        company's ``payment_reminder_attribution_hours`` after the reminder, or
        with 0, before the order's deadline (or the promise that extends it).
        An order already closed is not recovered by a late payment, and a
        reminder that went out while ``transaction`` was already under way
        (sent after payment) did not win it back.

        :return: the reminder (possibly empty)
        """
        open_orders = orders.filtered(lambda order: order.state != "cancel")
        if not open_orders:
            return self.browse()
        candidates = self.search(
            [
                ("order_ids", "in", open_orders.ids),
                "|",
                "&",
                ("state", "=", "done"),
                ("done_at", "<=", paid_at),
                "&",
                "&",
                ("state", "=", "skipped"),
                ("skip_reason", "=", "control"),
                ("scheduled_at", "<=", paid_at),
            ]
        )
        if transaction:
            candidates = candidates.filtered(
                lambda r: r.state != "done" or not r._reminder_sent_during(transaction)
            )
        if not candidates:
            return self.browse()
        reminder = max(candidates, key=lambda r: (r._reminder_touched_at(), r.id))
        if reminder._reminder_in_window(open_orders & reminder.order_ids, paid_at):
            return reminder
        return self.browse()

    def _reminder_in_window(self, orders, paid_at):
        """Whether a payment of ``orders`` at ``paid_at`` is still this reminder's."""
        self.ensure_one()
        hours = self.company_id.payment_reminder_attribution_hours
        if hours:
            return paid_at <= self._reminder_touched_at() + timedelta(hours=hours)
        for order in orders:
            deadlines = [
                d for d in (order.payment_deadline, order.reminder_promised_at) if d
            ]
            if not deadlines or paid_at <= max(deadlines):
                return True
        return False

    # --- a payment crossing the reminder --- #

    @api.model
    def _reminder_flag_sent_after_payment(self, transactions):
        """Flag the reminders that went out while a payment of their orders was
        already under way: the check before sending could not see it yet.

        :param transactions: payment.transaction, those authorized or confirmed
            count
        :return: the reminders flagged
        """
        payments = transactions.filtered(
            lambda tx: tx.state in ("authorized", "done")
            and tx.operation != "refund"
            and tx.sale_order_ids
        )
        if not payments:
            return self.browse()
        reminders = self.search(
            [
                ("order_ids", "in", payments.sale_order_ids.ids),
                ("state", "=", "done"),
                ("sent_after_payment", "=", False),
            ]
        )
        payments_by_order = defaultdict(list)
        for payment in payments:
            for order in payment.sale_order_ids:
                payments_by_order[order].append(payment)
        crossed = reminders.filtered(
            lambda reminder: any(
                reminder._reminder_sent_during(payment)
                for order in reminder.order_ids
                for payment in payments_by_order[order]
            )
        )
        if crossed:
            crossed.sent_after_payment = True
            _logger.info(
                "Payment reminders %s went out after the customer started paying",
                crossed.ids,
            )
        return crossed

    def _reminder_sent_during(self, transaction):
        """Whether this reminder went out after ``transaction`` started, and not
        long after it was paid."""
        self.ensure_one()
        paid_at = transaction.payment_reminder_paid_at or transaction.last_state_change
        return transaction.create_date <= self.done_at <= paid_at + PAYMENT_RACE_WINDOW

    @api.model
    def _reminder_flag_recent_payments(self, now):
        """Look at the payments of the last hour again: a reminder whose batch
        was committed after the payment was recorded was not visible then."""
        payments = (
            self.env["payment.transaction"]
            .sudo()
            .search([("payment_reminder_paid_at", ">=", now - PAYMENT_RACE_LOOKBACK)])
        )
        return self.sudo()._reminder_flag_sent_after_payment(payments)

    # --- the daily e-mail --- #

    @api.model
    def _cron_email_summary(self):
        """Email each reminding company's summary sheet of its day to its
        managers, in the company's own evening (the cron runs every hour)."""
        now = fields.Datetime.now()
        for company in self.env["res.company"].search(
            [("payment_reminder_enabled", "=", True)]
        ):
            day = self._reminder_summary_day_due(company, now)
            recipients = day and self._reminder_summary_recipients(company)
            if recipients:
                self.with_company(company)._reminder_email_summary(
                    company, day, recipients
                )
            if day:
                company.payment_reminder_summary_sent_on = day

    @api.model
    def _reminder_summary_day_due(self, company, now):
        """The shop day whose summary ``company`` should get now, if any: the
        day once its evening came (setting *Summary sent at*, shop time), or
        the day before, should the cron have missed that evening after sending
        earlier ones; each day once."""
        local = to_local(now, shop_tz(company))
        day = local.date()
        sent_on = company.payment_reminder_summary_sent_on
        if hour_of(local) < company.payment_reminder_summary_hour:
            if not sent_on:
                return False
            day -= timedelta(days=1)
        return day if not sent_on or sent_on < day else False

    @api.model
    def _reminder_summary_recipients(self, company):
        """The company's chosen recipients, else its reminder managers."""
        users = company.payment_reminder_summary_user_ids or self.env.ref(
            "payment_reminder.group_payment_reminder_manager"
        ).users.filtered(lambda user: company in user.company_ids)
        return users.filtered(
            lambda user: user.active
            and not user.share
            and user.email
            and not user._is_superuser()
        )

    @api.model
    def _reminder_email_summary(self, company, day, recipients):
        """Render the summary sheet of ``day`` and queue it for ``recipients``."""
        report = self.env.ref("payment_reminder.action_report_summary_sheet")
        data = {
            "date_from": fields.Date.to_string(day),
            "date_to": fields.Date.to_string(day),
            "company_id": company.id,
        }
        pdf, _report_type = report._render_qweb_pdf(report.report_name, data=data)
        day_label = format_date(self.env, day)
        return (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": self.env._(
                        "Payment reminders: summary of %(day)s", day=day_label
                    ),
                    "body_html": self.env._(
                        "<p>The summary sheet of %(day)s is attached.</p>",
                        day=day_label,
                    ),
                    "email_from": company.email_formatted
                    or self.env.user.email_formatted,
                    "recipient_ids": [Command.set(recipients.partner_id.ids)],
                    "attachment_ids": [
                        Command.create(
                            {
                                "name": self.env._(
                                    "Summary sheet %(day)s.pdf",
                                    day=fields.Date.to_string(day),
                                ),
                                "raw": pdf,
                                "mimetype": "application/pdf",
                            }
                        )
                    ],
                    "auto_delete": True,
                }
            )
        )
