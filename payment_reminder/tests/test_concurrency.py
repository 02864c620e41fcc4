# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import subprocess
import sys
import time
from datetime import datetime, timedelta

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.tests import TransactionCase, tagged

PLACED = datetime(2026, 11, 11, 1, 0)  # 09:00 in Shanghai
NOW = PLACED + timedelta(minutes=45)

# A cron worker of its own: another process, another database connection.
# Odoo's test runner holds the registry lock while tests run, so threads of
# this process could not even open an environment; processes are also what
# several Odoo workers really are.
WORKER = """
import os, sys, time
from datetime import datetime
from freezegun import freeze_time
import odoo
from odoo import SUPERUSER_ID, api

config, db, addons, start, job, now = sys.argv[1:7]
args = ["-d", db, "--addons-path", addons, "--log-level", "critical"]
has_config = config and os.path.isfile(config)
odoo.tools.config.parse_config((["-c", config] if has_config else []) + args)
registry = odoo.modules.registry.Registry(db)
now = datetime.fromisoformat(now)
time.sleep(max(0.0, float(start) - time.time()))
with freeze_time(now), registry.cursor() as cr:
    env = api.Environment(cr, SUPERUSER_ID, {})
    if job == "build":
        env["payment.reminder.queue"]._build(env.company, now)
    else:
        env["payment.reminder"]._cron_send_due()
"""


@tagged("post_install", "-at_install")
class TestConcurrentWorkers(TransactionCase):
    """Two cron workers, two processes, two connections, the same moment.

    The second connection only sees committed data, so these tests commit
    through their own cursors and delete what they made afterwards.
    """

    def setUp(self):
        super().setUp()
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env.company
            partner = env["res.partner"].create(
                {"name": "Concurrent buyer", "email": "concurrent@example.com"}
            )
            product = env["product.product"].create(
                {"name": "Concurrent tea", "list_price": 10.0}
            )
            order = env["sale.order"].create(
                {
                    "partner_id": partner.id,
                    "require_payment": True,
                    "order_line": [Command.create({"product_id": product.id})],
                }
            )
            order.write({"state": "sent", "date_order": PLACED})
            self.saved_start = company.payment_reminder_start_from
            company.payment_reminder_start_from = PLACED - timedelta(days=1)
            self.ids = {
                "company": company.id,
                "partner": partner.id,
                "product": product.id,
                "order": order.id,
            }
        self.addCleanup(self._delete_committed_data)

    def _delete_committed_data(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            order = env["sale.order"].browse(self.ids["order"])
            env["payment.reminder"].search([("order_ids", "in", order.ids)]).unlink()
            env["mail.activity"].search(
                [("res_model", "=", "sale.order"), ("res_id", "=", order.id)]
            ).unlink()
            order.with_context(disable_cancel_warning=True)._action_cancel()
            order.unlink()
            env["product.product"].browse(self.ids["product"]).unlink()
            env["res.partner"].browse(self.ids["partner"]).unlink()
            env["res.company"].browse(
                self.ids["company"]
            ).payment_reminder_start_from = self.saved_start

    def _run_workers(self, job, now, workers=2):
        """Start ``workers`` processes that run ``job`` at the same instant."""
        config = odoo.tools.config
        start = time.time() + 15  # each process loads the registry first
        processes = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    WORKER,
                    config.rcfile or "",
                    self.env.cr.dbname,
                    config["addons_path"],
                    str(start),
                    job,
                    now.isoformat(),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for _i in range(workers)
        ]
        for process in processes:
            output, _errors = process.communicate(timeout=120)
            self.assertEqual(process.returncode, 0, output)
        return processes

    def _reminders(self, env):
        return env["payment.reminder"].search(
            [("order_ids", "in", [self.ids["order"]])]
        )

    def test_two_workers_building_at_once_make_one_reminder(self):
        self._run_workers("build", NOW)
        with self.registry.cursor() as cr:
            reminders = self._reminders(api.Environment(cr, SUPERUSER_ID, {}))
            self.assertEqual(len(reminders), 1)
            self.assertEqual(reminders.state, "planned")

    def test_two_workers_sending_at_once_send_once(self):
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            company = env["res.company"].browse(self.ids["company"])
            env["payment.reminder.queue"]._build(company, NOW)
            reminder = self._reminders(env)
            reminder.write({"channel": "email", "scheduled_at": NOW})
        self._run_workers("send", NOW + timedelta(minutes=1))
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            reminder = self._reminders(env)
            self.assertEqual(reminder.state, "done")
            sent = env["mail.message"].search_count(
                [
                    ("model", "=", "sale.order"),
                    ("res_id", "=", self.ids["order"]),
                    ("subtype_id", "=", env.ref("mail.mt_comment").id),
                ]
            )
            self.assertEqual(sent, 1)
