# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import subprocess
import sys
from contextlib import contextmanager
from datetime import timedelta

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.tests import TransactionCase

# The start of a cron worker of its own: another process, another database
# connection. Odoo's test runner holds the registry lock while tests run, so
# threads of this process could not even open an environment; processes are
# also what several Odoo workers really are. The script goes on with
# ``registry``, ``args`` (its own arguments) and ``run(job, now)``, which
# builds the queue or sends what is due at ``now`` and commits.
WORKER_START = """
import os, sys, time
from datetime import datetime
from freezegun import freeze_time
import odoo
from odoo import SUPERUSER_ID, api

config, db, addons, *args = sys.argv[1:]
options = ["-d", db, "--addons-path", addons, "--log-level", "critical"]
has_config = config and os.path.isfile(config)
odoo.tools.config.parse_config((["-c", config] if has_config else []) + options)
registry = odoo.modules.registry.Registry(db)


def run(job, now):
    with freeze_time(now), registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        if job == "build":
            env["payment.reminder.queue"]._build(env.company, now)
        else:
            env["payment.reminder"]._cron_send_due()
"""


class CommittedOrdersCase(TransactionCase):
    """Unpaid orders another process can see: committed through cursors of
    their own, deleted with what was made of them afterwards."""

    def committed_orders(self, placed_at, partner_values):
        """One sent, unpaid order placed at ``placed_at`` per partner made of
        ``partner_values``, the company reminding since the day before.

        :return: the orders' ids
        """
        with self.committed_env() as env:
            company = env.company
            product = env["product.product"].create(
                {"name": "Worker tea", "list_price": 10.0}
            )
            partners = env["res.partner"].create(partner_values)
            orders = env["sale.order"].create(
                [
                    {
                        "partner_id": partner.id,
                        "require_payment": True,
                        "order_line": [Command.create({"product_id": product.id})],
                    }
                    for partner in partners
                ]
            )
            orders.write({"state": "sent", "date_order": placed_at})
            saved_start = company.payment_reminder_start_from
            company.payment_reminder_start_from = placed_at - timedelta(days=1)
        self.addCleanup(
            self._delete_committed, company.id, saved_start, product.id, partners.ids
        )
        return orders.ids

    def _delete_committed(self, company_id, saved_start, product_id, partner_ids):
        with self.committed_env() as env:
            orders = env["sale.order"].search([("partner_id", "in", partner_ids)])
            env["payment.reminder"].search([("order_ids", "in", orders.ids)]).unlink()
            # Committed SMS left in Odoo's queue would go out in other tests.
            env["sms.sms"].search([("partner_id", "in", partner_ids)]).unlink()
            env["mail.activity"].search(
                [("res_model", "=", "sale.order"), ("res_id", "in", orders.ids)]
            ).unlink()
            orders.with_context(disable_cancel_warning=True)._action_cancel()
            orders.unlink()
            env["product.product"].browse(product_id).unlink()
            env["res.partner"].browse(partner_ids).unlink()
            env["res.company"].browse(
                company_id
            ).payment_reminder_start_from = saved_start

    @contextmanager
    def committed_env(self):
        """An environment on a cursor of its own, committed on leaving."""
        with self.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    def worker(self, script, *args):
        """Start ``WORKER_START + script`` in a process of its own."""
        config = odoo.tools.config
        return subprocess.Popen(
            [
                sys.executable,
                "-c",
                WORKER_START + script,
                config.rcfile or "",
                self.env.cr.dbname,
                config["addons_path"],
                *map(str, args),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def wait_for(self, process, returncode=0):
        output, _errors = process.communicate(timeout=120)
        self.assertEqual(process.returncode, returncode, output)
