# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time
from markupsafe import escape

from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import SITUATIONS, PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
NOW = shop_time(2026, 11, 11, 14, 0)


@tagged("post_install", "-at_install")
class TestI18n(PaymentReminderSendCommon):
    """The module speaks Simplified Chinese: what the customer reads, what the
    agent reads, and the labels of the screens, from i18n/zh_CN.po."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("zh_CN")
        cls.env["ir.module.module"]._load_module_terms(
            ["payment_reminder"], ["zh_CN"], overwrite=True
        )
        cls.customer.lang = "zh_CN"
        cls.agent.lang = "zh_CN"
        cls.order = cls._order(cls.customer, PLACED)

    def render(self, xmlid, field):
        """``field`` of template ``xmlid`` for our order, in the customer's language."""
        template = self.env.ref(xmlid)
        with freeze_time(NOW):
            return template._render_field(field, self.order.ids, compute_lang=True)[
                self.order.id
            ]

    def test_mail_reminder_in_chinese(self):
        subject = self.render("payment_reminder.mail_template_placed", "subject")
        self.assertEqual(subject, f"亲，订单{self.order.name}付款后马上为您安排发货哦")
        body = self.render("payment_reminder.mail_template_placed", "body_html")
        for text in (
            "亲爱的 Wang Fang，您好！",
            "感谢您在本店拍下宝贝！打包之前，麻烦您核对一下收货信息是否正确",
            "收货地址：",
            # the order summary it calls, translated too
            "应付金额",
            "剩余时间",
            "2 天 19 小时",
            "立即付款",
            "谢谢您的支持！",
        ):
            self.assertIn(text, body)
        self.assertNotIn("Thank you", body)
        # the pay link survives the translation
        self.assertIn(
            f'href="{escape(self.order._payment_reminder_payment_url())}">立即付款</a>',
            body,
        )
        self.assertIn(f"access_token={self.order.access_token}", body)

    def test_every_mail_and_sms_template_is_translated(self):
        for situation in (*SITUATIONS, "after_call"):
            with self.subTest(situation=situation):
                body = self.render(
                    f"payment_reminder.mail_template_{situation}", "body_html"
                )
                self.assertIn("亲爱的 Wang Fang，您好！", body)
                self.assertIn("立即付款", body)
                self.assertNotIn("Hello", body)
                sms = self.render(f"payment_reminder.sms_template_{situation}", "body")
                self.assertIn(self.order.name, sms)
                self.assertIn(f"access_token={self.order.access_token}", sms)
                self.assertRegex(sms, r"[\u4e00-\u9fff]")
                # The words of the message, not those of its link.
                words = sms.replace(self.order._payment_reminder_payment_url(), "")
                self.assertNotRegex(words, r"\b(order|pay|thanks)\b")

    def test_sms_reminder_in_chinese(self):
        sms = self.render("payment_reminder.sms_template_placed", "body")
        self.assertTrue(sms.startswith("亲爱的Wang Fang，感谢拍下订单"), sms)
        self.assertIn("2 天 19 小时内付款即为您发货", sms)
        self.assertIn(self.order._payment_reminder_payment_url(), sms)

    def test_phone_script_in_the_agents_language(self):
        reminder = self.due_reminder(self.order, "phone")
        with freeze_time(NOW), reminder._reminder_batch(NOW) as batch:
            script = str(reminder._reminder_render_phone_script(self.agent, NOW, batch))
        for text in (
            "致电 Wang Fang",
            "下单时段：",
            "上午",
            "客户方便接听：",
            "客户正忙：",
            "非本人接听：",
            "首次联系该客户。",
        ):
            self.assertIn(text, script)

    def test_selection_labels_in_chinese(self):
        Reminder = self.env["payment.reminder"].with_context(lang="zh_CN")
        fields = Reminder.fields_get(["state", "channel", "skip_reason"])
        self.assertEqual(dict(fields["state"]["selection"])["planned"], "已计划")
        self.assertEqual(dict(fields["channel"]["selection"])["phone"], "电话")
        self.assertEqual(
            dict(fields["skip_reason"]["selection"])["paid_same_day"],
            "当天已付过其他订单",
        )
        self.assertEqual(fields["state"]["string"], "状态")
        self.assertEqual(dict(fields["state"]["selection"])["calling"], "待拨打")
        cycle = self.env["payment.reminder.cycle"].with_context(lang="zh_CN")
        arms = dict(cycle.fields_get(["arm"])["arm"]["selection"])
        self.assertEqual(arms, {"remind": "已催付", "control": "对照组"})

    def test_detail_sheet_in_chinese(self):
        report = self.env.ref(
            "payment_reminder.action_report_detail_sheet", raise_if_not_found=False
        )
        if not report:
            self.skipTest("the detail sheet report is not installed")
        reminder = self.due_reminder(self.order, "phone", state="done", done_at=NOW)
        self.env.user.lang = "zh_CN"
        html = report._render_qweb_html(report, reminder.ids)[0].decode()
        self.assertIn("催付明细表", html)
        self.assertIn("催付日期", html)
        self.assertIn("Wang Fang", html)
        # Debian's wkhtmltopdf (unpatched Qt) warns about the header and footer
        # switches on every render; a failed render still raises.
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            pdf, kind = report.with_context(
                force_report_rendering=True
            )._render_qweb_pdf(report, reminder.ids)
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
