# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The detail sheet, and what every sheet shares: the period, the agents, the
company, and the reminders it covers. Each sheet computes its own figures in
``_get_sheet_lines``."""

from odoo import api, fields, models

from ..const import REMINDED_DOMAIN


class ReportPaymentReminderDetailSheet(models.AbstractModel):
    _name = "report.payment_reminder.report_detail_sheet"
    _description = "Payment reminder detail sheet"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = self._get_sheet_values(docids, data)
        values["sheet"] = self._get_sheet_lines(values["domain"])
        return values

    @api.model
    def _get_sheet_values(self, docids, data):
        """What both sheets print: the period, agents, company and the domain.

        From the wizard or the daily email, ``data`` holds the period, agents
        and company; printed from the list, ``docids`` is the selection.
        """
        data = data or {}
        Reminder = self.env["payment.reminder"]
        date_from = data.get("date_from") and fields.Date.to_date(data["date_from"])
        date_to = data.get("date_to") and fields.Date.to_date(data["date_to"])
        users = self.env["res.users"].browse(data.get("user_ids") or [])
        selection = Reminder.browse(docids or data.get("reminder_ids") or [])
        domain = self._get_sheet_domain(date_from, date_to, users, selection)
        if data.get("company_id"):
            company = self.env["res.company"].browse(data["company_id"])
            domain.append(("company_id", "=", company.id))
        else:
            company = selection.company_id[:1] or self.env.company
        return {
            "doc_ids": selection.ids,
            "doc_model": "payment.reminder",
            "docs": selection,
            "company": company,
            "domain": domain,
            "date_from": date_from,
            "date_to": date_to,
            "agents": users,
            "tz": company.payment_reminder_tz or "UTC",
        }

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
    def _get_sheet_lines(self, domain):
        """The detail sheet: one line per customer reminded and day, by day.

        Amounts are in the company currency, every order converted at its
        order date's rate; the line shows the original amount when it was in
        another currency. A customer reminded twice on a day (first and final
        step) is one line: the unpaid amount is the larger of the two (they
        cover the same orders), the recovered amount their sum (a payment is
        credited once). The period's totals count each customer's unpaid
        amount once (per unpaid-order cycle), whatever the days it spans.

        :return: ``{"days": [{"date", "lines", "totals"}], "totals"}``, totals
            per company currency with the success rate (sum recovered / sum
            unpaid)
        """
        Reminder = self.env["payment.reminder"]
        groups = Reminder._read_group(
            domain + REMINDED_DOMAIN,
            ["queue_date:day", "customer_key", "company_id"],
            [
                "amount_unpaid_company:max",
                "amount_recovered_company:sum",
                "paid_at:max",
                "id:recordset",
            ],
        )
        self._sheet_prefetch(groups)
        results = dict(Reminder._fields["result"]._description_selection(self.env))
        days = {}
        for day, key, company, unpaid, recovered, paid_at, reminders in groups:
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
                    "currency": company.currency_id,
                    "amount_unpaid": unpaid,
                    "original": self._sheet_original_amount(last),
                    "result": last.result,
                    "result_label": results.get(last.result, ""),
                    "paid": any(reminders.mapped("is_recovered")),
                    "paid_at": paid_at,
                    "amount_recovered": recovered,
                    "once_key": self._sheet_once_key(last),
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
        return {
            "days": sheet_days,
            "totals": self._sheet_totals(self._sheet_once_per_period(all_lines)),
        }

    @api.model
    def _sheet_original_amount(self, reminder):
        """What the customer owes in the currencies they ordered in, as text,
        when that is not only the company currency; else False."""
        if reminder.currency_id == reminder.company_id.currency_id and not (
            reminder.amount_unpaid_other
        ):
            return False
        return ", ".join(
            filter(
                None,
                [
                    reminder.currency_id.format(reminder.amount_unpaid),
                    reminder.amount_unpaid_other,
                ],
            )
        )

    @api.model
    def _sheet_once_key(self, reminder):
        """What one unpaid amount belongs to: the customer's unpaid-order
        cycle, else (a reminder queued before cycles) the customer."""
        if reminder.cycle_id:
            return ("cycle", reminder.cycle_id.id)
        return ("customer", reminder.company_id.id, reminder.customer_key)

    @api.model
    def _sheet_once_per_period(self, lines):
        """``lines`` merged into one per customer and cycle: the largest
        unpaid amount, the recovered amounts summed (each payment is credited
        to one reminder). Period totals count each unpaid amount once."""
        merged = {}
        for line in lines:
            key = (line["currency"], line["once_key"])
            if key not in merged:
                merged[key] = dict(line)
                continue
            entry = merged[key]
            entry["amount_unpaid"] = max(entry["amount_unpaid"], line["amount_unpaid"])
            entry["amount_recovered"] += line["amount_recovered"]
        return list(merged.values())

    @api.model
    def _sheet_prefetch(self, groups):
        """Read the lines' reminders, customers and orders at once.

        Each group's reminders come as their own recordset: read line by line,
        a day of thousands of customers costs queries by the thousand.
        """
        reminders = self.env["payment.reminder"].browse(
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
                "company_id",
                "currency_id",
                "amount_unpaid",
                "amount_unpaid_other",
                "cycle_id",
            ]
        )
        reminders.partner_id.fetch(["name"])
        (reminders.order_ids | reminders.order_id).sudo().fetch(["date_order"])

    @api.model
    def _sheet_totals(self, lines):
        """Unpaid, recovered and success rate (sum over sum) per company
        currency: one, unless the sheet spans companies in several."""
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
