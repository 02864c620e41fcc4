# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import re
from datetime import date, timedelta

from freezegun import freeze_time
from PyPDF2 import PdfReader

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PaymentReminderResultsCommon, shop_time

DAY = date(2026, 11, 10)
PLACED = shop_time(2026, 11, 10, 9, 0)
REMINDED = shop_time(2026, 11, 10, 10, 0)
AFTER_DEADLINE = PLACED + timedelta(hours=73)


class ReminderDayCommon(PaymentReminderResultsCommon):
    """One shop day, 10 November 2026, reminded by two agents in two currencies.

    The company currency is USD; 1 USD = 0.5 EUR this year: the EUR pricelist
    sells the $100 scarf for 50 EUR, and the EUR orders count double in USD.

    ======== ======= ======== ======= ============================== =========
    customer agent   currency unpaid  what happened                  recovered
    ======== ======= ======== ======= ============================== =========
    Chen     Zhou    USD      300     paid in full                   300
    Deng     Zhou    USD      100+200 paid the 100 order             100
    Feng     Qian    USD      500     closed at deadline, paid late  0
    Gao      Qian    EUR      100     paid in full ($200)            100 ($200)
    Han      Qian    EUR      50      closed by the agent ($100)     0
    Jiang    Zhou    USD      400     control group, paid            (400)
    Kong     Qian    USD      100     control group, not paid        (0)
    Wang     Zhou    USD      100     planned, not sent yet          -
    ======== ======= ======== ======= ============================== =========

    Reminded: 5 customers, 3 paid; $600 / $1,400 = 42.86 %. The arms
    (intent to treat): reminded 6 customers (Wang was assigned to be
    reminded) of whom 3 paid, 50 %; control 2, 1 paid, 50 %: lift 0 points.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.currency.rate"].create(
            {
                "name": "2026-01-01",
                "rate": 0.5,
                "currency_id": cls.currency_euro.id,
                "company_id": cls.company.id,
            }
        )
        group = "payment_reminder.group_payment_reminder_user"
        cls.agent_zhou = new_test_user(cls.env, "agent.zhou", group, name="Zhou Min")
        cls.agent_qian = new_test_user(cls.env, "agent.qian", group, name="Qian Yu")
        cls.manager = new_test_user(
            cls.env,
            "manager.sun",
            "payment_reminder.group_payment_reminder_manager",
            name="Sun Li",
            email="sun.li@example.com",
        )
        eur = {"pricelist_id": cls.pricelist_eur.id}
        customers = {
            name: cls._customer(name, f"1370000{number:04d}")
            for number, name in enumerate(
                ["Chen", "Deng", "Feng", "Gao", "Han", "Jiang", "Kong"]
            )
        }
        chen = cls._order(customers["Chen"], PLACED, qty=3)
        deng_small = cls._order(customers["Deng"], PLACED)
        deng_large = cls._order(customers["Deng"], PLACED + timedelta(minutes=1), qty=2)
        feng = cls._order(customers["Feng"], PLACED, qty=5)
        gao = cls._order(customers["Gao"], PLACED, qty=2, **eur)
        han = cls._order(customers["Han"], PLACED, **eur)
        jiang = cls._order(customers["Jiang"], PLACED, qty=4)
        kong = cls._order(customers["Kong"], PLACED)
        zhou, qian = cls.agent_zhou, cls.agent_qian
        cls.reminders = (
            cls._reminder(chen, REMINDED, zhou)
            | cls._reminder(deng_small | deng_large, REMINDED, zhou)
            | cls._reminder(feng, REMINDED, qian)
            | cls._reminder(gao, REMINDED, qian)
            | cls._reminder(han, REMINDED, qian)
        )
        control = {"state": "skipped", "skip_reason": "control"}
        cls.control = cls._reminder(jiang, REMINDED, zhou, **control) | cls._reminder(
            kong, REMINDED, qian, **control
        )
        # Not among the customers reminded: planned (but in the reminded arm),
        # and reminded the next day.
        cls.planned = cls._reminder(
            cls._order(cls.customer, PLACED), REMINDED, zhou, state="planned"
        )
        cls.next_day = cls._reminder(
            cls._order(cls.returning_customer, PLACED, qty=7),
            REMINDED + timedelta(days=1),
            zhou,
        )
        with freeze_time(REMINDED + timedelta(hours=2)):
            cls._pay(chen)
            cls._pay(deng_small)
            cls._pay(gao)
            cls._pay(jiang)
        han._payment_reminder_close("manual", reason="The customer no longer wants it.")
        with freeze_time(AFTER_DEADLINE):
            cls.env["sale.order"]._cron_close_unpaid()
            cls._pay(feng)
        cls.usd = cls.company.currency_id
        cls.eur = cls.currency_euro

    def sheet(self, kind, user=None):
        """The report model of the ``kind`` sheet, as ``user`` if given."""
        report = self.env[f"report.payment_reminder.report_{kind}_sheet"]
        return report.with_user(user) if user else report

    def day_domain(self, day=DAY, day_to=None):
        return self.sheet("detail")._get_sheet_domain(day, day_to or day)

    def amounts(self, totals):
        return {
            total["currency"].name: (
                total["amount_unpaid"],
                total["amount_recovered"],
                round(total["rate"], 2),
            )
            for total in totals
        }


@tagged("post_install", "-at_install")
class TestSheets(ReminderDayCommon):
    """The sheet figures, as the reports, the email and the tests read them."""

    # === THE FIGURES === #

    def test_results_of_the_day(self):
        results = {r.partner_id.name: r.result for r in self.reminders}
        self.assertEqual(
            results,
            {
                "Chen": "paid",
                "Deng": "paid",
                "Feng": "closed_auto",
                "Gao": "paid",
                "Han": "closed_manual",
            },
        )
        self.assertEqual(
            {r.partner_id.name: r.amount_recovered for r in self.control},
            {"Jiang": 400.0, "Kong": 0.0},
        )

    def test_detail_sheet_lines(self):
        sheet = self.sheet("detail")._get_sheet_lines(self.day_domain())
        self.assertEqual([day["date"] for day in sheet["days"]], [DAY])
        lines = {line["customer"].name: line for line in sheet["days"][0]["lines"]}
        self.assertEqual(list(lines), ["Chen", "Deng", "Feng", "Gao", "Han"])
        self.assertEqual(
            {
                name: (
                    line["currency"].name,
                    line["amount_unpaid"],
                    line["result"],
                    line["paid"],
                    line["amount_recovered"],
                )
                for name, line in lines.items()
            },
            {
                "Chen": (self.usd.name, 300.0, "paid", True, 300.0),
                "Deng": (self.usd.name, 300.0, "paid", True, 100.0),
                "Feng": (self.usd.name, 500.0, "closed_auto", False, 0.0),
                "Gao": (self.usd.name, 200.0, "paid", True, 200.0),
                "Han": (self.usd.name, 100.0, "closed_manual", False, 0.0),
            },
        )
        self.assertEqual(lines["Gao"]["original"], "100.00\xa0€")
        self.assertFalse(lines["Chen"]["original"])
        self.assertEqual(lines["Chen"]["paid_at"], REMINDED + timedelta(hours=2))
        self.assertFalse(lines["Feng"]["paid_at"])
        self.assertEqual(lines["Deng"]["order_date"], PLACED)
        self.assertEqual(lines["Gao"]["agents"], self.agent_qian)
        expected = {self.usd.name: (1400.0, 600.0, 42.86)}
        self.assertEqual(self.amounts(sheet["days"][0]["totals"]), expected)
        self.assertEqual(self.amounts(sheet["totals"]), expected)

    def test_summary_sheet_lines(self):
        sheet = self.sheet("summary")._get_sheet_lines(self.day_domain())
        rows = {
            row["user"].name: (
                row["customers"],
                row["customers_paid"],
                self.amounts(row["amounts"]),
            )
            for row in sheet["rows"]
        }
        self.assertEqual(
            rows,
            {
                "Qian Yu": (3, 1, {self.usd.name: (800.0, 200.0, 25.0)}),
                "Zhou Min": (2, 2, {self.usd.name: (600.0, 400.0, 66.67)}),
            },
        )
        totals = sheet["totals"]
        self.assertEqual((totals["customers"], totals["customers_paid"]), (5, 3))
        self.assertEqual(totals["paid_rate"], 60.0)
        self.assertEqual(
            self.amounts(totals["amounts"]), {self.usd.name: (1400.0, 600.0, 42.86)}
        )
        lift = sheet["lift"]
        # Intent to treat: Wang, planned, is in the reminded arm.
        self.assertEqual(
            (lift["reminded"]["customers"], lift["reminded"]["customers_paid"]), (6, 3)
        )
        self.assertEqual(
            (lift["control"]["customers"], lift["control"]["customers_paid"]),
            (1 + 1, 1),
        )
        self.assertEqual(lift["control"]["paid_rate"], 50.0)
        self.assertEqual(
            [
                (a["currency"], a["amount_recovered"])
                for a in lift["reminded"]["amounts"]
            ],
            [(self.usd, 600.0)],
        )
        self.assertEqual(
            [
                (a["currency"], a["amount_recovered"])
                for a in lift["control"]["amounts"]
            ],
            [(self.usd, 400.0)],
        )
        self.assertAlmostEqual(lift["points"], 0.0)
        self.assertFalse(lift["enough"], "fewer than 30 customers in an arm")
        self.assertIsNone(lift["low"])

    def test_success_rate_is_sum_over_sum_not_average_of_ratios(self):
        sheet = self.sheet("summary")._get_sheet_lines(self.day_domain())
        usd = self.amounts(sheet["totals"]["amounts"])[self.usd.name]
        # Customers' own rates: 100 %, 33.3 %, 0 %, 100 %, 0 %: their average
        # would be 46.7 %.
        self.assertEqual(usd[2], round(100.0 * 600 / 1400, 2))

    def test_one_customer_reminded_twice_a_day_counts_once(self):
        chen = self.reminders.filtered(lambda r: r.partner_id.name == "Chen")
        self._reminder(
            chen.order_ids, REMINDED + timedelta(hours=1), self.agent_zhou, step="final"
        )
        sheet = self.sheet("summary")._get_sheet_lines(self.day_domain())
        self.assertEqual(sheet["totals"]["customers"], 5)
        usd = self.amounts(sheet["totals"]["amounts"])[self.usd.name]
        self.assertEqual(usd[:2], (1400.0, 600.0))
        detail = self.sheet("detail")._get_sheet_lines(self.day_domain())
        self.assertEqual(len(detail["days"][0]["lines"]), 5)

    def test_period_and_agent_filters(self):
        two_days = self.day_domain(DAY, DAY + timedelta(days=1))
        sheet = self.sheet("summary")._get_sheet_lines(two_days)
        self.assertEqual(
            [row["date"] for row in sheet["rows"]], [DAY, DAY, DAY + timedelta(days=1)]
        )
        self.assertEqual(sheet["totals"]["customers"], 6)
        zhou_only = self.sheet("detail")._get_sheet_domain(DAY, DAY, self.agent_zhou)
        sheet = self.sheet("summary")._get_sheet_lines(zhou_only)
        self.assertEqual([row["user"] for row in sheet["rows"]], [self.agent_zhou])
        self.assertEqual(sheet["lift"]["control"]["customers"], 1)

    def test_no_lift_without_control_group(self):
        self.control.unlink()
        self.assertFalse(
            self.sheet("summary")._get_sheet_lines(self.day_domain())["lift"]
        )

    # === ACCESS === #

    def test_agent_sees_only_their_own_figures(self):
        # Nothing read beforehand: the agent has no access to Sales, yet the
        # sheet shows the order dates of their reminders.
        self.env.invalidate_all()
        sheet = self.sheet("summary", user=self.agent_zhou)._get_sheet_lines(
            self.day_domain()
        )
        self.assertEqual([row["user"] for row in sheet["rows"]], [self.agent_zhou])
        self.assertEqual(sheet["totals"]["customers"], 2)
        detail = self.sheet("detail", user=self.agent_zhou)._get_sheet_lines(
            self.day_domain()
        )
        lines = detail["days"][0]["lines"]
        self.assertEqual([line["customer"].name for line in lines], ["Chen", "Deng"])
        self.assertTrue(all(line["order_date"] for line in lines))

    def test_manager_sees_everyone(self):
        sheet = (
            self.sheet("summary")
            .with_user(self.manager)
            ._get_sheet_lines(self.day_domain())
        )
        self.assertEqual(
            {row["user"] for row in sheet["rows"]}, {self.agent_zhou, self.agent_qian}
        )
        self.assertEqual(sheet["totals"]["customers"], 5)

    # === DAILY EMAIL === #

    def test_daily_summary_email_goes_to_the_managers(self):
        cron = self.env.ref("payment_reminder.ir_cron_email_summary")
        self.assertFalse(cron.active)
        with freeze_time(shop_time(2026, 11, 10, 23, 0)):
            self.Reminder._cron_email_summary()
        mail = self.env["mail.mail"].search(
            [("recipient_ids", "in", self.manager.partner_id.ids)]
        )
        self.assertEqual(len(mail), 1)
        self.assertIn("summary", mail.subject)
        self.assertEqual(mail.attachment_ids.mimetype, "application/pdf")
        self.assertEqual(mail.attachment_ids.name, "Summary sheet 2026-11-10.pdf")

    def test_daily_summary_email_to_the_chosen_recipients(self):
        self.company.payment_reminder_summary_user_ids = self.agent_qian
        self.agent_qian.email = "qian.yu@example.com"
        with freeze_time(shop_time(2026, 11, 10, 23, 0)):
            self.Reminder._cron_email_summary()
        mail = self.env["mail.mail"].search([("subject", "like", "summary")])
        self.assertEqual(mail.recipient_ids, self.agent_qian.partner_id)


@tagged("post_install", "-at_install")
class TestSheetsPdf(ReminderDayCommon, HttpCase):
    """The real PDFs, rendered by wkhtmltopdf.

    An HttpCase: wkhtmltopdf fetches the report's assets from the test server,
    which must read the test's own, uncommitted, transaction.
    """

    def pdf_text(self, report_xmlid, data=None, docids=None):
        """Render the real PDF with wkhtmltopdf and return its text."""
        # Debian's wkhtmltopdf (unpatched Qt) warns on stderr about the header
        # and footer switches on every render; a failed render still raises.
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            pdf, report_type = (
                self.env["ir.actions.report"]
                .with_context(force_report_rendering=True)
                ._render_qweb_pdf(report_xmlid, res_ids=docids, data=data)
            )
        self.assertEqual(report_type, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
        reader = PdfReader(io.BytesIO(pdf))
        text = " ".join(page.extract_text() for page in reader.pages)
        return re.sub(r"\s+", " ", text)

    def assertTextHas(self, text, *expected):
        for part in expected:
            self.assertIn(part, text)

    # === THE PDF === #

    def test_summary_sheet_pdf(self):
        text = self.pdf_text(
            "payment_reminder.action_report_summary_sheet",
            data={"date_from": "2026-11-10", "date_to": "2026-11-10"},
        )
        self.assertTextHas(
            text,
            "Payment Reminders: Summary Sheet",
            "Qian Yu 3 1 $ 800.00 $ 200.00 25.0%",
            "Zhou Min 2 2 $ 600.00 $ 400.00 66.7%",
            "Total 5 3 $ 1,400.00 $ 600.00 42.9%",
            "Reminded 6 3 50.0% $ 600.00",
            "Control group 2 1 50.0% $ 400.00",
            "Lift: +0.0 percentage points: too few to tell (fewer than 30 "
            "customers in an arm)",
            # Per channel (these reminders have none) and per agent.
            "- 3 / 6 1 / 2 +0.0 : too few to tell",
            "Qian Yu 1 / 3 0 / 1 +33.3 : too few to tell",
            "Zhou Min 2 / 3 1 / 1 -33.3 : too few to tell",
            "Intent to treat",
            "(Wald), 95 %",
        )
        self.assertNotIn("700.00", text, "the next day stays out")

    def test_detail_sheet_pdf_from_the_wizard(self):
        self.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        wizard = self.env["payment.reminder.report"].create(
            {"sheet": "detail", "date_from": DAY, "date_to": DAY}
        )
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "payment_reminder.report_detail_sheet")
        text = self.pdf_text(
            "payment_reminder.action_report_detail_sheet", data=action["data"]
        )
        self.assertTextHas(
            text,
            "Payment Reminders: Detail Sheet",
            "Chen Zhou Min $ 300.00 Paid Yes 11/10/2026 12:00:00 $ 300.00",
            "Deng Zhou Min $ 300.00 Paid Yes 11/10/2026 12:00:00 $ 100.00",
            "Feng Qian Yu $ 500.00 Closed automatically No $ 0.00",
            "Gao Qian Yu $ 200.00 ( 100.00 € ) Paid Yes 11/10/2026 12:00:00 $ 200.00",
            "Han Qian Yu $ 100.00 ( 50.00 € ) Closed by us or the customer No $ 0.00",
            "$ 1,400.00 Success rate 42.9% $ 600.00",
        )
        self.assertNotIn("EUR", text, "no total in another currency")
        self.assertNotIn("Jiang", text, "the control group is not reminded")

    def test_detail_sheet_pdf_of_a_selection(self):
        chen = self.reminders.filtered(lambda r: r.partner_id.name == "Chen")
        text = self.pdf_text(
            "payment_reminder.action_report_detail_sheet", docids=chen.ids
        )
        self.assertIn("Chen", text)
        self.assertNotIn("Deng", text)


class ReasonsDayCommon(ReminderDayCommon):
    """The same day, with the reasons for not paying the agents logged.

    ======== ======================= ======== =======
    customer reason                  currency unpaid
    ======== ======================= ======== =======
    Chen     Price too high          USD      300
    Deng     Still comparing         USD      300
    Feng     Price too high (twice)  USD      500
    Gao      Ordered by mistake      EUR      200
    Han      Price too high          EUR      100
    Kong     (control group)         USD      100
    next day Price too high          USD      700
    ======== ======================= ======== =======
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.reason_price = cls.env.ref("payment_reminder.reason_price")
        cls.reason_comparing = cls.env.ref("payment_reminder.reason_comparing")
        cls.reason_duplicate = cls.env.ref("payment_reminder.reason_duplicate")
        reasons = {
            "Chen": cls.reason_price,
            "Deng": cls.reason_comparing,
            "Feng": cls.reason_price,
            "Gao": cls.reason_duplicate,
            "Han": cls.reason_price,
        }
        for reminder in cls.reminders:
            reminder.reason_id = reasons[reminder.partner_id.name]
        feng = cls.reminders.filtered(lambda r: r.partner_id.name == "Feng")
        # Reminded again the same day, same reason: still one customer.
        cls._reminder(
            feng.order_ids,
            REMINDED + timedelta(hours=3),
            cls.agent_qian,
            step="final",
            reason_id=cls.reason_price.id,
        )
        # Not reminded: the control group stays out.
        cls.control.reason_id = cls.reason_price
        cls.next_day.reason_id = cls.reason_price


