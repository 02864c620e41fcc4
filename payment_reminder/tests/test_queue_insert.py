# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo.tests import tagged
from odoo.tools import SQL

from .common import PaymentReminderResultsCommon, shop_time

PLACED = shop_time(2026, 11, 10, 9, 0)
NOW = shop_time(2026, 11, 10, 9, 45)


@tagged("post_install", "-at_install")
class TestQueueInsert(PaymentReminderResultsCommon):
    """Issue 15: the queue inserts its reminders with SQL, a thousand per
    statement; the rows are the ones the ORM's create writes."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.currency.rate"].create(
            {
                "name": "2026-01-01",
                "rate": 0.5,
                "currency_id": cls.currency_euro.id,
                "company_id": cls.company.id,
            }
        )
        cls.agent = cls.env["res.users"].create(
            {"name": "Agent Zhou", "login": "insert-agent", "email": "z@example.com"}
        )
        cls.company.payment_reminder_team_ids = cls.agent

    def weigh(self, now):
        """The day's candidates of both steps, every rule applied, as values."""
        company = self.company
        orders = self.queue._reminder_unpaid_orders(company, now)
        self.queue._reminder_prefetch(orders)
        groups = self.queue._reminder_group_by_customer(orders)
        results = self.queue._prepare_new_results()
        return [
            self.queue._prepare_reminder_values(company, candidate, now) | results
            for step in ("first", "final")
            for candidate in self.queue._reminder_weigh(company, groups, step, now)
        ]

    def rows(self, reminders):
        """Every column of ``reminders`` but the id, and the orders they cover."""
        self.env.flush_all()
        rows = self.env.execute_query_dict(
            SQL(
                "SELECT r.*, ARRAY(SELECT rel.sale_order_id "
                "FROM payment_reminder_sale_order_rel rel "
                "WHERE rel.reminder_id = r.id ORDER BY 1) AS orders "
                "FROM payment_reminder r WHERE r.id = ANY(%s) "
                "ORDER BY r.customer_key, r.step",
                reminders.ids,
            )
        )
        for row in rows:
            del row["id"]
        return rows

    def test_sql_insert_writes_the_rows_the_orm_writes(self):
        # Two currencies, a call with its agent, a control-group customer, a
        # skipped one (opted out) and a flash sale's final reminder.
        eur = self._order(self.customer, PLACED, pricelist_id=self.pricelist_eur.id)
        self._order(self.customer, PLACED + timedelta(minutes=5))
        big = self._customer("Big spender", "13900001111")
        self._order(big, PLACED, product=self.product_phone)
        held_out = self._customer("Held out", "13900002222")
        self._cycle(self._order(held_out, PLACED), NOW, arm="control")
        quiet = self._customer("Do not remind", "13900003333")
        quiet.payment_reminder_opt_out = True
        self._order(quiet, PLACED)
        self._order(
            self.returning_customer,
            NOW - timedelta(minutes=20),
            product=self.product_flash,
        )
        values_list = self.weigh(NOW)
        self.assertGreaterEqual(len(values_list), 5)
        orders = self.env["sale.order"].search([("partner_id", "!=", False)])

        by_orm = self.Reminder.with_context(
            tracking_disable=True, mail_create_nolog=True, mail_create_nosubscribe=True
        ).create(values_list)
        expected = self.rows(by_orm)
        states = {order: order.reminder_state for order in orders}
        by_orm.unlink()

        by_sql = self.queue._reminder_insert(values_list)
        self.assertEqual(self.rows(by_sql), expected)
        self.assertEqual({o: o.reminder_state for o in orders}, states)
        # The orders see their new reminders (the ORM's cache was told).
        self.assertEqual(
            eur.reminder_ids, by_sql.filtered(lambda r: eur in r.order_ids)
        )
        self.assertTrue(eur.reminder_ids)
        # What the ORM shows of them is what it stored.
        values = {(r.customer_key, r.step): r.amount_unpaid_company for r in by_sql}
        self.env.invalidate_all()
        self.assertEqual(
            {(r.customer_key, r.step): r.amount_unpaid_company for r in by_sql}, values
        )
        arms = set(by_sql.mapped("arm"))
        self.assertLessEqual({"remind", "control"}, arms, "the stored related arm")
        self.assertTrue(by_sql.filtered(lambda r: r.channel == "phone").user_id)
