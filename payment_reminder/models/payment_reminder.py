# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A payment reminder: one customer, one step, one day, what was done and why.

The queue (``payment_reminder_queue.py``) creates them, the sending cron
(``payment_reminder_sending.py``) sends them, and the results
(``payment_reminder_results.py``) say what they won back.
"""

import pytz

from odoo import api, fields, models
from odoo.tools import SQL

from .payment_reminder_channel_rule import CHANNELS, STEPS
from .payment_reminder_queue import ReminderCandidate

STATES = [
    ("planned", "Planned"),
    ("done", "Done"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
]
SKIP_REASONS = [
    ("paid", "Paid meanwhile"),
    ("payment_in_progress", "Payment under way"),
    ("paid_same_day", "Paid another order the same day"),
    ("opt_out", "Asked not to be contacted"),
    ("archived", "Customer archived"),
    ("max_reached", "Maximum reminders reached"),
    ("too_soon", "Contacted too recently"),
    ("no_slot", "No time left before the deadline"),
    ("no_channel", "No usable channel"),
    ("control", "Control group: held out on purpose"),
]
# Which reminders the sheets count: customers reminded, and the control group.
REMINDED_DOMAIN = [("state", "=", "done")]
CONTROL_DOMAIN = [("state", "=", "skipped"), ("skip_reason", "=", "control")]
RESULTS = [
    ("pending", "Pending"),
    ("paid", "Paid"),
    ("closed_auto", "Closed automatically"),
    ("closed_manual", "Closed by us or the customer"),
]
# What a call gave: logged by the agent with payment.reminder.call.result.
OUTCOMES = [
    ("will_pay", "Will pay"),
    ("call_back", "Call back later"),
    ("declined", "Declined"),
    ("wrong_person_message_left", "Someone else answered, message left"),
    ("new_number", "New number"),
    ("no_answer", "No answer"),
    ("hung_up_angry", "Hung up angry"),
    ("payment_problem", "Payment problem"),
]


class PaymentReminder(models.Model):
    _name = "payment.reminder"
    _description = "Payment reminder"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "scheduled_at desc, id desc"
    _check_company_auto = True

    partner_id = fields.Many2one(
        "res.partner",
        string="Customer",
        required=True,
        index=True,
        ondelete="cascade",
        help="The commercial partner reminded.",
    )
    order_id = fields.Many2one(
        "sale.order",
        string="Order",
        required=True,
        index=True,
        ondelete="cascade",
        check_company=True,
        help="The order the reminder is about: the customer's latest unpaid one.",
    )
    order_ids = fields.Many2many(
        "sale.order",
        "payment_reminder_sale_order_rel",
        "reminder_id",
        "sale_order_id",
        string="Unpaid orders",
        check_company=True,
        help="All of the customer's unpaid orders this reminder covers.",
    )
    customer_key = fields.Char(
        required=True,
        index=True,
        help="Who the customer is for the day: their mobile number, else their "
        "commercial partner.",
    )
    step = fields.Selection(STEPS, required=True, default="first")
    channel = fields.Selection(CHANNELS)
    scheduled_at = fields.Datetime(required=True, index=True)
    queue_date = fields.Date(
        required=True,
        index=True,
        help="The shop day whose queue the reminder belongs to.",
    )
    state = fields.Selection(
        STATES, required=True, default="planned", index=True, tracking=True
    )
    skip_reason = fields.Selection(SKIP_REASONS)
    user_id = fields.Many2one(
        "res.users",
        string="Agent",
        index=True,
        tracking=True,
        domain="[('share', '=', False)]",
    )
    company_id = fields.Many2one(
        "res.company", required=True, index=True, default=lambda self: self.env.company
    )
    currency_id = fields.Many2one("res.currency", required=True)
    amount_unpaid = fields.Monetary(
        help="What the customer left unpaid in the reminder's currency, summed over "
        "the orders it covers.",
    )
    amount_unpaid_other = fields.Char(
        string="Unpaid in other currencies",
        help="Unpaid orders in other currencies than the reminder's, per currency.",
    )
    attempt = fields.Integer(
        default=1, help="The how-manyeth contact with the customer."
    )
    window_id = fields.Many2one("payment.reminder.window", string="Window")
    done_at = fields.Datetime(readonly=True)
    order_date = fields.Datetime(related="order_id.date_order", string="Placed on")
    payment_deadline = fields.Datetime(related="order_id.payment_deadline")
    script_id = fields.Many2one(
        "payment.reminder.script",
        string="Script",
        readonly=True,
        help="The script chosen when the reminder went out.",
    )
    error_message = fields.Text(
        string="Error", readonly=True, help="Why the reminder could not go out."
    )
    retry_count = fields.Integer(
        string="Failed tries",
        readonly=True,
        help="How many times sending failed; a failed reminder is tried again "
        "30 minutes later, a limited number of times.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Message template",
        readonly=True,
        help="Chosen by the agent for a manual reminder instead of the script's.",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS template",
        readonly=True,
        help="Chosen by the agent for a manual reminder instead of the script's.",
    )
    outcome = fields.Selection(
        OUTCOMES,
        readonly=True,
        tracking=True,
        help="What the call gave, as the agent logged it.",
    )
    reason_id = fields.Many2one(
        "payment.reminder.reason",
        string="Reason for not paying",
        readonly=True,
        tracking=True,
    )
    call_window_id = fields.Many2one(
        "payment.reminder.window",
        string="Call window",
        readonly=True,
        help="The call window the call was planned in: a call without answer is "
        "tried again in another one.",
    )

    # === COMPUTE METHODS === #

    @api.depends("partner_id", "step", "queue_date")
    def _compute_display_name(self):
        steps = dict(self._fields["step"]._description_selection(self.env))
        for reminder in self:
            reminder.display_name = " · ".join(
                filter(
                    None,
                    [
                        reminder.partner_id.display_name,
                        steps.get(reminder.step),
                        reminder.queue_date
                        and fields.Date.to_string(reminder.queue_date),
                    ],
                )
            )

    # === CRUD METHODS === #

    def init(self):
        # One reminder per customer, step and shop day, whoever creates it: two
        # cron workers racing each other hit this index, not a search.
        self.env.cr.execute(
            SQL(
                "CREATE UNIQUE INDEX IF NOT EXISTS payment_reminder_one_per_step "
                "ON payment_reminder (company_id, customer_key, step, queue_date) "
                "WHERE step != 'manual'"
            )
        )

    # === ACTION METHODS === #

    def action_log_call_result(self):
        """Open the wizard that logs what the call to the customer gave."""
        self.ensure_one()
        return self.env["payment.reminder.call.result"]._action_open(
            self.order_id, reminder=self
        )

    # === BUSINESS METHODS === #

    @api.model
    def _cron_build_queue(self):
        """Build and refresh today's queue for every company that reminds."""
        companies = self.env["res.company"].search(
            [("payment_reminder_enabled", "=", True)]
        )
        queue = self.env["payment.reminder.queue"]
        now = fields.Datetime.now()
        for done, company in enumerate(companies, start=1):
            queue.with_company(company)._build(company, now)
            self.env["ir.cron"]._notify_progress(
                done=done, remaining=len(companies) - done
            )
            self.env["sale.order"]._payment_reminder_commit()

    @api.model
    def _local_date(self, company, utc_datetime):
        """The shop day of a naive UTC datetime."""
        tz = pytz.timezone(company.payment_reminder_tz or "UTC")
        return pytz.utc.localize(utc_datetime).astimezone(tz).date()

    @api.model
    def _create_manual(self, orders, channel, user, now, **values):
        """One manual reminder per customer covering their ``orders``, about the
        latest one, by ``channel`` for agent ``user``, due ``now``."""
        queue = self.env["payment.reminder.queue"]
        latest_first = orders.sorted(
            lambda order: (order.date_order, order.id), reverse=True
        )
        values_list = []
        for (company, key), customer_orders in latest_first.grouped(
            lambda order: (order.company_id, order.reminder_customer_key)
        ).items():
            candidate = ReminderCandidate(
                key, customer_orders, "manual", customer_orders[0]
            )
            candidate.channel = channel
            candidate.user = user
            candidate.scheduled_at = now
            values_list.append(
                {**queue._reminder_prepare_values(company, candidate, now), **values}
            )
        # Queue entries are not conversations: no creation note, no followers.
        return self.with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True
        ).create(values_list)

    def _payment_reminder_cancel_for_orders(self, orders):
        """These orders leave the planned reminders: cancel what covers nothing."""
        for reminder in self:
            remaining = reminder.order_ids - orders
            if reminder.order_id in orders or not remaining:
                reminder.state = "cancelled"
            else:
                reminder.order_ids = remaining
