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
        (the larger of a day's reminders, which cover the same orders), per
        currency. A customer giving two reasons the same day counts under both.

        :return: ``{"days": [{"date", "rows": [{"reason", "customers",
            "amounts"}], "customers"}], "reasons": [{"reason", "customers",
            "amounts"}], "customers", "amounts"}``, amounts ``[{"currency",
            "amount_unpaid"}]`` per currency
        """
        groups = self.env["payment.reminder"]._read_group(
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
