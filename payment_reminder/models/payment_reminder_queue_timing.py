# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""When: the queue's timing rules (4 to 9): the minimum delay, the window of
the hour an order was placed, the dispatch cut-off, the reminder before close."""

from datetime import timedelta

from odoo import api, models

from ..const import ROLL_DAYS
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
                    company, candidate.anchor, now
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
    def _reminder_time_before_close(self, company, order, now):
        """Rules 7 and 8: the final reminder, shortly before the order closes."""
        scheduled_at = order.payment_deadline - self._reminder_final_lead(
            company, order
        )
        if order.is_flash_sale:
            scheduled_at = max(scheduled_at, now)
        else:
            scheduled_at = max(
                scheduled_at, self._reminder_earliest(company, order, now)
            )
        return scheduled_at if scheduled_at < order.payment_deadline else None

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
        for start, end, window in windows._slots_between(first_day, ROLL_DAYS, tz):
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
            candidate.scheduled_at = last + interval
            deadline = candidate.anchor.payment_deadline
            if deadline and candidate.scheduled_at >= deadline:
                candidate.skip_reason = "too_soon"