@tagged("post_install", "-at_install")
class TestReasonsSheet(ReasonsDayCommon):
    """Why customers did not pay: customers and unpaid amounts per day and reason."""

    def rows(self, rows):
        return {
            row["reason"].name: (row["customers"], self.unpaid(row["amounts"]))
            for row in rows
        }

    def unpaid(self, amounts):
        return {amount["currency"].name: amount["amount_unpaid"] for amount in amounts}

    def test_reasons_of_the_day(self):
        sheet = self.sheet("reasons")._get_sheet_lines(self.day_domain())
        self.assertEqual([day["date"] for day in sheet["days"]], [DAY])
        day = sheet["days"][0]
        self.assertEqual(
            [row["reason"] for row in day["rows"]],
            [self.reason_comparing, self.reason_price, self.reason_duplicate],
        )
        expected = {
            "Still comparing": (1, {self.usd.name: 300.0}),
            "Price too high": (3, {self.usd.name: 900.0}),
            "Ordered by mistake or duplicate": (1, {self.usd.name: 200.0}),
        }
        self.assertEqual(self.rows(day["rows"]), expected)
        self.assertEqual(day["customers"], 5)
        self.assertEqual(self.rows(sheet["reasons"]), expected)
        self.assertEqual(sheet["customers"], 5)

    def test_totals_per_reason_over_the_period(self):
        two_days = self.day_domain(DAY, DAY + timedelta(days=1))
        sheet = self.sheet("reasons")._get_sheet_lines(two_days)
        self.assertEqual(
            [(day["date"], day["customers"]) for day in sheet["days"]],
            [(DAY, 5), (DAY + timedelta(days=1), 1)],
        )
        self.assertEqual(
            self.rows(sheet["days"][1]["rows"]),
            {"Price too high": (1, {self.usd.name: 700.0})},
        )
        self.assertEqual(
            self.rows(sheet["reasons"])["Price too high"],
            (4, {self.usd.name: 1600.0}),
        )
        self.assertEqual(sheet["customers"], 6)
        self.assertEqual(self.unpaid(sheet["amounts"]), {self.usd.name: 2100.0})

    def test_no_reason_no_line(self):
        self.reminders.reason_id = False
        sheet = self.sheet("reasons")._get_sheet_lines(self.day_domain())
        self.assertEqual(
            [row["reason"] for row in sheet["days"][0]["rows"]], [self.reason_price]
        )
        self.assertEqual(
            self.rows(sheet["reasons"]), {"Price too high": (1, {self.usd.name: 500.0})}
        )

    def test_agent_sees_only_their_own_reasons(self):
        sheet = (
            self.sheet("reasons")
            .with_user(self.agent_zhou)
            ._get_sheet_lines(self.day_domain())
        )
        self.assertEqual(
            self.rows(sheet["reasons"]),
            {
                "Still comparing": (1, {self.usd.name: 300.0}),
                "Price too high": (1, {self.usd.name: 300.0}),
            },
        )

    def test_wizard_prints_the_reasons_sheet(self):
        self.company.external_report_layout_id = self.env.ref(
            "web.external_layout_standard"
        )
        wizard = self.env["payment.reminder.report"].create(
            {"sheet": "reasons", "date_from": DAY, "date_to": DAY}
        )
        action = wizard.action_print()
        self.assertEqual(action["report_name"], "payment_reminder.report_reasons_sheet")
        self.assertEqual(action["data"]["date_from"], "2026-11-10")


