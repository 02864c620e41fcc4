# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError

# Payment methods paid when the goods are handed over, whoever provides them
# (website_sale_collect's "pay on site", a cash-on-delivery provider's method).
CASH_ON_DELIVERY_METHOD_CODES = ("cash_on_delivery", "pay_on_site")


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    payment_reminder_id = fields.Many2one(
        "payment.reminder",
        string="Recovered by reminder",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The reminder credited with this payment.",
    )
    payment_reminder_paid_at = fields.Datetime(
        string="Paid on (reminders)",
        readonly=True,
        copy=False,
        # The sending cron looks at the payments of the last hour again.
        index="btree_not_null",
        help="When the payment was first authorized or confirmed: the moment that "
        "decides which reminder, if any, won it back.",
    )

    # === BUSINESS METHODS: what kind of payment this is === #

    def _payment_reminder_is_wire_transfer(self):
        """The customer chose to pay by bank transfer (payment_custom's wire
        transfer): the shop waits for their money, nothing is under way."""
        self.ensure_one()
        return (
            self.provider_code == "custom"
            and self.provider_id.custom_mode == "wire_transfer"
        )

    def _payment_reminder_is_cash_on_delivery(self):
        """The customer pays when the goods are handed over: cash on delivery,
        pay on pickup (any offline custom mode other than wire transfer)."""
        self.ensure_one()
        return self.payment_method_code in CASH_ON_DELIVERY_METHOD_CODES or (
            self.provider_code == "custom"
            and self.provider_id.custom_mode != "wire_transfer"
        )

    def _payment_reminder_is_in_progress(self):
        """The money may be on its way: authorized, or pending at a provider that
        will report back (3-D Secure, a redirect in flight). A pending offline
        payment (wire transfer, cash on delivery) waits for the customer."""
        self.ensure_one()
        if self.state == "authorized":
            return True
        return self.state == "pending" and not (
            self._payment_reminder_is_wire_transfer()
            or self._payment_reminder_is_cash_on_delivery()
        )

    # === BUSINESS METHODS === #

    def _update_state(self, allowed_states, target_state, state_message):
        # Every provider reports a payment through here, synchronously, before
        # the order is confirmed by the (possibly delayed) post-processing: the
        # reminder learns of the payment the moment the money is secured.
        transactions = super()._update_state(
            allowed_states, target_state, state_message
        )
        if target_state in ("authorized", "done"):
            transactions._payment_reminder_record_payment()
            # In the same transaction as the payment: no agent calls a
            # customer who just paid.
            transactions.sudo().sale_order_ids._payment_reminder_drop_pointless_calls()
        return transactions

    def _payment_reminder_record_payment(self):
        """Credit each new payment of an order to the reminder that won it back."""
        Reminder = self.env["payment.reminder"].sudo()
        transactions = self.sudo()
        recorded = transactions.browse()
        for transaction in transactions:
            if (
                transaction.payment_reminder_paid_at
                or transaction.operation == "refund"
                or not transaction.sale_order_ids
            ):
                continue
            recorded |= transaction
            paid_at = transaction.last_state_change or fields.Datetime.now()
            reminder = Reminder._reminder_attribute_payment(
                transaction.sale_order_ids, paid_at, transaction
            )
            transaction.write(
                {
                    "payment_reminder_paid_at": paid_at,
                    "payment_reminder_id": reminder.id,
                }
            )
        # A reminder sent while this payment was under way is not silent.
        Reminder._reminder_flag_sent_after_payment(recorded)

    # === BUSINESS METHODS: money after the close === #

    def _check_amount_and_confirm_order(self):
        # Core confirms the quotations a payment covers, never a cancelled
        # order: a payment landing on an order the reminders closed reopens it
        # first, so that it is confirmed exactly as any paid quotation is.
        paid = self.filtered(
            lambda tx: tx.state in ("authorized", "done")
            and tx.operation not in ("refund", "validation")
        )
        closed = paid.sale_order_ids._payment_reminder_closed_by_us()
        if not closed:
            return super()._check_amount_and_confirm_order()
        reopened = closed._payment_reminder_reopen_after_payment()
        error = None
        try:
            with self.env.cr.savepoint():
                confirmed = super()._check_amount_and_confirm_order()
        except UserError as exception:
            # A reopened order core cannot confirm (the order was changed) is
            # for the salesperson to settle; the payment itself stands.
            error = exception
            confirmed = self.env["sale.order"]
        reopened._payment_reminder_paid_after_close(paid, confirmed, error=error)
        return confirmed
