# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Costs: what a reminder cost (the company's price of its channel, per SMS
segment for SMS), what it won back in the company's currency, and the ratio
of the two that the sheets and the pivot views show."""

from odoo import api, models


class PaymentReminderCostMixin(models.AbstractModel):
    _name = "payment.reminder.cost.mixin"
    _description = "Payment reminder: costs"

    # === COMPUTE METHODS === #

    @api.depends("state", "channel", "sms_segments")
    def _compute_cost(self):
        # The prices are read when the reminder goes out (or fails, or comes
        # back): changing a price later does not rewrite what was spent.
        for reminder in self:
            reminder.cost = (
                reminder._reminder_unit_cost() * reminder._reminder_cost_units()
                if reminder.state == "done"
                else 0.0
            )

    @api.depends("amount_recovered_company", "cost")
    def _compute_return_on_cost(self):
        for reminder in self:
            reminder.return_on_cost = (
                reminder.amount_recovered_company / reminder.cost
                if reminder.cost
                else 0.0
            )

    # === BUSINESS METHODS === #

    def _reminder_unit_cost(self):
        """The company's price of one unit of the reminder's channel: the
        setting ``payment_reminder_cost_<channel>`` (0 for a channel without)."""
        self.ensure_one()
        name = f"payment_reminder_cost_{self.channel}"
        company = self.company_id
        return company[name] if name in company._fields else 0.0

    def _reminder_cost_units(self):
        """How many units of its channel the reminder used: its segments for
        an SMS, else one (a message, an e-mail, a call planned)."""
        self.ensure_one()
        return self.sms_segments if self.channel == "sms" else 1
