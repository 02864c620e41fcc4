# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import html2plaintext

from odoo.addons.sms.tools.sms_api import SmsApi

from .common_workers import CommittedOrdersCase
from .gateways import gateways_stopped

PLACED = datetime(2026, 11, 11, 2, 0)  # 10:00 in Shanghai
NOW = PLACED + timedelta(minutes=30)
CHANNELS = ["phone", "email", "phone", "sms", "email"]

# A worker that dies: it sends in batches of 2 and is killed (os._exit: no
# commit, no rollback, the server drops the connection's transaction) once it
# has sent the ``die``-th reminder, or made the queue's reminders.
WORKER = """
from odoo.addons.payment_reminder.models import payment_reminder_sending
from odoo.addons.payment_reminder.tests.gateways import gateways_stopped

job, now, die = args
if job == "send":
    Model, method = registry["payment.reminder"], "_reminder_send_one"
else:
    Model, method = registry["payment.reminder.queue"], "_reminder_insert"
original = getattr(Model, method)
done = []

def dying(records, *args, **kwargs):
    result = original(records, *args, **kwargs)
    done.append(records.ids)
    if len(done) == int(die):
        os._exit(3)
    return result

setattr(Model, method, dying)
payment_reminder_sending.SEND_BATCH_SIZE = 2
with gateways_stopped():
    run(job, datetime.fromisoformat(now))
"""


