# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import re
from datetime import timedelta

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from ..utils import sms_measure
from .common import SITUATIONS, PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
NOW = shop_time(2026, 11, 11, 14, 0)
MORNING = shop_time(2026, 11, 11, 10, 0)
SHOP_URL = "https://shop.chaxiang.cn"

# Every default SMS of a one-product order (West Lake Longjing, ¥ 268.00)
# measured at 14:00 for an order placed at 9:30 (2 days 19 hours left), with
# a short link of 4 characters (https://shop.chaxiang.cn/r/xxxx): (characters,
# segments). Odoo's first short links have 3 characters: one less.
LENGTHS = {
    "zh_CN": {
        "placed": (96, 2),
        "adjusted": (85, 2),
        "low_stock": (97, 2),
        "before_dispatch": (83, 2),
        "before_close": (97, 2),
        "returning": (94, 2),
        "payment_help": (91, 2),
        "after_call": (80, 2),
    },
    "zh_TW": {
        "placed": (99, 2),
        "adjusted": (88, 2),
        "low_stock": (97, 2),
        "before_dispatch": (86, 2),
        "before_close": (99, 2),
        "returning": (91, 2),
        "payment_help": (91, 2),
        "after_call": (81, 2),
    },
    "en_US": {
        "placed": (173, 2),
        "adjusted": (156, 1),
        "low_stock": (175, 2),
        "before_dispatch": (143, 1),
        "before_close": (144, 1),
        "returning": (161, 2),
        "payment_help": (163, 2),
        "after_call": (152, 1),
    },
}
FOOTERS = {
    "zh_CN": " 【茶香小铺】回复T退订",
    "zh_TW": " 【茶香小舖】回覆T退訂",
    "en_US": " - Cha Xiang Tea. Reply STOP to opt out",
}


