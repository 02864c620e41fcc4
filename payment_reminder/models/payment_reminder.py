# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import Command, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_date, format_datetime

from .payment_reminder_channel_rule import CHANNELS, STEPS
from .payment_reminder_queue import ReminderCandidate
from .payment_reminder_window import float_to_time

_logger = logging.getLogger(__name__)

# Sending: reminders claimed per batch, and how often a failure is tried again.
SEND_BATCH_SIZE = 200
MAX_RETRIES = 3
RETRY_DELAY = timedelta(minutes=30)
# A reminder that went out after its customer started paying lost a race with
# the payment when it went out this long at most after the payment came in
# (longer after, the payment only covered part of the order); payments of the
# last hour are looked at again by the sending cron.
PAYMENT_RACE_WINDOW = timedelta(minutes=10)
PAYMENT_RACE_LOOKBACK = timedelta(hours=1)

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


def _no_memo(_key, compute):
    """``ReminderSendBatch.memo`` without a batch: compute every time."""
    return compute()


class ReminderSendBatch:
    """What the reminders of one sending batch share, read once for the batch,
    and what they leave to do together at the end of it.

    Every reminder sent asks the same questions: how often was the customer
    contacted, is it a returning customer, which scripts and call windows has
    the company. Asked reminder by reminder they cost a dozen queries each;
    the batch answers them with a few grouped reads, then from memory. The
    calls it plans and the chatter lines it writes are created together once
    every reminder of the batch went through its checks.
    """

    def __init__(self, reminders):
        self.reminders = reminders
        self.segments = reminders.order_id._payment_reminder_segments()
        # Read on first use only: a batch may plan no call.
        self._history = None
        self._scripts = {}
        self._windows = {}
        self._refs = {}
        self._memo = {}
        # (reminder, mail.activity values) of the calls planned
        self.calls = []
        # (reminder, order, body) of the chatter lines to write
        self.notes = []

    def memo(self, key, compute):
        """``compute()``, computed once a batch for ``key``: what is the same
        for the batch's reminders of a company (its next call slot, ...)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def ref(self, xmlid):
        """``env.ref(xmlid, raise_if_not_found=False)``, checked once a batch."""
        if xmlid not in self._refs:
            self._refs[xmlid] = self.reminders.env.ref(xmlid, raise_if_not_found=False)
        return self._refs[xmlid]

    def history(self, reminder):
        """The other reminders of ``reminder``'s customer, any state, oldest
        first: their states are read when asked, as the batch goes."""
        if self._history is None:
            reminders = self.reminders
            customers = reminders.search(
                [
                    ("company_id", "in", reminders.company_id.ids),
                    ("customer_key", "in", list(set(reminders.mapped("customer_key")))),
                ],
                order="scheduled_at, id",
            )
            self._history = customers.grouped(
                lambda other: (other.company_id.id, other.customer_key)
            )
        key = (reminder.company_id.id, reminder.customer_key)
        return self._history.get(key, reminder.browse()) - reminder

    def attempt_number(self, reminder):
        """As ``_reminder_attempt_number``: the batch's reminders already done
        count as they are sent."""
        done = self.history(reminder).filtered(lambda other: other.state == "done")
        return len(done) + 1

    def scripts(self, situation, company):
        key = (situation, company.id)
        if key not in self._scripts:
            self._scripts[key] = self.reminders.env[
                "payment.reminder.script"
            ]._find_candidates(situation, company)
        return self._scripts[key]

    def call_windows(self, company):
        if company.id not in self._windows:
            self._windows[company.id] = self.reminders.env[
                "payment.reminder.window"
            ]._get_windows(company, "call")
        return self._windows[company.id]

    def forget(self, reminder):
        """Drop what ``reminder`` left to do: its sending was rolled back."""
        self.calls = [call for call in self.calls if call[0] != reminder]
        self.notes = [note for note in self.notes if note[0] != reminder]


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

    # === RESULTS === #

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
        help="Recovered / unpaid. Grouped, it is the sum recovered over the sum "
        "unpaid, never an average of the reminders' rates.",
    )

    @api.depends(
        "amount_recovered",
        "order_id.state",
        "order_ids.state",
        "order_ids.awaiting_payment",
        "order_ids.reminder_closed_kind",
    )
    def _compute_result(self):
        for reminder in self:
            reminder.result = reminder._reminder_result()

    @api.depends(
        "currency_id",
        "order_ids",
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
            reminder.paid_at = max(
                payments.mapped("payment_reminder_paid_at"), default=False
            )
            reminder.is_recovered = bool(payments)

    @api.depends("amount_unpaid", "amount_recovered")
    def _compute_success_rate(self):
        for reminder in self:
            reminder.success_rate = (
                100.0 * reminder.amount_recovered / reminder.amount_unpaid
                if reminder.amount_unpaid
                else 0.0
            )

    @api.model
    def _read_group_select(self, aggregate_spec, query):
        # A grouped success rate is sum(recovered) / sum(unpaid), whatever
        # aggregate the client asks for: pivot and graph show the true ratio.
        if aggregate_spec.split(":")[0] == "success_rate":
            recovered = self._field_to_sql(self._table, "amount_recovered", query)
            unpaid = self._field_to_sql(self._table, "amount_unpaid", query)
            return SQL(
                "COALESCE(SUM(%s), 0) * 100.0 / NULLIF(SUM(%s), 0)", recovered, unpaid
            )
        return super()._read_group_select(aggregate_spec, query)

    def _reminder_result(self):
        """Paid, closed (how) or pending, from the covered orders."""
        self.ensure_one()
        orders = self.order_ids | self.order_id
        if self.amount_recovered or any(
            order.state != "cancel" and not order.awaiting_payment and order.amount_paid
            for order in orders
        ):
            return "paid"
        if orders and all(order.state == "cancel" for order in orders):
            if all(order.reminder_closed_kind == "auto" for order in orders):
                return "closed_auto"
            return "closed_manual"
        return "pending"

    def _reminder_recovered_amount(self, transaction):
        """The part of ``transaction`` paying this reminder's orders, converted."""
        self.ensure_one()
        orders = transaction.sale_order_ids
        covered = orders & (self.order_ids | self.order_id)
        total = sum(orders.mapped("amount_total"))
        share = sum(covered.mapped("amount_total")) / total if total else 1.0
        paid_on = transaction.payment_reminder_paid_at or fields.Datetime.now()
        return transaction.currency_id._convert(
            transaction.amount * share,
            self.currency_id,
            self.company_id,
            paid_on.date(),
        )

    def _reminder_touched_at(self):
        """When the customer was reminded, or would have been (control group)."""
        self.ensure_one()
        return self.done_at if self.state == "done" else self.scheduled_at

    @api.model
    def _reminder_attribute_payment(self, orders, paid_at, transaction=None):
        """The reminder credited with a payment of ``orders`` made at ``paid_at``.

        Last touch wins: the last reminder done before the payment (for the
        control group, the last one held out before it) covering one of the
        orders. The payment must fall inside the attribution window: the
        company's ``payment_reminder_attribution_hours`` after the reminder, or
        with 0, before the order's deadline (or the promise that extends it).
        An order already closed is not recovered by a late payment, and a
        reminder that went out while ``transaction`` was already under way
        (sent after payment) did not win it back.

        :return: the reminder (possibly empty)
        """
        open_orders = orders.filtered(lambda order: order.state != "cancel")
        if not open_orders:
            return self.browse()
        candidates = self.search(
            [
                ("order_ids", "in", open_orders.ids),
                "|",
                "&",
                ("state", "=", "done"),
                ("done_at", "<=", paid_at),
                "&",
                "&",
                ("state", "=", "skipped"),
                ("skip_reason", "=", "control"),
                ("scheduled_at", "<=", paid_at),
            ]
        )
        if transaction:
            candidates = candidates.filtered(
                lambda r: r.state != "done" or not r._reminder_sent_during(transaction)
            )
        if not candidates:
            return self.browse()
        reminder = max(candidates, key=lambda r: (r._reminder_touched_at(), r.id))
        if reminder._reminder_in_window(open_orders & reminder.order_ids, paid_at):
            return reminder
        return self.browse()

    def _reminder_in_window(self, orders, paid_at):
        """Whether a payment of ``orders`` at ``paid_at`` is still this reminder's."""
        self.ensure_one()
        hours = self.company_id.payment_reminder_attribution_hours
        if hours:
            return paid_at <= self._reminder_touched_at() + timedelta(hours=hours)
        for order in orders:
            deadlines = [
                d for d in (order.payment_deadline, order.reminder_promised_at) if d
            ]
            if not deadlines or paid_at <= max(deadlines):
                return True
        return False

    # === RESULTS: SHEETS === #

    @api.model
    def _get_sheet_domain(
        self, date_from=None, date_to=None, users=None, reminders=None
    ):
        """The reminders a sheet covers: by shop day, agent and/or selection."""
        domain = []
        if date_from:
            domain.append(("queue_date", ">=", date_from))
        if date_to:
            domain.append(("queue_date", "<=", date_to))
        if users:
            domain.append(("user_id", "in", users.ids))
        if reminders:
            domain.append(("id", "in", reminders.ids))
        return domain

    @api.model
    def _get_detail_sheet_lines(self, domain):
        """The detail sheet: one line per customer reminded and day, by day.

        A customer reminded twice on a day (first and final step) is one line:
        the unpaid amount is the larger of the two (they cover the same orders),
        the recovered amount their sum (a payment is credited once).

        :return: ``{"days": [{"date", "lines", "totals"}], "totals"}``, totals
            per currency with the success rate (sum recovered / sum unpaid)
        """
        groups = self._read_group(
            domain + REMINDED_DOMAIN,
            ["queue_date:day", "customer_key", "currency_id"],
            [
                "amount_unpaid:max",
                "amount_recovered:sum",
                "paid_at:max",
                "id:recordset",
            ],
        )
        self._sheet_prefetch(groups)
        results = dict(self._fields["result"]._description_selection(self.env))
        days = {}
        for day, key, currency, unpaid, recovered, paid_at, reminders in groups:
            last = reminders.sorted(lambda r: (r.done_at or r.scheduled_at, r.id))[-1]
            # The order date is on the sheet of whoever may see the reminder,
            # Sales access or not.
            orders = (reminders.order_ids | reminders.order_id).sudo()
            days.setdefault(day, []).append(
                {
                    "date": day,
                    "customer_key": key,
                    "customer": last.partner_id,
                    "agents": reminders.user_id,
                    "order_date": min(orders.mapped("date_order")),
                    "currency": currency,
                    "amount_unpaid": unpaid,
                    "result": last.result,
                    "result_label": results.get(last.result, ""),
                    "paid": any(reminders.mapped("is_recovered")),
                    "paid_at": paid_at,
                    "amount_recovered": recovered,
                }
            )
        sheet_days = []
        for day, lines in sorted(days.items()):
            lines.sort(
                key=lambda line: (line["customer"].name or "", line["customer_key"])
            )
            sheet_days.append(
                {"date": day, "lines": lines, "totals": self._sheet_totals(lines)}
            )
        all_lines = [line for day in sheet_days for line in day["lines"]]
        return {"days": sheet_days, "totals": self._sheet_totals(all_lines)}

    @api.model
    def _sheet_prefetch(self, groups):
        """Read the lines' reminders, customers and orders at once.

        Each group's reminders come as their own recordset: read line by line,
        a day of thousands of customers costs queries by the thousand.
        """
        reminders = self.browse(
            [reminder_id for group in groups for reminder_id in group[-1].ids]
        )
        reminders.fetch(
            [
                "done_at",
                "scheduled_at",
                "partner_id",
                "user_id",
                "result",
                "is_recovered",
                "order_id",
                "order_ids",
            ]
        )
        reminders.partner_id.fetch(["name"])
        (reminders.order_ids | reminders.order_id).sudo().fetch(["date_order"])

    @api.model
    def _get_summary_sheet_lines(self, domain):
        """The summary sheet: per day and agent, customers and money won back.

        One customer key is one customer. The success rate is the sum recovered
        over the sum unpaid, per currency, never an average of ratios. With a
        control group in the period, ``lift`` compares it to the reminded.

        :return: ``{"rows": [{"date", "user", "customers", "customers_paid",
            "paid_rate", "amounts"}], "totals", "lift"}``
        """
        entries = self._sheet_customer_entries(domain + REMINDED_DOMAIN)
        rows = {}
        for entry in entries:
            rows.setdefault((entry["date"], entry["user"]), []).append(entry)
        summary_rows = [
            {"date": day, "user": user, **self._sheet_rollup(group)}
            for (day, user), group in sorted(
                rows.items(), key=lambda item: (item[0][0], item[0][1].name or "")
            )
        ]
        totals = self._sheet_rollup(entries)
        control_entries = self._sheet_customer_entries(domain + CONTROL_DOMAIN)
        lift = False
        if control_entries:
            control = self._sheet_rollup(control_entries)
            lift = {
                "reminded": totals,
                "control": control,
                "points": totals["paid_rate"] - control["paid_rate"],
            }
        return {"rows": summary_rows, "totals": totals, "lift": lift}

    @api.model
    def _get_reasons_sheet_lines(self, domain):
        """The reasons sheet: why customers did not pay, per shop day and reason.

        Counts the customers reminded whose reason for not paying was logged:
        one customer key is one customer per day, the unpaid amount is theirs
        (the larger of a day's reminders, which cover the same orders), per
        currency. A customer giving two reasons the same day counts under both.

        :return: ``{"days": [{"date", "rows": [{"reason", "customers",
            "amounts"}], "customers"}], "reasons": [{"reason", "customers",
            "amounts"}], "customers", "amounts"}``, amounts ``[{"currency",
            "amount_unpaid"}]`` per currency
        """
        groups = self._read_group(
            domain + REMINDED_DOMAIN + [("reason_id", "!=", False)],
            ["queue_date:day", "reason_id", "customer_key", "currency_id"],
            ["amount_unpaid:max"],
        )
        cells = {}
        for day, reason, key, currency, unpaid in groups:
            cell = cells.setdefault((day, reason), {"keys": set(), "amounts": {}})
            cell["keys"].add(key)
            cell["amounts"][currency] = cell["amounts"].get(currency, 0.0) + unpaid

        def row(reason, keys, amounts):
            return {
                "reason": reason,
                "customers": len(keys),
                "amounts": [
                    {"currency": currency, "amount_unpaid": amount}
                    for currency, amount in sorted(
                        amounts.items(), key=lambda item: item[0].name
                    )
                ],
            }

        def reason_order(reason):
            return (reason.sequence, reason.id)

        days = {}
        totals = {}
        for (day, reason), cell in cells.items():
            days.setdefault(day, []).append(row(reason, cell["keys"], cell["amounts"]))
            total = totals.setdefault(reason, {"customers": 0, "amounts": {}})
            total["customers"] += len(cell["keys"])
            for currency, amount in cell["amounts"].items():
                total["amounts"][currency] = (
                    total["amounts"].get(currency, 0.0) + amount
                )
        sheet_days = []
        for day, rows in sorted(days.items()):
            rows.sort(key=lambda line: reason_order(line["reason"]))
            sheet_days.append(
                {
                    "date": day,
                    "rows": rows,
                    "customers": sum(line["customers"] for line in rows),
                }
            )
        reasons = []
        all_amounts = {}
        for reason in sorted(totals, key=reason_order):
            line = row(reason, (), totals[reason]["amounts"])
            line["customers"] = totals[reason]["customers"]
            reasons.append(line)
            for currency, amount in totals[reason]["amounts"].items():
                all_amounts[currency] = all_amounts.get(currency, 0.0) + amount
        return {
            "days": sheet_days,
            "reasons": reasons,
            "customers": sum(line["customers"] for line in reasons),
            "amounts": row(None, (), all_amounts)["amounts"],
        }

    @api.model
    def _sheet_customer_entries(self, domain):
        """Figures per shop day, agent, customer and currency, from the database."""
        return [
            {
                "date": day,
                "user": user,
                "customer_key": key,
                "currency": currency,
                "amount_unpaid": unpaid,
                "amount_recovered": recovered,
            }
            for day, user, key, currency, unpaid, recovered in self._read_group(
                domain,
                ["queue_date:day", "user_id", "customer_key", "currency_id"],
                ["amount_unpaid:max", "amount_recovered:sum"],
            )
        ]

    @api.model
    def _sheet_rollup(self, entries):
        """Customers, customers who paid and amounts per currency of ``entries``."""
        customers = {(entry["date"], entry["customer_key"]) for entry in entries}
        paid = {
            (entry["date"], entry["customer_key"])
            for entry in entries
            if entry["currency"].compare_amounts(entry["amount_recovered"], 0.0) > 0
        }
        return {
            "customers": len(customers),
            "customers_paid": len(paid),
            "paid_rate": 100.0 * len(paid) / len(customers) if customers else 0.0,
            "amounts": self._sheet_totals(entries),
        }

    @api.model
    def _sheet_totals(self, lines):
        """Unpaid, recovered and success rate (sum over sum) per currency."""
        totals = {}
        for line in lines:
            total = totals.setdefault(
                line["currency"],
                {
                    "currency": line["currency"],
                    "amount_unpaid": 0.0,
                    "amount_recovered": 0.0,
                },
            )
            total["amount_unpaid"] += line["amount_unpaid"]
            total["amount_recovered"] += line["amount_recovered"]
        for total in totals.values():
            total["rate"] = (
                100.0 * total["amount_recovered"] / total["amount_unpaid"]
                if total["amount_unpaid"]
                else 0.0
            )
        return sorted(totals.values(), key=lambda total: total["currency"].name)

    # === RESULTS: DAILY EMAIL === #

    @api.model
    def _cron_email_summary(self):
        """Email each reminding company's summary sheet of the day to its managers."""
        now = fields.Datetime.now()
        for company in self.env["res.company"].search(
            [("payment_reminder_enabled", "=", True)]
        ):
            recipients = self._reminder_summary_recipients(company)
            if recipients:
                day = self._local_date(company, now)
                self.with_company(company)._reminder_email_summary(
                    company, day, recipients
                )

    @api.model
    def _reminder_summary_recipients(self, company):
        """The company's chosen recipients, else its reminder managers."""
        users = company.payment_reminder_summary_user_ids or self.env.ref(
            "payment_reminder.group_payment_reminder_manager"
        ).users.filtered(lambda user: company in user.company_ids)
        return users.filtered(
            lambda user: user.active
            and not user.share
            and user.email
            and not user._is_superuser()
        )

    @api.model
    def _reminder_email_summary(self, company, day, recipients):
        """Render the summary sheet of ``day`` and queue it for ``recipients``."""
        report = self.env.ref("payment_reminder.action_report_summary_sheet")
        data = {
            "date_from": fields.Date.to_string(day),
            "date_to": fields.Date.to_string(day),
            "company_id": company.id,
        }
        pdf, _report_type = report._render_qweb_pdf(report.report_name, data=data)
        day_label = format_date(self.env, day)
        return (
            self.env["mail.mail"]
            .sudo()
            .create(
                {
                    "subject": self.env._(
                        "Payment reminders: summary of %(day)s", day=day_label
                    ),
                    "body_html": self.env._(
                        "<p>The summary sheet of %(day)s is attached.</p>",
                        day=day_label,
                    ),
                    "email_from": company.email_formatted
                    or self.env.user.email_formatted,
                    "recipient_ids": [Command.set(recipients.partner_id.ids)],
                    "attachment_ids": [
                        Command.create(
                            {
                                "name": self.env._(
                                    "Summary sheet %(day)s.pdf",
                                    day=fields.Date.to_string(day),
                                ),
                                "raw": pdf,
                                "mimetype": "application/pdf",
                            }
                        )
                    ],
                    "auto_delete": True,
                }
            )
        )

    # === SENDING === #

    sent_after_payment = fields.Boolean(
        string="Sent after payment",
        readonly=True,
        copy=False,
        help="The reminder went out after the customer had started paying: the "
        "payment and the reminder crossed.",
    )

    @api.model
    def _cron_send_due(self):
        """Send the reminders that are due, batch by batch, each claimed once."""
        now = fields.Datetime.now()
        self._reminder_flag_recent_payments(now)
        cron = self.env["ir.cron"]
        done, seen = 0, []
        while reminders := self._reminder_claim_due(now, seen):
            reminders._send(now)
            done += len(reminders)
            seen += reminders.ids
            cron._notify_progress(
                done=done, remaining=self._reminder_count_due(now, seen)
            )
            self.env["sale.order"]._payment_reminder_commit()

    @api.model
    def _reminder_due_sql(self, now, seen):
        """Planned reminders due by ``now``, and failed ones still to retry."""
        self.flush_model(["company_id", "scheduled_at", "state", "retry_count"])
        self.env["res.company"].flush_model(["payment_reminder_enabled"])
        return SQL(
            """
              FROM payment_reminder reminder
              JOIN res_company company ON company.id = reminder.company_id
             WHERE company.payment_reminder_enabled
               AND reminder.scheduled_at <= %(now)s
               AND (reminder.state = 'planned'
                    OR (reminder.state = 'failed'
                        AND reminder.retry_count <= %(max_retries)s))
               AND reminder.id != ALL(%(seen)s)
            """,
            now=now,
            max_retries=MAX_RETRIES,
            seen=seen,
        )

    @api.model
    def _reminder_claim_due(self, now, seen):
        """Lock a batch of due reminders; rows another worker holds are skipped,
        so two workers never send the same reminder."""
        rows = self.env.execute_query(
            SQL(
                "SELECT reminder.id %s "
                "ORDER BY reminder.scheduled_at, reminder.id LIMIT %s "
                "FOR UPDATE OF reminder SKIP LOCKED",
                self._reminder_due_sql(now, seen),
                SEND_BATCH_SIZE,
            )
        )
        return self.browse([row[0] for row in rows])

    @api.model
    def _reminder_count_due(self, now, seen):
        rows = self.env.execute_query(
            SQL("SELECT COUNT(*) %s", self._reminder_due_sql(now, seen))
        )
        return rows[0][0]

    def _send(self, now=None):
        """Send these reminders one by one: a failure stops no other."""
        now = now or fields.Datetime.now()
        batch = ReminderSendBatch(self)
        # The orders' reminder state follows their reminders' states: computed
        # once for the batch rather than flushed after each reminder.
        orders = self.order_ids | self.order_id
        order_state = orders._fields["reminder_state"]
        with self.env.protecting([order_state], orders):
            for index, reminder in enumerate(self):
                self[index:]._reminder_prefetch_for_send()
                # The savepoint flushes and runs the precommit hooks (tracking)
                # on entering and leaving: a failure rolls back this reminder.
                try:
                    with self.env.cr.savepoint():
                        reminder._reminder_send_one(now, batch)
                except Exception as error:  # pylint: disable=broad-except
                    _logger.info("Payment reminder %s failed: %s", reminder.id, error)
                    batch.forget(reminder)
                    reminder._reminder_fail(error, now)
        self.env.add_to_compute(order_state, orders)
        for reminder in self._reminder_create_calls(batch.calls, now):
            batch.forget(reminder)
        self._reminder_log_notes(batch.notes)

    def _reminder_prefetch_for_send(self):
        """Read at once what sending and flushing each reminder reads on its
        orders: their reminder state is recomputed after each reminder.

        Read again when the cache lost it: an email sent at once (in tests)
        deletes itself, which empties the cache.
        """
        order = self[:1].order_id
        if order and self.env.cache.contains(order, order._fields["reminder_ids"]):
            return
        orders = self.order_ids | self.order_id
        orders.fetch(
            [
                "state",
                "partner_id",
                "awaiting_payment",
                "reminder_promised_at",
                "reminder_closed_kind",
                "reminder_ids",
            ]
        )

    def _reminder_send_one(self, now, batch=None):
        """Check, time, choose the script, send, and note it on the order.

        :param batch: the ``ReminderSendBatch`` of the reminders sent with this one
        """
        self.ensure_one()
        batch = batch or ReminderSendBatch(self)
        skip_values = self._reminder_check_before_send()
        if skip_values:
            self.write(skip_values)
            return
        channel, detour = self._reminder_reachable_channel()
        if channel != "phone":
            allowed = self._reminder_next_allowed_moment(now)
            if allowed > now:
                self.scheduled_at = allowed
                return
        self.write(
            {
                "channel": channel,
                "attempt": batch.attempt_number(self),
                "script_id": self._reminder_choose_script(batch).id,
            }
        )
        result = self._reminder_senders(batch)[channel](now)
        # When it really went out, for a payment racing the batch.
        done_at = max(now, fields.Datetime.now())
        self.write({"state": "done", "done_at": done_at, "error_message": False})
        if detour:
            result = self.env._("%(result)s (%(detour)s)", result=result, detour=detour)
        self._reminder_log_attempt(now, result, batch)

    def _reminder_check_before_send(self):
        """What to write instead of sending when the order no longer needs it."""
        self.ensure_one()
        order = self.order_id
        if order.state == "cancel":
            return {"state": "cancelled"}
        if not order.awaiting_payment:
            return {"state": "skipped", "skip_reason": "paid"}
        if order._payment_reminder_has_payment_in_progress():
            return {"state": "skipped", "skip_reason": "payment_in_progress"}
        if order.partner_id.commercial_partner_id.payment_reminder_opt_out:
            return {"state": "skipped", "skip_reason": "opt_out"}
        return {}

    def _reminder_fail(self, error, now):
        """Mark the reminder failed; it is tried again later a few times."""
        self.ensure_one()
        retry_count = self.retry_count + 1
        values = {
            "state": "failed",
            "error_message": str(error) or type(error).__name__,
            "retry_count": retry_count,
        }
        if retry_count <= MAX_RETRIES:
            values["scheduled_at"] = now + RETRY_DELAY
        self.write(values)

    # --- sending: a payment crossing the reminder --- #

    @api.model
    def _reminder_flag_sent_after_payment(self, transactions):
        """Flag the reminders that went out while a payment of their orders was
        already under way: the check before sending could not see it yet.

        :param transactions: payment.transaction, those authorized or confirmed
            count
        :return: the reminders flagged
        """
        payments = transactions.filtered(
            lambda tx: tx.state in ("authorized", "done")
            and tx.operation != "refund"
            and tx.sale_order_ids
        )
        if not payments:
            return self.browse()
        reminders = self.search(
            [
                ("order_ids", "in", payments.sale_order_ids.ids),
                ("state", "=", "done"),
                ("sent_after_payment", "=", False),
            ]
        )
        payments_by_order = defaultdict(list)
        for payment in payments:
            for order in payment.sale_order_ids:
                payments_by_order[order].append(payment)
        crossed = reminders.filtered(
            lambda reminder: any(
                reminder._reminder_sent_during(payment)
                for order in reminder.order_ids
                for payment in payments_by_order[order]
            )
        )
        if crossed:
            crossed.sent_after_payment = True
            _logger.info(
                "Payment reminders %s went out after the customer started paying",
                crossed.ids,
            )
        return crossed

    def _reminder_sent_during(self, transaction):
        """Whether this reminder went out after ``transaction`` started, and not
        long after it was paid."""
        self.ensure_one()
        paid_at = transaction.payment_reminder_paid_at or transaction.last_state_change
        return transaction.create_date <= self.done_at <= paid_at + PAYMENT_RACE_WINDOW

    @api.model
    def _reminder_flag_recent_payments(self, now):
        """Look at the payments of the last hour again: a reminder whose batch
        was committed after the payment was recorded was not visible then."""
        payments = (
            self.env["payment.transaction"]
            .sudo()
            .search([("payment_reminder_paid_at", ">=", now - PAYMENT_RACE_LOOKBACK)])
        )
        return self.sudo()._reminder_flag_sent_after_payment(payments)

    # --- sending: channel, moment, script --- #

    def _reminder_candidate(self):
        """The reminder as the queue builder weighs customers."""
        self.ensure_one()
        return ReminderCandidate(
            self.customer_key, self.order_ids, self.step, self.order_id
        )

    @api.model
    def _reminder_candidate_for(self, order):
        """``order`` alone as the queue builder weighs customers."""
        return ReminderCandidate(order.reminder_customer_key, order, "manual", order)

    def _reminder_reachable_channel(self):
        """The channel to use now, and why it is not the planned one.

        A mobile number that turned out to be a landline or invalid cannot get
        an SMS: the next channel of the channel rules that reaches the customer
        is used instead.

        :return: (channel, explanation or "")
        """
        self.ensure_one()
        queue = self.env["payment.reminder.queue"]
        candidate = self._reminder_candidate()
        contact = self.order_id.partner_id
        if not self.channel:
            raise UserError(self.env._("No channel was chosen for this reminder."))
        if queue._reminder_channel_usable(candidate, self.channel):
            return self.channel, ""
        if self.channel != "sms":
            raise UserError(
                self.env._(
                    "%(customer)s cannot be reached by %(channel)s: the address or "
                    "number is missing or blacklisted.",
                    customer=contact.display_name,
                    channel=self._reminder_channel_label(self.channel),
                )
            )
        rules = self.env["payment.reminder.channel.rule"].search(
            [("company_id", "in", (False, self.company_id.id))]
        )
        channels = rules.filtered(lambda rule: rule.step in (False, self.step)).mapped(
            "channel"
        )
        number = contact.phone_sanitized or contact.mobile or contact.phone
        reason = (
            self.env._("no SMS: %(number)s is not a mobile number", number=number)
            if number
            else self.env._("no SMS: no mobile number")
        )
        for channel in dict.fromkeys(channels):
            if channel != "sms" and queue._reminder_channel_usable(candidate, channel):
                return channel, reason
        raise UserError(
            self.env._(
                "%(reason)s, and no other channel reaches the customer.", reason=reason
            )
        )

    def _reminder_next_allowed_moment(self, now):
        """``now``, or the end of the customer's quiet hours when ``now`` is in them."""
        self.ensure_one()
        company = self.company_id
        start = company.payment_reminder_quiet_start
        end = company.payment_reminder_quiet_end
        if start == end:
            return now
        tz = self.order_id._payment_reminder_tz()
        local = pytz.utc.localize(now).astimezone(tz)
        hour = local.hour + local.minute / 60 + local.second / 3600
        day = local.date()
        if start < end:
            quiet = start <= hour < end
        else:
            quiet = hour >= start or hour < end
            if hour >= start:
                day += timedelta(days=1)
        if not quiet:
            return now
        return self.env["payment.reminder.queue"]._reminder_utc(
            tz, day, float_to_time(end)
        )

    def _reminder_attempt_number(self):
        """The how-manyeth contact with this customer this reminder is."""
        self.ensure_one()
        return (
            self.search_count(
                [
                    ("company_id", "=", self.company_id.id),
                    ("customer_key", "=", self.customer_key),
                    ("state", "=", "done"),
                    ("id", "!=", self.id),
                ]
            )
            + 1
        )

    def _reminder_choose_script(self, batch=None):
        """The script of the first situation that has one for this order; the
        script an agent chose for a manual reminder wins."""
        self.ensure_one()
        if self.step == "manual" and self.script_id:
            return self.script_id
        batch = batch or ReminderSendBatch(self)
        order = self.order_id
        segment = batch.segments[order.id]
        scripts = self.env["payment.reminder.script"]
        for situation in self._reminder_situations(segment, batch):
            script = batch.scripts(situation, order.company_id)._best_for(
                segment, order
            )
            if script:
                return script
        return scripts

    def _reminder_situations(self, segment, batch=None):
        """The situations the reminder speaks to, the most fitting first.

        The last reminder says when the order closes; a customer whose payment
        failed needs help before anything else; returning customers get the
        warmer words; in cut-off mode, same-day dispatch is the argument; then
        an adjusted price, scarce stock, and the plain reminder last.
        """
        self.ensure_one()
        order = self.order_id
        situations = []
        if self.step == "final":
            situations.append("before_close")
        if order._payment_reminder_had_payment_problem():
            situations.append("payment_help")
        if segment in ("returning", "vip"):
            situations.append("returning")
        if self.company_id.payment_reminder_cutoff_mode:
            situations.append("before_dispatch")
        if order._payment_reminder_was_adjusted():
            situations.append("adjusted")
        tag = batch and batch.ref("payment_reminder.product_tag_limited_stock")
        if order._payment_reminder_has_limited_stock(tag):
            situations.append("low_stock")
        situations.append("placed")
        return situations

    # --- sending: one method per channel --- #

    def _reminder_senders(self, batch=None):
        """Channel -> method sending the reminder by it and returning the result."""
        return {
            "portal": self._reminder_send_portal,
            "email": self._reminder_send_email,
            "sms": self._reminder_send_sms,
            "phone": lambda now: self._reminder_send_phone(now, batch),
        }

    def _reminder_mail_template(self):
        self.ensure_one()
        template = self.mail_template_id or self.script_id.mail_template_id
        if not template:
            raise UserError(
                self.env._(
                    "No message template for this reminder (script: %(script)s).",
                    script=self.script_id.display_name or "-",
                )
            )
        return template

    def _reminder_post_script(self, **post_values):
        """Post the script's message on the order, addressed to the customer."""
        order = self.order_id
        order.message_post_with_source(
            self._reminder_mail_template(),
            subtype_xmlid="mail.mt_comment",
            partner_ids=order.partner_id.ids,
            **post_values,
        )

    def _reminder_send_portal(self, now):
        """A message on the order: the customer reads it in the portal and gets
        it by email."""
        self._reminder_post_script(message_type="comment")
        return self.env._("message posted")

    def _reminder_send_email(self, now):
        """An email, sent as core sale sends its order emails."""
        self._reminder_post_script(
            email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature"
        )
        return self.env._("email sent")

    def _reminder_send_sms(self, now):
        """An SMS to the customer's mobile; a refused SMS fails the reminder."""
        order = self.order_id
        contact = order.partner_id
        template = self.sms_template_id or self.script_id.sms_template_id
        if not template:
            raise UserError(
                self.env._(
                    "No SMS template for this reminder (script: %(script)s).",
                    script=self.script_id.display_name or "-",
                )
            )
        message = order._message_sms_with_template(
            template=template,
            partner_ids=contact.ids,
            sms_pid_to_number={contact.id: contact.payment_reminder_mobile},
        )
        failed = (
            self.env["sms.sms"]
            .sudo()
            .search(
                [("mail_message_id", "=", message.id), ("state", "=", "error")], limit=1
            )
        )
        if failed:
            failures = dict(
                failed._fields["failure_type"]._description_selection(self.env)
            )
            raise UserError(
                self.env._(
                    "The SMS could not be sent: %(error)s.",
                    error=failures.get(failed.failure_type, failed.failure_type),
                )
            )
        return self.env._("SMS sent")

    def _reminder_send_phone(self, now, batch=None):
        """A call for the agent, due in the next call window, the script as note."""
        if not batch:
            start, end = self._reminder_next_call_slot(now)
            return self._reminder_plan_call(start, end, now)
        company = self.company_id
        windows = batch.call_windows(company)
        start, end = batch.memo(
            ("call slot", company.id),
            lambda: self._reminder_next_call_slot(now, windows),
        )
        return self._reminder_plan_call(start, end, now, windows, batch)

    def _reminder_plan_call(self, start, end, now, windows=None, batch=None):
        """Schedule the call on the order from ``start`` to ``end`` (naive UTC;
        equal for a moment the customer chose), with the phone script as note.

        :return: the result for the chatter line
        """
        self.ensure_one()
        order = self.order_id
        company = self.company_id
        agent = self.user_id or order.user_id or self.env.user
        tz = pytz.timezone(company.payment_reminder_tz or "UTC")
        start_local = pytz.utc.localize(start).astimezone(tz)
        memo = batch.memo if batch else _no_memo
        when = memo(
            ("call when", company.id, start, end),
            lambda: self._reminder_call_when(start, end),
        )
        xmlid = "payment_reminder.mail_activity_type_call"
        call_type = (
            batch.ref(xmlid) if batch else self.env.ref(xmlid, raise_if_not_found=False)
        )
        if not call_type:
            raise UserError(
                self.env._(
                    "The activity type for payment reminder calls was deleted: "
                    "update the Payment Reminders module to restore it."
                )
            )
        values = {
            # As activity_schedule() makes them, with the reminder's link.
            "res_model_id": self.env["ir.model"]._get_id(order._name),
            "res_id": order.id,
            "automated": True,
            "activity_type_id": call_type.id,
            "date_deadline": start_local.date(),
            "summary": self.env._("Payment reminder call: %(when)s", when=when),
            "note": self._reminder_render_phone_script(agent, now, batch),
            "user_id": agent.id,
            "payment_reminder_id": self.id,
        }
        if batch:
            batch.calls.append((self, values))
        else:
            self.env["mail.activity"].create(values)
        self.call_window_id = memo(
            ("call window", company.id, start),
            lambda: self._reminder_call_window_at(start, windows),
        )
        return self.env._(
            "call planned for %(agent)s, %(when)s", agent=agent.name, when=when
        )

    def _reminder_create_calls(self, calls, now):
        """Create the calls ``[(reminder, mail.activity values)]`` a batch
        planned, together: one insert, one subscription per agent.

        Should one of them not be created, each is created on its own and the
        one that fails fails its reminder, which is tried again later.

        :return: the reminders whose call failed
        """
        failed = self.browse()
        if not calls:
            return failed
        Activity = self.env["mail.activity"]
        try:
            with self.env.cr.savepoint():
                Activity.create([values for _reminder, values in calls])
            return failed
        except Exception as error:  # pylint: disable=broad-except
            _logger.info("Payment reminder calls created one by one: %s", error)
        for reminder, values in calls:
            try:
                with self.env.cr.savepoint():
                    Activity.create(values)
            except Exception as error:  # pylint: disable=broad-except
                _logger.info("Payment reminder %s failed: %s", reminder.id, error)
                reminder.write({"done_at": False, "call_window_id": False})
                reminder._reminder_fail(error, now)
                failed |= reminder
        return failed

    def _reminder_call_when(self, start, end):
        """The call's moment as the agent reads it: "Wed 11 Nov, 16:00-17:00"."""
        self.ensure_one()
        tz = pytz.timezone(self.company_id.payment_reminder_tz or "UTC")
        start_local = pytz.utc.localize(start).astimezone(tz)
        end_local = pytz.utc.localize(end).astimezone(tz)
        day = format_datetime(self.env, start, tz=tz.zone, dt_format="EEE d MMM")
        if end > start:
            return self.env._(
                "%(day)s, %(start)s-%(end)s",
                day=day,
                start=start_local.strftime("%H:%M"),
                end=end_local.strftime("%H:%M"),
            )
        return self.env._(
            "%(day)s, %(start)s", day=day, start=start_local.strftime("%H:%M")
        )

    def _reminder_call_windows(self):
        self.ensure_one()
        return self.env["payment.reminder.window"]._get_windows(self.company_id, "call")

    def _reminder_call_window_at(self, moment, windows=None):
        """The call window ``moment`` (naive UTC) falls in, if any, among
        ``windows`` (the company's call windows by default)."""
        self.ensure_one()
        if windows is None:
            windows = self._reminder_call_windows()
        tz = pytz.timezone(self.company_id.payment_reminder_tz or "UTC")
        local = pytz.utc.localize(moment).astimezone(tz)
        hour = local.hour + local.minute / 60 + local.second / 3600
        return windows.filtered(
            lambda window: window.remind_from <= hour < window.remind_to
        )[:1]

    def _reminder_call_slot_after(self, now, tried=None, last=None):
        """The next call window starting after ``now`` (naive UTC).

        Seed 004: a customer who did not answer is called again in another
        time slot. Windows not ``tried`` yet come first, then any window but
        the ``last`` one, then any window.

        :return: (start, end)
        """
        self.ensure_one()
        company = self.company_id
        tz = pytz.timezone(company.payment_reminder_tz or "UTC")
        today = pytz.utc.localize(now).astimezone(tz).date()
        slots = [
            slot
            for slot in self._reminder_call_windows()._slots_between(today, 4, tz)
            if slot[0] > now
        ]
        tried = tried or self.env["payment.reminder.window"]
        for avoid in (tried, last or tried.browse(), tried.browse()):
            for start, end, window in slots:
                if window not in avoid:
                    return start, end
        return now, now

    def _reminder_next_call_slot(self, now, windows=None):
        """The rest of the current call window, else the next one (naive UTC),
        among ``windows`` (the company's call windows by default)."""
        self.ensure_one()
        company = self.company_id
        tz = pytz.timezone(company.payment_reminder_tz or "UTC")
        if windows is None:
            windows = self._reminder_call_windows()
        today = pytz.utc.localize(now).astimezone(tz).date()
        for start, end, _window in windows._slots_between(today, 3, tz):
            if end > now:
                return max(start, now), end
        return now, now

    def _reminder_render_phone_script(self, agent, now, batch=None):
        """The phone script of this reminder, in the agent's language."""
        self.ensure_one()
        reminder = self.with_context(lang=agent.lang or self.env.lang)
        return reminder.env["ir.qweb"]._render(
            "payment_reminder.phone_script",
            reminder._reminder_phone_script_values(now, batch),
        )

    def _reminder_previous_attempts(self, batch=None):
        """The customer's other reminders done, failed or skipped, oldest first."""
        self.ensure_one()
        states = ("done", "failed", "skipped")
        if batch:
            return batch.history(self).filtered(lambda other: other.state in states)
        return self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("customer_key", "=", self.customer_key),
                ("id", "!=", self.id),
                ("state", "in", states),
            ],
            order="scheduled_at, id",
        )

    def _reminder_phone_script_values(self, now, batch=None):
        self.ensure_one()
        order = self.order_id
        contact = order.partner_id
        number = contact.phone or contact.mobile
        address = order.partner_shipping_id or contact
        previous = self._reminder_previous_attempts(batch)
        discount = order._payment_reminder_discount()
        return {
            "reminder": self,
            "order": order,
            "customer": contact,
            "phone_display": contact._phone_format(
                number=number, force_format="INTERNATIONAL"
            )
            or number,
            "phone_link": contact._phone_format(number=number, force_format="RFC3966"),
            "address_lines": [
                line
                for line in address._display_address(without_company=True).splitlines()
                if line.strip()
            ],
            "lines": order._payment_reminder_product_lines(),
            "placed_at": order._payment_reminder_format_datetime(order.date_order),
            "day_part": order._payment_reminder_day_part(),
            "amount": order._payment_reminder_amount(),
            "discount": discount
            and format_amount(self.env, discount, order.currency_id),
            "time_left": order._payment_reminder_time_left(now),
            "close_at": order._payment_reminder_close_at(),
            "previous": [attempt._reminder_result_summary() for attempt in previous],
        }

    # --- sending: what the order's chatter keeps --- #

    def _reminder_channel_label(self, channel):
        return dict(self._fields["channel"]._description_selection(self.env)).get(
            channel, channel or ""
        )

    def _reminder_result_summary(self):
        """When, how and with what result this reminder went (or did not)."""
        self.ensure_one()
        states = dict(self._fields["state"]._description_selection(self.env))
        reasons = dict(self._fields["skip_reason"]._description_selection(self.env))
        result = states[self.state]
        detail = reasons.get(self.skip_reason) or self.error_message
        return {
            "when": format_datetime(
                self.env,
                self.done_at or self.scheduled_at,
                tz=self.company_id.payment_reminder_tz,
                dt_format="short",
            ),
            "channel": self._reminder_channel_label(self.channel),
            "result": self.env._("%(result)s: %(detail)s", result=result, detail=detail)
            if detail
            else result,
        }

    def _reminder_glance(self):
        """The reminder in one line for its order: when · channel · what it gave."""
        self.ensure_one()
        summary = self._reminder_result_summary()
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        parts = [
            summary["when"],
            summary["channel"],
            outcomes.get(self.outcome) or summary["result"],
            self.reason_id.name,
        ]
        return " · ".join(part for part in parts if part)

    def _reminder_log_attempt(self, now, result, batch=None):
        """Note the attempt on the order: date · agent · attempt · channel · result.

        :param batch: the ``ReminderSendBatch`` that writes the line with the
            others of the batch; without one, the line is written at once
        """
        self.ensure_one()
        tz = self.company_id.payment_reminder_tz
        date = (batch.memo if batch else _no_memo)(
            ("log date", tz, now),
            lambda: format_datetime(self.env, now, tz=tz, dt_format="short"),
        )
        body = self.env._(
            "%(date)s · %(agent)s · attempt %(attempt)s · %(channel)s · %(result)s",
            date=date,
            agent=self.user_id.name or self.env._("automatic"),
            attempt=self.attempt,
            channel=self._reminder_channel_label(self.channel),
            result=result,
        )
        if batch:
            batch.notes.append((self, self.order_id, body))
        else:
            self._reminder_log_notes([(self, self.order_id, body)])

    @api.model
    def _reminder_log_notes(self, notes):
        """Write the chatter lines ``[(reminder, order, body)]``, as few inserts
        as there are lines on one order."""
        # A log, not a post: nobody is notified nor subscribed for a note.
        rounds = []
        for _reminder, order, body in notes:
            bodies = next((b for b in rounds if order.id not in b), None)
            if bodies is None:
                bodies = {}
                rounds.append(bodies)
            bodies[order.id] = body
        for bodies in rounds:
            self.env["sale.order"].browse(bodies)._message_log_batch(bodies)
