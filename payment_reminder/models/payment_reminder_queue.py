# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The daily reminder queue: which customer to remind, when, how and by whom.

Every rule the field taught us is one method below, named for the rule, run in
the order of :meth:`PaymentReminderQueue._reminder_rules`. A rule receives the
candidates of one step (one per customer) and either decides something for
them (time, channel, agent) or sets ``skip_reason`` on the ones it excludes.
Override a rule method to change it; add one to ``_reminder_rules``.
"""

import logging
from collections import defaultdict
from contextlib import contextmanager
from datetime import datetime, time

from odoo import api, models
from odoo.tools import SQL, split_every

from ..utils import (
    savepoint_or_split,
    shop_day,
    shop_tz,
    to_local,
    to_utc,
    try_advisory_lock,
)

_logger = logging.getLogger(__name__)
# The cursor's cache entry of the values computed once a build.
MEMO = "payment_reminder.queue.memo"


class ReminderCandidate:
    """One customer's unpaid orders, as the queue builder weighs them."""

    def __init__(self, key, orders, step, anchor):
        self.key = key
        self.orders = orders  # sale.order, newest first
        self.anchor = anchor  # the order the reminder is about
        self.step = step
        self.partner = anchor.partner_id.commercial_partner_id
        self.contact = anchor.partner_id
        self.scheduled_at = None
        self.window = None
        self.channel = None
        self.user = None
        self.skip_reason = None
        self.segment = "new"
        self.bad_payer = False
        self.amount_company = 0.0
        self.order_age_hours = 0.0
        self.cycle = None  # payment.reminder.cycle
        self.arm = "remind"
        self.overflow_reason = None

    def __repr__(self):
        return f"<ReminderCandidate {self.key} {self.step} {self.anchor.name}>"


