# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""How many calls: the queue's call capacity rule (12). An agent makes at most
their daily call capacity; the customers where most is at stake get the calls,
the others the next channel of the ladder."""

from collections import defaultdict
from datetime import timedelta

from odoo import api, models

from ..const import CALL_LOAD_STATES, NO_DEADLINE_HOURS, ROLL_DAYS
from ..utils import shop_day, shop_tz, to_local


class PaymentReminderQueueCallsMixin(models.AbstractModel):
    _name = "payment.reminder.queue.calls.mixin"
    _description = "Payment reminder queue: call capacity"

    @api.model
    def _reminder_cap_calls(self, company, candidates, now):
        """Rule 12: an agent makes at most their daily call capacity.

        Calls go to the customers where most is at stake (the expected value,
        ``_reminder_call_value``), up to each agent's capacity per shop day,
        the calls already handed out or made that day included; a team member
        with room takes a team customer over. The rest, and on a busy day
        (setting) everyone, get the next channel of the ladder instead, with
        the reason on the reminder. Customers of the control group are ranked
        with the others but take no call: the line between a call and a
        message is the same in both arms, and no call is wasted.
        """
        calls = self._reminder_new_calls(
            company, [c for c in candidates if c.channel == "phone"], now
        )
        if not calls:
            return
        rules = self.env["payment.reminder.channel.rule"].search(
            [("company_id", "in", (False, company.id))]
        )
        if company.payment_reminder_busy_day:
            for candidate in calls:
                self._reminder_overflow(candidate, "busy_day", rules)
            return
        load = self._reminder_call_load(company, calls)
        ranked = sorted(
            calls, key=lambda c: (-self._reminder_call_value(company, c), c.key)
        )
        tz = shop_tz(company)
        team_full = set()  # the days the whole team's calls are given out
        for candidate in ranked:
            agent = candidate.user
            if not agent:
                continue
            day = to_local(candidate.scheduled_at, tz).date()
            if load[(agent, day)] >= agent.payment_reminder_call_capacity:
                agent = day not in team_full and self._reminder_agent_with_room(
                    company, candidate, load, day
                )
                if not agent:
                    if candidate.user != candidate.anchor.user_id:
                        team_full.add(day)
                    self._reminder_overflow(candidate, "call_capacity", rules)
                    continue
                candidate.user = agent
            if candidate.arm != "control":
                load[(agent, day)] += 1

    @api.model
    def _reminder_new_calls(self, company, calls, now):
        """The ``calls`` the queue will plan: not those of customers whose
        reminder of this step already covers every order (it was sent, or
        handed out as a call, and counts in the load already)."""
        if not calls:
            return calls
        covered = defaultdict(lambda: self.env["sale.order"])
        for reminder in self.env["payment.reminder"].search_fetch(
            [
                ("company_id", "=", company.id),
                ("customer_key", "in", [c.key for c in calls]),
                ("step", "=", calls[0].step),
                ("state", "!=", "planned"),
                ("scheduled_at", ">=", now - timedelta(days=ROLL_DAYS + 3)),
            ],
            ["customer_key", "order_ids"],
        ):
            covered[reminder.customer_key] |= reminder.order_ids
        return [c for c in calls if c.orders - covered[c.key]]

    @api.model
    def _reminder_call_value(self, company, candidate):
        """What a call to this customer is worth: the unpaid amount (company
        currency) times the hours left before the order closes."""
        deadline = candidate.anchor.payment_deadline
        hours = (
            (deadline - candidate.scheduled_at).total_seconds() / 3600
            if deadline
            else NO_DEADLINE_HOURS
        )
        return candidate.amount_company * max(hours, 0.0)

    @api.model
    def _reminder_call_load(self, company, calls):
        """The calls each agent already has per shop day: handed out, made, or
        planned for other customers than ``calls`` (theirs are decided again).

        :return: defaultdict {(res.users, date): count}
        """
        agents = self.env["res.users"].union(
            *(c.user for c in calls if c.user), company.payment_reminder_team_ids
        )
        days = {shop_day(company, c.scheduled_at) for c in calls}
        load = defaultdict(int)
        for user, day, count in self.env["payment.reminder"]._read_group(
            [
                ("company_id", "=", company.id),
                ("channel", "=", "phone"),
                ("user_id", "in", agents.ids),
                ("queue_date", "in", list(days)),
                ("state", "in", CALL_LOAD_STATES),
                "!",
                "&",
                "&",
                ("state", "=", "planned"),
                ("step", "=", calls[0].step),
                ("customer_key", "in", [c.key for c in calls]),
            ],
            ["user_id", "queue_date:day"],
            ["__count"],
        ):
            load[(user, day)] = count
        return load

    @api.model
    def _reminder_agent_with_room(self, company, candidate, load, day):
        """The team member with the most room left that day for a customer the
        team shares (not the salesperson's own), else None."""
        if candidate.user == candidate.anchor.user_id:
            return None
        free = company.payment_reminder_team_ids.filtered(
            lambda user: load[(user, day)] < user.payment_reminder_call_capacity
        )
        return min(free, key=lambda user: (load[(user, day)], user.id), default=None)

    @api.model
    def _reminder_overflow(self, candidate, reason, rules):
        """No call for this customer (``reason``): the first channel rule after
        the call that matches and reaches them (message, e-mail, then SMS)."""
        candidate.overflow_reason = reason
        for rule in rules:
            if (
                rule.channel != "phone"
                and rule._matches(candidate)
                and self._reminder_channel_usable(candidate, rule.channel)
            ):
                candidate.channel = rule.channel
                return
        candidate.skip_reason = "no_channel"
