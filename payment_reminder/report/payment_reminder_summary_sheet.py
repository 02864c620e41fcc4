# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models

from ..const import MIN_ARM_SIZE, REMINDED_DOMAIN, Z_95
from ..utils import difference_interval


class ReportPaymentReminderSummarySheet(models.AbstractModel):
    _name = "report.payment_reminder.report_summary_sheet"
    _inherit = "report.payment_reminder.report_detail_sheet"
    _description = "Payment reminder summary sheet"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = super()._get_report_values(docids, data)
        values["min_arm_size"] = MIN_ARM_SIZE
        return values

    @api.model
    def _get_sheet_lines(self, domain):
        """The summary sheet: per day and agent, customers and money won back.

        One customer key is one customer. Amounts are in the company currency
        (each order converted at its order date's rate). The success rate is
        the sum recovered over the sum unpaid, never an average of ratios. The
        period's totals count each customer (and their unpaid amount) once per
        unpaid-order cycle. With a control group in the period, ``lift``
        compares the two arms.

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
        totals = self._sheet_rollup(self._sheet_once_per_period(entries))
        lift = self._sheet_arms(domain)
        return {
            "rows": summary_rows,
            "totals": totals,
            "lift": lift,
            "costs": self._sheet_cost_lines(domain, lift),
        }

    @api.model
    def _sheet_customer_entries(self, domain):
        """Figures per shop day, agent, customer and cycle, from the database."""
        return [
            {
                "date": day,
                "user": user,
                "customer_key": key,
                "currency": company.currency_id,
                "once_key": ("cycle", cycle.id)
                if cycle
                else ("customer", company.id, key),
                "amount_unpaid": unpaid,
                "amount_recovered": recovered,
            }
            for day, user, key, company, cycle, unpaid, recovered in self.env[
                "payment.reminder"
            ]._read_group(
                domain,
                [
                    "queue_date:day",
                    "user_id",
                    "customer_key",
                    "company_id",
                    "cycle_id",
                ],
                ["amount_unpaid_company:max", "amount_recovered_company:sum"],
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
    def _sheet_once_per_period(self, lines):
        # A customer is one customer over the period, once per cycle.
        merged = super()._sheet_once_per_period(lines)
        for entry in merged:
            entry["date"] = None
        return merged

    # === THE CONTROL GROUP: INTENT TO TREAT === #

    @api.model
    def _sheet_arms(self, domain):
        """Reminded and control group compared on what was assigned.

        Every customer cycle with a queued reminder in the period counts in
        the arm drawn for it (``payment.reminder.cycle``), whether its
        reminders went out, failed, waited or the customer paid first. Paid
        means a payment of the cycle's orders inside the same window for both
        arms (``_cycle_window``). A cycle's channel and agent are those of its
        first queued reminder in the period (the channel the control group
        would have had).

        :return: False without a control group; else ``{"reminded",
            "control"}`` (customers, paid, rate, recovered) and the lift
            (``_sheet_lift``) overall, ``"channels"`` and ``"agents"``
        """
        reminders = self.env["payment.reminder"].search_fetch(
            domain + [("step", "in", ("first", "final")), ("cycle_id", "!=", False)],
            ["cycle_id", "channel", "user_id", "arm"],
            order="scheduled_at, id",
        )
        first = {}
        for reminder in reminders:
            first.setdefault(reminder.cycle_id, reminder)
        if not any(reminder.arm == "control" for reminder in first.values()):
            return False
        cycles = self.env["payment.reminder.cycle"].browse(
            [cycle.id for cycle in first]
        )
        results = cycles._cycle_results()
        entries = [
            {
                "arm": cycle.arm,
                "channel": reminder.channel,
                "user": reminder.user_id,
                "currency": cycle.company_id.currency_id,
                **results[cycle],
            }
            for cycle, reminder in first.items()
        ]
        channels = dict(
            self.env["payment.reminder"]
            ._fields["channel"]
            ._description_selection(self.env)
        )
        return {
            "reminded": self._sheet_arm(entries, "remind"),
            "control": self._sheet_arm(entries, "control"),
            **self._sheet_lift(entries),
            "channels": self._sheet_lift_by(
                entries, "channel", lambda channel: channels.get(channel, channel)
            ),
            "agents": self._sheet_lift_by(
                entries,
                "user",
                lambda user: user.name or self.env._("Unassigned"),
            ),
        }

    @api.model
    def _sheet_arm(self, entries, arm):
        """Customers, customers who paid, paid rate and recovered amount (per
        company currency) of one arm."""
        mine = [entry for entry in entries if entry["arm"] == arm]
        paid = [entry for entry in mine if entry["paid"]]
        recovered = {}
        for entry in paid:
            recovered[entry["currency"]] = (
                recovered.get(entry["currency"], 0.0) + entry["amount"]
            )
        return {
            "customers": len(mine),
            "customers_paid": len(paid),
            "paid_rate": 100.0 * len(paid) / len(mine) if mine else 0.0,
            "amounts": [
                {"currency": currency, "amount_recovered": amount}
                for currency, amount in sorted(
                    recovered.items(), key=lambda item: item[0].name
                )
            ],
        }

    @api.model
    def _sheet_lift(self, entries):
        """The lift of ``entries``: paid rate reminded minus control, in
        percentage points, with its 95 % confidence interval (normal
        approximation of the difference of two proportions, Wald) when each
        arm has at least ``MIN_ARM_SIZE`` customers.

        :return: ``{"points", "low", "high", "enough", "sizes"}``; ``points``
            None when an arm is empty, ``low``/``high`` None when too few
        """
        sizes, paid = {}, {}
        for arm in ("remind", "control"):
            mine = [entry for entry in entries if entry["arm"] == arm]
            sizes[arm] = len(mine)
            paid[arm] = sum(1 for entry in mine if entry["paid"])
        interval = difference_interval(
            paid["remind"], sizes["remind"], paid["control"], sizes["control"], Z_95
        )
        enough = min(sizes.values()) >= MIN_ARM_SIZE
        points = low = high = None
        if interval:
            points = 100.0 * interval[0]
            if enough:
                low, high = 100.0 * interval[1], 100.0 * interval[2]
        return {
            "points": points,
            "low": low,
            "high": high,
            "enough": enough,
            "sizes": sizes,
            "paid": paid,
        }

    @api.model
    def _sheet_lift_by(self, entries, field, label):
        """The lift per value of ``field`` (channel, agent), by ``label``."""
        groups = {}
        for entry in entries:
            groups.setdefault(entry[field], []).append(entry)
        lines = [
            {"label": label(value), **self._sheet_lift(group)}
            for value, group in groups.items()
        ]
        return sorted(lines, key=lambda line: line["label"] or "")

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

        From the arms compared by intent to treat (``_sheet_arms``): the amount
        recovered per customer of the reminded arm minus the control arm's,
        times the reminded arm's customers, in the company currency, over the
        total cost. Only for one company currency, and when something was spent.

        :return: ``{"currency", "extra", "per_cost"}`` or False
        """
        if not lift or len(totals) != 1:
            return False
        total = totals[0]
        currency = total["currency"]

        def per_customer(arm):
            customers = lift[arm]["customers"]
            recovered = sum(
                amount["amount_recovered"]
                for amount in lift[arm]["amounts"]
                if amount["currency"] == currency
            )
            return recovered / customers if customers else None

        reminded, control = per_customer("reminded"), per_customer("control")
        if reminded is None or control is None:
            return False
        extra = (reminded - control) * lift["reminded"]["customers"]
        return {
            "currency": currency,
            "extra": extra,
            "per_cost": extra / total["cost"]
            if not currency.is_zero(total["cost"])
            else False,
        }
