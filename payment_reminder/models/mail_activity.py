# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.osv import expression

from ..utils import shop_day, shop_day_domain


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
    payment_reminder_due = fields.Boolean(
        string="Due (shop day)",
        compute="_compute_payment_reminder_due",
        search="_search_payment_reminder_due",
        help="Due today or overdue, today being the shop's day in its time zone.",
    )

    # What is at stake in a call, for My Calls to list the largest first.
    payment_reminder_currency_id = fields.Many2one(
        related="payment_reminder_id.company_currency_id",
        string="Reminder currency",
    )
    payment_reminder_amount = fields.Monetary(
        related="payment_reminder_id.amount_unpaid_company",
        string="At stake",
        store=True,
        currency_field="payment_reminder_currency_id",
        help="What the customer left unpaid, in the company currency.",
    )
    payment_reminder_deadline = fields.Datetime(
        related="payment_reminder_id.order_id.payment_deadline",
        string="Order closes",
        store=True,
        help="When the order closes if it stays unpaid: the time left to call.",
    )

    # === COMPUTE METHODS === #

    @api.depends("date_deadline", "payment_reminder_id.company_id")
    def _compute_payment_reminder_due(self):
        now = fields.Datetime.now()
        for activity in self:
            company = activity.payment_reminder_id.company_id or self.env.company
            activity.payment_reminder_due = bool(
                activity.date_deadline
            ) and activity.date_deadline <= shop_day(company, now)

    def _search_payment_reminder_due(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        # A call planned by hand has no reminder: the current company's day.
        due = expression.OR(
            [
                shop_day_domain(
                    self.env, "payment_reminder_id.company_id", "date_deadline", "<="
                ),
                [
                    ("payment_reminder_id", "=", False),
                    (
                        "date_deadline",
                        "<=",
                        shop_day(self.env.company, fields.Datetime.now()),
                    ),
                ],
            ]
        )
        return due if (operator == "=") == value else ["!", *due]

    # === CRUD METHODS === #

    def unlink(self):
        # A call deleted without being logged was not made.
        calls = self.sudo().payment_reminder_id.filtered(
            lambda reminder: reminder.state == "calling"
        )
        res = super().unlink()
        if calls:
            still_open = (
                self.sudo()
                .search([("payment_reminder_id", "in", calls.ids)])
                .payment_reminder_id
            )
            (calls - still_open).write({"state": "cancelled"})
        return res

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

    def _action_done(self, feedback=False, attachment_ids=None):
        # Mark Done on a reminder call: the call was made, with no details
        # (Log call result records what it gave).
        calls = self.sudo().payment_reminder_id.filtered(
            lambda reminder: reminder.state == "calling"
        )
        if calls:
            calls._reminder_calls_marked_done(fields.Datetime.now(), feedback)
        return super()._action_done(feedback=feedback, attachment_ids=attachment_ids)

    def _payment_reminder_is_call(self):
        self.ensure_one()
        return self.res_model == "sale.order" and self.activity_type_id == self.env.ref(
            "payment_reminder.mail_activity_type_call", raise_if_not_found=False
        )
