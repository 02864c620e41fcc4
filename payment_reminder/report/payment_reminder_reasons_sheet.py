# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..const import REMINDED_DOMAIN


class ReportPaymentReminderReasonsSheet(models.AbstractModel):
    _name = "report.payment_reminder.report_reasons_sheet"
    _inherit = "report.payment_reminder.report_detail_sheet"
    _description = "Payment reminder reasons sheet"

    @api.model
    def _get_sheet_lines(self, domain):
        """The reasons sheet: why customers did not pay, per shop day and reason.

        Counts the customers reminded whose reason for not paying was logged:
        one customer key is one customer per day, the unpaid amount is theirs
        (the larger of a day's reminders, which cover the same orders), in the
        company currency. A customer giving two reasons counts under both; the
        period's totals count each customer and their unpaid amount once per
        unpaid-order cycle.

        :return: ``{"days": [{"date", "rows": [{"reason", "customers",
            "amounts"}], "customers"}], "reasons": [{"reason", "customers",
            "amounts"}], "customers", "amounts"}``, amounts ``[{"currency",
            "amount_unpaid"}]`` per currency
        """
        groups = self.env["payment.reminder"]._read_group(
            domain + REMINDED_DOMAIN + [("reason_id", "!=", False)],
            ["queue_date:day", "reason_id", "customer_key", "company_id", "cycle_id"],
            ["amount_unpaid_company:max"],
        )
        cells = {}
        # Over the period, one unpaid amount per customer and cycle: per
        # reason, and for the total whatever the reasons they gave.
        per_reason, overall = {}, {}
        for day, reason, key, company, cycle, unpaid in groups:
            currency = company.currency_id
            cell = cells.setdefault((day, reason), {"keys": {}, "amounts": {}})
            once = (currency, ("cycle", cycle.id) if cycle else ("customer", key))
            cell["keys"][once] = max(cell["keys"].get(once, 0.0), unpaid)
            for bucket in (per_reason.setdefault(reason, {}), overall):
                bucket[once] = max(bucket.get(once, 0.0), unpaid)
        for cell in cells.values():
            for (currency, _once), unpaid in cell["keys"].items():
                cell["amounts"][currency] = cell["amounts"].get(currency, 0.0) + unpaid

        def amounts_of(bucket):
            amounts = {}
            for (currency, _once), unpaid in bucket.items():
                amounts[currency] = amounts.get(currency, 0.0) + unpaid
            return amounts

        def customers_of(bucket):
            return len({once for _currency, once in bucket})

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
        for (day, reason), cell in cells.items():
            days.setdefault(day, []).append(
                row(reason, {once for _c, once in cell["keys"]}, cell["amounts"])
            )
        sheet_days = []
        for day, rows in sorted(days.items()):
            rows.sort(key=lambda line: reason_order(line["reason"]))
            sheet_days.append(
                {
                    "date": day,
                    "rows": rows,
                    "customers": len(
                        {
                            once
                            for (cell_day, _reason), cell in cells.items()
                            if cell_day == day
                            for _currency, once in cell["keys"]
                        }
                    ),
                }
            )
        reasons = []
        for reason in sorted(per_reason, key=reason_order):
            line = row(reason, (), amounts_of(per_reason[reason]))
            line["customers"] = customers_of(per_reason[reason])
            reasons.append(line)
        return {
            "days": sheet_days,
            "reasons": reasons,
            "customers": customers_of(overall),
            "amounts": row(None, (), amounts_of(overall))["amounts"],
        }
