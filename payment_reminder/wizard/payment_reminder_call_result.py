# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime

from ..const import OUTCOMES
from ..utils import shop_day

# Outcomes after which the customer gets the payment link (or the help script).
FOLLOWUP_OUTCOMES = ("will_pay", "call_back", "wrong_person_message_left", "new_number")
FOLLOWUP_CHANNELS = [
    ("portal", "Portal message"),
    ("sms", "SMS"),
    ("email", "Email"),
]


class PaymentReminderCallResult(models.TransientModel):
    _name = "payment.reminder.call.result"
    _description = "Log a payment reminder call"

    order_id = fields.Many2one(
        "sale.order", string="Order", required=True, readonly=True
    )
    partner_id = fields.Many2one(related="order_id.partner_id", string="Customer")
    phone = fields.Char(related="order_id.partner_id.phone", string="Phone")
    mobile = fields.Char(related="order_id.partner_id.mobile", string="Mobile")
    reminder_id = fields.Many2one("payment.reminder", string="Reminder", readonly=True)
    activity_id = fields.Many2one("mail.activity", string="Call", readonly=True)
    attempt = fields.Integer(related="reminder_id.attempt")
    outcome = fields.Selection(OUTCOMES, required=True)
    promised_at = fields.Datetime(
        string="Will pay by",
        help="Reminders and automatic closing wait until then; if the order is "
        "still unpaid, the queue picks it up again.",
    )
    call_back_at = fields.Datetime(
        string="Call again at",
        help="Leave empty to call in the next call window.",
    )
    new_phone = fields.Char(string="New number")
    reason_id = fields.Many2one(
        "payment.reminder.reason", string="Reason for not paying"
    )
    reason_action = fields.Selection(related="reason_id.action")
    unpaid_order_ids = fields.Many2many(
        "sale.order", compute="_compute_unpaid_order_ids", string="Unpaid orders"
    )
    cancel_order_ids = fields.Many2many(
        "sale.order",
        "payment_reminder_call_result_cancel_rel",
        string="Cancel as duplicates",
        compute="_compute_cancel_order_ids",
        store=True,
        readonly=False,
        help="The orders placed by mistake or twice: they are closed, and the "
        "customer is not reminded of them again.",
    )
    send_followup = fields.Boolean(
        string="Send the payment link",
        compute="_compute_send_followup",
        store=True,
        readonly=False,
        help="Right after the call, leave the customer a message with the link to "
        "pay (the help script when they have trouble paying).",
    )
    followup_channel = fields.Selection(
        FOLLOWUP_CHANNELS,
        string="By",
        compute="_compute_followup_channel",
        store=True,
        readonly=False,
    )
    note = fields.Text(string="Feedback")

    # === COMPUTE METHODS === #

    @api.depends("order_id", "reminder_id")
    def _compute_unpaid_order_ids(self):
        for wizard in self:
            wizard.unpaid_order_ids = wizard._unpaid_orders()

    @api.depends("reason_id", "unpaid_order_ids")
    def _compute_cancel_order_ids(self):
        for wizard in self:
            if wizard.reason_id.action != "offer_cancel":
                wizard.cancel_order_ids = False
                continue
            # The reminder is about the latest order, the customer's final
            # decision: the duplicates are the others, or that one alone.
            orders = wizard.unpaid_order_ids._origin
            wizard.cancel_order_ids = orders - wizard.order_id._origin or orders

    @api.depends("outcome", "reason_id")
    def _compute_send_followup(self):
        for wizard in self:
            wizard.send_followup = wizard.outcome == "will_pay" or (
                wizard.outcome in FOLLOWUP_OUTCOMES
                and wizard.reason_id.action == "send_help"
            )

    @api.depends("order_id")
    def _compute_followup_channel(self):
        for wizard in self:
            wizard.followup_channel = wizard._usable_channel()

    # === ACTION METHODS === #

    @api.model
    def _action_open(self, order, reminder=None, activity=None, note=False):
        """The wizard for a call about ``order`` (and its reminder, activity)."""
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Log call result"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {
                "default_order_id": order.id,
                "default_reminder_id": (reminder or self._last_call(order)).id,
                "default_activity_id": activity.id if activity else False,
                "default_note": note or False,
            },
        }

    def action_confirm(self):
        """The call was made now: mark it done, apply the outcome, close the
        call with feedback, note it on the order."""
        self.ensure_one()
        self._check_values()
        now = fields.Datetime.now()
        reminder = self._get_reminder(now)
        reminder._reminder_call_made(now)
        activities = self._call_activities(reminder)
        # What the outcome does (closing the order, do not contact) removes
        # the customer's calls still to make, not the one being logged.
        wizard = self.with_context(payment_reminder_logged_activity_ids=activities.ids)
        detail = getattr(wizard, f"_outcome_{self.outcome}")(reminder, now)
        if self.cancel_order_ids and self.reason_id.action == "offer_cancel":
            wizard._cancel_duplicates(reminder)
        reminder.write({"outcome": self.outcome, "reason_id": self.reason_id.id})
        result = self._result_text(detail)
        activities.exists().action_feedback(feedback=result)
        with reminder._reminder_batch(now) as batch:
            reminder._reminder_log_attempt(now, result, batch)
        if self.send_followup and self.outcome in FOLLOWUP_OUTCOMES:
            self._send_message(reminder, now, self._followup_script())
        return {"type": "ir.actions.act_window_close"}

    # === OUTCOMES: one method each, returning the detail for the chatter === #

    def _outcome_will_pay(self, reminder, now):
        """Nobody reminds them until the promise; then the queue checks again.

        The queue leaves promised orders alone and auto-close waits; reminders
        already planned (by any agent) wait for the promise too, rather than
        being cancelled: once it expires the queue refreshes them.
        """
        orders = self.unpaid_order_ids
        orders.reminder_promised_at = self.promised_at
        self.env["payment.reminder"].sudo().search(
            [
                ("order_ids", "in", orders.ids),
                ("state", "=", "planned"),
                ("scheduled_at", "<", self.promised_at),
            ]
        ).scheduled_at = self.promised_at
        return self.env._("by %(when)s", when=self._format(self.promised_at))

    def _outcome_call_back(self, reminder, now):
        return self._plan_next_call(reminder, now)

    def _outcome_declined(self, reminder, now):
        """Close what the customer no longer wants, politely, with the reason."""
        orders = self._closable(self.unpaid_order_ids)
        orders._payment_reminder_close(
            kind="manual",
            reason=self.env._(
                "Closed at the customer's request after a call by %(agent)s: "
                "%(reason)s.",
                agent=self.env.user.name,
                reason=self._reason_text(),
            ),
        )
        return self.env._("closed %(orders)s", orders=", ".join(orders.mapped("name")))

    def _outcome_wrong_person_message_left(self, reminder, now):
        return self._plan_next_call(reminder, now)

    def _outcome_new_number(self, reminder, now):
        contact = self.order_id.partner_id
        number = contact._phone_format(number=self.new_phone)
        # The agent records what the customer said: sales users may not edit
        # contacts, this one number they may.
        field = "mobile" if contact._payment_reminder_mobile_of(number) else "phone"
        contact.sudo()[field] = self.new_phone
        return self.env._(
            "new number %(number)s; %(call)s",
            number=self.new_phone,
            call=self._plan_next_call(reminder, now),
        )

    def _outcome_no_answer(self, reminder, now):
        """Call again in another window, up to the limit; then a message."""
        calls = (
            self.env["payment.reminder"]
            .sudo()
            .search(
                [
                    ("order_ids", "in", reminder.order_id.ids),
                    ("channel", "=", "phone"),
                    ("outcome", "=", "no_answer"),
                ]
            )
        ) | reminder.sudo()
        limit = reminder.company_id.payment_reminder_max_call_attempts
        if len(calls) < limit:
            last = reminder.call_window_id | reminder._reminder_call_window_at(now)
            start, end = reminder._reminder_call_slot_after(
                now, tried=calls.call_window_id, last=last
            )
            return self._plan_call(reminder, start, end, now)
        return self.env._(
            "%(count)s calls without answer; %(message)s",
            count=len(calls),
            message=self._send_message(reminder, now),
        )

    def _outcome_hung_up_angry(self, reminder, now):
        """Never contact this customer again, on any channel, whoever plans it:
        their numbers and e-mail go to Odoo's blacklists too, which Odoo's other
        SMS and mailing tools respect."""
        partner = self.order_id.partner_id.commercial_partner_id
        # Recording the customer's wish is every agent's duty, not only the
        # contact managers'.
        contacts = (self.order_id.partner_id | partner).sudo()
        self.env["payment.reminder"]._reminder_opt_out(
            contacts,
            numbers=[
                contact._phone_format(number=number)
                for contact in contacts
                for number in (contact.mobile, contact.phone)
                if number
            ],
            emails=contacts.mapped("email_normalized"),
            message=self.env._(
                "Hung up angry on a payment reminder call about %(order)s.",
                order=self.order_id.name,
            ),
        )
        Reminder = self.env["payment.reminder"].sudo()
        Reminder.search(
            [
                ("state", "=", "planned"),
                "|",
                ("partner_id", "=", partner.id),
                ("customer_key", "=", reminder.customer_key),
            ]
        ).state = "cancelled"
        orders = self.env["sale.order"].search(
            [("partner_id", "child_of", partner.id), ("awaiting_payment", "=", True)]
        )
        message_type = self.env.ref("payment_reminder.mail_activity_type_message")
        activities = (
            orders.activity_ids.filtered(lambda a: a.activity_type_id == message_type)
            | orders._payment_reminder_call_activities()
        )
        logged = self.env.context.get("payment_reminder_logged_activity_ids") or []
        activities.filtered(lambda a: a.id not in logged).sudo().unlink()
        return self.env._("will not be contacted again")

    def _outcome_payment_problem(self, reminder, now):
        return self._send_message(reminder, now, self._find_script("payment_help"))

    # === BUSINESS METHODS === #

    @api.model
    def _last_call(self, order):
        """The call to make about ``order``, else the latest one made, if any."""
        Reminder = self.env["payment.reminder"]
        domain = [("order_ids", "in", order.ids), ("channel", "=", "phone")]
        return Reminder.search(
            domain + [("state", "=", "calling")],
            order="scheduled_at desc, id desc",
            limit=1,
        ) or Reminder.search(
            domain + [("state", "=", "done")], order="done_at desc, id desc", limit=1
        )

    def _unpaid_orders(self):
        self.ensure_one()
        reminder = self.reminder_id._origin
        orders = reminder.order_ids | reminder.order_id | self.order_id._origin
        return orders.filtered("awaiting_payment")

    def _usable_channel(self):
        """The first follow-up channel that reaches the customer, else False."""
        self.ensure_one()
        if not self.order_id:
            return False
        Reminder = self.env["payment.reminder"]
        contact = self.order_id._origin.partner_id
        for channel, _label in FOLLOWUP_CHANNELS:
            if Reminder._reminder_can_reach(contact, channel):
                return channel
        return False

    def _check_values(self):
        self.ensure_one()
        now = fields.Datetime.now()
        if self.outcome == "will_pay" and not self.promised_at:
            raise UserError(self.env._("When will the customer pay? Set the date."))
        if self.outcome == "will_pay" and self.promised_at <= now:
            raise UserError(
                self.env._("The promised payment date must be in the future.")
            )
        if self.call_back_at and self.call_back_at <= now:
            raise UserError(self.env._("The call back time must be in the future."))
        if self.outcome == "new_number" and not self.new_phone:
            raise UserError(self.env._("Enter the customer's new number."))
        if self.outcome == "new_number" and not self.order_id.partner_id._phone_format(
            number=self.new_phone
        ):
            raise UserError(
                self.env._(
                    "%(number)s is not a valid phone number.", number=self.new_phone
                )
            )
        if self.outcome in ("declined", "payment_problem") and not self.reason_id:
            raise UserError(self.env._("Why does the customer not pay? Pick a reason."))
        if self.outcome == "declined" and not self.unpaid_order_ids:
            raise UserError(
                self.env._("The customer has no unpaid order left to close.")
            )

    def _get_reminder(self, now):
        """The reminder the call belongs to; one is made for a call planned by hand."""
        self.ensure_one()
        reminder = self.reminder_id
        if not reminder:
            reminder = self.env["payment.reminder"]._reminder_create_manual(
                self.order_id, "phone", self.env.user, now, state="done", done_at=now
            )
            reminder.attempt = reminder._reminder_attempt_number()
        if not reminder.user_id:
            reminder.user_id = self.env.user
        return reminder

    def _plan_next_call(self, reminder, now):
        """Another call at the chosen time, else in the next call window."""
        if self.call_back_at:
            start = end = self.call_back_at
        else:
            start, end = reminder._reminder_call_slot_after(now)
        return self._plan_call(reminder, start, end, now)

    def _plan_call(self, reminder, start, end, now):
        """The next call is a new reminder of its own, attempt N + 1, a call
        to make (not done) until the agent makes it.

        :return: what the chatter line says about it
        """
        company = reminder.company_id
        call = self.env["payment.reminder"]._reminder_create_manual(
            self.unpaid_order_ids or self.order_id,
            "phone",
            reminder.user_id,
            now,
            state="calling",
            scheduled_at=start,
            queue_date=shop_day(company, start),
            attempt=reminder.attempt + 1,
        )
        with call._reminder_batch(now) as batch:
            return call._reminder_plan_call(start, end, now, batch)

    def _send_message(self, reminder, now, script=None):
        """Send a message through the sending section, else ask the agent to.

        :return: what the chatter line says about it
        """
        channel = self.followup_channel or self._usable_channel()
        if channel:
            message = self.env["payment.reminder"]._reminder_create_manual(
                self.unpaid_order_ids or self.order_id,
                channel,
                reminder.user_id,
                now,
                script_id=script.id if script else False,
            )
            message._reminder_send(now)
            if message.state == "done":
                return self.env._(
                    "%(channel)s sent", channel=message._reminder_channel_label(channel)
                )
        self.order_id.activity_schedule(
            "payment_reminder.mail_activity_type_message",
            user_id=reminder.user_id.id,
            note=self._reason_text(),
        )
        return self.env._("follow up by message")

    def _followup_script(self):
        situation = (
            "payment_help" if self.reason_id.action == "send_help" else "after_call"
        )
        return self._find_script(situation)

    def _find_script(self, situation):
        order = self.order_id
        return self.env["payment.reminder.script"]._find(
            situation, order._payment_reminder_segment(), order
        )

    def _cancel_duplicates(self, reminder):
        self._closable(self.cancel_order_ids)._payment_reminder_close(
            kind="manual",
            reason=self.env._(
                "Closed after a call by %(agent)s: the customer ordered it by "
                "mistake or twice.",
                agent=self.env.user.name,
            ),
        )

    def _closable(self, orders):
        """Unpaid quotations: a confirmed sale is the salesperson's to cancel."""
        return orders.filtered(
            lambda o: o.awaiting_payment and o.state in ("draft", "sent")
        )

    def _call_activities(self, reminder):
        """The call activity being logged: the wizard's, else the reminder's."""
        return self.activity_id.exists() or self.order_id.activity_ids.filtered(
            lambda a: a.payment_reminder_id == reminder
        )

    def _reason_text(self):
        return "; ".join(filter(None, [self.reason_id.name, self.note]))

    def _result_text(self, detail):
        """Outcome: detail; reason; feedback, as the chatter line ends."""
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        parts = [detail, self.reason_id.name, self.note]
        text = "; ".join(part for part in parts if part)
        label = outcomes[self.outcome]
        return (
            self.env._("%(outcome)s: %(detail)s", outcome=label, detail=text)
            if text
            else label
        )

    def _format(self, moment):
        return format_datetime(
            self.env,
            moment,
            tz=self.order_id.company_id.payment_reminder_tz,
            dt_format="short",
        )