class PaymentReminderQueue(models.AbstractModel):
    _name = "payment.reminder.queue"
    _inherit = [
        "payment.reminder.queue.timing.mixin",
        "payment.reminder.queue.calls.mixin",
        "payment.reminder.queue.saving.mixin",
    ]
    _description = "Payment reminder queue builder"

    @api.model
    def _build(self, company, now):
        """Build and refresh ``company``'s queue as of ``now`` (naive UTC).

        :return: the reminders created or refreshed
        """
        reminders = self.env["payment.reminder"]
        if not try_advisory_lock(self.env, company, "queue"):
            _logger.info("Queue of %s is being built by another worker.", company.name)
            return reminders
        with self._reminder_build_memo():
            return self._reminder_build(company, now)

    @api.model
    def _reminder_build(self, company, now):
        reminders = self.env["payment.reminder"]
        self._reminder_release_expired_promises(company, now)
        self._reminder_drop_paid_orders(company)
        orders = self._reminder_unpaid_orders(company, now)
        self._reminder_prefetch(orders)
        groups = self._reminder_group_by_customer(orders)
        for step in ("first", "final"):
            candidates = self._reminder_weigh(company, groups, step, now)
            reminders |= self._reminder_save(company, candidates, now)
        return reminders

    @contextmanager
    def _reminder_build_memo(self):
        """What ``_reminder_memo`` keeps lives as long as one build."""
        self.env.cr.cache[MEMO] = {}
        try:
            yield
        finally:
            self.env.cr.cache.pop(MEMO, None)

    @api.model
    def _reminder_memo(self, key, compute):
        """``compute()``, once a build for ``key``: what the rules ask for every
        one of tens of thousands of orders and is the same for all (the sending
        cron's interval, a company's window slots of a day). Outside a build,
        computed at each call."""
        memo = self.env.cr.cache.get(MEMO)
        if memo is None:
            return compute()
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    @api.model
    def _reminder_weigh(self, company, groups, step, now):
        """The candidates of ``step`` with every rule applied: what to save."""
        candidates = self._reminder_candidates(company, groups, step, now)
        for rule in self._reminder_rules():
            rule(company, [c for c in candidates if not c.skip_reason], now)
        return candidates

    @api.model
    def _reminder_rules(self):
        """The rules, in the order they run for each step."""
        return [
            self._reminder_skip_payment_in_progress,
            self._reminder_skip_orders_replaced_by_paid,
            self._reminder_skip_customers_who_paid_today,
            self._reminder_skip_do_not_contact,
            self._reminder_skip_max_reached,
            self._reminder_schedule,
            self._reminder_respect_min_interval,
            self._reminder_profile_customers,
            self._reminder_choose_channel,
            self._reminder_assign_agent,
            self._reminder_open_cycles,
            self._reminder_cap_calls,
            self._reminder_hold_out_control_group,
        ]

    # === WHICH ORDERS === #

    @api.model
    def _reminder_release_expired_promises(self, company, now):
        """A promise to pay that was not kept puts the order back in the queue.

        An order another transaction wrote meanwhile (the customer paying it)
        keeps its promise until the next build, out of this one's queue.
        """
        orders = self.env["sale.order"].search(
            [
                ("company_id", "=", company.id),
                ("reminder_promised_at", "!=", False),
                ("reminder_promised_at", "<=", now),
            ]
        )

        def release(batch):
            self.env["sale.order"].union(*batch).reminder_promised_at = False

        def release_later(order):
            _logger.info("Order %s changed meanwhile: released later.", order.id)

        savepoint_or_split(self.env, list(orders), release, release_later)

    @api.model
    def _reminder_drop_paid_orders(self, company):
        """Planned reminders stop covering orders paid since they were planned.

        A reminder another transaction wrote meanwhile (the payment itself
        stopping it, the send cron) is left to the next build.
        """
        reminders = self.env["payment.reminder"].search(
            [
                ("company_id", "=", company.id),
                ("state", "=", "planned"),
                ("order_ids.awaiting_payment", "=", False),
            ]
        )

        def drop(batch):
            for reminder in batch:
                paid = reminder.order_ids.filtered(lambda o: not o.awaiting_payment)
                if reminder.order_id in paid or paid == reminder.order_ids:
                    reminder.write({"state": "skipped", "skip_reason": "paid"})
                else:
                    reminder.order_ids -= paid

        def drop_later(reminder):
            _logger.info("Reminder %s changed meanwhile: dropped later.", reminder.id)

        savepoint_or_split(self.env, list(reminders), drop, drop_later)

    @api.model
    def _reminder_unpaid_orders_domain(self, company, now):
        return [
            ("company_id", "=", company.id),
            ("awaiting_payment", "=", True),
            ("date_order", ">=", company.payment_reminder_start_from or datetime.min),
            ("reminder_promised_at", "=", False),
            "|",
            ("payment_deadline", "=", False),
            ("payment_deadline", ">", now),
        ]

    @api.model
    def _reminder_unpaid_orders(self, company, now):
        return self.env["sale.order"].search(
            self._reminder_unpaid_orders_domain(company, now),
            order="date_order desc, id desc",
        )

    @api.model
    def _reminder_prefetch(self, orders):
        """Read at once, for all the day's orders, what the rules look at.

        The rules read customers one by one. On a festival day that is tens of
        thousands of customers: a field left to the ORM's lazy prefetching is
        looked for among all of them at each miss, which makes the build
        quadratic. Reading each field once for the whole day keeps it linear,
        and the number of queries flat.
        """
        orders.fetch(self._reminder_prefetch_order_fields())
        orders.transaction_ids.fetch(["state", "amount"])
        contacts = orders.partner_id
        contacts.fetch(self._reminder_prefetch_contact_fields())
        partners = contacts.commercial_partner_id
        partners.fetch(self._reminder_prefetch_contact_fields())
        (contacts | partners).user_ids.fetch(["share"])
        # Computed on the fly, not stored: compute them for everyone in one go.
        for name in ("is_blacklisted", "phone_sanitized_blacklisted"):
            contacts._fields[name].compute_value(contacts)
        orders._fields["amount_paid"].compute_value(orders)

    @api.model
    def _reminder_prefetch_order_fields(self):
        return [
            "company_id",
            "state",
            "awaiting_payment",
            "reminder_closed_kind",
            "reminder_promised_at",
            "partner_id",
            "user_id",
            "currency_id",
            "date_order",
            "amount_total",
            "payment_deadline",
            "is_flash_sale",
            "reminder_customer_key",
            "reminder_replaced_by_id",
            "reminder_cycle_id",
            "transaction_ids",
        ]

    @api.model
    def _reminder_prefetch_contact_fields(self):
        return [
            "commercial_partner_id",
            "active",
            "email",
            "email_normalized",
            "phone_sanitized",
            "payment_reminder_mobile",
            "payment_reminder_opt_out",
            "user_ids",
            "tz",
        ]

    @api.model
    def _reminder_group_by_customer(self, orders):
        """Rules 1 and 3: one customer = one commercial partner, or one mobile.

        Orders sharing a normalised mobile number (see
        ``sale.order.reminder_customer_key``) are one customer, whatever partner
        record they were placed with. Each group lists the orders newest first.
        """
        # grouped() keeps one prefetch set: reading the groups costs one query
        # per field for all customers, not one per customer.
        return orders.grouped("reminder_customer_key")

    @api.model
    def _reminder_candidates(self, company, groups, step, now):
        """The customers who need a reminder of ``step``.

        First reminders are about the latest order (the customer's final
        decision) and cover all their unpaid orders. Flash-sale orders get no
        first reminder: they only have time for the one before close. The final
        reminder is about the order closing first, planned once its deadline
        is near (quiet hours may bring it forward: see
        ``_reminder_final_is_near``).
        """
        candidates = []
        for key, orders in groups.items():
            if step == "first":
                regular = [o for o in orders if not o.is_flash_sale]
                if regular:
                    candidates.append(ReminderCandidate(key, orders, step, regular[0]))
                continue
            last_order_at = max(orders.mapped("date_order"))
            closing = [
                o
                for o in orders
                if self._reminder_final_is_near(company, o, now, last_order_at)
            ]
            if closing:
                anchor = min(closing, key=lambda o: o.payment_deadline)
                candidates.append(ReminderCandidate(key, orders, step, anchor))
        return candidates

    # === WHOM NOT TO REMIND === #

    @api.model
    def _reminder_skip_payment_in_progress(self, company, candidates, now):
        """A payment still syncing (pending or authorized) is not chased."""
        for candidate in candidates:
            if candidate.anchor._payment_reminder_has_payment_in_progress():
                candidate.skip_reason = "payment_in_progress"

    @api.model
    def _reminder_skip_orders_replaced_by_paid(self, company, candidates, now):
        """Seed 001: a customer who paid a later order (placed within the
        replacement window after an unpaid one) is not reminded of the unpaid
        one, and the agent is offered to cancel it as a likely duplicate.

        A reminder about a replaced order is skipped (and covers the replaced
        orders alone, so the others keep their own reminders); a reminder about
        another order no longer covers the replaced ones.
        """
        if not candidates:
            return
        orders = self.env["sale.order"].union(*(c.orders for c in candidates))
        replacements = orders._payment_reminder_paid_replacements()
        if not replacements:
            return
        for order, later in replacements.items():
            self._reminder_offer_to_cancel(order, later)
        for candidate in candidates:
            replaced = candidate.orders.filtered(lambda o: o in replacements)
            if not replaced:
                continue
            if candidate.anchor in replaced:
                candidate.orders = replaced
                candidate.skip_reason = "replaced_by_paid"
            else:
                candidate.orders -= replaced

    @api.model
    def _reminder_offer_to_cancel(self, order, later):
        """Offer to cancel ``order`` (replaced by ``later``), but not while
        another transaction changed it meanwhile (the customer paying it too,
        the shop cancelling it): the whole build would fail to serialize, as
        the soak test's found. The next build offers it again."""

        def offer(batch):
            for replaced in batch:
                replaced._payment_reminder_offer_to_cancel_duplicate(later)

        def offer_later(order):
            _logger.info("Order %s changed meanwhile: offered later.", order.id)

        savepoint_or_split(self.env, [order], offer, offer_later)

    @api.model
    def _reminder_skip_customers_who_paid_today(self, company, candidates, now):
        """Rule 2: a customer who paid another order placed the same day is done."""
        if not candidates:
            return
        days = {c: shop_day(company, c.anchor.date_order) for c in candidates}
        first_day, last_day = min(days.values()), max(days.values())
        tz = shop_tz(company)
        paid = self.env["sale.order"].search_fetch(
            [
                ("company_id", "=", company.id),
                ("reminder_customer_key", "in", [c.key for c in candidates]),
                ("state", "=", "sale"),
                ("awaiting_payment", "=", False),
                ("date_order", ">=", to_utc(first_day, time.min, tz)),
                ("date_order", "<=", to_utc(last_day, time.max, tz)),
            ],
            ["reminder_customer_key", "date_order"],
        )
        paid_days = {
            (
                order.reminder_customer_key,
                shop_day(company, order.date_order),
            )
            for order in paid
        }
        for candidate in candidates:
            if (candidate.key, days[candidate]) in paid_days:
                candidate.skip_reason = "paid_same_day"

    @api.model
    def _reminder_skip_do_not_contact(self, company, candidates, now):
        """Rule 9: never remind a customer who asked not to be contacted."""
        for candidate in candidates:
            partners = candidate.orders.partner_id.commercial_partner_id
            if any(partners.mapped("payment_reminder_opt_out")):
                candidate.skip_reason = "opt_out"
            elif not all(candidate.orders.partner_id.mapped("active")):
                # An archived contact is one the shop stopped dealing with.
                candidate.skip_reason = "archived"

    @api.model
    def _reminder_skip_max_reached(self, company, candidates, now):
        """Rule 9: an order gets at most ``max_count`` reminders."""
        if not candidates:
            return
        anchors = self.env["sale.order"].union(*(c.anchor for c in candidates))
        done = dict(
            self.env["payment.reminder"]._read_group(
                [("order_ids", "in", anchors.ids), ("state", "=", "done")],
                ["order_ids"],
                ["__count"],
            )
        )
        for candidate in candidates:
            if done.get(candidate.anchor, 0) >= company.payment_reminder_max_count:
                candidate.skip_reason = "max_reached"

    # === WHEN: see payment_reminder_queue_timing.py === #

    # === HOW === #

    @api.model
    def _reminder_profile_customers(self, company, candidates, now):
        """New or returning, bad payer or not, amount and age: what channels weigh."""
        if not candidates:
            return
        history = defaultdict(lambda: {"paid": 0, "closed": 0})
        for key, state, count in self.env["sale.order"]._read_group(
            [
                ("reminder_customer_key", "in", [c.key for c in candidates]),
                ("awaiting_payment", "=", False),
                ("state", "in", ("sale", "cancel")),
            ],
            ["reminder_customer_key", "state"],
            ["__count"],
        ):
            history[key]["paid" if state == "sale" else "closed"] += count
        currencies = self.env["res.currency"].union(
            *(c.orders.currency_id for c in candidates)
        )
        rates = {
            currency: currency._get_conversion_rate(
                currency, company.currency_id, company, now.date()
            )
            for currency in currencies
        }
        for candidate in candidates:
            past = history[candidate.key]
            candidate.segment = "returning" if past["paid"] else "new"
            candidate.bad_payer = (
                not past["paid"]
                and past["closed"] >= company.payment_reminder_bad_payer_count
            )
            candidate.amount_company = sum(
                (order.amount_total - order.amount_paid) * rates[order.currency_id]
                for order in candidate.orders
            )
            candidate.order_age_hours = (
                candidate.scheduled_at - candidate.anchor.date_order
            ).total_seconds() / 3600

    @api.model
    def _reminder_choose_channel(self, company, candidates, now):
        """Rule 10: the first channel rule that matches and can reach the customer."""
        rules = self.env["payment.reminder.channel.rule"].search(
            [("company_id", "in", (False, company.id))]
        )
        call_windows = self.env["payment.reminder.window"]._get_windows(company, "call")
        for candidate in candidates:
            for rule in rules:
                if (
                    rule._matches(candidate)
                    and self._reminder_channel_usable(candidate, rule.channel)
                    and self._reminder_channel_acts_in_time(
                        company, candidate, rule.channel, call_windows
                    )
                ):
                    candidate.channel = rule.channel
                    break
            else:
                candidate.skip_reason = "no_channel"

    @api.model
    def _reminder_channel_acts_in_time(self, company, candidate, channel, call_windows):
        """Issue 11: a channel that cannot act before the order's deadline is not
        chosen: a call whose next call window (from the reminder's moment)
        starts at or after the deadline. Messages go out at their moment."""
        deadline = candidate.anchor.payment_deadline
        if channel != "phone" or not deadline or not candidate.scheduled_at:
            return True
        moment = candidate.scheduled_at
        tz = shop_tz(company)
        first_day = to_local(moment, tz).date()
        slots = self._reminder_memo(
            ("slots", tuple(call_windows.ids), first_day, 3, tz.zone),
            lambda: call_windows._slots_between(first_day, 3, tz),
        )
        for start, end, _window in slots:
            if end > moment:
                return max(start, moment) < deadline
        # No call window: the call is due at once.
        return moment < deadline

    @api.model
    def _reminder_channel_usable(self, candidate, channel):
        """Whether ``channel`` reaches the customer (address, number, blacklists)."""
        return self.env["payment.reminder"]._reminder_can_reach(
            candidate.contact, channel
        )

    # === WHO === #

    @api.model
    def _reminder_assign_agent(self, company, candidates, now):
        """Rule 11: the order's salesperson, else the least busy team member."""
        team = company.payment_reminder_team_ids
        load = defaultdict(int)
        if team:
            for user, count in self.env["payment.reminder"]._read_group(
                [("user_id", "in", team.ids), ("state", "=", "planned")],
                ["user_id"],
                ["__count"],
            ):
                load[user] = count
        for candidate in candidates:
            salesperson = candidate.anchor.user_id
            if salesperson and not salesperson.share:
                candidate.user = salesperson
            elif team:
                candidate.user = min(team, key=lambda user: (load[user], user.id))
                load[candidate.user] += 1

    # === CONTROL GROUP === #

    @api.model
    def _reminder_open_cycles(self, company, candidates, now):
        """The customer's unpaid-order cycle, and its arm, drawn once.

        A cycle runs from the customer's first unpaid order until none is left
        unpaid: orders placed meanwhile join it, so every step of the cycle
        (the final reminder included) and every rebuild find the same cycle
        and keep its arm. A customer without one opens a new cycle, whose arm
        is drawn then (``payment.reminder.cycle._cycle_draw``) and stored.
        """
        Cycle = self.env["payment.reminder.cycle"]
        new = []
        for candidate in candidates:
            candidate.cycle = self._reminder_cycle_of(candidate.orders)
            if not candidate.cycle:
                new.append(candidate)
        opened = self._reminder_cycles_by_first_order(company, new)
        for candidate in new[:]:
            candidate.cycle = opened.get((candidate.key, candidate.orders[-1]))
            if candidate.cycle:
                new.remove(candidate)
        cycles = Cycle._cycle_insert(
            [
                Cycle._prepare_cycle_values(
                    company, c.key, c.partner, c.orders[-1], now
                )
                for c in new
            ]
        )
        for candidate, cycle in zip(new, cycles, strict=True):
            candidate.cycle = cycle
        self._reminder_link_cycles(candidates)
        for candidate in candidates:
            candidate.arm = candidate.cycle.arm

    @api.model
    def _reminder_cycles_by_first_order(self, company, candidates):
        """The cycles already opened for these candidates whose orders were not
        linked to it (a concurrent write on the order kept the link from being
        written: see ``_reminder_link_cycles``).

        :return: {(customer key, first order): cycle}
        """
        if not candidates:
            return {}
        cycles = self.env["payment.reminder.cycle"].search_fetch(
            [
                ("company_id", "=", company.id),
                ("first_order_id", "in", [c.orders[-1].id for c in candidates]),
            ],
            ["customer_key", "first_order_id", "arm"],
        )
        return {(cycle.customer_key, cycle.first_order_id): cycle for cycle in cycles}

    @api.model
    def _reminder_cycle_of(self, orders):
        """The cycle ``orders`` belong to (the oldest, should they be in two)."""
        cycles = orders.reminder_cycle_id
        return min(cycles, key=lambda cycle: cycle.id) if cycles else cycles

    @api.model
    def _reminder_link_cycles(self, candidates):
        """The candidates' orders not in a cycle yet join their customer's.

        On a festival day that is one order in two of a hundred thousand: one
        statement per thousand orders rather than an ORM write per customer.
        Nothing is computed from the link.
        """
        pairs = [
            (order.id, candidate.cycle.id)
            for candidate in candidates
            for order in candidate.orders
            if not order.reminder_cycle_id
        ]
        if not pairs:
            return
        Order = self.env["sale.order"]
        Order.flush_model(["reminder_cycle_id"])
        for batch in split_every(1000, pairs):
            self._reminder_link_orders(list(batch))
        Order.browse([order_id for order_id, _cycle in pairs]).invalidate_recordset(
            ["reminder_cycle_id"]
        )

    @api.model
    def _reminder_link_orders(self, pairs):
        """Write ``[(order id, cycle id)]``, but not on the orders another
        transaction changed while the queue was built (a customer paying, the
        web shop): the build would fail to serialize and be lost entirely.
        Those stay unlinked until a later build; their cycle is found by its
        first order meanwhile (``_reminder_cycles_by_first_order``).
        """

        def link(batch):
            self.env.execute_query(
                SQL(
                    "UPDATE sale_order SET reminder_cycle_id = link.cycle_id "
                    "FROM (VALUES %s) AS link(order_id, cycle_id) "
                    "WHERE sale_order.id = link.order_id",
                    SQL(", ").join(SQL("(%s, %s)", *pair) for pair in batch),
                )
            )

        def link_later(pair):
            _logger.info("Order %s changed meanwhile: linked later.", pair[0])

        savepoint_or_split(self.env, pairs, link, link_later, flush=False)

    @api.model
    def _reminder_hold_out_control_group(self, company, candidates, now):
        """Hold out the customers of the control group: queued, tracked, not
        reminded, at every step of their cycle (``_reminder_open_cycles``).

        It runs last, so the control group gets exactly what the others get
        (moment, channel, agent) but the reminder itself.
        """
        for candidate in candidates:
            if candidate.arm == "control":
                candidate.skip_reason = "control"

    # === SAVING: see payment_reminder_queue_saving.py === #
