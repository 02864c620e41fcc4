# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_reports import REMINDED, ReminderDayCommon


@tagged("post_install", "-at_install")
class TestCosts(ReminderDayCommon):
    """What reminding cost and won back, on the sheets' hand-worked day.

    Prices (company currency, USD): SMS 0.05 a segment, call 1.50, e-mail
    0.02, portal message 0. EUR at 0.8 for 1 USD on the day of the payments.

    ======== ======= ======= ======== ====== ========================
    customer agent   channel segments cost   recovered (USD)
    ======== ======= ======= ======== ====== ========================
    Chen     Zhou    SMS     2        0.10   300
    Deng     Zhou    phone            1.50   100
    Feng     Qian    SMS     1        0.05   0
    Gao      Qian    e-mail           0.02   125 (100 EUR / 0.8)
    Han      Qian    portal           0.00   0
    ======== ======= ======= ======== ====== ========================

    Per channel and agent, recovered per unit of cost: e-mail (Qian) 125 /
    0.02 = 6,250; phone (Zhou) 100 / 1.50 = 66.67; portal (Qian) nothing
    spent; SMS (Qian) 0 / 0.05 = 0; SMS (Zhou) 300 / 0.10 = 3,000. In all 5
    reminders, 3 segments, 1.67 spent, 525 recovered: 314.37 per unit of cost.

    The arms by intent to treat (the sheets' day): 6 customers assigned to be
    reminded won back 525 USD, 87.50 a customer; the 2 held out paid 400 USD,
    200 a customer. Beyond the control group, reminding shows (87.50 - 200) x
    6 = -675 USD, -404.19 per unit of cost: on this day the customers held out
    paid better.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.write(
            {
                "payment_reminder_cost_sms": 0.05,
                "payment_reminder_cost_phone": 1.50,
                "payment_reminder_cost_email": 0.02,
                "payment_reminder_cost_portal": 0.0,
            }
        )
        cls.env["res.currency.rate"].create(
            {
                "currency_id": cls.currency_euro.id,
                "company_id": cls.company.id,
                "name": REMINDED.date(),
                "rate": 0.8,
            }
        )
        by_name = {r.partner_id.name: r for r in cls.reminders}
        for name, channel, segments in (
            ("Chen", "sms", 2),
            ("Deng", "phone", 0),
            ("Feng", "sms", 1),
            ("Gao", "email", 0),
            ("Han", "portal", 0),
        ):
            by_name[name].write({"channel": channel, "sms_segments": segments})
        # The day's payments came in before the rate above existed: convert
        # them again, as they would have been with it.
        Reminder = cls.env["payment.reminder"]
        cls.env.add_to_compute(
            Reminder._fields["amount_recovered_company"], cls.reminders
        )
        cls.by_name = by_name

    def test_each_reminder_costs_the_price_of_its_channel(self):
        self.assertEqual(
            {name: r.cost for name, r in self.by_name.items()},
            {"Chen": 0.10, "Deng": 1.50, "Feng": 0.05, "Gao": 0.02, "Han": 0.0},
        )
        self.assertEqual(self.by_name["Gao"].amount_recovered, 100.0)
        self.assertEqual(self.by_name["Gao"].amount_recovered_company, 125.0)
        self.assertEqual(self.by_name["Chen"].return_on_cost, 3000.0)
        # Held out or planned: nothing was spent.
        self.assertEqual(set(self.control.mapped("cost")), {0.0})
        self.assertEqual(self.planned.cost, 0.0)

    def test_a_later_price_does_not_rewrite_what_was_spent(self):
        self.company.payment_reminder_cost_sms = 1.0
        self.assertEqual(self.by_name["Chen"].cost, 0.10)
        later = self._reminder(
            self.by_name["Chen"].order_ids,
            REMINDED + timedelta(hours=1),
            self.agent_zhou,
            step="final",
            channel="sms",
            sms_segments=3,
        )
        self.assertEqual(later.cost, 3.0)

    def test_summary_sheet_per_channel_and_agent(self):
        costs = self.sheet("summary")._get_sheet_lines(self.day_domain())["costs"]
        rows = [
            (
                row["channel"],
                row["user"].name,
                row["reminders"],
                row["segments"] or 0,
                round(row["cost"], 2),
                round(row["recovered"], 2),
                row["per_cost"]
                if row["per_cost"] is False
                else round(row["per_cost"], 2),
            )
            for row in costs["rows"]
        ]
        self.assertEqual(
            rows,
            [
                ("email", "Qian Yu", 1, 0, 0.02, 125.0, 6250.0),
                ("phone", "Zhou Min", 1, 0, 1.5, 100.0, 66.67),
                ("portal", "Qian Yu", 1, 0, 0.0, 0.0, False),
                ("sms", "Qian Yu", 1, 1, 0.05, 0.0, 0.0),
                ("sms", "Zhou Min", 1, 2, 0.1, 300.0, 3000.0),
            ],
        )
        [total] = costs["totals"]
        self.assertEqual(total["currency"], self.usd)
        self.assertEqual((total["reminders"], total["segments"]), (5, 3))
        self.assertAlmostEqual(total["cost"], 1.67)
        self.assertAlmostEqual(total["recovered"], 525.0)
        self.assertAlmostEqual(total["per_cost"], 525 / 1.67)
        extra = costs["extra"]
        self.assertAlmostEqual(extra["extra"], (525 / 6 - 400 / 2) * 6)
        self.assertAlmostEqual(extra["per_cost"], -675 / 1.67)

    def test_pivot_ratio_is_sum_over_sum(self):
        groups = self.env["payment.reminder"]._read_group(
            self.day_domain() + [("state", "=", "done")],
            ["channel"],
            [
                "__count",
                "cost:sum",
                "amount_recovered_company:sum",
                "return_on_cost:sum",
            ],
        )
        sms = next(group for group in groups if group[0] == "sms")
        # 300 / 0.15, not 3,000 + 0 (the sum of the reminders' own ratios).
        self.assertEqual(sms[1:3], (2, 0.15))
        self.assertAlmostEqual(sms[4], 2000.0)

    def test_sheet_prints_the_costs(self):
        day = {"date_from": "2026-11-10", "date_to": "2026-11-10"}
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "payment_reminder.action_report_summary_sheet", None, data=day
            )[0]
            .decode()
        )
        self.assertIn("Cost and return per channel and agent", html)
        self.assertIn("314.37", html)
        self.assertIn("6250.00", html)
        self.assertIn("Extra recovered per unit of cost", html)
        self.assertIn("-404.19", html)

    def test_no_extra_figure_without_control_group(self):
        self.control.unlink()
        costs = self.sheet("summary")._get_sheet_lines(self.day_domain())["costs"]
        self.assertFalse(costs["extra"])
        self.assertEqual(len(costs["rows"]), 5)

    def test_prices_and_budget_cannot_be_negative(self):
        for name in (
            "payment_reminder_cost_sms",
            "payment_reminder_cost_phone",
            "payment_reminder_sms_daily_limit",
        ):
            with self.subTest(name=name), self.assertRaises(ValidationError):
                self.company[name] = -1
