# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A customer's unpaid-order cycle: from their first unpaid order until none of
their orders is left unpaid. The control group is drawn once per cycle, when
the queue first weighs the customer, and the draw is stored: every step of
the cycle (the final reminder included) and every rebuild keep it. The lift
compares the two arms cycle by cycle, on what was assigned."""

import hashlib
from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL, split_every

from ..const import ARMS


class PaymentReminderCycle(models.Model):
    _name = "payment.reminder.cycle"
    _description = "Payment reminder cycle"
    _order = "drawn_at desc, id desc"

    company_id = fields.Many2one("res.company", required=True, index=True)
    customer_key = fields.Char(
        required=True,
        index=True,
        help="The customer: their mobile number, else their commercial partner.",
    )
    partner_id = fields.Many2one(
        "res.partner", string="Customer", index=True, ondelete="cascade"
    )
    first_order_id = fields.Many2one(
        "sale.order",
        string="First unpaid order",
        required=True,
        index=True,
        ondelete="cascade",
        help="The order that opened the cycle: the customer's oldest unpaid order "
        "when the queue first weighed them.",
    )
    order_ids = fields.One2many(
        "sale.order",
        "reminder_cycle_id",
        string="Orders",
        help="The customer's orders left unpaid during the cycle.",
    )
    reminder_ids = fields.One2many("payment.reminder", "cycle_id", string="Reminders")
    arm = fields.Selection(
        ARMS,
        required=True,
        readonly=True,
        help="Reminded, or held out on purpose (control group) for the whole cycle.",
    )
    holdout_percent = fields.Float(
        string="Control group (%) at the draw", readonly=True, digits=(5, 2)
    )
    drawn_at = fields.Datetime(
        string="Drawn on",
        required=True,
        readonly=True,
        help="When the customer was assigned to an arm: payments count for both "
        "arms from this moment.",
    )

    _sql_constraints = [
        (
            "one_per_first_order",
            "UNIQUE(company_id, customer_key, first_order_id)",
            "A customer has one cycle per first unpaid order.",
        ),
    ]

    # === COMPUTE METHODS === #

    @api.depends("partner_id", "first_order_id")
    def _compute_display_name(self):
        for cycle in self:
            cycle.display_name = " · ".join(
                filter(
                    None,
                    [cycle.partner_id.display_name or cycle.customer_key]
                    + [cycle.first_order_id.name],
                )
            )

    # === BUSINESS METHODS === #

    @api.model
    def _cycle_draw(self, company, key, first_order):
        """The arm of a new cycle: ``control`` for the company's control-group
        share of customers, by a hash of the customer and the cycle's first
        order (the same whoever draws it), else ``remind``."""
        percent = company.payment_reminder_holdout_percent
        if not percent:
            return "remind"
        digest = hashlib.sha256(f"{key}|{first_order.id}".encode()).digest()
        draw = int.from_bytes(digest[:8], "big") * 100.0 / 2**64
        return "control" if draw < percent else "remind"

    @api.model
    def _prepare_cycle_values(self, company, key, partner, first_order, now):
        return {
            "company_id": company.id,
            "customer_key": key,
            "partner_id": partner.id,
            "first_order_id": first_order.id,
            "arm": self._cycle_draw(company, key, first_order),
            "holdout_percent": company.payment_reminder_holdout_percent,
            "drawn_at": now,
        }

    @api.model
    def _cycle_insert(self, values_list):
        """Open the cycles ``values_list`` (``_prepare_cycle_values``), one
        statement per thousand.

        A festival day opens a cycle for each of tens of thousands of
        customers; the ORM's create, with its defaults and caches, would add
        some 0.3 ms each to a queue build that has 30 s. Nothing is computed
        from a new cycle (its reminders, which show its arm, come after).

        :return: the cycles, in the order of ``values_list``
        """
        columns = [
            "company_id",
            "customer_key",
            "partner_id",
            "first_order_id",
            "arm",
            "holdout_percent",
            "drawn_at",
        ]
        ids = []
        now = SQL("now() at time zone 'UTC'")
        self.flush_model()
        for batch in split_every(1000, values_list):
            rows = SQL(", ").join(
                SQL(
                    "(%s, %s, %s, %s, %s)",
                    SQL(", ").join(
                        None if values[column] is False else values[column]
                        for column in columns
                    ),
                    self.env.uid,
                    self.env.uid,
                    now,
                    now,
                )
                for values in batch
            )
            ids += [
                row[0]
                for row in self.env.execute_query(
                    SQL(
                        "INSERT INTO %s (%s, create_uid, write_uid, create_date, "
                        "write_date) VALUES %s RETURNING id",
                        SQL.identifier(self._table),
                        SQL(", ").join(SQL.identifier(column) for column in columns),
                        rows,
                    )
                )
            ]
        return self.browse(ids)

    def _cycle_window(self):
        """When a payment counts as paid for this cycle, in both arms alike:
        from the draw until the attribution window after it ends (setting),
        else until the last deadline (or promise) of the cycle's orders.

        :return: (start, end); end is None when no order ever closes
        """
        self.ensure_one()
        hours = self.company_id.payment_reminder_attribution_hours
        if hours:
            return self.drawn_at, self.drawn_at + timedelta(hours=hours)
        deadlines = [
            moment
            for order in self.order_ids.sudo()
            for moment in (order.payment_deadline, order.reminder_promised_at)
            if moment
        ]
        return self.drawn_at, max(deadlines) if deadlines else None

    def _cycle_results(self):
        """Whether each cycle's customer paid inside the cycle's window, and
        what they paid then, in the company currency at the order date's rate.

        Every payment of the cycle's orders counts, whether a reminder went out
        before it or not: the arms are compared on what was assigned.

        :return: {cycle: {"paid": bool, "amount": float}}
        """
        results = {cycle: {"paid": False, "amount": 0.0} for cycle in self}
        orders = self.sudo().order_ids
        if not orders:
            return results
        windows = {cycle: cycle._cycle_window() for cycle in self}
        payments = (
            self.env["payment.transaction"]
            .sudo()
            .search(
                [
                    ("sale_order_ids", "in", orders.ids),
                    ("state", "in", ("authorized", "done")),
                    ("operation", "!=", "refund"),
                    ("payment_reminder_paid_at", "!=", False),
                ]
            )
        )
        for payment in payments:
            paid_at = payment.payment_reminder_paid_at
            for order in payment.sale_order_ids & orders:
                cycle = order.reminder_cycle_id
                if cycle not in windows:
                    continue
                start, end = windows[cycle]
                if paid_at < start or (end and paid_at > end):
                    continue
                results[cycle]["paid"] = True
                results[cycle]["amount"] += order._payment_reminder_paid_by(payment)
        return results
