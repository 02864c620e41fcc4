# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Small helpers that are no model: the shop's time and day, what a cron
needs to work in committed batches beside other workers and their writes,
the interval of the lift, and how long an SMS is."""

import math
import threading
from datetime import datetime, time, timedelta

import pytz
from psycopg2.errors import LockNotAvailable, SerializationFailure

from odoo import fields
from odoo.osv import expression
from odoo.tools import SQL, mute_logger

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


def shop_day_domain(env, company_field, date_field, operator, days_ago=0):
    """A domain comparing ``date_field`` with each company's own shop day
    (minus ``days_ago``), every company's day read in its time zone: what the
    filters named for a day search, whatever the browser's date."""
    now = fields.Datetime.now()
    return expression.OR(
        [
            [
                (company_field, "=", company.id),
                (
                    date_field,
                    operator,
                    shop_day(company, now) - timedelta(days=days_ago),
                ),
            ]
            for company in env["res.company"].sudo().search([])
        ]
    )


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


# === CRONS IN BATCHES, BESIDE OTHER WORKERS === #


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


def savepoint_or_split(env, items, apply, skip, flush=True):
    """``apply(items)`` in a savepoint; when another transaction changed a row
    meanwhile (a customer paying, a cron), the half-batches again, and every
    lone item that still conflicts is passed to ``skip`` (to log it and leave
    it to the next run), instead of failing the whole transaction.

    The conflicts are expected and handled: not logged as failed queries.
    What was written before is saved first: its conflicts are not the items'.
    """
    if not items:
        return
    if flush:
        env.cr.flush()
    try:
        with mute_logger("odoo.sql_db"), env.cr.savepoint(flush=flush):
            apply(items)
    except (SerializationFailure, LockNotAvailable):
        if len(items) == 1:
            skip(items[0])
            return
        half = len(items) // 2
        savepoint_or_split(env, items[:half], apply, skip, flush)
        savepoint_or_split(env, items[half:], apply, skip, flush)


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


# === SMS LENGTH === #

# The GSM 03.38 default alphabet, and its extension table (each of those
# characters takes two of a segment's places).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
# (single message, per segment of a long one): GSM-7 in 7-bit characters,
# UCS-2 in 16-bit units; a long message gives 7 characters (GSM-7) or 3 units
# (UCS-2) of each segment to the header that joins them.
SMS_LIMITS = {"GSM-7": (160, 153), "UCS-2": (70, 67)}
# Typography that would turn a Latin SMS into UCS-2 (2.3 times as many
# segments) for nothing: Babel's no-break spaces in amounts and times, curly
# quotes, dashes.
SMS_PLAIN = str.maketrans(
    {
        "\u00a0": " ",
        "\u202f": " ",
        "\u2009": " ",
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
    }
)


def sms_plain(text):
    """``text`` without typography that costs an SMS its GSM-7 encoding."""
    return (text or "").translate(SMS_PLAIN)


def sms_measure(text):
    """How an SMS of ``text`` is sent and billed.

    GSM-7 when every character is in the GSM alphabet (160 characters in one
    message, 153 per segment beyond), else UCS-2 (70, then 67 per segment;
    characters beyond the 16-bit range count twice).

    :return: (length in the encoding's units, segments, "GSM-7" or "UCS-2")
    """
    text = text or ""
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        encoding = "GSM-7"
        length = sum(2 if char in GSM7_EXTENSION else 1 for char in text)
    else:
        encoding = "UCS-2"
        length = len(text.encode("utf-16-le")) // 2
    single, per_segment = SMS_LIMITS[encoding]
    if not length:
        return 0, 0, encoding
    segments = 1 if length <= single else math.ceil(length / per_segment)
    return length, segments, encoding
