# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models

from ..const import SEGMENTS, STEPS


class PaymentReminderChannelRule(models.Model):
    _name = "payment.reminder.channel.rule"
    _description = "Payment reminder channel rule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to apply the rule in every company."
    )
    # The channels of payment.reminder: a module adding one there (selection_add)
    # adds it here too.
    channel = fields.Selection(
        selection=lambda self: self.env["payment.reminder"]
        ._fields["channel"]
        .selection,
        required=True,
    )
    step = fields.Selection(STEPS, help="Only for this reminder step; empty for any.")
    segment = fields.Selection(
        SEGMENTS, help="Only for this kind of customer; empty for any."
    )
    min_amount = fields.Monetary(
        string="From amount",
        currency_field="currency_id",
        help="Only when the unpaid amount reaches this (in the company currency).",
    )
    currency_id = fields.Many2one(
        "res.currency",
        compute="_compute_currency_id",
    )
    min_order_age = fields.Float(
        string="Order at least (hours) old",
        help="Only when the order was placed at least this many hours before the "
        "reminder.",
    )
    exclude_bad_payers = fields.Boolean(
        help="Not for customers with many orders closed unpaid and none paid.",
    )

    # === COMPUTE METHODS === #

    def _compute_currency_id(self):
        for rule in self:
            rule.currency_id = (rule.company_id or self.env.company).currency_id

    # === BUSINESS METHODS === #

    def _matches(self, candidate):
        """Whether this rule applies to a queue candidate (see the queue builder)."""
        self.ensure_one()
        return (
            (not self.step or self.step == candidate.step)
            and (not self.segment or self.segment == candidate.segment)
            and candidate.amount_company >= self.min_amount
            and candidate.order_age_hours >= self.min_order_age
            and not (self.exclude_bad_payers and candidate.bad_payer)
        )
