# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    payment_reminder_enabled = fields.Boolean(
        related="company_id.payment_reminder_enabled", readonly=False
    )
    payment_reminder_tz = fields.Selection(
        related="company_id.payment_reminder_tz", readonly=False
    )
    payment_reminder_start_from = fields.Datetime(
        related="company_id.payment_reminder_start_from", readonly=False
    )
    payment_reminder_min_delay = fields.Integer(
        related="company_id.payment_reminder_min_delay", readonly=False
    )
    payment_reminder_min_interval = fields.Integer(
        related="company_id.payment_reminder_min_interval", readonly=False
    )
    payment_reminder_max_count = fields.Integer(
        related="company_id.payment_reminder_max_count", readonly=False
    )
    payment_reminder_deadline_hours = fields.Integer(
        related="company_id.payment_reminder_deadline_hours", readonly=False
    )
    payment_reminder_wire_deadline_hours = fields.Integer(
        related="company_id.payment_reminder_wire_deadline_hours", readonly=False
    )
    payment_reminder_skip_cash_on_delivery = fields.Boolean(
        related="company_id.payment_reminder_skip_cash_on_delivery", readonly=False
    )
    payment_reminder_final_before = fields.Integer(
        related="company_id.payment_reminder_final_before", readonly=False
    )
    payment_reminder_flash_deadline = fields.Integer(
        related="company_id.payment_reminder_flash_deadline", readonly=False
    )
    payment_reminder_flash_remind_before = fields.Integer(
        related="company_id.payment_reminder_flash_remind_before", readonly=False
    )
    payment_reminder_flash_tag_ids = fields.Many2many(
        related="company_id.payment_reminder_flash_tag_ids", readonly=False
    )
    payment_reminder_flash_pricelist_ids = fields.Many2many(
        related="company_id.payment_reminder_flash_pricelist_ids", readonly=False
    )
    payment_reminder_cutoff_mode = fields.Boolean(
        related="company_id.payment_reminder_cutoff_mode", readonly=False
    )
    payment_reminder_team_ids = fields.Many2many(
        related="company_id.payment_reminder_team_ids", readonly=False
    )
    payment_reminder_bad_payer_count = fields.Integer(
        related="company_id.payment_reminder_bad_payer_count", readonly=False
    )
    payment_reminder_attribution_hours = fields.Integer(
        related="company_id.payment_reminder_attribution_hours", readonly=False
    )
    payment_reminder_holdout_percent = fields.Float(
        related="company_id.payment_reminder_holdout_percent", readonly=False
    )
    payment_reminder_summary_user_ids = fields.Many2many(
        related="company_id.payment_reminder_summary_user_ids", readonly=False
    )
    payment_reminder_max_call_attempts = fields.Integer(
        related="company_id.payment_reminder_max_call_attempts", readonly=False
    )
    payment_reminder_summary_hour = fields.Float(
        related="company_id.payment_reminder_summary_hour", readonly=False
    )
    payment_reminder_quiet_start = fields.Float(
        related="company_id.payment_reminder_quiet_start", readonly=False
    )
    payment_reminder_quiet_end = fields.Float(
        related="company_id.payment_reminder_quiet_end", readonly=False
    )
    payment_reminder_quiet_grace_minutes = fields.Integer(
        related="company_id.payment_reminder_quiet_grace_minutes", readonly=False
    )
    payment_reminder_replace_hours = fields.Integer(
        related="company_id.payment_reminder_replace_hours", readonly=False
    )
    payment_reminder_busy_day = fields.Boolean(
        related="company_id.payment_reminder_busy_day", readonly=False
    )
    payment_reminder_sms_signature = fields.Char(
        related="company_id.payment_reminder_sms_signature", readonly=False
    )
    payment_reminder_sms_opt_out = fields.Selection(
        related="company_id.payment_reminder_sms_opt_out", readonly=False
    )
    payment_reminder_sms_daily_limit = fields.Integer(
        related="company_id.payment_reminder_sms_daily_limit", readonly=False
    )
    payment_reminder_cost_sms = fields.Monetary(
        related="company_id.payment_reminder_cost_sms", readonly=False
    )
    payment_reminder_cost_phone = fields.Monetary(
        related="company_id.payment_reminder_cost_phone", readonly=False
    )
    payment_reminder_cost_email = fields.Monetary(
        related="company_id.payment_reminder_cost_email", readonly=False
    )
    payment_reminder_cost_portal = fields.Monetary(
        related="company_id.payment_reminder_cost_portal", readonly=False
    )
