# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Calls: a phone reminder becomes a call activity for its agent in the next
call window, with the phone script as its note. It is a call to make
(``calling``) until the agent logs it; it is removed at once when it became
pointless (paid, cancelled, do not contact)."""

import logging
from collections import defaultdict

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import format_amount, format_date, format_datetime

from ..utils import hour_of, shop_tz, to_local

_logger = logging.getLogger(__name__)


class PaymentReminderCallMixin(models.AbstractModel):
    _name = "payment.reminder.call.mixin"
    _description = "Payment reminder: calls"

    @api.model
    def _reminder_can_reach_by_phone(self, contact):
        return bool(contact.phone_sanitized) and not contact.phone_sanitized_blacklisted

    def _reminder_send_phone(self, now, batch):
        """A call for the agent, due in the next call window, the script as note."""
        company = self.company_id
        windows = batch.call_windows(company)
        start, end = batch.memo(
            ("call slot", company.id),
            lambda: self._reminder_next_call_slot(now, windows),
        )
        return self._reminder_plan_call(start, end, now, batch)

    def _reminder_plan_call(self, start, end, now, batch):
        """Schedule the call on the order from ``start`` to ``end`` (naive UTC;
        equal for a moment the customer chose), with the phone script as note.
        ``batch`` creates it with the batch's other calls when flushed.

        :return: the result for the chatter line
        """
        self.ensure_one()
        company = self.company_id
        agent = self.user_id or self.order_id.user_id or self.env.user
        when = batch.memo(
            ("call when", company.id, start, end),
            lambda: self._reminder_call_when(start, end),
        )
        values = self._prepare_call_activity_values(start, when, agent, now, batch)
        batch.calls.append((self, values))
        windows = batch.call_windows(company)
        self.call_window_id = batch.memo(
            ("call window", company.id, start),
            lambda: self._reminder_call_window_at(start, windows),
        )
        return self.env._(
            "call planned for %(agent)s, %(when)s", agent=agent.name, when=when
        )

    def _prepare_call_activity_values(self, start, when, agent, now, batch):
        """The call activity on the order for ``agent``, due on ``start``'s day
        (``when`` says the moment), with the phone script as note."""
        self.ensure_one()
        order = self.order_id
        call_type = batch.ref("payment_reminder.mail_activity_type_call")
        if not call_type:
            raise UserError(
                self.env._(
                    "The activity type for payment reminder calls was deleted: "
                    "update the Payment Reminders module to restore it."
                )
            )
        return {
            # As activity_schedule() makes them, with the reminder's link.
            "res_model_id": self.env["ir.model"]._get_id(order._name),
            "res_id": order.id,
            "automated": True,
            "activity_type_id": call_type.id,
            "date_deadline": to_local(start, shop_tz(self.company_id)).date(),
            "summary": self.env._("Payment reminder call: %(when)s", when=when),
            "note": self._reminder_render_phone_script(agent, now, batch),
            "user_id": agent.id,
            "payment_reminder_id": self.id,
        }

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
        # No e-mail per call to its agent: the agent works them in My Calls
        # and the activities menu (a festival day hands out hundreds).
        Activity = self.env["mail.activity"].with_context(
            mail_activity_quick_update=True
        )
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

    # --- a call made, a call that became pointless --- #

    def _reminder_call_made(self, now):
        """The agent made these calls at ``now``: they are done from that
        moment. Until then a call counts neither as a customer reminded, nor
        for a payment, nor against the order's reminders. A call the agent
        made before the sending cron handed it out (planned) is made too.

        :return: the reminders that were calls to make
        """
        calls = self.filtered(
            lambda reminder: reminder.state == "calling"
            or (reminder.state == "planned" and reminder.channel == "phone")
        )
        calls.write({"state": "done", "done_at": now})
        return calls

    def _reminder_calls_marked_done(self, now, feedback=False):
        """Mark Done on the call activity: the call was made, the outcome is
        "done, no details", and the order's chatter says so."""
        calls = self._reminder_call_made(now)
        calls.write({"outcome": "done_no_details"})
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        result = outcomes["done_no_details"]
        if feedback:
            result = self.env._(
                "%(outcome)s: %(detail)s", outcome=result, detail=feedback
            )
        with calls._reminder_batch(now) as batch:
            for call in calls:
                call._reminder_log_attempt(now, result, batch)
        return calls

    @api.model
    def _reminder_drop_calls_of_orders(self, orders):
        """Remove the reminder calls that ``orders`` made pointless: those of
        the cancelled ones, of the paid ones, and of the same customer's
        earlier orders when a later one is paid (the customer replaced them,
        seed 001). The calls of customers who asked not to be contacted go
        with ``res.partner.write``."""
        cancelled = orders.filtered(lambda order: order.state == "cancel")
        if cancelled:
            self._reminder_remove_calls(
                cancelled._payment_reminder_call_activities(), "cancelled"
            )
        paid = orders.filtered(lambda order: order._payment_reminder_is_paid())
        if paid:
            self._reminder_remove_calls(
                self._reminder_orders_replaced_by(
                    paid
                )._payment_reminder_call_activities(),
                "paid",
            )

    @api.model
    def _reminder_orders_replaced_by(self, paid):
        """The ``paid`` orders and the same customers' orders placed before
        them that have a reminder call planned."""
        call_type = self.env.ref(
            "payment_reminder.mail_activity_type_call", raise_if_not_found=False
        )
        if not call_type:
            return paid
        latest = {}
        for order in paid:
            key = (order.company_id.id, order.reminder_customer_key)
            latest[key] = max(latest.get(key, order.date_order), order.date_order)
        with_calls = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("company_id", "in", paid.company_id.ids),
                    ("reminder_customer_key", "in", [key for _c, key in latest]),
                    ("date_order", "<=", max(latest.values())),
                    ("activity_ids.activity_type_id", "=", call_type.id),
                ]
            )
        )
        return paid | with_calls.filtered(
            lambda order: (order.company_id.id, order.reminder_customer_key) in latest
            and order.date_order
            <= latest[(order.company_id.id, order.reminder_customer_key)]
        )

    @api.model
    def _reminder_dropped_call_values(self, why):
        """What the reminder of a call removed because ``why`` becomes."""
        return {
            "paid": {"state": "skipped", "skip_reason": "paid"},
            "cancelled": {"state": "cancelled"},
            "opt_out": {"state": "skipped", "skip_reason": "opt_out"},
        }[why]

    @api.model
    def _reminder_dropped_call_reason(self, why):
        return {
            "paid": self.env._("the customer paid"),
            "cancelled": self.env._("the order was cancelled"),
            "opt_out": self.env._("the customer asked not to be contacted"),
        }[why]

    @api.model
    def _reminder_remove_calls(self, activities, why):
        """Remove the open reminder calls ``activities`` at once, in this
        transaction, with a line on each order saying ``why`` ("paid",
        "cancelled", "opt_out"); their reminders leave ``calling``.

        A call whose result the agent is logging (context key
        ``payment_reminder_logged_activity_ids``) stays: the wizard closes it.

        :return: the reminders that left ``calling``
        """
        logged = self.env.context.get("payment_reminder_logged_activity_ids") or []
        activities = activities.sudo().filtered(
            lambda activity: activity.id not in logged
            and activity.payment_reminder_id.state != "done"
        )
        if not activities:
            return self.browse()
        reminders = activities.payment_reminder_id.filtered(
            lambda reminder: reminder.state == "calling"
        )
        reminders.write(self._reminder_dropped_call_values(why))
        reason = self._reminder_dropped_call_reason(why)
        lines = defaultdict(list)
        for activity in activities:
            lines[activity.res_id].append(
                self.env._(
                    "Reminder call for %(agent)s on %(day)s removed: %(reason)s.",
                    agent=activity.user_id.name or "-",
                    day=format_date(self.env, activity.date_deadline),
                    reason=reason,
                )
            )
        activities.unlink()
        self.env["sale.order"].sudo().browse(list(lines))._message_log_batch(
            {order_id: " ".join(texts) for order_id, texts in lines.items()},
            author_id=self.env.ref("base.partner_root").id,
        )
        return reminders

    # --- call windows and slots --- #

    def _reminder_call_when(self, start, end):
        """The call's moment as the agent reads it: "Wed 11 Nov, 16:00-17:00"."""
        self.ensure_one()
        tz = shop_tz(self.company_id)
        start_local = to_local(start, tz)
        end_local = to_local(end, tz)
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
        tz = shop_tz(self.company_id)
        local = to_local(moment, tz)
        hour = hour_of(local)
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
        tz = shop_tz(company)
        today = to_local(now, tz).date()
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
        tz = shop_tz(company)
        if windows is None:
            windows = self._reminder_call_windows()
        today = to_local(now, tz).date()
        for start, end, _window in windows._slots_between(today, 3, tz):
            if end > now:
                return max(start, now), end
        return now, now

    # --- the phone script --- #

    def _reminder_render_phone_script(self, agent, now, batch):
        """The phone script of this reminder, in the agent's language."""
        self.ensure_one()
        reminder = self.with_context(lang=agent.lang or self.env.lang)
        return reminder.env["ir.qweb"]._render(
            "payment_reminder.phone_script",
            reminder._reminder_phone_script_values(now, batch),
        )

    def _reminder_previous_attempts(self, batch):
        """The customer's other reminders done, failed or skipped, oldest first."""
        self.ensure_one()
        states = ("done", "failed", "skipped")
        return batch.history(self).filtered(lambda other: other.state in states)

    def _reminder_phone_script_values(self, now, batch):
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
