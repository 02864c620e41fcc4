# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Sending: the cron claims the due reminders batch by batch, checks each one
is still needed, picks its moment and script, and hands it to its channel."""

import logging
from contextlib import contextmanager
from datetime import timedelta

from psycopg2.errors import SerializationFailure

from odoo import api, fields, models
from odoo.tools import SQL, mute_logger

from ..const import MAX_RETRIES, RETRY_DELAY, SEND_BATCH_SIZE
from ..utils import commit_unless_testing

_logger = logging.getLogger(__name__)


class ReminderWait(Exception):  # noqa: N818 (control flow, not an error)
    """Raised by a sender when the reminder cannot go now and must wait: what
    it did is rolled back and ``values`` (a later ``scheduled_at``, the
    ``wait_reason``; empty: due again at the next run) written instead."""

    def __init__(self, values):
        super().__init__(values)
        self.values = values


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
        # SMS and e-mails were put in Odoo's SMS and mail queues: their
        # scheduled actions are started when the batch is flushed, to run once
        # the batch is committed.
        self.sms_queued = False
        self.mails_queued = False

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
        (or handed to an agent as a call) count as they are sent."""
        done = self.history(reminder).filtered(
            lambda other: other.state in ("done", "calling")
        )
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

    def flush(self, now):
        """Create the calls and write the chatter lines the batch planned.

        Every send goes through a batch that is flushed: a call or a chatter
        line left in an unflushed batch would be lost.
        """
        Reminder = self.reminders.browse()
        for reminder in Reminder._reminder_create_calls(self.calls, now):
            self.forget(reminder)
        Reminder._reminder_log_notes(self.notes)
        if self.sms_queued:
            Reminder._reminder_trigger_cron("sms.ir_cron_sms_scheduler_action")
        if self.mails_queued:
            Reminder._reminder_trigger_cron("mail.ir_cron_mail_scheduler_action")
        self.calls, self.notes = [], []
        self.sms_queued = self.mails_queued = False