@tagged("post_install", "-at_install")
class TestSms(PaymentReminderSendCommon):
    """Reminder SMS as Chinese shops send them: short, signed, with an opt-out
    line, sent once through Odoo's SMS queue, and what comes back from them."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("zh_CN", "zh_TW"):
            cls.env["res.lang"]._activate_lang(lang)
        cls.env["ir.module.module"]._load_module_terms(
            ["payment_reminder"], ["zh_CN", "zh_TW"], overwrite=True
        )
        cls.company.with_context(
            lang="en_US"
        ).payment_reminder_sms_signature = "Cha Xiang Tea"
        cls.company.update_field_translations(
            "payment_reminder_sms_signature",
            {"zh_CN": "茶香小铺", "zh_TW": "茶香小舖"},
        )
        cny = cls.env.ref("base.CNY")
        cny.active = True
        cls.pricelist_cny = cls.env["product.pricelist"].create(
            {"name": "Renminbi", "currency_id": cny.id}
        )
        cls.longjing = cls.env["product.product"].create(
            {
                "name": "West Lake Longjing 250 g",
                "list_price": 268.0,
                "taxes_id": [Command.clear()],
            }
        )
        cls.longjing.product_tmpl_id.update_field_translations(
            "name", {"zh_CN": "西湖龙井 250克", "zh_TW": "西湖龍井 250克"}
        )
        cls.buyers = {
            "zh_CN": cls._customer("王芳", "13900139001", lang="zh_CN"),
            "zh_TW": cls._customer("林怡君", "13900139002", lang="zh_TW"),
            "en_US": cls._customer("Emily Chen", "13900139003", lang="en_US"),
        }

    def setUp(self):
        super().setUp()
        self.order = self._order(self.customer, PLACED)

    def longjing_order(self, lang):
        return self._order(
            self.buyers[lang],
            PLACED,
            product=self.longjing,
            pricelist_id=self.pricelist_cny.id,
        )

    def script_sms(self, situation, order, preview=True):
        template = self.env.ref(f"payment_reminder.sms_template_{situation}")
        with freeze_time(NOW):
            return self.Reminder._reminder_sms_text(template, order, preview=preview)

    # === SHORT, SIGNED, OPT-OUT-ABLE === #

    def test_default_scripts_fit_and_say_who_and_how_to_opt_out(self):
        self.maxDiff = None
        self.env["ir.config_parameter"].set_param("web.base.url", SHOP_URL)
        measured = {}
        for lang in LENGTHS:
            order = self.longjing_order(lang)
            measured[lang] = {}
            for situation in (*SITUATIONS, "after_call"):
                sms = self.script_sms(situation, order)
                measured[lang][situation] = (sms.length, sms.segments)
                with self.subTest(lang=lang, situation=situation):
                    self.assertTrue(sms.body.endswith(FOOTERS[lang]), sms.body)
                    self.assertIn(f"{SHOP_URL}/r/xxxx", sms.body)
                    self.assertNotIn("access_token", sms.body)
                    self.assertIn(order.name, sms.body)
                    self.assertIn("268.00", sms.body)
                    self.assertEqual(
                        sms.encoding, "GSM-7" if lang == "en_US" else "UCS-2"
                    )
                    self.assertEqual(
                        sms_measure(sms.body)[:2], (sms.length, sms.segments)
                    )
            # Chinese shops pay per segment: the first and the last reminder
            # of a one-product order fit in two (2 x 67 characters).
            if lang != "en_US":
                for situation in ("placed", "before_close"):
                    self.assertLessEqual(measured[lang][situation][0], 134)
        self.assertEqual(measured, LENGTHS)

    def test_english_sms_stays_gsm7_whatever_babel_puts_in_amounts(self):
        order = self.longjing_order("en_US")
        sms = self.script_sms("before_close", order)
        # Babel formats "¥ 268.00" and "9:30 AM" with no-break spaces.
        self.assertNotIn("\u00a0", sms.body)
        self.assertNotIn("\u202f", sms.body)
        self.assertEqual(sms.encoding, "GSM-7")

    def test_sms_length_rules(self):
        self.assertEqual(sms_measure("a" * 160), (160, 1, "GSM-7"))
        self.assertEqual(sms_measure("a" * 161), (161, 2, "GSM-7"))
        self.assertEqual(sms_measure("a" * 306), (306, 2, "GSM-7"))
        self.assertEqual(sms_measure("{" * 80), (160, 1, "GSM-7"))
        self.assertEqual(sms_measure("亲" * 70), (70, 1, "UCS-2"))
        self.assertEqual(sms_measure("亲" * 71), (71, 2, "UCS-2"))
        self.assertEqual(sms_measure("亲" * 134), (134, 2, "UCS-2"))
        self.assertEqual(sms_measure("亲" * 135), (135, 3, "UCS-2"))
        self.assertEqual(sms_measure("a" * 69 + "亲"), (70, 1, "UCS-2"))

    def test_signature_defaults_to_the_company_name(self):
        self.company.with_context(lang="en_US").payment_reminder_sms_signature = False
        sms = self.script_sms("placed", self.order)
        self.assertTrue(
            sms.body.endswith(f" - {self.company.name}. Reply STOP to opt out")
        )

    def test_script_editor_shows_length_and_segments_per_language(self):
        script = self.env.ref("payment_reminder.script_placed")
        order = self.longjing_order("zh_CN")
        with freeze_time(NOW):
            script.invalidate_recordset(["sms_preview", "sms_measure"])
            measure = script.sms_measure
            preview = script.sms_preview
        self.assertTrue(preview.endswith(FOOTERS["en_US"]))
        self.assertIn(f"Measured for order {order.name}.", measure)
        chinese = self.script_sms("placed", order)
        self.assertIn(f": {chinese.length} characters, 2 segment(s) (UCS-2)", measure)
        # The latest order's customer is Chinese: UCS-2 in English too.
        self.assertIn("English (US): ", measure)

    # === SENT ONCE, AFTER THE BATCH === #

    def test_sms_is_queued_with_the_batch_then_sent_once_by_odoo_sms_cron(self):
        reminder = self.due_reminder(self.order, "sms")
        cron = self.env.ref("sms.ir_cron_sms_scheduler_action")
        Trigger = self.env["ir.cron.trigger"]
        triggers = Trigger.search_count([("cron_id", "=", cron.id)])
        with self.mockSMSGateway():
            self.send_due(MORNING, sms_queue=False)
            self.assertEqual(reminder.state, "done")
            queued = self.env["sms.sms"].search([("uuid", "=", reminder.sms_uuid)])
            self.assertEqual(queued.state, "outgoing")
            self.assertEqual(self._sms, [])
            # Odoo's SMS cron starts once the batch is committed.
            self.assertEqual(
                Trigger.search_count([("cron_id", "=", cron.id)]), triggers + 1
            )
            self.run_sms_queue()
            self.assertEqual(len(self._sms), 1)
            self.assertEqual(queued.state, "pending")
            self.run_sms_queue()
            self.send_due(MORNING + timedelta(minutes=5))
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(reminder.sms_segments, 2)
        self.assertEqual(self._sms[0]["body"], queued.body)
        self.assertEqual(sms_measure(queued.body)[1], 2)

    def test_chatter_line_says_queued_and_segments(self):
        self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        notes = self.order.message_ids.filtered(lambda m: "· attempt" in (m.body or ""))
        self.assertIn("SMS · SMS queued (2 segments)", notes.body)

    # === OPT-OUT === #

    def test_opt_out_reply_blacklists_the_number(self):
        Blacklist = self.env["phone.blacklist"]
        self.assertFalse(self.Reminder._reminder_sms_reply("+8613800138001", "谢谢"))
        self.assertFalse(Blacklist.search([("number", "=", "+8613800138001")]))
        self.assertTrue(
            self.Reminder._reminder_sms_reply("+86 138 0013 8001", " 退订。")
        )
        self.assertTrue(Blacklist.search([("number", "=", "+8613800138001")]))
        self.assertTrue(self.customer.payment_reminder_opt_out)
        self.assertTrue(self.customer.phone_sanitized_blacklisted)
        for reply in ("T", "td", "STOP", "退訂"):
            self.assertTrue(self.Reminder._reminder_sms_reply("13800138001", reply))
        reminder = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        self.assertEqual(self._sms, [])
        self.assertEqual((reminder.state, reminder.skip_reason), ("skipped", "opt_out"))

    def test_opt_out_link_in_sms_blacklists_the_number(self):
        self.company.payment_reminder_sms_opt_out = "link"
        reminder = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        [sms] = self._sms
        self.assertIn(" - Cha Xiang Tea. Opt out: ", sms["body"])
        short_urls = re.findall(r"https?://\S+/r/\w+", sms["body"])
        self.assertEqual(len(short_urls), 2)
        self.assertEqual(short_urls[0], reminder.link_tracker_id.short_url)
        code = short_urls[1].rsplit("/", 1)[1]
        response = self.url_open(f"/r/{code}", allow_redirects=False)
        self.assertEqual(response.status_code, 301)
        opt_out_url = self.order._payment_reminder_opt_out_url("sms")
        self.assertEqual(response.headers["Location"], opt_out_url)
        path = opt_out_url.split("/payment_reminder/", 1)[1]
        page = self.url_open(f"/payment_reminder/{path}")
        self.assertIn("Stop the payment reminders?", page.text)
        self.assertIn("+86138****8001", page.text)
        # Looking at the page (or a link preview) opts nobody out.
        self.assertFalse(self.customer.payment_reminder_opt_out)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        done = self.url_open(f"/payment_reminder/{path}", data={"csrf_token": csrf})
        self.assertIn("nor our SMS campaigns", re.sub(r"\s+", " ", done.text))
        self.assertTrue(
            self.env["phone.blacklist"].search([("number", "=", "+8613800138001")])
        )
        self.assertTrue(self.customer.payment_reminder_opt_out)
        self.assertFalse(
            self.env["mail.blacklist"].search([("email", "=", self.customer.email)])
        )

    def test_opt_out_link_in_email_blacklists_the_address(self):
        self.due_reminder(self.order, "email")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        opt_out_url = self.order._payment_reminder_opt_out_url("email")
        message = self.order.message_ids.filtered(
            lambda m: m.subtype_id == self.env.ref("mail.mt_comment")
        )
        self.assertIn(opt_out_url, message.body)
        path = opt_out_url.split("/payment_reminder/", 1)[1]
        page = self.url_open(f"/payment_reminder/{path}")
        self.assertIn("wa***@example.com", page.text)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)[1]
        self.url_open(f"/payment_reminder/{path}", data={"csrf_token": csrf})
        self.assertTrue(
            self.env["mail.blacklist"].search([("email", "=", "wang.fang@example.com")])
        )
        self.assertTrue(self.customer.is_blacklisted)
        self.assertTrue(self.customer.payment_reminder_opt_out)

    def test_opt_out_link_with_a_wrong_token_is_refused(self):
        token = self.order._payment_reminder_opt_out_token("email")
        for path in (
            f"{self.order.id}/sms/{token}",
            f"{self.order.id}/email/{token[:-1]}{'1' if token[-1] == '0' else '0'}",
            f"{self.order.id}/phone/{token}",
        ):
            response = self.url_open(f"/payment_reminder/stop/{path}")
            self.assertEqual(response.status_code, 404, path)
        self.assertFalse(self.customer.payment_reminder_opt_out)

    # === A CLICK IS A SIGNAL === #

    def test_click_on_the_short_link_is_recorded_on_the_reminder(self):
        reminder = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        code = reminder.link_tracker_id.code
        clicked = MORNING + timedelta(minutes=20)
        with freeze_time(clicked):
            response = self.url_open(f"/r/{code}", allow_redirects=False)
        self.assertEqual(response.status_code, 301)
        self.assertEqual(
            response.headers["Location"], self.order._payment_reminder_payment_url()
        )
        self.assertEqual(reminder.clicked_at, clicked)
        self.assertEqual(reminder.link_tracker_id.count, 1)

    def test_no_other_reminder_within_the_hour_after_a_click(self):
        # The pause after a click, not the minimum interval (rule 9), holds it.
        self.company.payment_reminder_min_interval = 30
        first = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        clicked = MORNING + timedelta(minutes=20)
        with freeze_time(clicked):
            self.env["link.tracker.click"].add_click(first.link_tracker_id.code)
        self.assertEqual(first.clicked_at, clicked)
        final = self.due_reminder(
            self.order,
            "portal",
            clicked + timedelta(minutes=30),
            step="final",
        )
        with self.mock_mail_gateway():
            self.send_due(clicked + timedelta(minutes=30))
            self.assertEqual(final.state, "planned")
            self.assertEqual(final.wait_reason, "link_opened")
            self.assertEqual(final.scheduled_at, clicked + timedelta(hours=1))
            self.send_due(clicked + timedelta(hours=1))
        self.assertEqual(final.state, "done")

    def test_opening_the_order_in_the_portal_counts_as_a_click(self):
        reminder = self.due_reminder(self.order, "portal")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        opened = MORNING + timedelta(minutes=10)
        with freeze_time(opened):
            self.url_open(self.order.get_portal_url())
        self.assertIn(
            self.env.ref("sale.mt_order_viewed"), self.order.message_ids.subtype_id
        )
        self.assertEqual(reminder.clicked_at, opened)

    def test_opening_the_pay_link_counts_as_a_click(self):
        reminder = self.due_reminder(self.order, "portal")
        with self.mock_mail_gateway():
            self.send_due(MORNING)
        opened = MORNING + timedelta(minutes=10)
        url = self.order._payment_reminder_payment_url()
        with freeze_time(opened):
            self.url_open(url[url.index("/payment_reminder/pay/") :])
        self.assertEqual(reminder.clicked_at, opened)

    def test_an_agent_reminding_by_hand_is_not_held_back_by_a_click(self):
        first = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        first.clicked_at = MORNING + timedelta(minutes=5)
        manual = self.due_reminder(
            self.order, "portal", MORNING + timedelta(minutes=10), step="manual"
        )
        with self.mock_mail_gateway():
            self.send_due(MORNING + timedelta(minutes=10))
        self.assertEqual(manual.state, "done")

    # === FAILURES REPORTED BY THE SMS QUEUE === #

    def test_delivery_failure_reported_later_fails_the_reminder(self):
        reminder = self.due_reminder(self.order, "sms")
        with self.mockSMSGateway():
            self.send_due(MORNING)
        self.assertEqual(reminder.state, "done")
        later = MORNING + timedelta(hours=1)
        with freeze_time(later):
            trackers = self.env["sms.tracker"].search(
                [("sms_uuid", "=", reminder.sms_uuid)]
            )
            trackers._action_update_from_provider_error("not_delivered")
        self.assertEqual(reminder.state, "failed")
        self.assertIn("not_delivered", reminder.error_message)
        self.assertEqual(reminder.scheduled_at, later + timedelta(minutes=30))
