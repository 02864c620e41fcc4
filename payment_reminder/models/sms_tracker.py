# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import models


class SmsTracker(models.Model):
    _inherit = "sms.tracker"

    def _action_update_from_sms_state(
        self, sms_state, failure_type=False, failure_reason=False
    ):
        """An SMS of a reminder refused when Odoo's SMS queue sent it fails its
        reminder."""
        result = super()._action_update_from_sms_state(
            sms_state, failure_type=failure_type, failure_reason=failure_reason
        )
        if sms_state == "error" and self:
            failures = dict(
                self.env["sms.sms"]
                ._fields["failure_type"]
                ._description_selection(self.env)
            )
            self.env["payment.reminder"]._reminder_sms_failed(
                self.mapped("sms_uuid"),
                failure_reason or failures.get(failure_type, failure_type or "-"),
            )
        return result

    def _action_update_from_provider_error(self, provider_error):
        """The same for an error the provider reports, then or later."""
        result = super()._action_update_from_provider_error(provider_error)
        if self:
            self.env["payment.reminder"]._reminder_sms_failed(
                self.mapped("sms_uuid"), provider_error
            )
        return result
