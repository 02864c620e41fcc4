# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Saving the queue: the day's candidates become new reminders or refresh the
planned ones, never two per customer, step and shop day."""

import logging
from collections import defaultdict
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, split_every

from ..const import ROLL_DAYS
from ..utils import savepoint_or_split, shop_day

_logger = logging.getLogger(__name__)


class PaymentReminderQueueSavingMixin(models.AbstractModel):
    _name = "payment.reminder.queue.saving.mixin"
    _description = "Payment reminder queue: saving"

    @api.model
    def _reminder_save(self, company, candidates, now):
        """Create new reminders and refresh planned ones, never twice per day.

        A customer already reminded about exactly these orders, or already
        reminded (or skipped) at this step on that day, gets nothing new; the
        unique index on (company, customer, step, day) guards this against
        concurrent builders too. An order is reminded once per step, whatever
        key its customer had then (``_reminder_orders_covered``).
        """
        Reminder = self.env["payment.reminder"]
        # Every field a refresh compares, read at once for the whole day.
        existing = Reminder.search_fetch(
            [("customer_key", "in", [c.key for c in candidates])]
            + self._reminder_current_domain(company, candidates, now),
            self._reminder_saved_fields(),
        )
        planned = {
            (r.customer_key, r.step): r for r in existing if r.state == "planned"
        }
        taken = {(r.customer_key, r.step, r.queue_date) for r in existing}
        orders = self.env["sale.order"].union(*(c.orders for c in candidates))
        covered = self._reminder_orders_covered(
            company, candidates, orders, existing, now
        )
        to_create = []
        # Only a reminder done changes what an unpaid order's reminder state
        # says: planning or skipping one leaves it as it is, so the day's
        # orders are not recomputed (and rewritten) for nothing.
        protected = [self.env["sale.order"]._fields["reminder_state"]]
        with self.env.protecting(protected, orders):
            saved = self._reminder_save_candidates(
                company, candidates, now, planned, taken, covered, to_create
            )
            return saved | self._reminder_create(to_create)

    @api.model
    def _reminder_current_domain(self, company, candidates, now):
        """The company's reminders of the candidates' steps a build compares
        with: the planned ones, and those of the days a reminder may roll to."""
        return [
            ("company_id", "=", company.id),
            ("step", "in", list({c.step for c in candidates})),
            "|",
            ("state", "=", "planned"),
            ("scheduled_at", ">=", now - timedelta(days=ROLL_DAYS + 3)),
        ]

    @api.model
    def _reminder_orders_covered(self, company, candidates, orders, existing, now):
        """The orders each step already reminded (or skipped) or queued, of
        ``orders``: by the candidates' own reminders (``existing``) and by the
        reminders of another customer key. Rule 3 keys a customer by mobile
        number: one who changes it after a reminder is a new key, but their
        orders were reminded at that step already (the soak test found them
        reminded twice).

        :return: {step: sale.order}
        """
        others = self.env["payment.reminder"].search_fetch(
            [
                ("order_ids", "in", orders.ids),
                ("customer_key", "not in", [c.key for c in candidates]),
            ]
            + self._reminder_current_domain(company, candidates, now),
            ["order_ids", "step"],
        )
        covered = defaultdict(lambda: self.env["sale.order"])
        for reminder in others | existing.filtered(lambda r: r.state != "planned"):
            covered[reminder.step] |= reminder.order_ids
        return covered

    @api.model
    def _reminder_create(self, values_list):
        """Create the day's new reminders, their results written with them.

        A reminder the queue creates covers orders that await payment, and no
        payment was credited to it yet: its results are known (pending,
        nothing recovered). They are written with it instead of computed again
        for tens of thousands of new reminders.
        """
        results = self._prepare_new_results()
        return self._reminder_insert([values | results for values in values_list])

    @api.model
    def _reminder_insert(self, values_list):
        """Insert reminders as the ORM's ``create`` would, a thousand per
        statement: what a queue of tens of thousands of customers costs.

        The rows are those ``create`` writes with mail tracking off (the
        defaults, the magic columns, the stored related ``arm``; see
        ``test_queue_insert``): queue entries are no conversations, no
        creation note, follower nor assignment notification. ``values_list``
        holds complete values (``_prepare_reminder_values`` and
        ``_prepare_new_results``); companies are consistent by construction,
        so the company checks are not run again. The dependents of new
        reminders (the orders' reminder state) are marked to recompute, as
        ``create`` marks them.
        """
        Reminder = self.env["payment.reminder"]
        if not values_list:
            return Reminder
        Reminder.flush_model()
        rows = self._reminder_insert_rows(values_list)
        columns = list(rows[0])
        ids = []
        for batch in split_every(1000, rows):
            ids += [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "INSERT INTO payment_reminder (%s) VALUES %s RETURNING id",
                        SQL(", ").join(SQL.identifier(name) for name in columns),
                        SQL(", ").join(SQL("%s", tuple(row.values())) for row in batch),
                    )
                )
            ]
        reminders = Reminder.browse(ids)
        links = [
            (reminder_id, order_id)
            for reminder_id, values in zip(ids, values_list, strict=True)
            for order_id in values["order_ids"][0][2]
        ]
        for batch in split_every(5000, links):
            self.env.execute_query(
                SQL(
                    "INSERT INTO payment_reminder_sale_order_rel "
                    "(reminder_id, sale_order_id) VALUES %s",
                    SQL(", ").join(SQL("%s", link) for link in batch),
                )
            )
        orders = self.env["sale.order"].browse({link[1] for link in links})
        orders.invalidate_recordset(["reminder_ids"])
        reminders.modified(list(Reminder._fields), create=True)
        orders.modified(["reminder_ids"])
        for field in Reminder._fields.values():
            if field.compute and field.store:
                self.env.remove_to_compute(field, reminders)
        return reminders

    @api.model
    def _reminder_insert_rows(self, values_list):
        """The column values of the reminders ``values_list``, as ``create``
        converts them: defaults, stored related ``arm``, magic columns."""
        Reminder = self.env["payment.reminder"]
        fields_ = Reminder._fields
        magic = ("id", "create_uid", "create_date", "write_uid", "write_date")
        missing = [
            name
            for name, field in fields_.items()
            if field.store
            and field.column_type
            and not field.compute
            and not field.related
            and name not in values_list[0]
            and name not in magic
        ]
        defaults = Reminder.default_get(missing)
        cycle_ids = {values["cycle_id"] for values in values_list} - {False}
        arms = dict(
            self.env.execute_query(
                SQL(
                    "SELECT id, arm FROM payment_reminder_cycle WHERE id = ANY(%s)",
                    list(cycle_ids),
                )
            )
        )
        names = [
            name for name in defaults | values_list[0] if fields_[name].column_type
        ]
        convert = {
            name: self._reminder_column_converter(fields_[name]) for name in names
        }
        now = self.env.cr.now()
        magic_values = {
            "create_uid": self.env.uid,
            "create_date": now,
            "write_uid": self.env.uid,
            "write_date": now,
        }
        rows = []
        for values in values_list:
            values = defaults | values
            row = {name: convert[name](values[name], values) for name in names}
            row["arm"] = arms.get(values["cycle_id"])
            row |= magic_values
            rows.append(row)
        return rows

    @api.model
    def _reminder_column_converter(self, field):
        """``convert(value, values)``: the column value of ``field`` as the
        ORM's ``convert_to_column`` gives it, made cheap for the plain types
        (a festival day's queue converts some two million values)."""
        Reminder = self.env["payment.reminder"]
        if field.type == "monetary":
            currency_of = self._reminder_currency_of(field)
            return lambda value, values: currency_of(values).round(float(value or 0.0))
        if field.type == "boolean":
            return lambda value, values: bool(value)
        if field.type == "integer":
            return lambda value, values: int(value or 0)
        if field.type in ("char", "text", "selection", "date", "datetime", "many2one"):
            return lambda value, values: None if value is False else value
        return lambda value, values: field.convert_to_column(value, Reminder, values)

    @api.model
    def _reminder_currency_of(self, field):
        """``currency_of(values)``: the currency of monetary ``field`` in the
        reminder ``values`` (its own currency, or its company's)."""
        Reminder = self.env["payment.reminder"]
        Currency = self.env["res.currency"]
        name = field.get_currency_field(Reminder)
        if name == "company_currency_id":
            companies = {}

            def currency_of(values):
                company_id = values["company_id"]
                if company_id not in companies:
                    companies[company_id] = (
                        self.env["res.company"].browse(company_id).currency_id
                    )
                return companies[company_id]

            return currency_of
        return lambda values: Currency.browse(values[name])

    @api.model
    def _prepare_new_results(self):
        """The results of a reminder about orders that all await payment."""
        return {
            "result": "pending",
            "amount_recovered": 0.0,
            "amount_recovered_company": 0.0,
            "paid_at": False,
            "is_recovered": False,
            "success_rate": 0.0,
            "cost": 0.0,
            "return_on_cost": 0.0,
        }

    @api.model
    def _reminder_saved_fields(self):
        """The fields of ``payment.reminder`` that the queue sets."""
        return [
            "partner_id",
            "order_id",
            "order_ids",
            "customer_key",
            "step",
            "company_id",
            "currency_id",
            "amount_unpaid",
            "amount_unpaid_other",
            "scheduled_at",
            "queue_date",
            "channel",
            "user_id",
            "window_id",
            "state",
            "skip_reason",
            "overflow_reason",
            "cycle_id",
            "amount_unpaid_company",
        ]

    @api.model
    def _reminder_save_candidates(
        self, company, candidates, now, planned, taken, covered, to_create
    ):
        """Refresh the planned reminders of ``candidates``; list the ones to create.

        :return: the planned reminders kept
        """
        # Ids, not a growing recordset: a union per customer is quadratic.
        saved, changes = [], []
        rates = {}
        for candidate in candidates:
            values = self._prepare_reminder_values(company, candidate, now, rates)
            reminder = planned.get((candidate.key, candidate.step))
            if reminder:
                changed = self._reminder_changed_values(reminder, values)
                day_key = (candidate.key, candidate.step, values["queue_date"])
                if "queue_date" in changed and day_key in taken:
                    # That day already has this customer's reminder: keep the
                    # planned one where it is rather than make a second.
                    for name in ("queue_date", "scheduled_at", "window_id"):
                        changed.pop(name, None)
                if changed:
                    changes.append((reminder, changed))
                    taken.add(day_key)
                saved.append(reminder.id)
                continue
            if not (candidate.orders - covered[candidate.step]):
                continue
            if (candidate.key, candidate.step, values["queue_date"]) in taken:
                continue
            taken.add((candidate.key, candidate.step, values["queue_date"]))
            to_create.append(values)
        self._reminder_write_changes(changes)
        return self.env["payment.reminder"].browse(saved)

    @api.model
    def _reminder_write_changes(self, changes):
        """Write ``[(planned reminder, changed values)]``, but not on the
        reminders another transaction wrote while the queue was built (the
        sending cron, a payment): the build would fail to serialize and be
        lost entirely. Those keep their values until the next build.
        """
        if not changes:
            return

        def write(batch):
            for reminder, changed in batch:
                reminder.write(changed)

        def keep(change):
            _logger.info("Reminder %s changed meanwhile: kept.", change[0].id)

        savepoint_or_split(self.env, changes, write, keep)

    @api.model
    def _reminder_changed_values(self, reminder, values):
        """The part of ``values`` that would change ``reminder``.

        Compares plain values (ids, numbers, strings): on a festival day the
        queue is refreshed for tens of thousands of planned reminders.
        """
        changed = {}
        # Written with the amount it converts, else computed from it alone.
        if "amount_unpaid_company" in values and (
            reminder.currency_id.id != values.get("currency_id")
            or not reminder.currency_id.is_zero(
                reminder.amount_unpaid - values.get("amount_unpaid", 0.0)
            )
        ):
            changed["amount_unpaid_company"] = values["amount_unpaid_company"]
        # The values as the cache holds them (ids, not records), read from it
        # rather than through the records: some twenty fields of every planned
        # reminder of the day.
        cache = self.env.cache
        for name, value in values.items():
            field = reminder._fields[name]
            current = cache.get(reminder, field, None)
            if current is None and not cache.contains(reminder, field):
                current = field.convert_to_cache(reminder[name], reminder)
            if field.type == "many2many":
                differs = set(value[0][2]) != set(current or ())
            elif field.type == "monetary":
                differs = not reminder.currency_id.is_zero((current or 0.0) - value)
            else:
                differs = (current if current is not None else False) != (
                    value if value is not None else False
                )
            if differs:
                changed[name] = value
        return changed

    @api.model
    def _prepare_reminder_values(self, company, candidate, now, rates=None):
        """The reminder of ``candidate``, as the queue writes it.

        :param rates: a dict the queue keeps for the build: the conversion rate
            of each (currency, order day) into the company currency, looked up
            once (``sale.order._payment_reminder_company_amount`` converts at
            the order date's rate)
        """
        currency = candidate.anchor.currency_id
        by_currency = defaultdict(float)
        amount_company = 0.0
        rates = {} if rates is None else rates
        for order in candidate.orders:
            unpaid = order.amount_total - order.amount_paid
            by_currency[order.currency_id] += unpaid
            if order.currency_id == company.currency_id:
                amount_company += unpaid
                continue
            key = (order.currency_id, order.date_order.date())
            if key not in rates:
                rates[key] = order.currency_id._get_conversion_rate(
                    order.currency_id, company.currency_id, company, key[1]
                )
            amount_company += unpaid * rates[key]
        scheduled_at = candidate.scheduled_at or now
        cycle = candidate.cycle or self._reminder_cycle_of(candidate.orders)
        values = {
            "partner_id": candidate.partner.id,
            "order_id": candidate.anchor.id,
            "order_ids": [fields.Command.set(candidate.orders.ids)],
            "customer_key": candidate.key,
            "step": candidate.step,
            "company_id": company.id,
            "currency_id": currency.id,
            "amount_unpaid": by_currency.pop(currency),
            "amount_unpaid_other": ", ".join(
                other.format(amount) for other, amount in by_currency.items()
            )
            or False,
            "scheduled_at": scheduled_at,
            "queue_date": shop_day(company, scheduled_at),
            "channel": candidate.channel or False,
            "user_id": candidate.user.id if candidate.user else False,
            "window_id": candidate.window.id if candidate.window else False,
            "state": "skipped" if candidate.skip_reason else "planned",
            "skip_reason": candidate.skip_reason or False,
            "overflow_reason": candidate.overflow_reason or False,
            "cycle_id": cycle.id if cycle else False,
            "amount_unpaid_company": company.currency_id.round(amount_company),
        }
        return values
