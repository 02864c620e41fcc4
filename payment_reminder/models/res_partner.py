# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging

import phonenumbers

from odoo import api, fields, models

_logger = logging.getLogger(__name__)

MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


class ResPartner(models.Model):
    _inherit = "res.partner"

    payment_reminder_opt_out = fields.Boolean(
        string="Do not remind",
        help="Never send this customer a payment reminder, on any channel.",
        tracking=True,
    )
    payment_reminder_mobile = fields.Char(
        string="Reminder mobile",
        compute="_compute_payment_reminder_mobile",
        store=True,
        index="btree_not_null",
        help="The customer's mobile number in E.164 form when it is a valid mobile "
        "number: the number SMS go to, and the key that makes partner records "
        "sharing one mobile count as one customer.",
    )

    # === COMPUTE METHODS === #

    @api.depends("phone_sanitized")
    def _compute_payment_reminder_mobile(self):
        for partner in self:
            partner.payment_reminder_mobile = self._payment_reminder_mobile_of(
                partner.phone_sanitized
            )

    # === CRUD METHODS === #

    def write(self, vals):
        res = super().write(vals)
        if vals.get("payment_reminder_opt_out"):
            self._payment_reminder_drop_calls()
        return res

    # === BUSINESS METHODS === #

    @api.model
    def _payment_reminder_mobile_of(self, e164_number):
        """Return ``e164_number`` when it is a mobile number, else False.

        ``phone_sanitized`` is already E.164 (Odoo's ``phone_validation``) or
        empty; landlines, invalid and unparsable numbers give False.
        """
        if not e164_number:
            return False
        try:
            parsed = phonenumbers.parse(e164_number, None)
        except phonenumbers.NumberParseException:
            return False
        if not phonenumbers.is_valid_number(parsed):
            return False
        if phonenumbers.number_type(parsed) not in MOBILE_TYPES:
            return False
        return e164_number

    def _payment_reminder_drop_calls(self):
        """These customers asked not to be contacted: remove the reminder calls
        planned about their orders, at once."""
        call_type = self.env.ref(
            "payment_reminder.mail_activity_type_call", raise_if_not_found=False
        )
        if not call_type:
            return
        orders = (
            self.env["sale.order"]
            .sudo()
            .search(
                [
                    ("partner_id", "child_of", self.commercial_partner_id.ids),
                    ("activity_ids.activity_type_id", "=", call_type.id),
                ]
            )
        )
        self.env["payment.reminder"]._reminder_remove_calls(
            orders._payment_reminder_call_activities(), "opt_out"
        )
