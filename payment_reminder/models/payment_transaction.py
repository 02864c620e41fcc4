# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


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