@tagged("post_install", "-at_install")
class TestReasonsSheetPdf(ReasonsDayCommon, HttpCase):
    """The reasons sheet's real PDF."""

    pdf_text = TestSheetsPdf.pdf_text
    assertTextHas = TestSheetsPdf.assertTextHas

    def test_reasons_sheet_pdf(self):
        text = self.pdf_text(
            "payment_reminder.action_report_reasons_sheet",
            data={"date_from": "2026-11-10", "date_to": "2026-11-11"},
        )
        self.assertTextHas(
            text,
            "Payment Reminders: Reasons Sheet",
            "11/10/2026 Still comparing 1 $ 300.00",
            "Price too high 3 $ 900.00",
            "Ordered by mistake or duplicate 1 $ 200.00",
            "11/11/2026 Price too high 1 $ 700.00",
            "Totals per reason",
            "Price too high 4 $ 1,600.00",
            "Total 6 $ 2,100.00",
        )

    def test_reasons_sheet_pdf_of_a_selection(self):
        gao = self.reminders.filtered(lambda r: r.partner_id.name == "Gao")
        text = self.pdf_text(
            "payment_reminder.action_report_reasons_sheet", docids=gao.ids
        )
        self.assertIn("Ordered by mistake or duplicate 1 $ 200.00", text)
        self.assertNotIn("Price too high", text)
