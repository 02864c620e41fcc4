# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, models


class LinkTrackerClick(models.Model):
    _inherit = "link.tracker.click"

    @api.model
    def add_click(self, code, **route_values):
        """A click on the short link of a reminder SMS is recorded on it."""
        click = super().add_click(code, **route_values)
        if click:
            self.env["payment.reminder"]._reminder_link_opened(click.link_id)
        return click
