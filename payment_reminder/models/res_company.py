# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import _, api, fields, models
from odoo.exceptions import ValidationError

from odoo.addons.base.models.res_partner import _tz_get

from ..const import SMS_OPT_OUT_MODES


class ResCompany(models.Model):
    _inherit = "res.company"

    payment_reminder_enabled = fields.Boolean(
        string="Payment reminders",
        default=True,
        help="Build a daily reminder queue for this company's unpaid orders.",
    )
    payment_reminder_tz = fields.Selection(
        _tz_get,
        string="Shop time zone",
        default=lambda self: self.env.user.tz or "Asia/Shanghai",
        help="Time zone in which reminder windows, call windows and 'the same day' "
        "are read.",
    )
    payment_reminder_start_from = fields.Datetime(
        string="Remind orders placed after",
        default=fields.Datetime.now,
        help="Orders placed before this moment are never reminded, so that installing "
        "the module on an existing database does not fire reminders at old orders.",
    )
    payment_reminder_min_delay = fields.Integer(
        string="Minimum delay (minutes)",
        default=30,
        help="Never remind an order sooner than this after it was placed: the customer "
        "may still be paying.",
    )
    payment_reminder_min_interval = fields.Integer(
        string="Minimum interval (minutes)",
        default=120,
        help="Never contact the same customer twice within this interval.",
    )
    payment_reminder_max_count = fields.Integer(
        string="Reminders per order",
        default=2,
        help="The most reminders an order gets, the final one included.",
    )
    payment_reminder_deadline_hours = fields.Integer(
        string="Close unpaid orders after (hours)",
        default=72,
        help="Unpaid orders are cancelled this many hours after they were placed. "
        "0 never closes them.",
    )
    payment_reminder_wire_deadline_hours = fields.Integer(
        string="Close awaited wire transfers after (hours)",
        default=72,
        help="An order whose customer chose to pay by bank transfer closes this many "
        "hours after it was placed, if the transfer has not come in: a transfer takes "
        "longer than a card payment. 0: the general deadline.",
    )
    payment_reminder_skip_cash_on_delivery = fields.Boolean(
        string="Do not chase cash on delivery",
        default=True,
        help="Orders the customer pays on delivery or on pickup (an offline payment "
        "method other than wire transfer) are neither reminded nor closed: the "
        "money comes with the goods.",
    )
    payment_reminder_final_before = fields.Integer(
        string="Final reminder before close (minutes)",
        default=30,
        help="The last reminder goes out this many minutes before the order closes.",
    )
    payment_reminder_flash_deadline = fields.Integer(
        string="Flash-sale deadline (minutes)",
        default=30,
        help="Flash-sale orders close this many minutes after they were placed.",
    )
    payment_reminder_flash_remind_before = fields.Integer(
        string="Flash-sale reminder before close (minutes)",
        default=15,
        help="Flash-sale orders get one reminder this many minutes before they close.",
    )
    payment_reminder_flash_tag_ids = fields.Many2many(
        "product.tag",
        "payment_reminder_company_flash_tag_rel",
        string="Flash-sale product tags",
        help="An order with a product carrying one of these tags is a flash-sale "
        "order.",
    )
    payment_reminder_flash_pricelist_ids = fields.Many2many(
        "product.pricelist",
        "payment_reminder_company_flash_pricelist_rel",
        string="Flash-sale pricelists",
        help="An order with one of these pricelists is a flash-sale order.",
    )
    payment_reminder_cutoff_mode = fields.Boolean(
        string="Remind before dispatch cut-off",
        help="Remind in the hour before the next dispatch cut-off (the 'cut-off' "
        "windows) instead of by the hour the order was placed, so the message can "
        "promise same-day shipping.",
    )
    payment_reminder_team_ids = fields.Many2many(
        "res.users",
        "payment_reminder_company_team_rel",
        string="Reminder team",
        help="Agents who share the reminders of orders without a salesperson.",
    )
    payment_reminder_bad_payer_count = fields.Integer(
        string="Closed-unpaid orders of a bad payer",
        default=3,
        help="A customer with at least this many orders closed unpaid and none paid "
        "gets no phone call.",
    )

    payment_reminder_quiet_start = fields.Float(
        string="Quiet hours from",
        default=22.0,
        help="No SMS or automatic message from this hour (the customer's time) ...",
    )
    payment_reminder_quiet_end = fields.Float(
        string="Quiet hours until",
        default=9.0,
        help="... until this hour: reminders due meanwhile wait until then. Equal "
        "hours mean no quiet hours.",
    )
    payment_reminder_quiet_grace_minutes = fields.Integer(
        string="Quiet hours skip recent buyers (minutes)",
        default=60,
        help="Quiet hours protect sleep: they do not apply to a customer who placed "
        "an order this many minutes ago or less (a night flash-sale buyer is awake). "
        "0: quiet hours apply to everyone.",
    )
    payment_reminder_replace_hours = fields.Integer(
        string="A later paid order replaces (hours)",
        default=24,
        help="A customer who paid an order placed up to this many hours after an "
        "unpaid one is not reminded of the unpaid one, and the agent is offered to "
        "cancel it as a likely duplicate. 0: only a payment the same shop day stops "
        "the reminders.",
    )
    payment_reminder_max_call_attempts = fields.Integer(
        string="Calls without answer",
        default=3,
        help="How many times a customer who does not answer is called, each time "
        "in another call window, before they get a message instead.",
    )

    # === CONSTRAINT METHODS === #

    @api.constrains(
        "payment_reminder_min_delay",
        "payment_reminder_min_interval",
        "payment_reminder_max_count",
        "payment_reminder_deadline_hours",
        "payment_reminder_wire_deadline_hours",
        "payment_reminder_final_before",
        "payment_reminder_flash_deadline",
        "payment_reminder_flash_remind_before",
        "payment_reminder_bad_payer_count",
        "payment_reminder_max_call_attempts",
        "payment_reminder_quiet_grace_minutes",
        "payment_reminder_replace_hours",
    )
    def _check_payment_reminder_settings(self):
        for company in self:
            numbers = [
                company.payment_reminder_min_delay,
                company.payment_reminder_min_interval,
                company.payment_reminder_deadline_hours,
                company.payment_reminder_wire_deadline_hours,
                company.payment_reminder_final_before,
                company.payment_reminder_flash_deadline,
                company.payment_reminder_flash_remind_before,
                company.payment_reminder_quiet_grace_minutes,
                company.payment_reminder_replace_hours,
            ]
            if any(number < 0 for number in numbers):
                raise ValidationError(
                    _("Payment reminder delays and deadlines cannot be negative.")
                )
            if company.payment_reminder_max_count < 1:
                raise ValidationError(_("An order needs at least one reminder."))
            if company.payment_reminder_max_call_attempts < 1:
                raise ValidationError(
                    _("A customer who does not answer is called at least once.")
                )
            if company.payment_reminder_bad_payer_count < 1:
                raise ValidationError(
                    _("A bad payer has at least one order closed unpaid.")
                )
            for hours in (
                company.payment_reminder_deadline_hours,
                company.payment_reminder_wire_deadline_hours,
            ):
                deadline = hours * 60
                if deadline and deadline <= company.payment_reminder_min_delay:
                    raise ValidationError(
                        _(
                            "Orders would close (%(deadline)s minutes) before the "
                            "first reminder may go out (%(delay)s minutes).",
                            deadline=deadline,
                            delay=company.payment_reminder_min_delay,
                        )
                    )
            if (
                company.payment_reminder_flash_deadline
                and company.payment_reminder_flash_remind_before
                >= company.payment_reminder_flash_deadline
            ):
                raise ValidationError(
                    _(
                        "The flash-sale reminder must go out after the order is "
                        "placed: make it fewer minutes before close than the "
                        "flash-sale deadline."
                    )
                )

    # === RESULTS SETTINGS === #

    payment_reminder_attribution_hours = fields.Integer(
        string="Attribution window (hours)",
        default=0,
        help="A payment counts as recovered by the last reminder done before it if it "
        "comes within this many hours. 0: until the order's payment deadline.",
    )
    payment_reminder_holdout_percent = fields.Float(
        string="Control group (%)",
        default=0.0,
        digits=(5, 2),
        help="This share of customers, drawn once per customer and unpaid-order "
        "cycle, is queued but deliberately not reminded at any step of the cycle, "
        "to measure what reminding adds.",
    )
    payment_reminder_summary_hour = fields.Float(
        string="Summary sent at",
        default=23.0,
        help="When, in the shop's time zone, the day's summary sheet is emailed "
        "(when its scheduled action is active).",
    )
    payment_reminder_summary_sent_on = fields.Date(
        string="Summary last sent for",
        readonly=True,
        copy=False,
        help="The last shop day whose summary sheet was emailed.",
    )
    payment_reminder_summary_user_ids = fields.Many2many(
        "res.users",
        "payment_reminder_company_summary_user_rel",
        string="Daily summary recipients",
        help="Who receives the day's summary sheet by email when its scheduled "
        "action is active. Empty: every reminder manager of the company.",
    )

    payment_reminder_busy_day = fields.Boolean(
        string="Busy day: messages instead of calls",
        help="On a festival day, every customer who would get a call gets the next "
        "channel of the ladder instead (message, e-mail, then SMS).",
    )

    @api.constrains(
        "payment_reminder_attribution_hours", "payment_reminder_holdout_percent"
    )
    def _check_payment_reminder_results_settings(self):
        for company in self:
            if company.payment_reminder_attribution_hours < 0:
                raise ValidationError(_("The attribution window cannot be negative."))
            if not 0 <= company.payment_reminder_holdout_percent <= 100:
                raise ValidationError(
                    _("The control group is a percentage between 0 and 100.")
                )

    @api.constrains(
        "payment_reminder_quiet_start",
        "payment_reminder_quiet_end",
        "payment_reminder_summary_hour",
    )
    def _check_payment_reminder_quiet_hours(self):
        for company in self:
            if not 0 <= company.payment_reminder_summary_hour < 24:
                raise ValidationError(
                    _("The summary sheet is sent at an hour from 00:00 to 23:59.")
                )
            hours = (
                company.payment_reminder_quiet_start,
                company.payment_reminder_quiet_end,
            )
            if any(hour < 0 or hour > 24 for hour in hours):
                raise ValidationError(_("Quiet hours go from 00:00 to 24:00."))

    # === SMS AND COSTS SETTINGS === #

    payment_reminder_sms_signature = fields.Char(
        string="SMS signature",
        translate=True,
        help="The shop's name at the end of every reminder SMS (【…】 in Chinese), "
        "in each customer's language. Empty: the company's name.",
    )
    payment_reminder_sms_opt_out = fields.Selection(
        SMS_OPT_OUT_MODES,
        string="SMS opt-out by",
        default="reply",
        required=True,
        help="How reminder SMS tell customers to opt out: reply T or STOP (your SMS "
        "provider must forward replies to Odoo; Odoo's own SMS service does not), "
        "or a short link to a page where they confirm.",
    )
    payment_reminder_sms_daily_limit = fields.Integer(
        string="Daily SMS budget (segments)",
        default=0,
        help="At most this many SMS segments a shop day (a long SMS is billed as "
        "several). Past it, an SMS reminder goes by the next channel of its rule, "
        "else waits for the next day. 0: no limit.",
    )
    payment_reminder_cost_sms = fields.Monetary(
        string="Cost per SMS segment",
        currency_field="currency_id",
        default=0.0,
        help="What one SMS segment costs, for the cost figures of the sheets.",
    )
    payment_reminder_cost_phone = fields.Monetary(
        string="Cost per call",
        currency_field="currency_id",
        default=0.0,
        help="What one call planned for an agent costs (the agent's time, the line).",
    )
    payment_reminder_cost_email = fields.Monetary(
        string="Cost per e-mail",
        currency_field="currency_id",
        default=0.0,
    )
    payment_reminder_cost_portal = fields.Monetary(
        string="Cost per portal message",
        currency_field="currency_id",
        default=0.0,
    )

    @api.constrains(
        "payment_reminder_sms_daily_limit",
        "payment_reminder_cost_sms",
        "payment_reminder_cost_phone",
        "payment_reminder_cost_email",
        "payment_reminder_cost_portal",
    )
    def _check_payment_reminder_costs(self):
        for company in self:
            numbers = [
                company.payment_reminder_sms_daily_limit,
                company.payment_reminder_cost_sms,
                company.payment_reminder_cost_phone,
                company.payment_reminder_cost_email,
                company.payment_reminder_cost_portal,
            ]
            if any(number < 0 for number in numbers):
                raise ValidationError(
                    _("The SMS budget and the costs of reminding cannot be negative.")
                )

    def _payment_reminder_sms_signature(self):
        """The signature of the company's reminder SMS."""
        self.ensure_one()
        return (self.payment_reminder_sms_signature or self.name or "").strip()