@tagged("post_install", "-at_install")
class TestSendCrash(CommittedOrdersCase):
    """A worker killed in the middle of its work: running the cron again
    resumes where it stopped, and nothing is lost nor done twice.

    The worker only sees committed data, so these tests commit through their
    own cursors and delete what they made afterwards.
    """

    def setUp(self):
        super().setUp()
        self.order_ids = self.committed_orders(
            PLACED,
            [
                {
                    "name": f"Crash buyer {number}",
                    "email": f"crash.buyer.{number}@example.com",
                    "mobile": f"+86138001399{number:02d}",
                    "tz": "Asia/Shanghai",
                }
                for number in range(len(CHANNELS))
            ],
        )

    def _run_dying_worker(self, job, die):
        self.wait_for(self.worker(WORKER, job, NOW.isoformat(), die), returncode=3)

    def _reminders(self, env):
        return env["payment.reminder"].search(
            [("order_ids", "in", self.order_ids)], order="id"
        )

    def _sent(self, order):
        """What the order keeps of what reached its customer."""
        env = order.env
        messages = env["mail.message"].search(
            [("model", "=", "sale.order"), ("res_id", "=", order.id)]
        )
        return {
            "chatter lines": len(
                messages.filtered(
                    lambda m: m.subtype_id == env.ref("mail.mt_note")
                    and "· attempt" in html2plaintext(m.body or "")
                )
            ),
            "messages": len(
                messages.filtered(lambda m: m.subtype_id == env.ref("mail.mt_comment"))
            ),
            "mails": env["mail.mail"].search_count(
                [("mail_message_id", "in", messages.ids)]
            ),
            "sms": len(messages.filtered(lambda m: m.message_type == "sms")),
            "calls": env["mail.activity"].search_count(
                [("res_model", "=", "sale.order"), ("res_id", "=", order.id)]
            ),
        }

    def _due_reminders(self, channels):
        """One reminder due at ``NOW`` per order, by ``channels`` in turn."""
        with self.committed_env() as env:
            for order, channel in zip(
                env["sale.order"].browse(self.order_ids), channels, strict=True
            ):
                env["payment.reminder"].create(
                    {
                        "partner_id": order.partner_id.id,
                        "order_id": order.id,
                        "order_ids": [Command.set(order.ids)],
                        "customer_key": order.reminder_customer_key,
                        "channel": channel,
                        "scheduled_at": NOW,
                        "queue_date": NOW.date(),
                        "currency_id": order.currency_id.id,
                        "amount_unpaid": order.amount_total,
                    }
                )

    def _run_sms_cron(self):
        """Odoo's SMS scheduled action, in a transaction of its own; returns
        the numbers the SMS provider received."""
        received = []

        def contact_iap(sms_api, endpoint, params, timeout=15):
            results = []
            for message in params.get("messages", []):
                for number in message["numbers"]:
                    received.append(number["number"])
                    results.append(
                        {"uuid": number["uuid"], "state": "success", "credit": 1}
                    )
            return results

        with (
            patch.object(SmsApi, "_contact_iap", contact_iap),
            self.committed_env() as env,
        ):
            env.ref("sms.ir_cron_sms_scheduler_action").method_direct_trigger()
        return received

    def _queued_sms(self, env, orders):
        messages = env["mail.message"].search(
            [("model", "=", "sale.order"), ("res_id", "in", orders.ids)]
        )
        return env["sms.sms"].search([("mail_message_id", "in", messages.ids)])

    def test_killed_sending_worker_resumes_and_sends_each_reminder_once(self):
        self._due_reminders(CHANNELS)
        # Batches of 2: the first is committed, the worker dies in the second
        # right after sending its first reminder.
        self._run_dying_worker("send", die=3)
        with self.committed_env() as env:
            reminders = self._reminders(env)
            # The call is handed to its agent: a call to make.
            self.assertEqual(
                reminders.mapped("state"),
                ["calling", "done", "planned", "planned", "planned"],
            )
            third = reminders[2].order_id
            self.assertEqual(self._sent(third)["calls"], 0)
            self.assertEqual(self._sent(third)["chatter lines"], 0)
        with (
            gateways_stopped(),
            freeze_time(NOW + timedelta(minutes=5)),
            self.committed_env() as env,
        ):
            env["payment.reminder"]._cron_send_due()
        with self.committed_env() as env:
            reminders = self._reminders(env)
            self.assertEqual(
                reminders.mapped("state"),
                ["calling" if channel == "phone" else "done" for channel in CHANNELS],
            )
            self.assertEqual(reminders.mapped("attempt"), [1] * len(CHANNELS))
            for reminder in reminders:
                email = reminder.channel == "email"
                self.assertEqual(
                    self._sent(reminder.order_id),
                    {
                        "chatter lines": 1,
                        "messages": int(email),
                        # queued once, for Odoo's mail queue to send
                        "mails": int(email),
                        "sms": int(reminder.channel == "sms"),
                        "calls": int(reminder.channel == "phone"),
                    },
                    reminder.channel,
                )

    def test_killed_sending_worker_never_sends_an_sms_twice(self):
        """SMS leave through Odoo's SMS queue after the batch is committed: the
        SMS of a batch that dies are rolled back with it, never handed to the
        provider, and go out once when the next run sends them again."""
        self._due_reminders(["sms"] * len(CHANNELS))
        self._run_dying_worker("send", die=3)
        with self.committed_env() as env:
            reminders = self._reminders(env)
            self.assertEqual(
                reminders.mapped("state"),
                ["done", "done", "planned", "planned", "planned"],
            )
            queued = [len(self._queued_sms(env, r.order_id)) for r in reminders]
            # The third one was queued, then rolled back when the worker died.
            self.assertEqual(queued, [1, 1, 0, 0, 0])
            self.assertEqual(
                set(self._queued_sms(env, reminders.order_id).mapped("state")),
                {"outgoing"},
            )
            numbers = reminders.order_id.partner_id.mapped("payment_reminder_mobile")
        with (
            gateways_stopped(),
            freeze_time(NOW + timedelta(minutes=5)),
            self.committed_env() as env,
        ):
            env["payment.reminder"]._cron_send_due()
        received = self._run_sms_cron() + self._run_sms_cron()
        self.assertEqual(
            sorted(number for number in received if number in numbers),
            sorted(numbers),
        )
        with self.committed_env() as env:
            reminders = self._reminders(env)
            self.assertEqual(set(reminders.mapped("state")), {"done"})
            for reminder in reminders:
                self.assertEqual(len(self._queued_sms(env, reminder.order_id)), 1)
                self.assertEqual(self._sent(reminder.order_id)["chatter lines"], 1)

    def test_killed_queue_build_leaves_nothing_and_builds_once_again(self):
        # The worker dies once it made the queue's reminders, before commit.
        self._run_dying_worker("build", die=1)
        with self.committed_env() as env:
            self.assertFalse(self._reminders(env))
        for _run in range(2):
            with freeze_time(NOW), self.committed_env() as env:
                env["payment.reminder.queue"]._build(env.company, NOW)
        with self.committed_env() as env:
            reminders = self._reminders(env)
            self.assertEqual(len(reminders), len(CHANNELS))
            self.assertEqual(len(set(reminders.mapped("customer_key"))), len(CHANNELS))
            self.assertEqual(set(reminders.mapped("state")), {"planned"})

    def test_an_order_being_paid_holds_its_reminder_without_waiting(self):
        """Soak test (issue 14): a payment locks its order, then writes its
        reminders; the sending cron skips the reminders of an order somebody
        holds (no wait, no deadlock) and sends them at its next run."""
        self._due_reminders(["email"] * len(CHANNELS))
        with self.committed_env() as paying:
            # The payment's transaction holds the first order, uncommitted.
            paying.cr.execute(
                "SELECT id FROM sale_order WHERE id = %s FOR UPDATE",
                [self.order_ids[0]],
            )
            with (
                gateways_stopped(),
                freeze_time(NOW + timedelta(minutes=5)),
                self.committed_env() as env,
            ):
                # Waiting for the payment's lock fails the test, not hangs it.
                env.cr.execute("SET LOCAL lock_timeout = '5s'")
                env["payment.reminder"]._cron_send_due()
            with self.committed_env() as env:
                self.assertEqual(
                    self._reminders(env).mapped("state"),
                    ["planned"] + ["done"] * (len(CHANNELS) - 1),
                )
        with (
            gateways_stopped(),
            freeze_time(NOW + timedelta(minutes=10)),
            self.committed_env() as env,
        ):
            env["payment.reminder"]._cron_send_due()
            self.assertEqual(set(self._reminders(env).mapped("state")), {"done"})
