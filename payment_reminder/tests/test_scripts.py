# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

from .common import SITUATIONS, PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
NOW = shop_time(2026, 11, 11, 14, 0)


@tagged("post_install", "-at_install")
class TestScripts(PaymentReminderSendCommon):
    """The scripts: what each message says, and which one a reminder uses."""

    def setUp(self):
        super().setUp()
        self.order = self._order(self.customer, PLACED)
        self.reminder = self.due_reminder(self.order, "portal")

    def script(self, situation):
        return self.env.ref(f"payment_reminder.script_{situation}")

    def chosen(self, **values):
        self.reminder.write(values)
        with freeze_time(NOW), self.reminder._reminder_batch(NOW) as batch:
            return self.reminder._reminder_choose_script(batch)

    # === WHAT THE MESSAGES SAY === #

    def test_every_message_carries_the_order_facts_and_the_pay_link(self):
        with freeze_time(NOW):
            for situation in SITUATIONS:
                template = self.script(situation).mail_template_id
                body = template._render_field("body_html", self.order.ids)[
                    self.order.id
                ]
                with self.subTest(situation=situation):
                    for text in (
                        "Wang Fang",
                        self.order.name,
                        "11/11/26, 9:30 AM",
                        "Silk scarf",
                        "100.00",
                        "2 days 19 hours",
                        f"access_token={self.order.access_token}",
                    ):
                        self.assertIn(text, body)
                    self.assertTrue(self.order.access_token)

    def test_every_sms_carries_the_reference_amount_and_pay_link(self):
        with freeze_time(NOW):
            for situation in SITUATIONS:
                template = self.script(situation).sms_template_id
                body = template._render_field("body", self.order.ids)[self.order.id]
                with self.subTest(situation=situation):
                    self.assertIn("Wang Fang", body)
                    self.assertIn(self.order.name, body)
                    self.assertIn("100.00", body)
                    self.assertIn(
                        f"/payment_reminder/pay/{self.order.id}?access_token="
                        f"{self.order.access_token}",
                        body,
                    )

    def test_pay_link_is_ours_with_the_portal_access_token(self):
        url = self.order._payment_reminder_payment_url()
        self.assertEqual(
            url,
            f"{self.order.get_base_url()}/payment_reminder/pay/{self.order.id}"
            f"?access_token={self.order.access_token}",
        )

    def test_time_left_reads_naturally(self):
        order = self.order
        with freeze_time(shop_time(2026, 11, 14, 8, 0)):
            self.assertEqual(order._payment_reminder_time_left(), "1 hour 30 minutes")
        with freeze_time(shop_time(2026, 11, 12, 9, 30)):
            self.assertEqual(order._payment_reminder_time_left(), "2 days")
        with freeze_time(shop_time(2026, 11, 14, 9, 29)):
            self.assertEqual(order._payment_reminder_time_left(), "1 minute")
        with freeze_time(shop_time(2026, 11, 14, 10, 0)):
            self.assertEqual(order._payment_reminder_time_left(), "a few moments")

    def test_dispatch_message_names_the_next_cut_off(self):
        body = self.script("before_dispatch").mail_template_id.body_html
        self.assertIn("_payment_reminder_next_cutoff", body)
        with freeze_time(shop_time(2026, 11, 11, 10, 20)):
            self.assertEqual(self.order._payment_reminder_next_cutoff(), "11:00")
        with freeze_time(shop_time(2026, 11, 11, 16, 10)):
            self.assertEqual(self.order._payment_reminder_next_cutoff(), "17:00")
        with freeze_time(shop_time(2026, 11, 11, 18, 0)):
            self.assertEqual(
                self.order._payment_reminder_next_cutoff(), "11:00 tomorrow"
            )

    def test_main_products_name_the_largest_first(self):
        order = self._order(self.customer, PLACED, product=self.product_scarf)
        order.order_line = [
            Command.create({"product_id": self.product_phone.id}),
            Command.create({"product_id": self.product_flash.id}),
        ]
        self.assertEqual(
            order._payment_reminder_main_products(),
            "Smartphone, Silk scarf and 1 more",
        )

    # === WHICH SCRIPT === #

    def test_first_reminder_of_a_new_customer_uses_the_placed_script(self):
        self.assertEqual(self.chosen(), self.script("placed"))

    def test_final_reminder_says_when_the_order_closes(self):
        self.assertEqual(self.chosen(step="final"), self.script("before_close"))

    def test_returning_customer_gets_the_warmer_script(self):
        self._paid_order(self.customer, shop_time(2026, 10, 1, 10, 0))
        self.assertEqual(self.chosen(), self.script("returning"))

    def test_vip_customer_counts_as_returning(self):
        self.customer.category_id = self.env.ref(
            "payment_reminder.res_partner_category_vip"
        )
        vip_script = self.script("returning").copy({"segment": "vip"})
        self.assertEqual(self.chosen(), vip_script)

    def test_cut_off_mode_uses_the_dispatch_script(self):
        self.company.payment_reminder_cutoff_mode = True
        self.assertEqual(self.chosen(), self.script("before_dispatch"))

    def test_discounted_order_uses_the_adjusted_script(self):
        self.order.order_line.discount = 10.0
        self.assertEqual(self.chosen(), self.script("adjusted"))

    def test_limited_stock_product_uses_the_low_stock_script(self):
        self.product_scarf.product_tag_ids = self.env.ref(
            "payment_reminder.product_tag_limited_stock"
        )
        self.assertEqual(self.chosen(), self.script("low_stock"))

    def test_failed_payment_gets_the_help_script(self):
        self._pay(self.order, state="cancel")
        self.assertEqual(self.chosen(), self.script("payment_help"))

    def test_tag_specific_script_wins_over_the_generic_one(self):
        tea_tag = self.env["product.tag"].create({"name": "Tea"})
        tea_script = self.script("placed").copy(
            {"product_tag_id": tea_tag.id, "sequence": 99}
        )
        self.assertEqual(self.chosen(), self.script("placed"))
        self.product_scarf.product_tag_ids = tea_tag
        self.assertEqual(self.chosen(), tea_script)

    def test_category_script_covers_subcategories(self):
        parent = self.env["product.category"].create({"name": "Accessories"})
        child = self.env["product.category"].create(
            {"name": "Scarves", "parent_id": parent.id}
        )
        self.product_scarf.categ_id = child
        accessories = self.script("placed").copy({"product_categ_id": parent.id})
        self.assertEqual(self.chosen(), accessories)

    def test_archived_script_is_not_used(self):
        tea_tag = self.env["product.tag"].create({"name": "Tea"})
        self.product_scarf.product_tag_ids = tea_tag
        self.script("placed").copy({"product_tag_id": tea_tag.id, "active": False})
        self.assertEqual(self.chosen(), self.script("placed"))

    # === WHO EDITS SCRIPTS === #

    def test_managers_edit_scripts_agents_read_them(self):
        manager = new_test_user(
            self.env,
            "pr_manager",
            groups="payment_reminder.group_payment_reminder_manager",
        )
        agent = new_test_user(
            self.env, "pr_agent", groups="payment_reminder.group_payment_reminder_user"
        )
        script = self.script("placed")
        script.with_user(manager).name = "Just placed"
        self.assertEqual(script.with_user(agent).name, "Just placed")
        with self.assertRaises(AccessError):
            script.with_user(agent).name = "Mine"
