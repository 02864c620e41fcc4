# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import time
from datetime import datetime, timedelta

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common_workers import CommittedOrdersCase

PLACED = datetime(2026, 11, 11, 1, 0)  # 09:00 in Shanghai
NOW = PLACED + timedelta(minutes=45)

# Two workers run ``job`` at the same instant ``start``.
WORKER = """
start, job, now = args
time.sleep(max(0.0, float(start) - time.time()))
run(job, datetime.fromisoformat(now))
"""


@tagged("post_install", "-at_install")
class TestConcurrentWorkers(CommittedOrdersCase):
    """Two cron workers, two processes, two connections, the same moment.

    The second connection only sees committed data, so these tests commit
    through their own cursors and delete what they made afterwards.
    """

    def setUp(self):
        super().setUp()
        [self.order_id] = self.committed_orders(
            PLACED, [{"name": "Concurrent buyer", "email": "concurrent@example.com"}]
        )

    def _run_workers(self, job, now, workers=2):
        """Start ``workers`` processes that run ``job`` at the same instant."""
        start = time.time() + 15  # each process loads the registry first
        processes = [
            self.worker(WORKER, start, job, now.isoformat()) for _i in range(workers)
        ]
        for process in processes:
            self.wait_for(process)
        return processes

    def _reminders(self, env):
        return env["payment.reminder"].search([("order_ids", "in", [self.order_id])])

    def test_two_workers_building_at_once_make_one_reminder(self):
        self._run_workers("build", NOW)
        with self.committed_env() as env:
            reminders = self._reminders(env)
            self.assertEqual(len(reminders), 1)
            self.assertEqual(reminders.state, "planned")

    def test_two_workers_sending_at_once_send_once(self):
        with self.committed_env() as env:
            env["payment.reminder.queue"]._build(env.company, NOW)
            reminder = self._reminders(env)
            reminder.write({"channel": "email", "scheduled_at": NOW})
        self._run_workers("send", NOW + timedelta(minutes=1))
        with self.committed_env() as env:
            reminder = self._reminders(env)
            self.assertEqual(reminder.state, "done")
            sent = env["mail.message"].search_count(
                [
                    ("model", "=", "sale.order"),
                    ("res_id", "=", self.order_id),
                    ("subtype_id", "=", env.ref("mail.mt_comment").id),
                ]
            )
            self.assertEqual(sent, 1)

    def _messages_sent(self, env):
        return env["mail.message"].search_count(
            [
                ("model", "=", "sale.order"),
                ("res_id", "=", self.order_id),
                ("subtype_id", "=", env.ref("mail.mt_comment").id),
            ]
        )

    def test_an_order_cancelled_while_its_reminder_is_due_gets_no_message(self):
        """An agent cancels the order while a worker sends what is due: the
        cancel holds the order's reminder, the worker passes over it without
        waiting, and once the cancel is saved the reminder is cancelled, never
        sent."""
        with self.committed_env() as env:
            env["payment.reminder.queue"]._build(env.company, NOW)
            self._reminders(env).write({"channel": "email", "scheduled_at": NOW})
        with self.committed_env() as agent_env:
            order = agent_env["sale.order"].browse(self.order_id)
            order.with_context(disable_cancel_warning=True)._action_cancel()
            agent_env.flush_all()
            # The agent has not saved yet: the worker must neither wait for the
            # agent (it would never end) nor send about the order.
            sender = self.worker(WORKER, 0, "send", NOW + timedelta(minutes=1))
            self.wait_for(sender)
            with self.committed_env() as env:
                self.assertEqual(self._messages_sent(env), 0)
        self._run_workers("send", NOW + timedelta(minutes=2), workers=1)
        with self.committed_env() as env:
            self.assertEqual(self._reminders(env).state, "cancelled")
            self.assertEqual(self._messages_sent(env), 0)


