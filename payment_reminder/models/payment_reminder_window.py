# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from functools import lru_cache

import pytz

from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from ..const import WINDOW_TYPES
from ..utils import float_to_time


@lru_cache(maxsize=4096)
def _utc_slot(day, remind_from, remind_to, tz_name):
    """From ``remind_from`` to ``remind_to`` on local ``day``, in naive UTC.

    A pure function of its arguments, kept in memory: a festival day's queue
    asks for the same few slots tens of thousands of times.
    """
    tz = pytz.timezone(tz_name)
    start = tz.localize(datetime.combine(day, float_to_time(remind_from)))
    end = tz.localize(datetime.combine(day, float_to_time(remind_to)))
    return (
        start.astimezone(pytz.utc).replace(tzinfo=None),
        end.astimezone(pytz.utc).replace(tzinfo=None),
    )


class PaymentReminderWindow(models.Model):
    _name = "payment.reminder.window"
    _description = "Payment reminder time window"
    _order = "window_type, sequence, remind_from"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company",
        help="Leave empty to use the window in every company without windows of "
        "its own.",
    )
    window_type = fields.Selection(WINDOW_TYPES, required=True, default="order")
    placed_from = fields.Float(
        help="Reminder windows: orders placed from this hour (shop time) ...",
    )
    placed_to = fields.Float(
        help="... until this hour belong to the window. A window may run past "
        "midnight (22:00 to 06:00).",
    )
    remind_from = fields.Float(
        required=True,
        help="Contact the customer from this hour (shop time) ...",
    )
    remind_to = fields.Float(
        required=True,
        help="... until this hour. For a dispatch cut-off, 'until' is the cut-off "
        "itself.",
    )

    # === CONSTRAINT METHODS === #

    @api.constrains("placed_from", "placed_to", "remind_from", "remind_to")
    def _check_hours(self):
        for window in self:
            hours = (
                window.placed_from,
                window.placed_to,
                window.remind_from,
                window.remind_to,
            )
            if any(hour < 0 or hour > 24 for hour in hours):
                raise ValidationError(
                    _(
                        "Window hours go from 00:00 to 24:00 (%(name)s).",
                        name=window.name,
                    )
                )
            if window.remind_from >= window.remind_to:
                raise ValidationError(
                    _(
                        "The window %(name)s must start before it ends.",
                        name=window.name,
                    )
                )
            if window.window_type == "order" and window.placed_from == window.placed_to:
                raise ValidationError(
                    _(
                        "The reminder window %(name)s covers no hour of the day.",
                        name=window.name,
                    )
                )

    @api.constrains("placed_from", "placed_to", "window_type", "company_id", "active")
    def _check_order_windows_do_not_overlap(self):
        for company in set(
            self.filtered(lambda w: w.window_type == "order").company_id
        ):
            windows = self.search(
                [("window_type", "=", "order"), ("company_id", "=", company.id)]
            )
            windows._check_no_overlap()
        if self.filtered(lambda w: w.window_type == "order" and not w.company_id):
            self.search(
                [("window_type", "=", "order"), ("company_id", "=", False)]
            )._check_no_overlap()

    def _check_no_overlap(self):
        covered = {}
        for window in self:
            for minute in window._placed_minutes():
                if minute in covered:
                    raise ValidationError(
                        _(
                            "The reminder windows %(first)s and %(second)s overlap: "
                            "an order placed at one moment must belong to one window.",
                            first=covered[minute].name,
                            second=window.name,
                        )
                    )
                covered[minute] = window

    # === BUSINESS METHODS === #

    def _placed_minutes(self):
        """The minutes of the day (in steps of 15) that this window covers."""
        self.ensure_one()
        start, end = round(self.placed_from * 60), round(self.placed_to * 60)
        if start < end:
            return set(range(start, end, 15))
        return set(range(start, 24 * 60, 15)) | set(range(0, end, 15))

    def _contains_hour(self, hour):
        """Whether an order placed at ``hour`` (float, shop time) falls in here."""
        self.ensure_one()
        if self.placed_from < self.placed_to:
            return self.placed_from <= hour < self.placed_to
        return hour >= self.placed_from or hour < self.placed_to

    def _wraps_midnight(self):
        self.ensure_one()
        return self.placed_from > self.placed_to

    @api.model
    def _get_windows(self, company, window_type):
        """The company's own active windows of a type, else the shared ones."""
        windows = self.search(
            [("window_type", "=", window_type), ("company_id", "=", company.id)]
        )
        return windows or self.search(
            [("window_type", "=", window_type), ("company_id", "=", False)]
        )

    def _slot_on(self, day, tz):
        """The window's contact slot on local ``day``, as naive UTC datetimes."""
        self.ensure_one()
        return _utc_slot(day, self.remind_from, self.remind_to, tz.zone)

    def _slots_between(self, start_day, days, tz):
        """Every slot of these windows over ``days`` local days, in time order."""
        slots = [
            (*window._slot_on(start_day + timedelta(days=offset), tz), window)
            for offset in range(days)
            for window in self
        ]
        return sorted(slots, key=lambda slot: slot[0])
