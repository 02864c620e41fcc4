# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..utils import shop_day


class PaymentReminderReport(models.TransientModel):
    _name = "payment.reminder.report"
    _description = "Print the payment reminder sheets"

    sheet = fields.Selection(
        [
            ("detail", "Detail sheet"),
            ("summary", "Summary sheet"),
            ("reasons", "Reasons sheet"),
        ],
        required=True,
        default="summary",
        help="Detail: one line per customer reminded. Summary: per day and agent, "
        "customers reminded and paid, amounts and success rate. Reasons: per "
        "day and reason for not paying, customers and unpaid amounts.",
    )
    date_from = fields.Date(
        string="From",
        required=True,
        default=lambda self: self._default_day() - timedelta(days=1),
    )
    date_to = fields.Date(
        string="To", required=True, default=lambda self: self._default_day()
    )
    user_ids = fields.Many2many(
        "res.users",
        string="Agents",
        domain="[('share', '=', False)]",
        help="Only these agents' reminders; empty for every agent you may see.",
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company
    )

    @api.model
    def _default_day(self):
        """Today in the shop's time zone."""
        return shop_day(self.env.company, fields.Datetime.now())

    # === CONSTRAINT METHODS === #

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The period must start before it ends."))

    # === ACTION METHODS === #

    def action_print(self):
        self.ensure_one()
        report = self.env.ref(f"payment_reminder.action_report_{self.sheet}_sheet")
        return report.report_action(
            self.env["payment.reminder"], data=self._prepare_report_data()
        )

    def _prepare_report_data(self):
        self.ensure_one()
        return {
            "date_from": fields.Date.to_string(self.date_from),
            "date_to": fields.Date.to_string(self.date_to),
            "user_ids": self.user_ids.ids,
            "company_id": self.company_id.id,
        }
