# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Mail and SMS stopped at Odoo's gateways, for the tests' worker processes and
the benchmark: this file imports nothing of Odoo's test framework."""

from contextlib import contextmanager
from unittest.mock import patch

from odoo.addons.base.models.ir_mail_server import IrMailServer
from odoo.addons.sms.tools.sms_api import SmsApi


@contextmanager
def gateways_stopped():
    """Mail and SMS stop at Odoo's gateways, in this process or in a worker."""

    def send_email(server, message, *args, **kwargs):
        return message["Message-Id"]

    def contact_iap(sms_api, endpoint, params, timeout=15):
        return [
            {"uuid": number["uuid"], "state": "success", "credit": 1}
            for message in params.get("messages", [])
            for number in message["numbers"]
        ]

    with (
        patch.object(IrMailServer, "connect", lambda *args, **kwargs: None),
        patch.object(IrMailServer, "send_email", send_email),
        patch.object(SmsApi, "_contact_iap", contact_iap),
    ):
        yield
