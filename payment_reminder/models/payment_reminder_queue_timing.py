# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""When: the queue's timing rules (4 to 9): the minimum delay, the window of
the hour an order was placed, the dispatch cut-off, the reminder before close."""

from datetime import timedelta

from odoo import api, models

from ..const import FINAL_HORIZON, ROLL_DAYS
from ..utils import shop_tz, to_local


class PaymentReminderQueueTimingMixin(models.AbstractModel):
    _name = "payment.reminder.queue.timing.mixin"
    _description = "Payment reminder queue: timing rules"

    @api.model
    def _reminder_schedule(self, company, candidates, now):
        """Rules 4 to 8: the moment of each reminder."""
        Window = self.env["payment.reminder.window"]
        windows = Window._get_windows(company, "order")
        cutoffs = Window._get_windows(company, "cutoff")
        for candidate in candidates:
            if candidate.step == "final":
                scheduled_at = self._reminder_time_before_close(
                    company,
                    candidate.anchor,
                    now,
                    last_order_at=self._reminder_last_order_at(candidate),
                )
                window = Window
            elif company.payment_reminder_cutoff_mode:
                scheduled_at, window = self._reminder_time_before_cutoff(
                    company, candidate.anchor, now, cutoffs
                )
            else:
                scheduled_at, window = self._reminder_time_in_window(
                    company, candidate.anchor, now, windows
                )
            if not scheduled_at:
                candidate.skip_reason = "no_slot"
            candidate.scheduled_at, candidate.window = scheduled_at, window

    @api.model
    def _reminder_earliest(self, company, order, now):
        """Rule 4: not before the minimum delay after the order was placed.

        Nor in the past: a queue built late (a new install, a cron that was
        down) moves on to the next window instead of sending at a wrong time.
        """
        delay = timedelta(minutes=company.payment_reminder_min_delay)
        return max(order.date_order + delay, now)

    @api.model
    def _reminder_time_in_window(self, company, order, now, windows):
        """Rule 5: remind inside the window of the hour the order was placed.

        A night order (the window runs past midnight) is reminded the next
        morning. An order that cannot be reminded inside its own window before
        it ends or before the deadline rolls to the next window.
        """
        tz = shop_tz(company)
        earliest = self._reminder_earliest(company, order, now)
        placed = to_local(order.date_order, tz)
        hour = placed.hour + placed.minute / 60
        own = windows.filtered(lambda w: w._contains_hour(hour))[:1]
        if own:
            day = placed.date()
            if own._wraps_midnight() and hour >= own.placed_from:
                day += timedelta(days=1)
            start, end = own._slot_on(day, tz)
            scheduled_at = self._reminder_fit(
                start, end, earliest, order.payment_deadline
            )
            if scheduled_at:
                return scheduled_at, own
        return self._reminder_next_slot(windows, earliest, order.payment_deadline, tz)

    @api.model
    def _reminder_time_before_cutoff(self, company, order, now, cutoffs):
        """Rule 6: remind in the hour before the next dispatch cut-off."""
        tz = shop_tz(company)
        earliest = self._reminder_earliest(company, order, now)
        return self._reminder_next_slot(cutoffs, earliest, order.payment_deadline, tz)

    @api.model
    def _reminder_final_lead(self, company, order):
        """Rules 7 and 8: how long before the deadline the final reminder goes.

        Flash-sale orders are reminded against their short deadline.
        """
        if order.is_flash_sale:
            return timedelta(minutes=company.payment_reminder_flash_remind_before)
        return timedelta(minutes=company.payment_reminder_final_before)

    @api.model
    def _reminder_time_before_close(
        self, company, order, now, not_before=None, last_order_at=None
    ):
        """Rules 7 and 8: the final reminder, shortly before the order closes,
        and never where quiet hours would hold it past the deadline.

        :param not_before: the earliest moment allowed besides the minimum
            delay (the minimum interval after the previous contact)
        :param last_order_at: when the customer last placed an order (default:
            this one), for quiet hours
        :return: the moment (naive UTC), or None when there is none left
        """
        deadline = order.payment_deadline
        ideal = deadline - self._reminder_final_lead(company, order)
        if order.is_flash_sale:
            earliest = now
        else:
            earliest = self._reminder_earliest(company, order, now)
        if not_before:
            earliest = max(earliest, not_before)
        scheduled_at = max(ideal, earliest)
        if scheduled_at >= deadline:
            return None
        return self._reminder_deadline_beats_quiet_hours(
            company, order, scheduled_at, earliest, last_order_at or order.date_order
        )

    @api.model
    def _reminder_deadline_beats_quiet_hours(
        self, company, order, moment, earliest, last_order_at
    ):
        """Issue 11: quiet hours never hold a final reminder past its deadline.

        ``moment`` when the customer's quiet hours do not hold it (or the
        customer ordered too recently to be asleep); else the latest moment
        before the deadline outside them: their end, when the sending cron
        still gets it out before the deadline, else the last moment before they
        start (the sending cron's interval before). None when that is before
        ``earliest`` (the minimum interval or delay forbids it): no slot.
        """
        if self._reminder_customer_is_awake(company, moment, last_order_at):
            return moment
        quiet = order._payment_reminder_quiet_hours(moment)
        if not quiet:
            return moment
        start, end = quiet
        leeway = self._reminder_send_leeway(company)
        if end <= order.payment_deadline - leeway:
            return end
        before = start - leeway
        return before if before >= earliest else None

    @api.model
    def _reminder_customer_is_awake(self, company, moment, last_order_at):
        """Issue 11: quiet hours protect sleep; a customer who placed an order
        less than ``payment_reminder_quiet_grace_minutes`` before ``moment``
        is awake (the midnight flash-sale buyer)."""
        grace = timedelta(minutes=company.payment_reminder_quiet_grace_minutes)
        return bool(grace) and last_order_at <= moment < last_order_at + grace

    @api.model
    def _reminder_last_order_at(self, candidate):
        """When the candidate's customer last placed one of their unpaid orders."""
        return max(candidate.orders.mapped("date_order"))

    @api.model
    def _reminder_send_leeway(self, company):
        """How long before a moment a reminder must be due to surely go out by
        then: the sending cron's interval."""
        return self._reminder_memo(
            ("send leeway",), lambda: self._reminder_send_cron_interval()
        )

    @api.model
    def _reminder_send_cron_interval(self):
        # Asked for every order the queue weighs: the id is cached, the record
        # read once (env.ref would check that it exists at each call).
        cron_id = self.env["ir.model.data"]._xmlid_to_res_id(
            "payment_reminder.ir_cron_send_due"
        )
        cron = self.env["ir.cron"].sudo().browse(cron_id)
        if cron and cron.interval_type in ("minutes", "hours"):
            return timedelta(**{cron.interval_type: cron.interval_number})
        return timedelta(minutes=5)

    @api.model
    def _reminder_quiet_span(self, company):
        """How long the quiet hours last."""
        start = company.payment_reminder_quiet_start
        end = company.payment_reminder_quiet_end
        return self._reminder_memo(
            ("quiet span", start, end), lambda: timedelta(hours=(end - start) % 24)
        )

    @api.model
    def _reminder_final_is_near(self, company, order, now, last_order_at=None):
        """Whether the final reminder of ``order`` is due within the planning
        horizon: its moment, quiet hours considered, is less than
        ``FINAL_HORIZON`` away."""
        if not order.payment_deadline:
            return False
        horizon = now + FINAL_HORIZON
        ideal = order.payment_deadline - self._reminder_final_lead(company, order)
        if ideal <= horizon:
            return True
        # Quiet hours bring it forward by their length at most.
        span = self._reminder_quiet_span(company) + self._reminder_send_leeway(company)
        if ideal - span > horizon:
            return False
        moment = self._reminder_time_before_close(
            company, order, now, last_order_at=last_order_at
        )
        return bool(moment) and moment <= horizon

    @api.model
    def _reminder_fit(self, start, end, earliest, deadline):
        """The first moment in [start, end) not before ``earliest`` nor the deadline."""
        scheduled_at = max(start, earliest)
        if scheduled_at >= end or (deadline and scheduled_at >= deadline):
            return None
        return scheduled_at

    @api.model
    def _reminder_next_slot(self, windows, earliest, deadline, tz):
        """The first slot of ``windows`` that still has room after ``earliest``."""
        first_day = to_local(earliest, tz).date() - timedelta(days=1)
        slots = self._reminder_memo(
            ("slots", tuple(windows.ids), first_day, ROLL_DAYS, tz.zone),
            lambda: windows._slots_between(first_day, ROLL_DAYS, tz),
        )
        for start, end, window in slots:
            scheduled_at = self._reminder_fit(start, end, earliest, deadline)
            if scheduled_at:
                return scheduled_at, window
        return None, windows.browse()

    @api.model
    def _reminder_respect_min_interval(self, company, candidates, now):
        """Rule 9: never contact a customer twice within the minimum interval."""
        if not candidates:
            return
        last_contacts = dict(
            self.env["payment.reminder"]._read_group(
                [
                    ("company_id", "=", company.id),
                    ("customer_key", "in", [c.key for c in candidates]),
                    ("state", "=", "done"),
                ],
                ["customer_key"],
                ["done_at:max"],
            )
        )
        interval = timedelta(minutes=company.payment_reminder_min_interval)
        for candidate in candidates:
            last = last_contacts.get(candidate.key)
            if not last or candidate.scheduled_at >= last + interval:
                continue
            if candidate.step == "final":
                # Planned again, quiet hours and deadline considered.
                candidate.scheduled_at = self._reminder_time_before_close(
                    company,
                    candidate.anchor,
                    now,
                    not_before=last + interval,
                    last_order_at=self._reminder_last_order_at(candidate),
                )
                if not candidate.scheduled_at:
                    candidate.scheduled_at = last + interval
                    candidate.skip_reason = "too_soon"
                continue
            candidate.scheduled_at = last + interval
            deadline = candidate.anchor.payment_deadline
            if deadline and candidate.scheduled_at >= deadline:
                candidate.skip_reason = "too_soon"