@tagged("post_install", "-at_install")
class TestBuildWhileOrdersChange(CommittedOrdersCase):
    """Issue 14 (soak): orders and reminders change while the crons run (a
    customer pays, the web shop writes its order): the queue build still
    saves its queue, the send and close crons still do the rest."""

    def _queued_orders(self, *buyers):
        """One committed order per buyer, queued by a build at ``NOW``."""
        order_ids = self.committed_orders(
            PLACED,
            [{"name": f"Buyer {b}", "email": f"{b}@example.com"} for b in buyers],
        )
        with self.committed_env() as env:
            env["payment.reminder.queue"]._build(env.company, NOW)
        return order_ids

    def test_an_order_written_during_the_build_does_not_lose_the_queue(self):
        changed, other = self.committed_orders(
            PLACED,
            [
                {"name": "Buyer writing", "email": "writing@example.com"},
                {"name": "Buyer waiting", "email": "waiting@example.com"},
            ],
        )
        with self.committed_env() as env:
            # The build's snapshot is taken; then another transaction writes
            # the order and commits before the build links it to its cycle.
            orders = env["sale.order"].browse([changed, other])
            self.assertEqual(len(orders.mapped("name")), 2)
            with self.committed_env() as shop:
                shop["sale.order"].browse(changed).note = "Gift wrap, please"
            reminders = env["payment.reminder.queue"]._build(env.company, NOW)
            self.assertEqual(len(reminders), 2)
            arms = {r.order_id.id: (r.cycle_id, r.arm) for r in reminders}
        with self.committed_env() as env:
            order = env["sale.order"].browse(changed)
            self.assertFalse(order.reminder_cycle_id, "linked by a later build")
            self.assertEqual(
                env["sale.order"].browse(other).reminder_cycle_id.id, arms[other][0].id
            )
            # The next build finds the cycle by its first order: no second draw.
            later = env["payment.reminder.queue"]._build(
                env.company, NOW + timedelta(minutes=15)
            )
            self.assertEqual(order.reminder_cycle_id.id, arms[changed][0].id)
            self.assertEqual(
                {r.order_id.id: (r.cycle_id.id, r.arm) for r in later},
                {key: (cycle.id, arm) for key, (cycle, arm) in arms.items()},
            )

    def test_an_order_locked_by_the_sender_during_the_build_gets_its_reminder(self):
        """The send cron locks the orders of the reminders it sends and writes
        them, while a build inserts a new reminder of one of those orders (its
        final step, say): the build's insert checks that the order exists,
        which must not fail to serialize against the sender's lock."""
        [order_id] = self.committed_orders(
            PLACED, [{"name": "Buyer reminded", "email": "reminded@example.com"}]
        )
        with self.committed_env() as env:
            order = env["sale.order"].browse(order_id)
            sending = env["payment.reminder"].create(
                {
                    "partner_id": order.partner_id.id,
                    "order_id": order.id,
                    "order_ids": [Command.set(order.ids)],
                    "customer_key": order.reminder_customer_key,
                    "step": "final",
                    "scheduled_at": PLACED,
                    "queue_date": PLACED.date(),
                    "currency_id": order.currency_id.id,
                    "amount_unpaid": order.amount_total,
                }
            )
        with self.committed_env() as env:
            # The build's snapshot is taken; then the sender locks the order,
            # writes it and commits before the build inserts its reminder.
            self.assertTrue(env["sale.order"].browse(order_id).name)
            with self.committed_env() as cron:
                locked = cron["payment.reminder"].browse(sending.id)
                self.assertEqual(locked._reminder_lock_orders(), locked)
                cron["sale.order"].browse(order_id).note = "Reminded"
            reminders = env["payment.reminder.queue"]._build(env.company, NOW)
            self.assertEqual(
                [(r.order_id.id, r.step) for r in reminders], [(order_id, "first")]
            )

    def test_a_paid_reminder_written_during_the_build_does_not_lose_the_queue(self):
        """An order is paid and the payment writes its planned reminder while
        the build drops that reminder too: the build still saves the others'
        queue, and the next build drops the paid one."""
        paid, other = self._queued_orders("paid", "waiting")
        with self.committed_env() as env:
            # Paid: nothing is left to pay on the order.
            order = env["sale.order"].browse(paid)
            order.require_payment = False
            order.action_confirm()
        with self.committed_env() as env:
            reminders = env["payment.reminder"].search(
                [("order_id", "in", [paid, other])]
            )
            self.assertEqual(set(reminders.mapped("state")), {"planned"})
            # The build's snapshot is taken; then the payment writes the
            # reminder of the paid order and commits before the build does.
            with self.committed_env() as payment:
                payment["payment.reminder"].search(
                    [("order_id", "=", paid)]
                ).wait_reason = "link_opened"
            saved = env["payment.reminder.queue"]._build(
                env.company, NOW + timedelta(minutes=15)
            )
            self.assertEqual(saved.order_id.ids, [other])
        with self.committed_env() as env:
            reminder = env["payment.reminder"].search([("order_id", "=", paid)])
            self.assertEqual(reminder.state, "planned", "dropped by the next build")
            env["payment.reminder.queue"]._build(
                env.company, NOW + timedelta(minutes=30)
            )
            self.assertEqual(
                (reminder.state, reminder.skip_reason), ("skipped", "paid")
            )

    def test_a_replaced_order_written_during_the_build_is_offered_later(self):
        [first] = self.committed_orders(
            PLACED, [{"name": "Buyer twice", "email": "twice@example.com"}]
        )
        with self.committed_env() as env:
            # The customer ordered again and that order is confirmed (nothing
            # left to pay: it needs no prepayment).
            order = env["sale.order"].browse(first)
            later = order.copy(
                {"date_order": PLACED + timedelta(minutes=20), "require_payment": False}
            )
            later.action_confirm()
            later.date_order = PLACED + timedelta(minutes=20)
            later_id = later.id
        with self.committed_env() as env:
            # The build's snapshot is taken; then another transaction writes
            # the replaced order and commits before the build offers to cancel it.
            orders = env["sale.order"].browse([first, later_id])
            self.assertEqual(len(orders.mapped("name")), 2)
            with self.committed_env() as shop:
                shop["sale.order"].browse(first).note = "Gift wrap, please"
            reminders = env["payment.reminder.queue"]._build(env.company, NOW)
            self.assertEqual(
                [(r.state, r.skip_reason) for r in reminders],
                [("skipped", "replaced_by_paid")],
            )
        with self.committed_env() as env:
            order = env["sale.order"].browse(first)
            self.assertFalse(order.reminder_replaced_by_id, "offered by a later build")
            env["payment.reminder.queue"]._build(
                env.company, NOW + timedelta(minutes=15)
            )
            self.assertEqual(order.reminder_replaced_by_id.id, later_id)

    def test_a_reminder_written_during_the_build_does_not_lose_the_queue(self):
        written, other = self._queued_orders("paying", "adding")
        with self.committed_env() as env:
            # Both orders grow: the next build refreshes both reminders.
            env["sale.order"].browse([written, other]).order_line.price_unit = 25.0
        with self.committed_env() as env:
            reminders = env["payment.reminder"].search(
                [("order_id", "in", [written, other])]
            )
            [before] = set(reminders.mapped("amount_unpaid"))
            # The build's snapshot is taken; the send cron (or a payment)
            # writes one of the reminders and commits before the build does.
            with self.committed_env() as cron:
                cron["payment.reminder"].search(
                    [("order_id", "=", written)]
                ).wait_reason = "link_opened"
            env["payment.reminder.queue"]._build(
                env.company, NOW + timedelta(minutes=15)
            )
        with self.committed_env() as env:
            amounts = {
                r.order_id.id: r.amount_unpaid
                for r in env["payment.reminder"].search(
                    [("order_id", "in", [written, other])]
                )
            }
            self.assertEqual(amounts[written], before, "kept by this build")
            self.assertGreater(amounts[other], before)
            env["payment.reminder.queue"]._build(
                env.company, NOW + timedelta(minutes=30)
            )
            reminder = env["payment.reminder"].search([("order_id", "=", written)])
            self.assertEqual(
                reminder.amount_unpaid, amounts[other], "refreshed by the next build"
            )

    def test_a_reminder_written_while_the_sender_claims_is_sent_next_run(self):
        first, second = self._queued_orders("claimed", "rewritten")
        with self.committed_env() as env:
            reminders = env["payment.reminder"].search(
                [("order_id", "in", [first, second])]
            )
            reminders.write({"channel": "email", "scheduled_at": NOW})
        with self.committed_env() as env:
            # The send run's transaction began; then a build refreshes one of
            # the due reminders and commits before the run claims it.
            due = env["payment.reminder"].browse(reminders.ids)
            self.assertEqual(set(due.mapped("state")), {"planned"})
            with self.committed_env() as build:
                build["payment.reminder"].search(
                    [("order_id", "=", second)]
                ).amount_unpaid += 1.0
            with freeze_time(NOW + timedelta(minutes=1)):
                env["payment.reminder"]._cron_send_due()
            self.assertEqual(set(due.mapped("state")), {"planned"})
        with self.committed_env() as env, freeze_time(NOW + timedelta(minutes=2)):
            env["payment.reminder"]._cron_send_due()
            self.assertEqual(
                set(env["payment.reminder"].browse(reminders.ids).mapped("state")),
                {"done"},
            )

    def test_an_order_written_while_it_closes_is_closed_next_run(self):
        """The close cron's batch holds an order a customer is paying (its
        transaction wrote the order): the others close, that one waits for
        the next run, which sees what the payment did."""
        paying, other = self.committed_orders(
            PLACED,
            [
                {"name": "Buyer late", "email": "late@example.com"},
                {"name": "Buyer gone", "email": "gone@example.com"},
            ],
        )
        later = PLACED + timedelta(days=10)
        with self.committed_env() as env:
            orders = env["sale.order"].browse([paying, other])
            self.assertTrue(all(o.payment_deadline < later for o in orders))
            with self.committed_env() as payment:
                payment["sale.order"].browse(paying).note = "Paying now"
            env["sale.order"]._cron_close_unpaid(now=later)
            self.assertEqual(
                {o.id: o.state for o in orders}, {paying: "sent", other: "cancel"}
            )
        with self.committed_env() as env:
            env["sale.order"]._cron_close_unpaid(now=later)
            self.assertEqual(env["sale.order"].browse(paying).state, "cancel")
