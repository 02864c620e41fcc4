# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""What the reminders won back: results, recovery, the sheets and the daily email.

The model is ``payment.reminder`` (``payment_reminder.py``); this part holds
the attribution rule (which reminder a payment is credited to) and the figures
of the detail, summary and reasons sheets.
"""

from datetime import timedelta

from odoo import Command, api, fields, models
from odoo.tools import SQL, format_date

from .payment_reminder import (
    CONTROL_DOMAIN,
    REMINDED_DOMAIN,
    RESULTS,
)


class PaymentReminder(models.Model):
    _inherit = "payment.reminder"

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