class PaymentReminderSendingMixin(models.AbstractModel):
    _name = "payment.reminder.sending.mixin"
    _description = "Payment reminder: sending"

    @api.model
    def _cron_send_due(self):
        """Send the reminders that are due, batch by batch, each claimed once."""
        now = fields.Datetime.now()
        self._reminder_flag_recent_payments(now)
        # Each claim starts a transaction of its own (see _reminder_claim_due).
        commit_unless_testing(self.env)
        cron = self.env["ir.cron"]
        done, seen = 0, []
        while reminders := self._reminder_claim_due(now, seen):
            sendable = reminders._reminder_lock_orders()
            sendable._reminder_send(now)
            done += len(sendable)
            seen += reminders.ids
            cron._notify_progress(
                done=done, remaining=self._reminder_count_due(now, seen)
            )
            commit_unless_testing(self.env)

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
    def _reminder_trigger_cron(self, xmlid):
        """Odoo's scheduled action ``xmlid`` (its mail or SMS queue), started
        as soon as this transaction commits."""
        cron = self.env.ref(xmlid, raise_if_not_found=False)
        if cron:
            cron.sudo()._trigger()

    @api.model
    def _reminder_claim_due(self, now, seen):
        """Lock a batch of due reminders; rows another worker holds are skipped,
        so two workers never send the same reminder.

        A row another transaction wrote since this one began (a queue build
        refreshing it, a payment) cannot be locked: the run ends there, and
        the next one, a new transaction, claims it.
        """
        try:
            # A conflict is expected here, and handled: not logged as an error.
            with mute_logger("odoo.sql_db"), self.env.cr.savepoint(flush=False):
                rows = self.env.execute_query(
                    SQL(
                        "SELECT reminder.id %s "
                        "ORDER BY reminder.scheduled_at, reminder.id LIMIT %s "
                        "FOR NO KEY UPDATE OF reminder SKIP LOCKED",
                        self._reminder_due_sql(now, seen),
                        SEND_BATCH_SIZE,
                    )
                )
        except SerializationFailure:
            _logger.info("Due reminders changed meanwhile: sent at the next run.")
            return self.browse()
        return self.browse([row[0] for row in rows])

    def _reminder_lock_orders(self):
        """The claimed reminders whose orders this worker could lock too; the
        others wait for the next run.

        A payment locks its order, then writes the order's reminders; sending
        locks the reminders, then writes their orders (their reminder state).
        Waiting for each other's locks, one of the two would be killed as a
        deadlock, the whole batch with it. Orders somebody is writing (a
        payment landing, the web shop) are skipped instead, never waited for.

        The lock is the one an UPDATE takes (``FOR NO KEY UPDATE``), not
        ``FOR UPDATE``: a queue build inserting a reminder of a locked order
        checks that the order exists, and after a ``FOR UPDATE`` that check
        fails to serialize and the whole build is lost (the soak test found
        it).
        """
        if not self:
            return self
        self.flush_recordset(["order_id", "order_ids"])
        rows = self.env.execute_query(
            SQL(
                """
                SELECT id FROM sale_order
                 WHERE id IN (SELECT order_id FROM payment_reminder
                               WHERE id = ANY(%(ids)s)
                              UNION
                              SELECT sale_order_id
                                FROM payment_reminder_sale_order_rel
                               WHERE reminder_id = ANY(%(ids)s))
                 ORDER BY id
                   FOR NO KEY UPDATE SKIP LOCKED
                """,
                ids=self.ids,
            )
        )
        locked = {row[0] for row in rows}
        return self.filtered(
            lambda reminder: locked.issuperset(
                (reminder.order_ids | reminder.order_id).ids
            )
        )

    @api.model
    def _reminder_count_due(self, now, seen):
        rows = self.env.execute_query(
            SQL("SELECT COUNT(*) %s", self._reminder_due_sql(now, seen))
        )
        return rows[0][0]

    @contextmanager
    def _reminder_batch(self, now):
        """A ``ReminderSendBatch`` of these reminders, flushed on leaving: the
        one way to send, plan a call or log an attempt.

        :param now: when the batch's calls and chatter lines are dated
        """
        batch = ReminderSendBatch(self)
        yield batch
        batch.flush(now)

    def _reminder_send(self, now=None):
        """Send these reminders one by one: a failure stops no other."""
        now = now or fields.Datetime.now()
        with self._reminder_batch(now) as batch:
            self._reminder_send_batch(now, batch)

    def _reminder_send_batch(self, now, batch):
        """Send these reminders, which ``batch`` holds, one by one."""
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
                except ReminderWait as wait:
                    batch.forget(reminder)
                    reminder.write(wait.values)
                except Exception as error:  # pylint: disable=broad-except
                    _logger.info("Payment reminder %s failed: %s", reminder.id, error)
                    batch.forget(reminder)
                    reminder._reminder_fail(error, now)
        self.env.add_to_compute(order_state, orders)

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

    def _reminder_send_one(self, now, batch):
        """Check, time, choose the script, send, and note it on the order.

        :param batch: the ``ReminderSendBatch`` of the reminders sent with this one
        """
        self.ensure_one()
        # The batch started at ``now``; the deadline and the interval are
        # checked against the clock (a slow batch may run for minutes).
        moment = max(now, fields.Datetime.now())
        skip_values = self._prepare_skip_values(moment)
        if skip_values:
            self.write(skip_values)
            return
        wait_values = self._prepare_wait_values(now, batch) or (
            self._prepare_interval_values(moment, batch)
        )
        if wait_values:
            self.write(wait_values)
            return
        channel, detour = self._reminder_reachable_channel()
        if channel != "phone":
            hold_values = self._prepare_hold_values(moment)
            if hold_values:
                self.write(hold_values)
                return
        self.write(
            {
                "channel": channel,
                "attempt": batch.attempt_number(self),
                "script_id": self._reminder_choose_script(batch).id,
            }
        )
        result = self._reminder_send_by(channel, now, batch)
        # When it really went out, for a payment racing the batch.
        self.write(self._prepare_sent_values(channel, max(now, fields.Datetime.now())))
        if detour:
            result = self.env._("%(result)s (%(detour)s)", result=result, detour=detour)
        self._reminder_log_attempt(now, result, batch)

    def _prepare_sent_values(self, channel, sent_at):
        """What a reminder that went out at ``sent_at`` becomes: done then; a
        call is only handed to its agent (a call to make) until it is made."""
        if channel == "phone":
            return {"state": "calling", "done_at": False, "error_message": False}
        return {"state": "done", "done_at": sent_at, "error_message": False}

    def _prepare_skip_values(self, now=None):
        """The check before sending: what to write instead of sending when the
        order no longer needs it (empty: send)."""
        self.ensure_one()
        now = now or fields.Datetime.now()
        order = self.order_id
        if order.state == "cancel":
            return {"state": "cancelled"}
        if not order.awaiting_payment:
            return {"state": "skipped", "skip_reason": "paid"}
        if self._reminder_deadline_passed(now):
            return {"state": "skipped", "skip_reason": "deadline_passed"}
        if self._reminder_replaced_by_paid_order():
            return {"state": "skipped", "skip_reason": "replaced_by_paid"}
        if order._payment_reminder_has_payment_in_progress():
            return {"state": "skipped", "skip_reason": "payment_in_progress"}
        if order.partner_id.commercial_partner_id.payment_reminder_opt_out:
            return {"state": "skipped", "skip_reason": "opt_out"}
        return {}

    def _prepare_interval_values(self, now, batch):
        """Rule 9 at sending: never twice within the minimum interval.

        The queue plans with it, but a reminder of the other step (a flash
        sale's final reminder, a first reminder moved by quiet hours) can come
        due close to one just sent. This one waits until the interval is over,
        or is skipped (too soon) when that is past its order's deadline. An
        agent's manual reminder is the agent's call.
        """
        self.ensure_one()
        interval = timedelta(minutes=self.company_id.payment_reminder_min_interval)
        if self.step == "manual" or not interval:
            return {}
        last = max(
            (
                other.done_at
                for other in batch.history(self)
                if other.state == "done" and other.done_at
            ),
            default=None,
        )
        if not last or now >= last + interval:
            return {}
        if self.order_id._payment_reminder_deadline_passed(last + interval):
            return {"state": "skipped", "skip_reason": "too_soon"}
        return {"scheduled_at": last + interval, "wait_reason": "min_interval"}

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

    def _reminder_deadline_passed(self, now):
        """Issue 11: nothing goes out once the order's deadline has passed,
        whatever the order the crons run in: no message says "closes" at a time
        already over."""
        self.ensure_one()
        return self.order_id._payment_reminder_deadline_passed(now)

    def _reminder_replaced_by_paid_order(self):
        """Issue 11: the later paid order that replaces the order this
        reminder is about (the queue skips it too; this catches a payment made
        since the queue was last built). Empty when there is none."""
        self.ensure_one()
        order = self.order_id
        return order._payment_reminder_paid_replacements().get(order, order.browse())

    def _prepare_hold_values(self, now):
        """Quiet hours: what to write to hold the reminder until they end
        (empty: send now). Deadlines beat quiet hours (issue 11): a reminder is
        never held past its order's deadline; it is skipped, no time left."""
        self.ensure_one()
        allowed = self._reminder_next_allowed_moment(now)
        if allowed <= now:
            return {}
        if self.order_id._payment_reminder_deadline_passed(allowed):
            return {"state": "skipped", "skip_reason": "no_slot"}
        return {"scheduled_at": allowed}

    def _reminder_next_allowed_moment(self, now):
        """``now``, or the end of the customer's quiet hours when ``now`` is in
        them and the customer did not just order."""
        self.ensure_one()
        quiet = self.order_id._payment_reminder_quiet_hours(now)
        if not quiet or self._reminder_customer_just_ordered(now):
            return now
        return quiet[1]

    def _reminder_customer_just_ordered(self, now):
        """Issue 11: quiet hours protect sleep; a customer who placed an order
        in the last ``payment_reminder_quiet_grace_minutes`` is awake."""
        self.ensure_one()
        grace = self.company_id.payment_reminder_quiet_grace_minutes
        if not grace:
            return False
        # Any order of the customer counts, whoever sold it.
        return bool(
            self.env["sale.order"]
            .sudo()
            .search_count(
                [
                    ("company_id", "=", self.company_id.id),
                    ("reminder_customer_key", "=", self.customer_key),
                    ("date_order", ">", now - timedelta(minutes=grace)),
                    ("date_order", "<=", now),
                ],
                limit=1,
            )
        )

    def _reminder_attempt_number(self):
        """The how-manyeth contact with this customer this reminder is (calls
        handed to an agent count)."""
        self.ensure_one()
        return (
            self.search_count(
                [
                    ("company_id", "=", self.company_id.id),
                    ("customer_key", "=", self.customer_key),
                    ("state", "in", ("done", "calling")),
                    ("id", "!=", self.id),
                ]
            )
            + 1
        )

    # --- which script --- #

    def _reminder_choose_script(self, batch):
        """The script of the first situation that has one for this order; the
        script an agent chose for a manual reminder wins."""
        self.ensure_one()
        if self.step == "manual" and self.script_id:
            return self.script_id
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

    def _reminder_situations(self, segment, batch):
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
        tag = batch.ref("payment_reminder.product_tag_limited_stock")
        if order._payment_reminder_has_limited_stock(tag):
            situations.append("low_stock")
        situations.append("placed")
        return situations
