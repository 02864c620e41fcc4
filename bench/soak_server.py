# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""odoo-bin for the soak test: mail and SMS stop at Odoo's gateways, recorded.

    .venv/bin/python bench/soak_server.py -c var/soak/odoo-soak.conf --http-port 8269

Started by ``bench/soak.py`` (``make soak``), once per Odoo server. Before
Odoo's server starts, ``IrMailServer.send_email`` and ``SmsApi._contact_iap``
(the last calls before a message leaves the machine, those the addon's tests
stop too, see ``payment_reminder/tests/gateways.py``) are replaced by
functions that record what they are handed and report success. In
multi-process mode the workers are forked from this process and inherit the
patches.

Each process appends to its own log, ``$SOAK_GATEWAY_DIR/<server>-<pid>.jsonl``
(``SOAK_SERVER`` names the server), one JSON line per e-mail or SMS number,
written with ``O_APPEND`` and ``fsync`` before the gateway "returns": a line
is on disk for every message Odoo believed handed over, even if the process
is killed the next instant. ``bench/soak.py`` reads them back to check that
nothing was handed to a gateway twice.
"""

import json
import os
import time

os.environ["TZ"] = "UTC"  # as odoo-bin does, before anything imports time

import odoo  # noqa: E402
import odoo.service.server  # noqa: E402

from odoo.addons.base.models.ir_mail_server import IrMailServer  # noqa: E402
from odoo.addons.sms.tools.sms_api import SmsApi  # noqa: E402


def record(kind, key, recipient):
    """Append one handed-over message to this process's gateway log, durably."""
    folder = os.environ["SOAK_GATEWAY_DIR"]
    server = os.environ.get("SOAK_SERVER", "odoo")
    line = json.dumps(
        {
            "kind": kind,
            "key": key,
            "to": recipient,
            "at": time.time(),
            "server": server,
            "pid": os.getpid(),
        }
    )
    path = os.path.join(folder, f"{server}-{os.getpid()}.jsonl")
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, (line + "\n").encode())
        os.fsync(fd)
    finally:
        os.close(fd)


def send_email(server, message, *args, **kwargs):
    """``IrMailServer.send_email``: record the Message-Id, send nothing."""
    record("email", message["Message-Id"], message["To"])
    return message["Message-Id"]


def contact_iap(sms_api, endpoint, params, timeout=15):
    """``SmsApi._contact_iap``: record each number's SMS uuid, report success."""
    results = []
    for message in params.get("messages", []):
        for number in message["numbers"]:
            record("sms", number["uuid"], number["number"])
            results.append({"uuid": number["uuid"], "state": "success", "credit": 1})
    return results


def poll_crons_often():
    """A cron worker looks for due jobs every 60 to 70 s (Odoo's
    ``SLEEP_INTERVAL`` + pid % 10), and sleeps that long before its first look
    and after a restart: a job every minute then runs up to 70 s late, and the
    soak's three-minute short run saw two cron passes, none with a reminder
    due. The soak compresses the shop's hours into minutes; its cron workers
    look every 5 to 14 s: a job every minute runs at most 14 s late."""
    odoo.service.server.SLEEP_INTERVAL = int(os.environ.get("SOAK_CRON_POLL", 5))


def stop_gateways():
    """Patch the gateways for this process and the workers it forks."""
    IrMailServer.connect = lambda *args, **kwargs: None
    IrMailServer.send_email = send_email
    SmsApi._contact_iap = contact_iap


if __name__ == "__main__":
    stop_gateways()
    poll_crons_often()
    odoo.cli.main()
