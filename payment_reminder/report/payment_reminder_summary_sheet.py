# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..const import CONTROL_DOMAIN, REMINDED_DOMAIN


class ReportPaymentReminderSummarySheet(models.AbstractModel):
    _name = "report.payment_reminder.report_summary_sheet"
    _inherit = "report.payment_reminder.report_detail_sheet"
    _description = "Payment reminder summary sheet"

    @api.model
    def _get_sheet_lines(self, domain):
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
            for day, user, key, currency, unpaid, recovered in self.env[
                "payment.reminder"
            ]._read_group(
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
