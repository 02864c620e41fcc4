# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MailActivity(models.Model):
    _inherit = "mail.activity"

    payment_reminder_id = fields.Many2one(
        "payment.reminder",
        string="Payment reminder",
        index="btree_not_null",
        ondelete="set null",
        readonly=True,
        help="The reminder this call was planned for: its result is logged there.",
    )

    # === ACTION METHODS === #

    def action_feedback_schedule_next(self, feedback=False, attachment_ids=None):
        """On a reminder call, Done & Schedule Next logs the call result instead:
        the outcome decides what comes next (a promise, another call, a message)."""
        if len(self) == 1 and self._payment_reminder_is_call():
            return self.action_payment_reminder_log_call(feedback=feedback)
        return super().action_feedback_schedule_next(
            feedback=feedback, attachment_ids=attachment_ids
        )

    def action_payment_reminder_log_call(self, feedback=False):
        """Open the call result wizard for this reminder call."""
        self.ensure_one()
        order = self.env["sale.order"].browse(self.res_id)
        return self.env["payment.reminder.call.result"]._action_open(
            order, reminder=self.payment_reminder_id, activity=self, note=feedback
        )

    # === BUSINESS METHODS === #

    def _payment_reminder_is_call(self):
        self.ensure_one()
        return self.res_model == "sale.order" and self.activity_type_id == self.env.ref(
            "payment_reminder.mail_activity_type_call", raise_if_not_found=False
        )
