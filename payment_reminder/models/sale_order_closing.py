# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Closing: the quotations still unpaid at their deadline are cancelled by the
cron, and money that comes in after the close is never lost."""

import logging
from datetime import datetime

from odoo import _, api, fields, models
from odoo.osv import expression
from odoo.tools import format_amount, format_datetime

from ..const import CLOSE_BATCH_SIZE
from ..utils import commit_unless_testing, savepoint_or_split

_logger = logging.getLogger(__name__)


class PaymentReminderOrderClosingMixin(models.AbstractModel):
    _name = "payment.reminder.order.closing.mixin"
    _description = "Sale order: closing unpaid orders"

    @api.model
    def _cron_close_unpaid(self, now=None):
        """Cancel the orders still unpaid at their payment deadline, in batches."""
        now = now or fields.Datetime.now()
        companies = self.env["res.company"].search(
            [("payment_reminder_enabled", "=", True)]
        )
        orders = self.search(
            expression.OR(
                [
                    self._payment_reminder_expired_domain(company, now)
                    for company in companies
                ]
            )
        )
        cron = self.env["ir.cron"]
        for start in range(0, len(orders), CLOSE_BATCH_SIZE):
            batch = orders[start : start + CLOSE_BATCH_SIZE]
            batch._payment_reminder_close_expired_beside_others()
            cron._notify_progress(
                done=start + len(batch), remaining=len(orders) - start - len(batch)
            )
            commit_unless_testing(self.env)
            # What a batch read is not needed by the next: memory stays flat
            # however many orders close (the cache outlives commits).
            self.env.invalidate_all()

    @api.model
    def _payment_reminder_expired_domain(self, company, now):
        """Unpaid orders of ``company`` past their deadline, promise included.

        Only orders placed since the company started reminding, and only orders
        the shop has not confirmed: cancelling a confirmed sale (deliveries,
        invoices) is the salesperson's call, not a cron's.
        """
        return [
            ("company_id", "=", company.id),
            ("awaiting_payment", "=", True),
            ("state", "in", ("draft", "sent")),
            ("date_order", ">=", company.payment_reminder_start_from or datetime.min),
            ("payment_deadline", "!=", False),
            ("payment_deadline", "<=", now),
            # Reopened by a payment after its close: the salesperson settles it.
            ("reminder_paid_after_close_at", "=", False),
            "|",
            ("reminder_promised_at", "=", False),
            ("reminder_promised_at", "<=", now),
        ]

    def _payment_reminder_close_expired_beside_others(self):
        """Close these expired orders, but not those another transaction wrote
        meanwhile (most likely the customer paying at the last minute): the
        whole batch would fail to serialize. Those wait for the next run,
        which sees what the other transaction did."""

        def close(batch):
            self.browse().union(*batch)._payment_reminder_close_expired()

        def close_later(order):
            _logger.info("Order %s changed meanwhile: closed later.", order.id)

        savepoint_or_split(self.env, list(self), close, close_later)

    def _payment_reminder_close_expired(self):
        """Close these expired orders, never one with a payment under way."""
        to_close = self.filtered(
            lambda order: order.awaiting_payment
            and not order._payment_reminder_has_payment_in_progress()
        )
        to_close._payment_reminder_close(kind="auto")
        return to_close

    def _payment_reminder_close(self, kind, reason=None):
        """Cancel unpaid orders and their planned reminders, saying why on each."""
        self.env["payment.reminder"].search(
            [("order_ids", "in", self.ids), ("state", "=", "planned")]
        )._reminder_cancel_for_orders(self)
        # Core recomputes the lines' invoice status one line at a time: read
        # what it needs for the whole batch first.
        self.order_line.fetch(["currency_id"])
        self.with_context(disable_cancel_warning=True)._action_cancel()
        self.reminder_closed_kind = kind
        # Nothing left to decide about a duplicate that is closed.
        self._payment_reminder_duplicate_offers().sudo().unlink()
        # One insert for the whole batch: closing is a cron's bulk work.
        self._message_log_batch(
            {order.id: reason or order._payment_reminder_close_note() for order in self}
        )

    def _payment_reminder_close_note(self):
        self.ensure_one()
        tz = self.company_id.payment_reminder_tz or "UTC"
        return _(
            "Closed automatically: the order was still unpaid at its payment "
            "deadline (%(deadline)s).",
            deadline=format_datetime(self.env, self.payment_deadline, tz=tz),
        )

    def _payment_reminder_closed_by_us(self):
        """The orders among these that the reminders closed (at the deadline, or
        an agent or the customer through them) and that are still cancelled."""
        return self.filtered(
            lambda order: order.state == "cancel" and order.reminder_closed_kind
        )

    def _payment_reminder_reopen_after_payment(self):
        """A payment came in for these closed orders: make them quotations again
        (core's ``action_draft``) so that the payment can confirm them.

        :return: the reopened orders
        """
        self.action_draft()
        self.write(
            {
                "reminder_paid_after_close_at": fields.Datetime.now(),
                "reminder_closed_kind": False,
            }
        )
        return self

    def _payment_reminder_paid_after_close(self, transactions, confirmed, error=None):
        """Say on each reopened order what became of the late payment; when it
        could not confirm the order (a partial amount, the order was changed),
        or paid more than the order's total, ask someone to ship or refund.

        :param transactions: the payments that came in
        :param confirmed: the orders core confirmed with them
        :param error: why core could not confirm, if it raised
        """
        for order in self:
            payments = transactions & order.transaction_ids
            if order not in confirmed:
                note = order._payment_reminder_unconfirmed_note(error)
                order._message_log(body=note)
                order._payment_reminder_ask_to_settle(note)
                continue
            order._message_log(
                body=self.env._(
                    "Paid after it closed: payment %(references)s came in after the "
                    "order was closed unpaid; with %(paid)s paid, it was reopened and "
                    "confirmed.",
                    references=", ".join(payments.mapped("reference")),
                    paid=order._payment_reminder_format_amount(order.amount_paid),
                )
            )
            if (
                order.currency_id.compare_amounts(order.amount_paid, order.amount_total)
                > 0
            ):
                order._payment_reminder_ask_to_settle(
                    self.env._(
                        "The customer paid %(paid)s after the order closed, more than "
                        "its total of %(total)s: refund the difference.",
                        paid=order._payment_reminder_format_amount(order.amount_paid),
                        total=order._payment_reminder_format_amount(order.amount_total),
                    )
                )

    def _payment_reminder_unconfirmed_note(self, error=None):
        """Why a payment after the close left the reopened order unconfirmed."""
        self.ensure_one()
        if error:
            why = self.env._(
                "it cannot be confirmed as it is (%(error)s)",
                error=error.args[0] if error.args else str(error),
            )
        else:
            why = self.env._(
                "%(paid)s paid of %(total)s",
                paid=self._payment_reminder_format_amount(self.amount_paid),
                total=self._payment_reminder_format_amount(self.amount_total),
            )
        return self.env._(
            "Paid after it closed: a payment came in after the order was closed "
            "unpaid. It was reopened as a quotation but not confirmed: %(why)s. "
            "Ship it or refund the customer.",
            why=why,
        )

    def _payment_reminder_format_amount(self, amount):
        self.ensure_one()
        return format_amount(self.env, amount, self.currency_id)

    def _payment_reminder_ask_to_settle(self, note):
        """A to-do for whoever settles a payment that came in after the close."""
        self.ensure_one()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Paid after close: ship or refund"),
            note=note,
            user_id=self._payment_reminder_settling_user().id,
        )

    def _payment_reminder_settling_user(self):
        """The salesperson, else a reminder manager of the company, else the admin."""
        self.ensure_one()
        if self.user_id.active and not self.user_id.share:
            return self.user_id
        managers = (
            self.env.ref("payment_reminder.group_payment_reminder_manager")
            .sudo()
            .users.filtered(
                lambda user: user.active and self.company_id in user.company_ids
            )
        )
        return managers.sorted("id")[:1] or self.env.ref("base.user_admin")
