# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Selection lists and tuning constants of payment_reminder, in one place."""

from datetime import timedelta

# === SELECTIONS === #

CHANNELS = [
    ("portal", "Portal message"),
    ("email", "Email"),
    ("sms", "SMS"),
    ("phone", "Phone call"),
]
STEPS = [
    ("first", "First reminder"),
    ("final", "Before close"),
    ("manual", "Manual"),
]
SEGMENTS = [
    ("new", "First-time buyer"),
    ("returning", "Returning customer"),
]
STATES = [
    ("planned", "Planned"),
    ("done", "Done"),
    ("skipped", "Skipped"),
    ("failed", "Failed"),
    ("cancelled", "Cancelled"),
    # A phone reminder handed to its agent: done only once the call is made.
    ("calling", "Call to make"),
]
SKIP_REASONS = [
    ("paid", "Paid meanwhile"),
    ("payment_in_progress", "Payment under way"),
    ("paid_same_day", "Paid another order the same day"),
    ("opt_out", "Asked not to be contacted"),
    ("archived", "Customer archived"),
    ("max_reached", "Maximum reminders reached"),
    ("too_soon", "Contacted too recently"),
    ("no_slot", "No time left before the deadline"),
    ("no_channel", "No usable channel"),
    ("control", "Control group: held out on purpose"),
    ("deadline_passed", "Deadline passed"),
    ("replaced_by_paid", "Paid a later order"),
]
RESULTS = [
    ("pending", "Pending"),
    ("paid", "Paid"),
    ("closed_auto", "Closed automatically"),
    ("closed_manual", "Closed by us or the customer"),
    ("paid_after_close", "Paid after close"),
]
# What a call gave: logged by the agent with payment.reminder.call.result.
OUTCOMES = [
    ("will_pay", "Will pay"),
    ("call_back", "Call back later"),
    ("declined", "Declined"),
    ("wrong_person_message_left", "Someone else answered, message left"),
    ("new_number", "New number"),
    ("no_answer", "No answer"),
    ("hung_up_angry", "Hung up angry"),
    ("payment_problem", "Payment problem"),
    # Mark Done on the call activity: made, nothing logged about it.
    ("done_no_details", "Call made, no details"),
]
# Why a reminder that would have been a call is a message instead.
CALL_OVERFLOW_REASONS = [
    ("call_capacity", "The agent's calls for the day are full"),
    ("busy_day", "Busy day: messages instead of calls"),
]
# The two arms of the control group, drawn once per customer and cycle.
ARMS = [
    ("remind", "Reminded"),
    ("control", "Control group"),
]
# Where an order stands for reminding (sale.order.reminder_state).
ORDER_REMINDER_STATES = [
    ("none", "Not in the queue"),
    ("pending", "Awaiting reminder"),
    ("reminded", "Reminded"),
    ("promised", "Payment promised"),
    ("excluded", "Excluded"),
    ("paid", "Paid"),
    ("closed", "Closed unpaid"),
]
# Why a planned reminder was moved later instead of going out when due.
WAIT_REASONS = [
    ("link_opened", "Opened the pay link less than an hour ago"),
    ("sms_budget", "The day's SMS budget is used up"),
    ("min_interval", "Contacted less than the minimum interval ago"),
]
# How an SMS says how to opt out: a reply the SMS provider forwards to
# ``payment.reminder._reminder_sms_reply``, or a short link to a page of ours.
SMS_OPT_OUT_MODES = [
    ("reply", "Reply T / STOP (the provider forwards replies)"),
    ("link", "Opt-out link"),
]
WINDOW_TYPES = [
    ("order", "Reminder window (by the hour the order was placed)"),
    ("cutoff", "Dispatch cut-off"),
    ("call", "Call window"),
]

# Which reminders the sheets count: customers reminded (a call counts once it
# was made), and the control group.
REMINDED_DOMAIN = [("state", "=", "done")]
CONTROL_DOMAIN = [("state", "=", "skipped"), ("skip_reason", "=", "control")]
# The states in which a reminder was given to an agent or sent: what a call
# handed out counts against the agent's daily capacity with.
CALL_LOAD_STATES = ("planned", "calling", "done")

# === TUNING === #

# Queue: how far ahead the final "before close" reminders are planned, and how
# many days ahead a reminder may roll when its window is full.
FINAL_HORIZON = timedelta(hours=2)
ROLL_DAYS = 4
# Sending: reminders claimed per batch, and how often a failure is tried again.
# A batch holds its orders until it commits, and a customer paying one of them
# waits for it: 50 reminders take a few seconds (200 took a minute under the
# soak test's load, payment pages with them).
SEND_BATCH_SIZE = 50
MAX_RETRIES = 3
RETRY_DELAY = timedelta(minutes=30)
# A reminder that went out after its customer started paying lost a race with
# the payment when it went out this long at most after the payment came in
# (longer after, the payment only covered part of the order); payments of the
# last hour are looked at again by the sending cron.
PAYMENT_RACE_WINDOW = timedelta(minutes=10)
PAYMENT_RACE_LOOKBACK = timedelta(hours=1)
# Closing: orders cancelled per committed batch.
CLOSE_BATCH_SIZE = 500
# Calls: the hours left an order that never closes is worth in the expected
# value of a call (amount x time left).
NO_DEADLINE_HOURS = 7 * 24
# Lift: both arms need this many customers before a difference means anything,
# and the 95 % two-sided normal quantile of its interval.
MIN_ARM_SIZE = 30
Z_95 = 1.959964

# === SMS === #

# A customer who opened the pay link is left alone this long.
LINK_OPENED_PAUSE = timedelta(hours=1)
# Replies that mean "no more SMS" (compared upper-cased, without spaces or
# punctuation): the Chinese operators' T / TD / 退订, the English STOP words.
SMS_OPT_OUT_KEYWORDS = frozenset(
    {
        "T",
        "TD",
        "退订",
        "退訂",
        "STOP",
        "STOPALL",
        "UNSUBSCRIBE",
        "END",
        "QUIT",
        "CANCEL",
    }
)
# The script editor measures an SMS before its short link exists: a code of
# this length stands for it (Odoo's codes start at 3 characters and grow as
# they run out).
SMS_PREVIEW_CODE_LENGTH = 4
