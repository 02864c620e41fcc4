# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date, timedelta

from freezegun import freeze_time
from lxml import etree

from odoo.tests import tagged

from .common import PaymentReminderResultsCommon, shop_time

PLACED = shop_time(2026, 11, 10, 9, 0)
REMINDED = shop_time(2026, 11, 10, 10, 0)


@tagged("post_install", "-at_install")
class TestOneCurrency(PaymentReminderResultsCommon):
    """Item 5: money in the company currency, at the order date's rate."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.usd = cls.company.currency_id
        # 1 USD = 0.5 EUR until 11 November, then 0.25 EUR.
        for day, rate in (("2026-01-01", 0.5), ("2026-11-11", 0.25)):
            cls.env["res.currency.rate"].create(
                {
                    "name": day,
                    "rate": rate,
                    "currency_id": cls.currency_euro.id,
                    "company_id": cls.company.id,
                }
            )

    def eur_order(self, partner, placed, amount):
        """An order of ``amount`` EUR placed at ``placed``."""
        order = self._order(partner, placed, pricelist_id=self.pricelist_eur.id)
        order.order_line.price_unit = amount
        return order

    def pay(self, order, at):
        with freeze_time(at):
            return self._pay(order)

    def test_unpaid_amount_at_the_order_date_rate(self):
        order = self.eur_order(self.customer, PLACED, 200.0)
        # Queued two days later, when the rate is 0.25: the order date's counts.
        [reminder] = self.build(PLACED + timedelta(days=2))
        self.assertEqual(reminder.currency_id, self.currency_euro)
        self.assertEqual(reminder.amount_unpaid, 200.0)
        self.assertEqual(reminder.amount_unpaid_company, 400.0)
        self.assertEqual(reminder.company_currency_id, self.usd)
        self.assertEqual(order._payment_reminder_company_amount(200.0), 400.0)

    def test_two_currencies_never_more_than_100_percent(self):
        usd_order = self._order(self.customer, PLACED)
        eur_order = self.eur_order(self.customer, PLACED + timedelta(minutes=5), 100.0)
        [reminder] = self.build(REMINDED)
        reminder.write({"state": "done", "done_at": REMINDED})
        # The reminder is in EUR, about the latest order; the USD order is
        # listed apart: 100 EUR unpaid, $100 other. In USD: $100 + $200.
        self.assertEqual(reminder.amount_unpaid, 100.0)
        self.assertEqual(reminder.amount_unpaid_other, self.usd.format(100.0))
        self.assertEqual(reminder.amount_unpaid_company, 300.0)
        self.pay(usd_order, REMINDED + timedelta(hours=1))
        self.pay(eur_order, REMINDED + timedelta(hours=2))
        # In the reminder's currency, more was recovered than it says unpaid.
        self.assertGreater(reminder.amount_recovered, reminder.amount_unpaid)
        self.assertEqual(reminder.amount_recovered_company, 300.0)
        self.assertEqual(reminder.success_rate, 100.0)

    def test_recovered_never_exceeds_unpaid(self):
        order = self._order(self.customer, PLACED)
        reminder = self._reminder(order, REMINDED)
        # Paid more than the order (a tip, a rounding): still 100 %.
        with freeze_time(REMINDED + timedelta(hours=1)):
            self._pay(order, amount=130.0)
        self.assertEqual(reminder.amount_recovered, 130.0)
        self.assertEqual(reminder.amount_recovered_company, 100.0)
        self.assertEqual(reminder.success_rate, 100.0)

    def test_pivots_and_dashboard_sum_the_company_currency_only(self):
        usd_reminder = self._reminder(self._order(self.customer, PLACED), REMINDED)
        eur_order = self.eur_order(self.returning_customer, PLACED, 100.0)
        eur_reminder = self._reminder(eur_order, REMINDED)
        self.pay(eur_order, REMINDED + timedelta(hours=1))
        reminders = usd_reminder | eur_reminder
        [group] = self.Reminder.read_group(
            [("id", "in", reminders.ids)],
            [
                "amount_unpaid_company:sum",
                "amount_recovered_company:sum",
                "success_rate:sum",
            ],
            [],
        )
        # $100 + 100 EUR ($200): $300, of which $200 recovered.
        self.assertEqual(group["amount_unpaid_company"], 300.0)
        self.assertEqual(group["amount_recovered_company"], 200.0)
        self.assertAlmostEqual(group["success_rate"], 200.0 / 3)
        # Amounts in the reminders' own currencies are not summed any more.
        for name in ("amount_unpaid", "amount_recovered"):
            self.assertFalse(self.Reminder._fields[name].aggregator)
        for xmlid in (
            "payment_reminder.payment_reminder_view_pivot",
            "payment_reminder.payment_reminder_view_pivot_dashboard",
            "payment_reminder.payment_reminder_view_graph",
        ):
            arch = etree.fromstring(self.env.ref(xmlid).arch)
            measures = {
                node.get("name") for node in arch.iterfind(".//field[@type='measure']")
            }
            with self.subTest(view=xmlid):
                self.assertFalse(measures & {"amount_unpaid", "amount_recovered"})

    def test_period_totals_count_each_customer_once(self):
        order = self._order(self.customer, PLACED, qty=3)
        self._reminder(order, REMINDED, self.env.user)
        self._reminder(order, REMINDED + timedelta(days=1), self.env.user, step="final")
        self.pay(order, REMINDED + timedelta(days=1, hours=1))
        domain = self.env[
            "report.payment_reminder.report_detail_sheet"
        ]._get_sheet_domain(date(2026, 11, 10), date(2026, 11, 11))
        summary = self.env[
            "report.payment_reminder.report_summary_sheet"
        ]._get_sheet_lines(domain)
        # A line a day, each with the customer's $300 ...
        self.assertEqual(
            [row["amounts"][0]["amount_unpaid"] for row in summary["rows"]],
            [300.0, 300.0],
        )
        # ... but the period counts them once.
        totals = summary["totals"]
        self.assertEqual(totals["customers"], 1)
        self.assertEqual(totals["customers_paid"], 1)
        [amount] = totals["amounts"]
        self.assertEqual(
            (amount["amount_unpaid"], amount["amount_recovered"], amount["rate"]),
            (300.0, 300.0, 100.0),
        )
        detail = self.env[
            "report.payment_reminder.report_detail_sheet"
        ]._get_sheet_lines(domain)
        [amount] = detail["totals"]
        self.assertEqual(amount["amount_unpaid"], 300.0)
