# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError
from odoo.osv import expression
from odoo.tests import Form, new_test_user, tagged
from odoo.tools import html2plaintext
from odoo.tools.safe_eval import safe_eval

from .common import PaymentReminderSendCommon, shop_time

PLACED = shop_time(2026, 11, 11, 9, 30)
# The call is planned at 10:00 into the late-morning call window (11-12).
PLANNED = shop_time(2026, 11, 11, 10, 0)
CALLED = shop_time(2026, 11, 11, 11, 30)


@tagged("post_install", "-at_install")
class TestAgent(PaymentReminderSendCommon):
    """The agent's side: remind now, log what a call gave, my calls, the order."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call_agent = new_test_user(
            cls.env,
            login="sun.li",
            name="Sun Li",
            email="sun.li@example.com",
            tz="Asia/Shanghai",
            groups="sales_team.group_sale_salesman",
        )
        cls.Result = cls.env["payment.reminder.call.result"]
        cls.call_type = cls.env.ref("payment_reminder.mail_activity_type_call")
        cls.message_type = cls.env.ref("payment_reminder.mail_activity_type_message")

    def setUp(self):
        super().setUp()
        self.order = self._order(self.customer, PLACED, user_id=self.call_agent.id)

    # === HELPERS === #

    def plan_call(self, order, at=PLANNED, **values):
        """The sending cron plans a reminder call for the agent."""
        reminder = self.due_reminder(
            order, "phone", at, user_id=self.call_agent.id, **values
        )
        self.send_due(at)
        self.assertEqual(reminder.state, "calling")
        return reminder

    def log_call(self, order, outcome, at, **values):
        """The agent logs the call from the order's "Log call result" button."""
        with freeze_time(at), self.mock_mail_gateway(), self.mockSMSGateway():
            action = order.with_user(self.call_agent).action_payment_reminder_log_call()
            form = Form(
                self.Result.with_user(self.call_agent).with_context(**action["context"])
            )
            form.outcome = outcome
            for name, value in values.items():
                setattr(form, name, value)
            wizard = form.save()
            wizard.action_confirm()
            # An SMS sent after the call leaves through Odoo's SMS queue.
            self.run_sms_queue()
        return wizard

    def calls(self, order):
        return order.activity_ids.filtered(
            lambda a: a.activity_type_id == self.call_type
        )

    def chatter_lines(self, order):
        note = self.env.ref("mail.mt_note")
        return [
            html2plaintext(message.body)
            for message in order.message_ids.sorted("id")
            if message.subtype_id == note and "· attempt" in (message.body or "")
        ]

    def comments(self, order):
        return order.message_ids.filtered(lambda m: m.message_type == "comment")

    # === WILL PAY === #

    def test_will_pay_pauses_the_queue_until_the_promise_then_it_checks_again(self):
        queued = self.due_reminder(
            self.order, "sms", shop_time(2026, 11, 11, 15, 0), step="final"
        )
        self.plan_call(self.order)
        promise = shop_time(2026, 11, 14, 7, 45)
        self.log_call(
            self.order, "will_pay", CALLED, promised_at=promise, send_followup=False
        )
        self.assertEqual(self.order.reminder_promised_at, promise)
        self.assertEqual(self.order.reminder_state, "promised")
        # What was planned waits for the promise.
        self.assertEqual(queued.scheduled_at, promise)
        with self.mockSMSGateway():
            self.send_due(shop_time(2026, 11, 11, 15, 5))
        self.assertEqual(self._sms, [])
        self.build(shop_time(2026, 11, 14, 7, 30))
        self.assertEqual(self.reminders_of(self.customer, state="planned"), queued)
        self.assertEqual(queued.scheduled_at, promise)
        # The promise was not kept: the queue takes the order again and plans
        # the reminder before it closes (09:30).
        self.build(shop_time(2026, 11, 14, 8, 0))
        self.assertFalse(self.order.reminder_promised_at)
        self.assertEqual(self.reminders_of(self.customer, state="planned"), queued)
        self.assertEqual(queued.scheduled_at, shop_time(2026, 11, 14, 9, 0))

    def test_will_pay_holds_the_auto_close_until_the_promise(self):
        self.plan_call(self.order)
        self.log_call(
            self.order,
            "will_pay",
            CALLED,
            promised_at=shop_time(2026, 11, 15, 12, 0),
            send_followup=False,
        )
        # The deadline (72 h: 14 Nov 09:30) passes, the promise holds it open.
        self.env["sale.order"]._cron_close_unpaid(now=shop_time(2026, 11, 14, 10, 0))
        self.assertEqual(self.order.state, "sent")
        self.env["sale.order"]._cron_close_unpaid(now=shop_time(2026, 11, 15, 12, 5))
        self.assertEqual(self.order.state, "cancel")

    def test_will_pay_closes_the_call_and_sends_the_pay_link(self):
        reminder = self.plan_call(self.order)
        self.log_call(
            self.order, "will_pay", CALLED, promised_at=shop_time(2026, 11, 11, 20, 0)
        )
        self.assertEqual(reminder.outcome, "will_pay")
        self.assertFalse(self.calls(self.order))
        done = self.order.message_ids.filtered(
            lambda m: m.mail_activity_type_id == self.call_type
        )
        self.assertIn("Will pay: by 11/11/26, 8:00 PM", html2plaintext(done.body))
        [message] = self.comments(self.order)
        self.assertIn("Thank you for taking our call", message.body)
        self.assertIn(
            f"/payment_reminder/pay/{self.order.id}?access_token="
            f"{self.order.access_token}",
            message.body,
        )
        self.assertEqual(
            self.chatter_lines(self.order)[1:],
            [
                "11/11/26, 11:30 AM · Sun Li · attempt 1 · Phone call · "
                "Will pay: by 11/11/26, 8:00 PM",
                "11/11/26, 11:30 AM · Sun Li · attempt 2 · Portal message · "
                "message posted",
            ],
        )

    # === CALL BACK, WRONG PERSON, NEW NUMBER === #

    def test_call_back_is_planned_in_the_next_call_window(self):
        reminder = self.plan_call(self.order)
        self.assertEqual(reminder.call_window_id.remind_from, 11.0)
        self.log_call(self.order, "call_back", CALLED)
        self.assertEqual(reminder.outcome, "call_back")
        call = self.calls(self.order)
        self.assertEqual(len(call), 1)
        self.assertIn("16:00-17:00", call.summary)
        self.assertEqual(call.user_id, self.call_agent)
        self.assertEqual(call.payment_reminder_id.attempt, 2)
        self.assertEqual(call.payment_reminder_id.step, "manual")
        self.assertEqual(
            self.chatter_lines(self.order)[-1],
            "11/11/26, 11:30 AM · Sun Li · attempt 1 · Phone call · Call back later: "
            "call planned for Sun Li, Wed 11 Nov, 16:00-17:00",
        )

    def test_call_back_at_the_time_the_customer_chose(self):
        self.plan_call(self.order)
        self.log_call(
            self.order,
            "call_back",
            CALLED,
            call_back_at=shop_time(2026, 11, 12, 14, 30),
        )
        call = self.calls(self.order)
        self.assertEqual(str(call.date_deadline), "2026-11-12")
        self.assertIn("Thu 12 Nov, 14:30", call.summary)

    def test_wrong_person_message_left_plans_another_call(self):
        reminder = self.plan_call(self.order)
        self.log_call(self.order, "wrong_person_message_left", CALLED)
        self.assertEqual(reminder.outcome, "wrong_person_message_left")
        self.assertIn("16:00-17:00", self.calls(self.order).summary)

    def test_new_number_updates_the_mobile_and_reschedules(self):
        self.plan_call(self.order)
        self.log_call(self.order, "new_number", CALLED, new_phone="139 0013 9000")
        self.assertEqual(self.customer.mobile, "139 0013 9000")
        self.assertEqual(self.customer.payment_reminder_mobile, "+8613900139000")
        call = self.calls(self.order)
        self.assertEqual(len(call), 1)
        self.assertIn("+86 139 0013 9000", call.note)
        self.assertIn("new number 139 0013 9000", self.chatter_lines(self.order)[-1])

    # === DECLINED, HUNG UP === #

    def test_declined_closes_the_order_with_the_reason(self):
        reminder = self.plan_call(self.order)
        self.log_call(
            self.order,
            "declined",
            CALLED,
            reason_id=self.env.ref("payment_reminder.reason_not_needed"),
        )
        self.assertEqual(self.order.state, "cancel")
        self.assertEqual(self.order.reminder_closed_kind, "manual")
        self.assertEqual(reminder.reason_id.name, "No longer needed")
        bodies = [html2plaintext(m.body) for m in self.order.message_ids]
        self.assertIn(
            "Closed at the customer's request after a call by Sun Li: "
            "No longer needed.",
            bodies,
        )

    def test_hung_up_angry_nobody_contacts_the_customer_again(self):
        other = self._order(self.customer, PLACED, user_id=self.call_agent.id)
        other_call = self.plan_call(other, step="final")
        planned = self.due_reminder(
            self.order,
            "sms",
            shop_time(2026, 11, 12, 15, 0),
            queue_date=datetime(2026, 11, 12).date(),
        )
        self.plan_call(self.order)
        self.log_call(self.order, "hung_up_angry", CALLED)
        self.assertTrue(self.customer.payment_reminder_opt_out)
        # Odoo's own SMS and mailing tools leave them alone too.
        self.assertTrue(
            self.env["phone.blacklist"].search([("number", "=", "+8613800138001")])
        )
        self.assertTrue(
            self.env["mail.blacklist"].search([("email", "=", self.customer.email)])
        )
        self.assertTrue(self.customer.phone_sanitized_blacklisted)
        self.assertTrue(self.customer.is_blacklisted)
        self.assertEqual(planned.state, "cancelled")
        self.assertFalse(self.calls(other), other_call)
        self.assertFalse(self.calls(self.order))
        self.build(shop_time(2026, 11, 12, 10, 0))
        self.assertFalse(self.reminders_of(self.customer, state="planned"))
        with self.mockSMSGateway(), self.mock_mail_gateway():
            self.send_due(shop_time(2026, 11, 12, 12, 0))
        self.assertEqual(self._sms, [])
        self.assertFalse(self.comments(self.order) | self.comments(other))

    # === NO ANSWER === #

    def test_no_answer_rotates_windows_then_sends_a_message(self):
        self.plan_call(self.order)
        self.log_call(self.order, "no_answer", CALLED)
        self.assertIn("Wed 11 Nov, 16:00-17:00", self.calls(self.order).summary)
        self.log_call(self.order, "no_answer", shop_time(2026, 11, 11, 16, 20))
        self.assertIn("Wed 11 Nov, 19:00-21:00", self.calls(self.order).summary)
        self.log_call(self.order, "no_answer", shop_time(2026, 11, 11, 19, 10))
        # The third call without answer is the last: a message instead.
        self.assertFalse(self.calls(self.order))
        [message] = self.comments(self.order)
        self.assertIn(f"access_token={self.order.access_token}", message.body)
        self.assertIn(
            "Sun Li · attempt 3 · Phone call · No answer: 3 calls without answer; "
            "Portal message sent",
            self.chatter_lines(self.order)[-1],
        )
        self.assertEqual(
            self.Reminder.search(
                [("order_ids", "in", self.order.ids), ("outcome", "=", "no_answer")]
            ).mapped("attempt"),
            [3, 2, 1],
        )

    def test_no_answer_avoids_the_window_of_the_last_attempt(self):
        self.plan_call(self.order)
        # Called late, in the evening window: not the evening again, nor the
        # late morning already tried.
        self.log_call(self.order, "no_answer", shop_time(2026, 11, 11, 19, 30))
        self.assertIn("Thu 12 Nov, 16:00-17:00", self.calls(self.order).summary)

    def test_no_answer_limit_is_a_setting_and_without_channel_asks_the_agent(self):
        self.company.payment_reminder_max_call_attempts = 1
        customer = self._customer("Zhou Min", "01062345679", email=False)
        order = self._order(customer, PLACED, user_id=self.call_agent.id)
        self.plan_call(order)
        self.log_call(order, "no_answer", CALLED)
        self.assertFalse(self.calls(order))
        follow_up = order.activity_ids
        self.assertEqual(follow_up.activity_type_id, self.message_type)
        self.assertEqual(follow_up.user_id, self.call_agent)

    # === PAYMENT PROBLEM, REASONS === #

    def test_payment_problem_sends_the_help_script(self):
        reminder = self.plan_call(self.order)
        wizard = self.log_call(
            self.order,
            "payment_problem",
            CALLED,
            reason_id=self.env.ref("payment_reminder.reason_payment_tool"),
            followup_channel="sms",
        )
        self.assertEqual(reminder.reason_id, wizard.reason_id)
        self.assertSMSIapSent(
            ["+8613800138001"],
            content="failed. Open the link, tap Pay now, pick a method",
        )
        help_reminder = self.Reminder.search(
            [("order_id", "=", self.order.id), ("channel", "=", "sms")]
        )
        self.assertSMSIapSent(
            ["+8613800138001"], content=help_reminder.link_tracker_id.short_url
        )
        self.assertEqual(
            help_reminder.link_tracker_id.url,
            self.order._payment_reminder_payment_url(),
        )
        self.assertEqual(len(self._sms), 1)
        self.assertEqual(
            help_reminder.script_id,
            self.env.ref("payment_reminder.script_payment_help"),
        )

    def test_duplicate_reason_offers_to_cancel_the_duplicate_order(self):
        older = self._order(
            self.customer, shop_time(2026, 11, 11, 9, 0), user_id=self.call_agent.id
        )
        self.plan_call(self.order)
        reminder = self.calls(self.order).payment_reminder_id
        reminder.order_ids |= older
        wizard = self.log_call(
            self.order,
            "will_pay",
            CALLED,
            promised_at=shop_time(2026, 11, 11, 20, 0),
            reason_id=self.env.ref("payment_reminder.reason_duplicate"),
        )
        self.assertEqual(wizard.cancel_order_ids, older)
        self.assertEqual(older.state, "cancel")
        self.assertEqual(self.order.state, "sent")

    def test_reasons_are_seeded_and_agents_only_read_them(self):
        reasons = self.env["payment.reminder.reason"].search([])
        self.assertEqual(len(reasons), 9)
        self.assertEqual(
            set(reasons.mapped("action")), {"none", "offer_cancel", "send_help"}
        )
        agent_reasons = reasons.with_user(self.call_agent)
        agent_reasons.mapped("name")
        with self.assertRaises(AccessError):
            agent_reasons[:1].name = "Renamed"

    # === FROM THE CHATTER === #

    def test_done_and_schedule_next_on_a_call_opens_the_call_result(self):
        reminder = self.plan_call(self.order)
        call = self.calls(self.order)
        action = call.with_user(self.call_agent).action_feedback_schedule_next(
            feedback="busy, call later"
        )
        self.assertEqual(action["res_model"], "payment.reminder.call.result")
        self.assertEqual(action["context"]["default_reminder_id"], reminder.id)
        self.assertEqual(action["context"]["default_note"], "busy, call later")
        self.assertTrue(call.exists(), "the wizard marks it done")

    def test_log_call_result_from_the_reminder(self):
        reminder = self.plan_call(self.order)
        action = reminder.with_user(self.call_agent).action_log_call_result()
        self.assertEqual(action["context"]["default_order_id"], self.order.id)
        self.assertEqual(action["context"]["default_reminder_id"], reminder.id)

    # === REMIND NOW === #

    def remind_now_wizard(self, orders, channel="portal", user=None):
        action = orders.with_user(
            user or self.call_agent
        ).action_payment_reminder_send()
        form = Form(
            self.env["payment.reminder.send"]
            .with_user(user or self.call_agent)
            .with_context(**action["context"])
        )
        form.channel = channel
        return form.save()

    def test_remind_now_previews_the_first_customer_text(self):
        with freeze_time(PLANNED):
            wizard = self.remind_now_wizard(self.order)
            self.assertEqual(
                wizard.script_id, self.env.ref("payment_reminder.script_placed")
            )
            self.assertEqual(
                wizard.preview_subject,
                f"{self.order.name}: shall we get your order on its way?",
            )
            self.assertIn("Wang Fang", wizard.preview_body)
            self.assertIn(
                f"/payment_reminder/pay/{self.order.id}?access_token="
                f"{self.order.access_token}",
                wizard.preview_body,
            )
            wizard.channel = "sms"
            # As it leaves: a short link, the signature and the opt-out line.
            self.assertIn("Wang Fang, thanks for order", wizard.preview_body)
            self.assertIn("/r/xxxx", wizard.preview_body)
            self.assertIn("Reply STOP to opt out", wizard.preview_body)

    def test_remind_now_one_manual_reminder_per_customer_sent_once(self):
        second = self._order(self.customer, PLACED, user_id=self.call_agent.id)
        other = self._order(self.returning_customer, PLACED, user_id=self.call_agent.id)
        orders = self.order | second | other
        with freeze_time(PLANNED), self.mock_mail_gateway():
            wizard = self.remind_now_wizard(orders, "email")
            wizard.mail_template_id = self.env.ref(
                "payment_reminder.mail_template_adjusted"
            )
            action = wizard.action_send()
            self.send_due(PLANNED)
        self.assertEqual(action["params"]["type"], "success")
        reminders = self.Reminder.search([("step", "=", "manual")])
        self.assertEqual(len(reminders), 2)
        self.assertEqual(set(reminders.mapped("state")), {"done"})
        self.assertEqual(reminders.user_id, self.call_agent)
        mine = reminders.filtered(lambda r: r.partner_id == self.customer)
        self.assertEqual(mine.order_ids, self.order | second)
        self.assertEqual(mine.order_id, second)
        self.assertSentEmail(
            self.call_agent.partner_id,
            [self.customer],
            subject=f"{second.name}: your price has been updated",
        )
        self.assertSentEmail(
            self.call_agent.partner_id,
            [self.returning_customer],
            subject=f"{other.name}: your price has been updated",
        )
        to_customer = self._new_mails.filtered(
            lambda mail: self.customer in mail.recipient_ids
        )
        self.assertEqual(len(to_customer), 1)
        self.assertIn(
            "Sun Li · attempt 1 · Email · email sent", self.chatter_lines(second)[0]
        )

    def test_remind_now_skips_paid_and_do_not_contact_and_says_so(self):
        paid = self._paid_order(
            self.returning_customer, PLACED, user_id=self.call_agent.id
        )
        blocked = self._customer(
            "Xu Ming", "13800138009", payment_reminder_opt_out=True
        )
        opted_out = self._order(blocked, PLACED, user_id=self.call_agent.id)
        with freeze_time(PLANNED), self.mock_mail_gateway():
            wizard = self.remind_now_wizard(self.order | paid | opted_out)
            self.assertEqual(wizard.customer_count, 1)
            self.assertIn(paid.name, wizard.skipped_text)
            action = wizard.action_send()
        message = action["params"]["message"]
        self.assertIn(f"{paid.name} (Paid meanwhile)", message)
        self.assertIn(f"{opted_out.name} (Asked not to be contacted)", message)
        self.assertEqual(action["params"]["type"], "warning")
        self.assertFalse(
            self.Reminder.search([("order_ids", "in", (paid | opted_out).ids)])
        )
        self.assertEqual(len(self.comments(self.order)), 1)
        self.assertFalse(self.comments(opted_out))

    def test_remind_now_is_bound_to_the_order_list(self):
        action = self.env.ref("payment_reminder.action_payment_reminder_send")
        self.assertEqual(action.binding_model_id.model, "sale.order")
        self.assertEqual(action.binding_view_types, "list")

    # === MY CALLS === #

    def my_calls(self, user, *filters):
        """What the My Calls menu lists for ``user`` on 11 Nov: its domain, its
        default filters (my calls, due today), and ``filters`` ticked."""
        action = self.env.ref("payment_reminder.action_payment_reminder_my_calls")
        self.assertEqual(
            safe_eval(action.context),
            {"search_default_my_calls": 1, "search_default_today": 1},
        )
        arch = etree.fromstring(action.search_view_id.arch)
        context = {
            "uid": user.id,
            "context_today": lambda: datetime(2026, 11, 11).date(),
        }

        def filter_domain(name):
            node = arch.find(f".//filter[@name='{name}']")
            return safe_eval(node.get("domain"), context) or expression.TRUE_DOMAIN

        # Filters of one group are OR-ed, groups AND-ed, as the web client does;
        # "due today" is the shop's day.
        with freeze_time(shop_time(2026, 11, 11, 10, 0)):
            return (
                self.env["mail.activity"]
                .with_user(user)
                .search(
                    expression.AND(
                        [
                            safe_eval(action.domain),
                            expression.OR(
                                [filter_domain(f) for f in ("my_calls", *filters)]
                            ),
                            filter_domain("today"),
                        ]
                    )
                )
            )

    def test_my_calls_lists_my_calls_due_today(self):
        other_agent = new_test_user(
            self.env, login="qian.hao", groups="sales_team.group_sale_salesman"
        )
        mine = self.order.activity_schedule(
            "payment_reminder.mail_activity_type_call",
            date_deadline=datetime(2026, 11, 11).date(),
            user_id=self.call_agent.id,
        )
        self.order.activity_schedule(
            "payment_reminder.mail_activity_type_call",
            date_deadline=datetime(2026, 11, 12).date(),
            user_id=self.call_agent.id,
        )
        self.order.activity_schedule(
            "mail.mail_activity_data_todo",
            date_deadline=datetime(2026, 11, 11).date(),
            user_id=self.call_agent.id,
        )
        theirs = self.order.activity_schedule(
            "payment_reminder.mail_activity_type_call",
            date_deadline=datetime(2026, 11, 11).date(),
            user_id=other_agent.id,
        )
        self.assertEqual(self.my_calls(self.call_agent), mine)
        manager = self.env.ref("base.user_admin")
        self.assertEqual(self.my_calls(manager, "all_agents"), mine | theirs)

    # === THE ORDER AT A GLANCE === #

    def test_order_shows_reminders_done_last_result_and_reason(self):
        self.assertEqual(self.order.reminder_done_count, 0)
        self.assertFalse(self.order.reminder_last_result)
        self.plan_call(self.order)
        self.assertTrue(self.order.reminder_has_call)
        self.log_call(
            self.order,
            "will_pay",
            CALLED,
            promised_at=shop_time(2026, 11, 12, 18, 0),
            reason_id=self.env.ref("payment_reminder.reason_balance"),
            send_followup=False,
        )
        self.order.invalidate_recordset()
        self.assertEqual(self.order.reminder_done_count, 1)
        self.assertEqual(self.order.reminder_last_outcome, "will_pay")
        self.assertEqual(
            self.order.reminder_last_result,
            "11/11/26, 11:30 AM · Phone call · Will pay · "
            "Insufficient balance or payment limit",
        )
        self.assertEqual(
            self.order.reminder_reason_id,
            self.env.ref("payment_reminder.reason_balance"),
        )
        self.assertFalse(self.order.reminder_has_call)
