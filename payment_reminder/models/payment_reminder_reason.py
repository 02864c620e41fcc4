# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

REASON_ACTIONS = [
    ("none", "Nothing"),
    ("offer_cancel", "Offer to cancel the duplicate order"),
    ("send_help", "Send the payment help script"),
]


class PaymentReminderReason(models.Model):
    _name = "payment.reminder.reason"
    _description = "Reason for not paying"
    _order = "sequence, id"

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    action = fields.Selection(
        REASON_ACTIONS,
        required=True,
        default="none",
        help="What logging a call with this reason does on top of the outcome: "
        "offer to cancel the duplicate order, or send the customer the payment "
        "help script.",
    )
    description = fields.Text(
        translate=True, help="What the agent can answer to this reason."
    )
