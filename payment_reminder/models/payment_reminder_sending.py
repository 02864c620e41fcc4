# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sending the reminders that are due: claim, check, send, note.

The model is ``payment.reminder`` (``payment_reminder.py``); this part holds
the sending cron and everything one reminder goes through when it is due:
the check before sending, quiet hours, the channel that still reaches the
customer, the script, the message or the call, and the line on the order.
"""

import logging
from collections import defaultdict
from datetime import timedelta

import pytz

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL, format_amount, format_datetime

from .payment_reminder_queue import ReminderCandidate
from .payment_reminder_window import float_to_time

_logger = logging.getLogger(__name__)

# Sending: reminders claimed per batch, and how often a failure is tried again.
SEND_BATCH_SIZE = 200
MAX_RETRIES = 3
RETRY_DELAY = timedelta(minutes=30)
# A reminder that went out after its customer started paying lost a race with
# the payment when it went out this long at most after the payment came in
# (longer after, the payment only covered part of the order); payments of the
# last hour are looked at again by the sending cron.
PAYMENT_RACE_WINDOW = timedelta(minutes=10)
PAYMENT_RACE_LOOKBACK = timedelta(hours=1)


def _no_memo(_key, compute):
    """``ReminderSendBatch.memo`` without a batch: compute every time."""
    return compute()


class ReminderSendBatch:
    """What the reminders of one sending batch share, read once for the batch,
    and what they leave to do together at the end of it.

    Every reminder sent asks the same questions: how often was the customer
    contacted, is it a returning customer, which scripts and call windows has
    the company. Asked reminder by reminder they cost a dozen queries each;
    the batch answers them with a few grouped reads, then from memory. The
    calls it plans and the chatter lines it writes are created together once
    every reminder of the batch went through its checks.
    """

    def __init__(self, reminders):
        self.reminders = reminders
        self.segments = reminders.order_id._payment_reminder_segments()
        # Read on first use only: a batch may plan no call.
        self._history = None
        self._scripts = {}
        self._windows = {}
        self._refs = {}
        self._memo = {}
        # (reminder, mail.activity values) of the calls planned
        self.calls = []
        # (reminder, order, body) of the chatter lines to write
        self.notes = []

    def memo(self, key, compute):
        """``compute()``, computed once a batch for ``key``: what is the same
        for the batch's reminders of a company (its next call slot, ...)."""
        if key not in self._memo:
            self._memo[key] = compute()
        return self._memo[key]

    def ref(self, xmlid):
        """``env.ref(xmlid, raise_if_not_found=False)``, checked once a batch."""
        if xmlid not in self._refs:
            self._refs[xmlid] = self.reminders.env.ref(xmlid, raise_if_not_found=False)
        return self._refs[xmlid]

    def history(self, reminder):
        """The other reminders of ``reminder``'s customer, any state, oldest
        first: their states are read when asked, as the batch goes."""
        if self._history is None:
            reminders = self.reminders
            customers = reminders.search(
                [
                    ("company_id", "in", reminders.company_id.ids),
                    ("customer_key", "in", list(set(reminders.mapped("customer_key")))),
                ],
                order="scheduled_at, id",
            )
            self._history = customers.grouped(
                lambda other: (other.company_id.id, other.customer_key)
            )
        key = (reminder.company_id.id, reminder.customer_key)
        return self._history.get(key, reminder.browse()) - reminder

    def attempt_number(self, reminder):
        """As ``_reminder_attempt_number``: the batch's reminders already done
        count as they are sent."""
        done = self.history(reminder).filtered(lambda other: other.state == "done")
        return len(done) + 1

    def scripts(self, situation, company):
        key = (situation, company.id)
        if key not in self._scripts:
            self._scripts[key] = self.reminders.env[
                "payment.reminder.script"
            ]._find_candidates(situation, company)
        return self._scripts[key]

    def call_windows(self, company):
        if company.id not in self._windows:
            self._windows[company.id] = self.reminders.env[
                "payment.reminder.window"
            ]._get_windows(company, "call")
        return self._windows[company.id]

    def forget(self, reminder):
        """Drop what ``reminder`` left to do: its sending was rolled back."""
        self.calls = [call for call in self.calls if call[0] != reminder]
        self.notes = [note for note in self.notes if note[0] != reminder]


