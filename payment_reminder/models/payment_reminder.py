# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A payment reminder: one planned contact with one customer about their
unpaid orders. Every field is declared here; the behaviour is in the mixins.

- ``payment.reminder.sending.mixin`` (payment_reminder_sending.py): the
  sending cron, the check before sending, the moment, the script;
- ``payment.reminder.channel.mixin`` (payment_reminder_channels.py): one
  sender per channel and the line each attempt leaves on the order;
- ``payment.reminder.call.mixin`` (payment_reminder_calls.py): calls, their
  slots and the phone script;
- ``payment.reminder.results.mixin`` (payment_reminder_results.py): which
  reminder a payment is credited to, sent after payment, the daily e-mail;
- ``payment.reminder.sms.mixin`` (payment_reminder_sms.py): what an SMS says,
  the daily SMS budget, link clicks and opt-outs;
- ``payment.reminder.cost.mixin`` (payment_reminder_costs.py): what a
  reminder cost and won back per unit of cost.
"""

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tools import SQL

from ..const import (
    CALL_OVERFLOW_REASONS,
    CHANNELS,
    OUTCOMES,
    RESULTS,
    SKIP_REASONS,
    STATES,
    STEPS,
    WAIT_REASONS,
)
from ..utils import commit_unless_testing, shop_day, shop_day_domain
from .payment_reminder_queue import ReminderCandidate


class PaymentReminder(models.Model):
    _name = "payment.reminder"
    _description = "Payment reminder"
    _inherit = [
        "mail.thread",
        "mail.activity.mixin",
        "payment.reminder.sending.mixin",
        "payment.reminder.channel.mixin",
        "payment.reminder.call.mixin",
        "payment.reminder.results.mixin",
        "payment.reminder.sms.mixin",
        "payment.reminder.cost.mixin",
    ]
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
    # Searched by the filters named for a day: each company's day is read in
    # its own time zone, not in the browser's.
    is_shop_today = fields.Boolean(
        string="In today's queue",
        compute="_compute_queue_days_ago",
        search="_search_is_shop_today",
        help="Queued for today, in the shop's time zone.",
    )
    queue_days_ago = fields.Integer(
        string="Days ago",
        compute="_compute_queue_days_ago",
        search="_search_queue_days_ago",
        help="How many shop days ago the reminder was queued (0: today).",
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
        # Amounts of several currencies never add up: sums are made in the
        # company currency (amount_unpaid_company).
        aggregator=None,
        help="What the customer left unpaid in the reminder's currency, summed over "
        "the orders it covers in that currency.",
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
    sent_after_payment = fields.Boolean(
        string="Sent after payment",
        readonly=True,
        copy=False,
        help="The reminder went out after the customer had started paying: the "
        "payment and the reminder crossed.",
    )

    # SMS, and what the customer did with the link.
    sms_segments = fields.Integer(
        string="SMS segments",
        readonly=True,
        copy=False,
        help="The segments the SMS was billed as: one up to 160 GSM-7 or 70 "
        "Unicode characters, else one per 153 or 67.",
    )
    sms_uuid = fields.Char(
        string="SMS UUID",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="The SMS in Odoo's SMS queue: its delivery reports find the reminder.",
    )
    link_tracker_id = fields.Many2one(
        "link.tracker",
        string="Short link",
        readonly=True,
        copy=False,
        index="btree_not_null",
        ondelete="set null",
        help="The short link to pay the SMS carried: a click on it is recorded here.",
    )
    clicked_at = fields.Datetime(
        string="Link opened on",
        readonly=True,
        copy=False,
        help="When the customer last opened the pay link of this reminder (its "
        "short link, or the order in the portal after it).",
    )
    wait_reason = fields.Selection(
        WAIT_REASONS,
        string="Postponed because",
        readonly=True,
        copy=False,
        help="Why the reminder was moved later the last time it was due.",
    )

    # Results: computed from the orders and the payments credited.
    result = fields.Selection(
        RESULTS,
        compute="_compute_result",
        store=True,
        index=True,
        help="What became of the orders the reminder covers: paid, closed "
        "automatically at their deadline, closed by an agent or the customer, or "
        "still open.",
    )
    transaction_ids = fields.One2many(
        "payment.transaction",
        "payment_reminder_id",
        string="Recovered payments",
        readonly=True,
        help="The payments credited to this reminder: the last reminder done before "
        "a payment, inside the attribution window, wins it.",
    )
    amount_recovered = fields.Monetary(
        compute="_compute_recovery",
        store=True,
        aggregator=None,
        help="What the customer paid after this reminder, in the reminder's currency.",
    )
    paid_at = fields.Datetime(
        string="Paid on",
        compute="_compute_recovery",
        store=True,
        help="When the last payment credited to this reminder came in.",
    )
    is_recovered = fields.Boolean(
        string="Paid after reminder",
        compute="_compute_recovery",
        store=True,
        help="A payment was credited to this reminder.",
    )
    success_rate = fields.Float(
        string="Success rate (%)",
        compute="_compute_success_rate",
        store=True,
        aggregator="sum",
        digits=(16, 2),
        help="Recovered / unpaid, in the company currency. Grouped, it is the sum "
        "recovered over the sum unpaid, never an average of the reminders' rates.",
    )

    # Calls, the control-group cycle, and the amounts in the company currency.
    overflow_reason = fields.Selection(
        CALL_OVERFLOW_REASONS,
        string="Not a call because",
        readonly=True,
        help="The channel rules chose a call, but the agent's calls for the day "
        "were full or it is a busy day: the next channel of the ladder was used.",
    )
    cycle_id = fields.Many2one(
        "payment.reminder.cycle",
        string="Cycle",
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        help="The customer's unpaid-order cycle: the control group is drawn once "
        "per cycle.",
    )
    arm = fields.Selection(
        related="cycle_id.arm",
        store=True,
        string="Arm",
        help="Reminded or control group, as drawn for the customer's cycle.",
    )
    company_currency_id = fields.Many2one(
        related="company_id.currency_id", string="Company currency"
    )
    amount_unpaid_company = fields.Monetary(
        string="Unpaid (company currency)",
        currency_field="company_currency_id",
        compute="_compute_amount_unpaid_company",
        store=True,
        readonly=False,
        help="What the customer left unpaid, every order converted into the "
        "company currency at its order date's rate.",
    )
    amount_recovered_company = fields.Monetary(
        string="Recovered (company currency)",
        currency_field="company_currency_id",
        compute="_compute_recovery",
        store=True,
        help="What the customer paid after this reminder, converted into the "
        "company currency at the order date's rate; never more than the unpaid "
        "amount.",
    )

    # Costs: in the company's currency (payment_reminder_costs.py).
    cost = fields.Monetary(
        currency_field="company_currency_id",
        compute="_compute_cost",
        store=True,
        help="What the reminder cost when it went out: the company's price of its "
        "channel (per SMS segment for an SMS). Nothing when it did not go out.",
    )
    return_on_cost = fields.Float(
        string="Recovered per unit of cost",
        compute="_compute_return_on_cost",
        store=True,
        aggregator="sum",
        digits=(16, 2),
        help="Recovered (company currency) / cost. Grouped, it is the sum "
        "recovered over the sum of costs, never an average of ratios.",
    )

    # === COMPUTE METHODS === #

    @api.depends("queue_date", "company_id")
    def _compute_queue_days_ago(self):
        now = fields.Datetime.now()
        for reminder in self:
            today = shop_day(reminder.company_id, now)
            days = (today - reminder.queue_date).days if reminder.queue_date else 0
            reminder.queue_days_ago = days
            reminder.is_shop_today = bool(reminder.queue_date) and days == 0

    def _search_is_shop_today(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Operation not supported"))
        today = self._search_queue_days_ago("=", 0)
        return today if (operator == "=") == value else ["!", *today]

    def _search_queue_days_ago(self, operator, value):
        """``queue_days_ago <op> value`` as a domain on each company's own
        shop day: ``queue_date <reversed op> (its today - value)``."""
        reversed_operators = {
            "=": "=",
            "!=": "!=",
            "<": ">",
            "<=": ">=",
            ">": "<",
            ">=": "<=",
        }
        if operator not in reversed_operators or not isinstance(value, int):
            raise UserError(self.env._("Operation not supported"))
        return shop_day_domain(
            self.env, "company_id", "queue_date", reversed_operators[operator], value
        )

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

    @api.depends(
        "amount_recovered",
        "order_id.state",
        "order_ids.state",
        "order_ids.awaiting_payment",
        "order_ids.reminder_closed_kind",
        "order_ids.reminder_paid_after_close_at",
    )
    def _compute_result(self):
        for reminder in self:
            reminder.result = reminder._reminder_result()

    @api.depends(
        "currency_id",
        "order_ids",
        "amount_unpaid_company",
        "transaction_ids.state",
        "transaction_ids.amount",
        "transaction_ids.payment_reminder_paid_at",
    )
    def _compute_recovery(self):
        for reminder in self:
            payments = reminder.transaction_ids.filtered(
                lambda tx: tx.state in ("authorized", "done")
            )
            reminder.amount_recovered = sum(
                reminder._reminder_recovered_amount(tx) for tx in payments
            )
            reminder.amount_recovered_company = min(
                sum(reminder._reminder_recovered_company(tx) for tx in payments),
                reminder.amount_unpaid_company,
            )
            reminder.paid_at = max(
                payments.mapped("payment_reminder_paid_at"), default=False
            )
            reminder.is_recovered = bool(payments)

    @api.depends("amount_unpaid", "currency_id")
    def _compute_amount_unpaid_company(self):
        # The queue writes the exact figure (each covered order converted, all
        # currencies); this is for reminders made without it. Not recomputed
        # when the order's date changes (confirming it moves it to that day).
        for reminder in self:
            order = reminder.order_id
            reminder.amount_unpaid_company = (
                order._payment_reminder_company_amount(
                    reminder.amount_unpaid, reminder.currency_id
                )
                if order and reminder.currency_id
                else reminder.amount_unpaid
            )

    @api.depends("amount_unpaid_company", "amount_recovered_company")
    def _compute_success_rate(self):
        for reminder in self:
            reminder.success_rate = (
                100.0
                * reminder.amount_recovered_company
                / reminder.amount_unpaid_company
                if reminder.amount_unpaid_company
                else 0.0
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

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        # A grouped success rate is sum(recovered) / sum(unpaid), in the
        # company currency, whatever aggregate the client asks for: pivot and
        # graph show the true ratio, never one of several currencies added up.
        if aggregate_spec.split(":")[0] == "success_rate":
            recovered = self._field_to_sql(
                self._table, "amount_recovered_company", query
            )
            unpaid = self._field_to_sql(self._table, "amount_unpaid_company", query)
            return SQL(
                "COALESCE(SUM(%s), 0) * 100.0 / NULLIF(SUM(%s), 0)", recovered, unpaid
            )
        # The same for what was recovered per unit of cost.
        if aggregate_spec.split(":")[0] == "return_on_cost":
            recovered = self._field_to_sql(
                self._table, "amount_recovered_company", query
            )
            cost = self._field_to_sql(self._table, "cost", query)
            return SQL("COALESCE(SUM(%s), 0) / NULLIF(SUM(%s), 0)", recovered, cost)
        return super()._read_group_select(aggregate_spec, query)

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
            commit_unless_testing(self.env)

    @api.model
    def _reminder_create_manual(self, orders, channel, user, now, **values):
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
                {**queue._prepare_reminder_values(company, candidate, now), **values}
            )
        # Queue entries are not conversations: no creation note, no followers.
        return self.with_context(
            mail_create_nolog=True, mail_create_nosubscribe=True
        ).create(values_list)

    def _reminder_cancel_for_orders(self, orders):
        """These orders leave the planned reminders: cancel what covers nothing.

        One write for all the reminders cancelled: closing cancels thousands.
        """
        cancelled, kept = [], []
        for reminder in self:
            if reminder.order_id in orders or not (reminder.order_ids - orders):
                cancelled.append(reminder.id)
            else:
                kept.append(reminder.id)
        self.browse(cancelled).state = "cancelled"
        self.browse(kept).order_ids = [Command.unlink(order.id) for order in orders]
