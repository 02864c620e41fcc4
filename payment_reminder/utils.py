# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Small helpers that are no model: the shop's time and day, what a cron
needs to work in committed batches beside other workers, and the interval of
the lift."""

import math
import threading
from datetime import datetime, time, timedelta

import pytz

from odoo.tools import SQL

# === TIME === #


def shop_tz(company):
    """The shop's time zone (setting *Shop time zone*), UTC when unset."""
    return pytz.timezone(company.payment_reminder_tz or "UTC")


def to_local(utc_datetime, tz):
    """A naive UTC datetime as an aware datetime in ``tz``."""
    return pytz.utc.localize(utc_datetime).astimezone(tz)


def to_utc(day, moment, tz):
    """Local ``day`` at ``moment`` (a time) in ``tz``, as a naive UTC datetime."""
    local = tz.localize(datetime.combine(day, moment))
    return local.astimezone(pytz.utc).replace(tzinfo=None)


def shop_day(company, utc_datetime):
    """The shop day of a naive UTC datetime."""
    return to_local(utc_datetime, shop_tz(company)).date()


def hour_of(local_datetime):
    """The hour of the day as a float: 9:30 -> 9.5."""
    return (
        local_datetime.hour + local_datetime.minute / 60 + local_datetime.second / 3600
    )


def quiet_hours_around(moment, tz, start, end):
    """The quiet hours holding ``moment`` (naive UTC): from ``start`` to
    ``end`` o'clock (floats, ``start`` > ``end`` running past midnight) in
    ``tz``, as (start, end) naive UTC datetimes; None when ``moment`` is
    outside them, or when ``start`` equals ``end`` (no quiet hours)."""
    if start == end:
        return None
    local = to_local(moment, tz)
    hour, day = hour_of(local), local.date()
    if start < end:
        first_day = day if start <= hour < end else None
    elif hour >= start:
        first_day = day
    elif hour < end:
        first_day = day - timedelta(days=1)
    else:
        first_day = None
    if first_day is None:
        return None
    last_day = first_day if start < end else first_day + timedelta(days=1)
    return (
        to_utc(first_day, float_to_time(start), tz),
        to_utc(last_day, float_to_time(end), tz),
    )


def float_to_time(hours):
    """09.5 -> time(9, 30); 24.0 -> time.max (the end of the day)."""
    if hours >= 24:
        return time.max
    minutes = round(hours * 60)
    return time(minutes // 60, minutes % 60)


# === CRONS IN BATCHES === #


def commit_unless_testing(env):
    """Commit between cron batches, except in tests."""
    if not getattr(threading.current_thread(), "testing", False):
        env.cr.commit()  # pylint: disable=invalid-commit


def try_advisory_lock(env, company, name):
    """Take the transaction-level advisory lock ``name`` of ``company``.

    :return: False when another worker holds it. That worker's transaction
        started first and will see everything this one would; waiting for it
        instead would not help, since under Odoo's REPEATABLE READ this
        transaction's snapshot predates the other one's commit.
    """
    rows = env.execute_query(
        SQL(
            "SELECT pg_try_advisory_xact_lock(hashtext(%s), %s)",
            f"payment_reminder.{name}",
            company.id,
        )
    )
    return rows[0][0]


# === STATISTICS === #


def difference_interval(paid_a, size_a, paid_b, size_b, z):
    """The difference of two proportions, ``paid_a / size_a - paid_b / size_b``,
    with its confidence interval by the normal approximation (Wald):
    ``d ± z * sqrt(pa (1 - pa) / na + pb (1 - pb) / nb)``.

    :return: (difference, low, high), as fractions; None when an arm is empty
    """
    if not size_a or not size_b:
        return None
    rate_a, rate_b = paid_a / size_a, paid_b / size_b
    difference = rate_a - rate_b
    error = math.sqrt(rate_a * (1 - rate_a) / size_a + rate_b * (1 - rate_b) / size_b)
    return difference, difference - z * error, difference + z * error