class PaymentReminder(models.Model):
    _inherit = "payment.reminder"

    # === SENDING === #

    sent_after_payment = fields.Boolean(
        string="Sent after payment",
        readonly=True,
        copy=False,
        help="The reminder went out after the customer had started paying: the "
        "payment and the reminder crossed.",
    )

    @api.model
    def _cron_send_due(self):
        """Send the reminders that are due, batch by batch, each claimed once."""
        now = fields.Datetime.now()
        self._reminder_flag_recent_payments(now)
        cron = self.env["ir.cron"]
        done, seen = 0, []
        while reminders := self._reminder_claim_due(now, seen):
            reminders._send(now)
            done += len(reminders)
            seen += reminders.ids
            cron._notify_progress(
                done=done, remaining=self._reminder_count_due(now, seen)
            )
            self.env["sale.order"]._payment_reminder_commit()

    @api.model
    def _reminder_due_sql(self, now, seen):
        """Planned reminders due by ``now``, and failed ones still to retry."""
        self.flush_model(["company_id", "scheduled_at", "state", "retry_count"])
        self.env["res.company"].flush_model(["payment_reminder_enabled"])
        return SQL(
            """
              FROM payment_reminder reminder
              JOIN res_company company ON company.id = reminder.company_id
             WHERE company.payment_reminder_enabled
               AND reminder.scheduled_at <= %(now)s
               AND (reminder.state = 'planned'
                    OR (reminder.state = 'failed'
                        AND reminder.retry_count <= %(max_retries)s))
               AND reminder.id != ALL(%(seen)s)
            """,
            now=now,
            max_retries=MAX_RETRIES,
            seen=seen,
        )

    @api.model
    def _reminder_claim_due(self, now, seen):
        """Lock a batch of due reminders; rows another worker holds are skipped,
        so two workers never send the same reminder."""
        rows = self.env.execute_query(
            SQL(
                "SELECT reminder.id %s "
                "ORDER BY reminder.scheduled_at, reminder.id LIMIT %s "
                "FOR UPDATE OF reminder SKIP LOCKED",
                self._reminder_due_sql(now, seen),
                SEND_BATCH_SIZE,
            )
        )
        return self.browse([row[0] for row in rows])

    @api.model
    def _reminder_count_due(self, now, seen):
        rows = self.env.execute_query(
            SQL("SELECT COUNT(*) %s", self._reminder_due_sql(now, seen))
        )
        return rows[0][0]

    def _send(self, now=None):
        """Send these reminders one by one: a failure stops no other."""
        now = now or fields.Datetime.now()
        batch = ReminderSendBatch(self)
        # The orders' reminder state follows their reminders' states: computed
        # once for the batch rather than flushed after each reminder.
        orders = self.order_ids | self.order_id
        order_state = orders._fields["reminder_state"]
        with self.env.protecting([order_state], orders):
            for index, reminder in enumerate(self):
                self[index:]._reminder_prefetch_for_send()
                # The savepoint flushes and runs the precommit hooks (tracking)
                # on entering and leaving: a failure rolls back this reminder.
                try:
                    with self.env.cr.savepoint():
                        reminder._reminder_send_one(now, batch)
                except Exception as error:  # pylint: disable=broad-except
                    _logger.info("Payment reminder %s failed: %s", reminder.id, error)
                    batch.forget(reminder)
                    reminder._reminder_fail(error, now)
        self.env.add_to_compute(order_state, orders)
        for reminder in self._reminder_create_calls(batch.calls, now):
            batch.forget(reminder)
        self._reminder_log_notes(batch.notes)

    def _reminder_prefetch_for_send(self):
        """Read at once what sending and flushing each reminder reads on its
        orders: their reminder state is recomputed after each reminder.

        Read again when the cache lost it: an email sent at once (in tests)
        deletes itself, which empties the cache.
        """
        order = self[:1].order_id
        if order and self.env.cache.contains(order, order._fields["reminder_ids"]):
            return
        orders = self.order_ids | self.order_id
        orders.fetch(
            [
                "state",
                "partner_id",
                "awaiting_payment",
                "reminder_promised_at",
                "reminder_closed_kind",
                "reminder_ids",
            ]
        )

    def _reminder_send_one(self, now, batch=None):
        """Check, time, choose the script, send, and note it on the order.

        :param batch: the ``ReminderSendBatch`` of the reminders sent with this one
        """
        self.ensure_one()
        batch = batch or ReminderSendBatch(self)
        skip_values = self._reminder_check_before_send()
        if skip_values:
            self.write(skip_values)
            return
        channel, detour = self._reminder_reachable_channel()
        if channel != "phone":
            allowed = self._reminder_next_allowed_moment(now)
            if allowed > now:
                self.scheduled_at = allowed
                return
        self.write(
            {
                "channel": channel,
                "attempt": batch.attempt_number(self),
                "script_id": self._reminder_choose_script(batch).id,
            }
        )
        result = self._reminder_senders(batch)[channel](now)
        # When it really went out, for a payment racing the batch.
        done_at = max(now, fields.Datetime.now())
        self.write({"state": "done", "done_at": done_at, "error_message": False})
        if detour:
            result = self.env._("%(result)s (%(detour)s)", result=result, detour=detour)
        self._reminder_log_attempt(now, result, batch)

    def _reminder_check_before_send(self):
        """What to write instead of sending when the order no longer needs it."""
        self.ensure_one()
        order = self.order_id
        if order.state == "cancel":
            return {"state": "cancelled"}
        if not order.awaiting_payment:
            return {"state": "skipped", "skip_reason": "paid"}
        if order._payment_reminder_has_payment_in_progress():
            return {"state": "skipped", "skip_reason": "payment_in_progress"}
        if order.partner_id.commercial_partner_id.payment_reminder_opt_out:
            return {"state": "skipped", "skip_reason": "opt_out"}
        return {}

    def _reminder_fail(self, error, now):
        """Mark the reminder failed; it is tried again later a few times."""
        self.ensure_one()
        retry_count = self.retry_count + 1
        values = {
            "state": "failed",
            "error_message": str(error) or type(error).__name__,
            "retry_count": retry_count,
        }
        if retry_count <= MAX_RETRIES:
            values["scheduled_at"] = now + RETRY_DELAY
        self.write(values)

    # --- sending: a payment crossing the reminder --- #

    @api.model
    def _reminder_flag_sent_after_payment(self, transactions):
        """Flag the reminders that went out while a payment of their orders was
        already under way: the check before sending could not see it yet.

        :param transactions: payment.transaction, those authorized or confirmed
            count
        :return: the reminders flagged
        """
        payments = transactions.filtered(
            lambda tx: tx.state in ("authorized", "done")
            and tx.operation != "refund"
            and tx.sale_order_ids
        )
        if not payments:
            return self.browse()
        reminders = self.search(
            [
                ("order_ids", "in", payments.sale_order_ids.ids),
                ("state", "=", "done"),
                ("sent_after_payment", "=", False),
            ]
        )
        payments_by_order = defaultdict(list)
        for payment in payments:
            for order in payment.sale_order_ids:
                payments_by_order[order].append(payment)
        crossed = reminders.filtered(
            lambda reminder: any(
                reminder._reminder_sent_during(payment)
                for order in reminder.order_ids
                for payment in payments_by_order[order]
            )
        )
        if crossed:
            crossed.sent_after_payment = True
            _logger.info(
                "Payment reminders %s went out after the customer started paying",
                crossed.ids,
            )
        return crossed

    def _reminder_sent_during(self, transaction):
        """Whether this reminder went out after ``transaction`` started, and not
        long after it was paid."""
        self.ensure_one()
        paid_at = transaction.payment_reminder_paid_at or transaction.last_state_change
        return transaction.create_date <= self.done_at <= paid_at + PAYMENT_RACE_WINDOW

    @api.model
    def _reminder_flag_recent_payments(self, now):
        """Look at the payments of the last hour again: a reminder whose batch
        was committed after the payment was recorded was not visible then."""
        payments = (
            self.env["payment.transaction"]
            .sudo()
            .search([("payment_reminder_paid_at", ">=", now - PAYMENT_RACE_LOOKBACK)])
        )
        return self.sudo()._reminder_flag_sent_after_payment(payments)

    # --- sending: channel, moment, script --- #

    def _reminder_candidate(self):
        """The reminder as the queue builder weighs customers."""
        self.ensure_one()
        return ReminderCandidate(
            self.customer_key, self.order_ids, self.step, self.order_id
        )

    @api.model
    def _reminder_candidate_for(self, order):
        """``order`` alone as the queue builder weighs customers."""
        return ReminderCandidate(order.reminder_customer_key, order, "manual", order)

    def _reminder_reachable_channel(self):
        """The channel to use now, and why it is not the planned one.

        A mobile number that turned out to be a landline or invalid cannot get
        an SMS: the next channel of the channel rules that reaches the customer
        is used instead.

        :return: (channel, explanation or "")
        """
        self.ensure_one()
        queue = self.env["payment.reminder.queue"]
        candidate = self._reminder_candidate()
        contact = self.order_id.partner_id
        if not self.channel:
            raise UserError(self.env._("No channel was chosen for this reminder."))
        if queue._reminder_channel_usable(candidate, self.channel):
            return self.channel, ""
        if self.channel != "sms":
            raise UserError(
                self.env._(
                    "%(customer)s cannot be reached by %(channel)s: the address or "
                    "number is missing or blacklisted.",
                    customer=contact.display_name,
                    channel=self._reminder_channel_label(self.channel),
                )
            )
        rules = self.env["payment.reminder.channel.rule"].search(
            [("company_id", "in", (False, self.company_id.id))]
        )
        channels = rules.filtered(lambda rule: rule.step in (False, self.step)).mapped(
            "channel"
        )
        number = contact.phone_sanitized or contact.mobile or contact.phone
        reason = (
            self.env._("no SMS: %(number)s is not a mobile number", number=number)
            if number
            else self.env._("no SMS: no mobile number")
        )
        for channel in dict.fromkeys(channels):
            if channel != "sms" and queue._reminder_channel_usable(candidate, channel):
                return channel, reason
        raise UserError(
            self.env._(
                "%(reason)s, and no other channel reaches the customer.", reason=reason
            )
        )

    def _reminder_next_allowed_moment(self, now):
        """``now``, or the end of the customer's quiet hours when ``now`` is in them."""
        self.ensure_one()
        company = self.company_id
        start = company.payment_reminder_quiet_start
        end = company.payment_reminder_quiet_end
        if start == end:
            return now
        tz = self.order_id._payment_reminder_tz()
        local = pytz.utc.localize(now).astimezone(tz)
        hour = local.hour + local.minute / 60 + local.second / 3600
        day = local.date()
        if start < end:
            quiet = start <= hour < end
        else:
            quiet = hour >= start or hour < end
            if hour >= start:
                day += timedelta(days=1)
        if not quiet:
            return now
        return self.env["payment.reminder.queue"]._reminder_utc(
            tz, day, float_to_time(end)
        )

    def _reminder_attempt_number(self):
        """The how-manyeth contact with this customer this reminder is."""
        self.ensure_one()
        return (
            self.search_count(
                [
                    ("company_id", "=", self.company_id.id),
                    ("customer_key", "=", self.customer_key),
                    ("state", "=", "done"),
                    ("id", "!=", self.id),
                ]
            )
            + 1
        )

    def _reminder_choose_script(self, batch=None):
        """The script of the first situation that has one for this order; the
        script an agent chose for a manual reminder wins."""
        self.ensure_one()
        if self.step == "manual" and self.script_id:
            return self.script_id
        batch = batch or ReminderSendBatch(self)
        order = self.order_id
        segment = batch.segments[order.id]
        scripts = self.env["payment.reminder.script"]
        for situation in self._reminder_situations(segment, batch):
            script = batch.scripts(situation, order.company_id)._best_for(
                segment, order
            )
            if script:
                return script
        return scripts

    def _reminder_situations(self, segment, batch=None):
        """The situations the reminder speaks to, the most fitting first.

        The last reminder says when the order closes; a customer whose payment
        failed needs help before anything else; returning customers get the
        warmer words; in cut-off mode, same-day dispatch is the argument; then
        an adjusted price, scarce stock, and the plain reminder last.
        """
        self.ensure_one()
        order = self.order_id
        situations = []
        if self.step == "final":
            situations.append("before_close")
        if order._payment_reminder_had_payment_problem():
            situations.append("payment_help")
        if segment in ("returning", "vip"):
            situations.append("returning")
        if self.company_id.payment_reminder_cutoff_mode:
            situations.append("before_dispatch")
        if order._payment_reminder_was_adjusted():
            situations.append("adjusted")
        tag = batch and batch.ref("payment_reminder.product_tag_limited_stock")
        if order._payment_reminder_has_limited_stock(tag):
            situations.append("low_stock")
        situations.append("placed")
        return situations

    # --- sending: one method per channel --- #

    def _reminder_senders(self, batch=None):
        """Channel -> method sending the reminder by it and returning the result."""
        return {
            "portal": self._reminder_send_portal,
            "email": self._reminder_send_email,
            "sms": self._reminder_send_sms,
            "phone": lambda now: self._reminder_send_phone(now, batch),
        }

    def _reminder_mail_template(self):
        self.ensure_one()
        template = self.mail_template_id or self.script_id.mail_template_id
        if not template:
            raise UserError(
                self.env._(
                    "No message template for this reminder (script: %(script)s).",
                    script=self.script_id.display_name or "-",
                )
            )
        return template

    def _reminder_post_script(self, **post_values):
        """Post the script's message on the order, addressed to the customer."""
        order = self.order_id
        order.message_post_with_source(
            self._reminder_mail_template(),
            subtype_xmlid="mail.mt_comment",
            partner_ids=order.partner_id.ids,
            **post_values,
        )

    def _reminder_send_portal(self, now):
        """A message on the order: the customer reads it in the portal and gets
        it by email."""
        self._reminder_post_script(message_type="comment")
        return self.env._("message posted")

    def _reminder_send_email(self, now):
        """An email, sent as core sale sends its order emails."""
        self._reminder_post_script(
            email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature"
        )
        return self.env._("email sent")

    def _reminder_send_sms(self, now):
        """An SMS to the customer's mobile; a refused SMS fails the reminder."""
        order = self.order_id
        contact = order.partner_id
        template = self.sms_template_id or self.script_id.sms_template_id
        if not template:
            raise UserError(
                self.env._(
                    "No SMS template for this reminder (script: %(script)s).",
                    script=self.script_id.display_name or "-",
                )
            )
        message = order._message_sms_with_template(
            template=template,
            partner_ids=contact.ids,
            sms_pid_to_number={contact.id: contact.payment_reminder_mobile},
        )
        failed = (
            self.env["sms.sms"]
            .sudo()
            .search(
                [("mail_message_id", "=", message.id), ("state", "=", "error")], limit=1
            )
        )
        if failed:
            failures = dict(
                failed._fields["failure_type"]._description_selection(self.env)
            )
            raise UserError(
                self.env._(
                    "The SMS could not be sent: %(error)s.",
                    error=failures.get(failed.failure_type, failed.failure_type),
                )
            )
        return self.env._("SMS sent")

    def _reminder_send_phone(self, now, batch=None):
        """A call for the agent, due in the next call window, the script as note."""
        if not batch:
            start, end = self._reminder_next_call_slot(now)
            return self._reminder_plan_call(start, end, now)
        company = self.company_id
        windows = batch.call_windows(company)
        start, end = batch.memo(
            ("call slot", company.id),
            lambda: self._reminder_next_call_slot(now, windows),
        )
        return self._reminder_plan_call(start, end, now, windows, batch)

    def _reminder_plan_call(self, start, end, now, windows=None, batch=None):
        """Schedule the call on the order from ``start`` to ``end`` (naive UTC;
        equal for a moment the customer chose), with the phone script as note.

        :return: the result for the chatter line
        """
        self.ensure_one()
        order = self.order_id
        company = self.company_id
        agent = self.user_id or order.user_id or self.env.user
        tz = pytz.timezone(company.payment_reminder_tz or "UTC")
        start_local = pytz.utc.localize(start).astimezone(tz)
        memo = batch.memo if batch else _no_memo
        when = memo(
            ("call when", company.id, start, end),
            lambda: self._reminder_call_when(start, end),
        )
        xmlid = "payment_reminder.mail_activity_type_call"
        call_type = (
            batch.ref(xmlid) if batch else self.env.ref(xmlid, raise_if_not_found=False)
        )
        if not call_type:
            raise UserError(
                self.env._(
                    "The activity type for payment reminder calls was deleted: "
                    "update the Payment Reminders module to restore it."
                )
            )
        values = {
            # As activity_schedule() makes them, with the reminder's link.
            "res_model_id": self.env["ir.model"]._get_id(order._name),
            "res_id": order.id,
            "automated": True,
            "activity_type_id": call_type.id,
            "date_deadline": start_local.date(),
            "summary": self.env._("Payment reminder call: %(when)s", when=when),
            "note": self._reminder_render_phone_script(agent, now, batch),
            "user_id": agent.id,
            "payment_reminder_id": self.id,
        }
        if batch:
            batch.calls.append((self, values))
        else:
            self.env["mail.activity"].create(values)
        self.call_window_id = memo(
            ("call window", company.id, start),
            lambda: self._reminder_call_window_at(start, windows),
        )
        return self.env._(
            "call planned for %(agent)s, %(when)s", agent=agent.name, when=when
        )

    def _reminder_create_calls(self, calls, now):
        """Create the calls ``[(reminder, mail.activity values)]`` a batch
        planned, together: one insert, one subscription per agent.

        Should one of them not be created, each is created on its own and the
        one that fails fails its reminder, which is tried again later.

        :return: the reminders whose call failed
        """
        failed = self.browse()
        if not calls:
            return failed
        Activity = self.env["mail.activity"]
        try:
            with self.env.cr.savepoint():
                Activity.create([values for _reminder, values in calls])
            return failed
        except Exception as error:  # pylint: disable=broad-except
            _logger.info("Payment reminder calls created one by one: %s", error)
        for reminder, values in calls:
            try:
                with self.env.cr.savepoint():
                    Activity.create(values)
            except Exception as error:  # pylint: disable=broad-except
                _logger.info("Payment reminder %s failed: %s", reminder.id, error)
                reminder.write({"done_at": False, "call_window_id": False})
                reminder._reminder_fail(error, now)
                failed |= reminder
        return failed

    def _reminder_call_when(self, start, end):
        """The call's moment as the agent reads it: "Wed 11 Nov, 16:00-17:00"."""
        self.ensure_one()
        tz = pytz.timezone(self.company_id.payment_reminder_tz or "UTC")
        start_local = pytz.utc.localize(start).astimezone(tz)
        end_local = pytz.utc.localize(end).astimezone(tz)
        day = format_datetime(self.env, start, tz=tz.zone, dt_format="EEE d MMM")
        if end > start:
            return self.env._(
                "%(day)s, %(start)s-%(end)s",
                day=day,
                start=start_local.strftime("%H:%M"),
                end=end_local.strftime("%H:%M"),
            )
        return self.env._(
            "%(day)s, %(start)s", day=day, start=start_local.strftime("%H:%M")
        )

    def _reminder_call_windows(self):
        self.ensure_one()
        return self.env["payment.reminder.window"]._get_windows(self.company_id, "call")

    def _reminder_call_window_at(self, moment, windows=None):
        """The call window ``moment`` (naive UTC) falls in, if any, among
        ``windows`` (the company's call windows by default)."""
        self.ensure_one()
        if windows is None:
            windows = self._reminder_call_windows()
        tz = pytz.timezone(self.company_id.payment_reminder_tz or "UTC")
        local = pytz.utc.localize(moment).astimezone(tz)
        hour = local.hour + local.minute / 60 + local.second / 3600
        return windows.filtered(
            lambda window: window.remind_from <= hour < window.remind_to
        )[:1]

    def _reminder_call_slot_after(self, now, tried=None, last=None):
        """The next call window starting after ``now`` (naive UTC).

        Seed 004: a customer who did not answer is called again in another
        time slot. Windows not ``tried`` yet come first, then any window but
        the ``last`` one, then any window.

        :return: (start, end)
        """
        self.ensure_one()
        company = self.company_id
        tz = pytz.timezone(company.payment_reminder_tz or "UTC")
        today = pytz.utc.localize(now).astimezone(tz).date()
        slots = [
            slot
            for slot in self._reminder_call_windows()._slots_between(today, 4, tz)
            if slot[0] > now
        ]
        tried = tried or self.env["payment.reminder.window"]
        for avoid in (tried, last or tried.browse(), tried.browse()):
            for start, end, window in slots:
                if window not in avoid:
                    return start, end
        return now, now

    def _reminder_next_call_slot(self, now, windows=None):
        """The rest of the current call window, else the next one (naive UTC),
        among ``windows`` (the company's call windows by default)."""
        self.ensure_one()
        company = self.company_id
        tz = pytz.timezone(company.payment_reminder_tz or "UTC")
        if windows is None:
            windows = self._reminder_call_windows()
        today = pytz.utc.localize(now).astimezone(tz).date()
        for start, end, _window in windows._slots_between(today, 3, tz):
            if end > now:
                return max(start, now), end
        return now, now

    def _reminder_render_phone_script(self, agent, now, batch=None):
        """The phone script of this reminder, in the agent's language."""
        self.ensure_one()
        reminder = self.with_context(lang=agent.lang or self.env.lang)
        return reminder.env["ir.qweb"]._render(
            "payment_reminder.phone_script",
            reminder._reminder_phone_script_values(now, batch),
        )

    def _reminder_previous_attempts(self, batch=None):
        """The customer's other reminders done, failed or skipped, oldest first."""
        self.ensure_one()
        states = ("done", "failed", "skipped")
        if batch:
            return batch.history(self).filtered(lambda other: other.state in states)
        return self.search(
            [
                ("company_id", "=", self.company_id.id),
                ("customer_key", "=", self.customer_key),
                ("id", "!=", self.id),
                ("state", "in", states),
            ],
            order="scheduled_at, id",
        )

    def _reminder_phone_script_values(self, now, batch=None):
        self.ensure_one()
        order = self.order_id
        contact = order.partner_id
        number = contact.phone or contact.mobile
        address = order.partner_shipping_id or contact
        previous = self._reminder_previous_attempts(batch)
        discount = order._payment_reminder_discount()
        return {
            "reminder": self,
            "order": order,
            "customer": contact,
            "phone_display": contact._phone_format(
                number=number, force_format="INTERNATIONAL"
            )
            or number,
            "phone_link": contact._phone_format(number=number, force_format="RFC3966"),
            "address_lines": [
                line
                for line in address._display_address(without_company=True).splitlines()
                if line.strip()
            ],
            "lines": order._payment_reminder_product_lines(),
            "placed_at": order._payment_reminder_format_datetime(order.date_order),
            "day_part": order._payment_reminder_day_part(),
            "amount": order._payment_reminder_amount(),
            "discount": discount
            and format_amount(self.env, discount, order.currency_id),
            "time_left": order._payment_reminder_time_left(now),
            "close_at": order._payment_reminder_close_at(),
            "previous": [attempt._reminder_result_summary() for attempt in previous],
        }

    # --- sending: what the order's chatter keeps --- #

    def _reminder_channel_label(self, channel):
        return dict(self._fields["channel"]._description_selection(self.env)).get(
            channel, channel or ""
        )

    def _reminder_result_summary(self):
        """When, how and with what result this reminder went (or did not)."""
        self.ensure_one()
        states = dict(self._fields["state"]._description_selection(self.env))
        reasons = dict(self._fields["skip_reason"]._description_selection(self.env))
        result = states[self.state]
        detail = reasons.get(self.skip_reason) or self.error_message
        return {
            "when": format_datetime(
                self.env,
                self.done_at or self.scheduled_at,
                tz=self.company_id.payment_reminder_tz,
                dt_format="short",
            ),
            "channel": self._reminder_channel_label(self.channel),
            "result": self.env._("%(result)s: %(detail)s", result=result, detail=detail)
            if detail
            else result,
        }

    def _reminder_glance(self):
        """The reminder in one line for its order: when · channel · what it gave."""
        self.ensure_one()
        summary = self._reminder_result_summary()
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        parts = [
            summary["when"],
            summary["channel"],
            outcomes.get(self.outcome) or summary["result"],
            self.reason_id.name,
        ]
        return " · ".join(part for part in parts if part)

    def _reminder_log_attempt(self, now, result, batch=None):
        """Note the attempt on the order: date · agent · attempt · channel · result.

        :param batch: the ``ReminderSendBatch`` that writes the line with the
            others of the batch; without one, the line is written at once
        """
        self.ensure_one()
        tz = self.company_id.payment_reminder_tz
        date = (batch.memo if batch else _no_memo)(
            ("log date", tz, now),
            lambda: format_datetime(self.env, now, tz=tz, dt_format="short"),
        )
        body = self.env._(
            "%(date)s · %(agent)s · attempt %(attempt)s · %(channel)s · %(result)s",
            date=date,
            agent=self.user_id.name or self.env._("automatic"),
            attempt=self.attempt,
            channel=self._reminder_channel_label(self.channel),
            result=result,
        )
        if batch:
            batch.notes.append((self, self.order_id, body))
        else:
            self._reminder_log_notes([(self, self.order_id, body)])

    @api.model
    def _reminder_log_notes(self, notes):
        """Write the chatter lines ``[(reminder, order, body)]``, as few inserts
        as there are lines on one order."""
        # A log, not a post: nobody is notified nor subscribed for a note.
        rounds = []
        for _reminder, order, body in notes:
            bodies = next((b for b in rounds if order.id not in b), None)
            if bodies is None:
                bodies = {}
                rounds.append(bodies)
            bodies[order.id] = body
        for bodies in rounds:
            self.env["sale.order"].browse(bodies)._message_log_batch(bodies)
