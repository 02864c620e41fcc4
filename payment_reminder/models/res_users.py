# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError


class ResUsers(models.Model):
    _inherit = "res.users"

    payment_reminder_call_capacity = fields.Integer(
        string="Reminder calls per day",
        default=60,
        help="The most payment reminder calls the queue gives this agent per shop "
        "day; the other customers get a message instead.",
    )

    # === CONSTRAINT METHODS === #

    @api.constrains("payment_reminder_call_capacity")
    def _check_payment_reminder_call_capacity(self):
        if any(user.payment_reminder_call_capacity < 0 for user in self):
            raise ValidationError(_("A daily call capacity cannot be negative."))
