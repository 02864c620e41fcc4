# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

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
            "paid_rate", "amounts"}], "totals", "lift", "costs"}`` (``costs``:
            see ``_sheet_cost_lines``)
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
        return {
            "rows": summary_rows,
            "totals": totals,
            "lift": lift,
            "costs": self._sheet_cost_lines(domain, lift),
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

    # === COSTS === #

    @api.model
    def _sheet_cost_lines(self, domain, lift=False):
        """Per channel and agent: reminders done, SMS segments, cost, what they
        won back in the company's currency and that per unit of cost (a sum
        over a sum); with a control group, the extra recovered per unit of cost.

        :return: ``{"rows": [{"channel", "channel_label", "user", "currency",
            "reminders", "segments", "cost", "recovered", "per_cost"}],
            "totals": [the same per currency], "extra": see
            ``_sheet_extra_per_cost``}``
        """
        Reminder = self.env["payment.reminder"]
        channels = dict(Reminder._fields["channel"]._description_selection(self.env))
        rows, totals = [], {}
        for (
            company,
            channel,
            user,
            count,
            segments,
            cost,
            recovered,
        ) in Reminder._read_group(
            domain + REMINDED_DOMAIN,
            ["company_id", "channel", "user_id"],
            [
                "__count",
                "sms_segments:sum",
                "cost:sum",
                "amount_recovered_company:sum",
            ],
        ):
            currency = company.currency_id
            rows.append(
                {
                    "channel": channel,
                    "channel_label": channels.get(channel, ""),
                    "user": user,
                    "currency": currency,
                    "reminders": count,
                    "segments": segments,
                    "cost": cost,
                    "recovered": recovered,
                }
            )
            total = totals.setdefault(
                currency,
                {
                    "company": company,
                    "currency": currency,
                    "reminders": 0,
                    "segments": 0,
                    "cost": 0.0,
                    "recovered": 0.0,
                },
            )
            for name in ("reminders", "segments", "cost", "recovered"):
                total[name] += rows[-1][name]
        totals = sorted(totals.values(), key=lambda total: total["currency"].name)
        for line in rows + totals:
            line["per_cost"] = (
                line["recovered"] / line["cost"]
                if not line["currency"].is_zero(line["cost"])
                else False
            )
        rows.sort(key=lambda row: (row["channel_label"], row["user"].name or ""))
        return {
            "rows": rows,
            "totals": totals,
            "extra": self._sheet_extra_per_cost(lift, totals),
        }

    @api.model
    def _sheet_extra_per_cost(self, lift, totals):
        """What reminding won back beyond what the control group shows would
        have been paid anyway, per unit of cost.

        From the lift figures as they are: per currency, (success rate of the
        reminded - success rate of the control group) x the unpaid total of the
        reminded, converted to the company's currency at today's rate, over the
        total cost. Only for one company currency, and when something was spent.

        :return: ``{"currency", "extra", "per_cost"}`` or False
        """
        if not lift or len(totals) != 1:
            return False
        total = totals[0]
        company_currency = total["currency"]
        company = total["company"]
        control_rates = {
            amount["currency"]: amount["rate"] for amount in lift["control"]["amounts"]
        }
        extra = 0.0
        for amount in lift["reminded"]["amounts"]:
            currency = amount["currency"]
            if currency not in control_rates:
                continue
            gain = (
                (amount["rate"] - control_rates[currency])
                / 100.0
                * amount["amount_unpaid"]
            )
            extra += currency._convert(
                gain, company_currency, company, fields.Date.context_today(self)
            )
        return {
            "currency": company_currency,
            "extra": extra,
            "per_cost": extra / total["cost"]
            if not company_currency.is_zero(total["cost"])
            else False,
        }
