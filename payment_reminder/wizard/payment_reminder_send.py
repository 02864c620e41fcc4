# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import plaintext2html


class PaymentReminderSend(models.TransientModel):
    _name = "payment.reminder.send"
    _description = "Remind now"

    order_ids = fields.Many2many("sale.order", string="Orders", required=True)
    channel = fields.Selection(
        selection=lambda self: self.env["payment.reminder"]
        ._fields["channel"]
        .selection,
        required=True,
        default="portal",
    )
    user_id = fields.Many2one(
        "res.users",
        string="Agent",
        required=True,
        default=lambda self: self.env.user,
        domain="[('share', '=', False)]",
    )
    script_id = fields.Many2one(
        "payment.reminder.script",
        string="Script",
        compute="_compute_script_id",
        store=True,
        readonly=False,
        help="What the reminder says; the queue's choice for the first order is "
        "proposed.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Message template",
        compute="_compute_templates",
        store=True,
        readonly=False,
        domain="[('model', '=', 'sale.order')]",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS template",
        compute="_compute_templates",
        store=True,
        readonly=False,
        domain="[('model', '=', 'sale.order')]",
    )
    remind_order_ids = fields.Many2many(
        "sale.order",
        string="Orders to remind",
        compute="_compute_remind_order_ids",
    )
    customer_count = fields.Integer(compute="_compute_remind_order_ids")
    skipped_text = fields.Text(string="Skipped", compute="_compute_remind_order_ids")
    preview_order_id = fields.Many2one(
        "sale.order", string="Preview for", compute="_compute_remind_order_ids"
    )
    preview_subject = fields.Char(compute="_compute_preview")
    preview_body = fields.Html(compute="_compute_preview", sanitize_style=True)

    # === COMPUTE METHODS === #

    @api.depends("order_ids")
    def _compute_remind_order_ids(self):
        for wizard in self:
            orders, skipped = wizard._split_orders()
            wizard.remind_order_ids = orders
            wizard.customer_count = len(set(orders.mapped("reminder_customer_key")))
            wizard.skipped_text = wizard._skipped_text(skipped)
            wizard.preview_order_id = orders[:1]

    @api.depends("preview_order_id")
    def _compute_script_id(self):
        Reminder = self.env["payment.reminder"]
        for wizard in self:
            order = wizard.preview_order_id._origin
            if not order:
                wizard.script_id = False
                continue
            reminder = Reminder.new(
                {
                    "order_id": order.id,
                    "company_id": order.company_id.id,
                    "step": "manual",
                }
            )
            with reminder._reminder_batch(fields.Datetime.now()) as batch:
                wizard.script_id = reminder._reminder_choose_script(batch)

    @api.depends("script_id")
    def _compute_templates(self):
        for wizard in self:
            wizard.mail_template_id = wizard.script_id.mail_template_id
            wizard.sms_template_id = wizard.script_id.sms_template_id

    @api.depends("channel", "mail_template_id", "sms_template_id", "preview_order_id")
    def _compute_preview(self):
        """The text the first customer gets, rendered as the composer previews it."""
        for wizard in self:
            order = wizard.preview_order_id._origin
            subject = body = False
            if (
                order
                and wizard.channel in ("portal", "email")
                and wizard.mail_template_id
            ):
                template = wizard.mail_template_id
                subject = template._render_field(
                    "subject", order.ids, compute_lang=True
                )[order.id]
                body = template._render_field(
                    "body_html", order.ids, compute_lang=True
                )[order.id]
            elif order and wizard.channel == "sms" and wizard.sms_template_id:
                # As it leaves: short link, signature and opt-out line.
                sms = self.env["payment.reminder"]._reminder_sms_text(
                    wizard.sms_template_id, order, preview=True
                )
                body = plaintext2html(sms.body)
            wizard.preview_subject = subject
            wizard.preview_body = body

    # === ACTION METHODS === #

    @api.model
    def _action_open(self, orders):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Remind now"),
            "res_model": self._name,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "new",
            "context": {"default_order_ids": orders.ids},
        }

    def action_send(self):
        """One manual reminder per customer, sent at once; says what was skipped."""
        self.ensure_one()
        orders, skipped = self._split_orders()
        if not orders:
            raise UserError(
                self.env._(
                    "Nothing to remind. %(skipped)s",
                    skipped=self._skipped_text(skipped),
                )
            )
        now = fields.Datetime.now()
        values = {"script_id": self.script_id.id}
        if self.channel in ("portal", "email"):
            values["mail_template_id"] = self.mail_template_id.id
        elif self.channel == "sms":
            values["sms_template_id"] = self.sms_template_id.id
        reminders = self.env["payment.reminder"]._reminder_create_manual(
            orders, self.channel, self.user_id, now, **values
        )
        reminders._reminder_send(now)
        return self._notify(reminders, skipped)

    # === BUSINESS METHODS === #

    def _split_orders(self):
        """The orders to remind, and the others with why (the checks made just
        before sending: cancelled, paid, payment under way, do not contact).

        :return: (sale.order, {order: reason})
        """
        self.ensure_one()
        Reminder = self.env["payment.reminder"]
        reasons = dict(Reminder._fields["skip_reason"]._description_selection(self.env))
        states = dict(Reminder._fields["state"]._description_selection(self.env))
        skipped = {}
        orders = self.order_ids._origin
        for order in orders:
            check = Reminder.new({"order_id": order.id})._prepare_skip_values()
            if check:
                skipped[order] = (
                    reasons.get(check.get("skip_reason")) or states[check["state"]]
                )
        return orders.filtered(lambda order: order not in skipped), skipped

    def _skipped_text(self, skipped):
        if not skipped:
            return False
        return self.env._(
            "Skipped: %(orders)s.",
            orders=", ".join(
                self.env._("%(order)s (%(reason)s)", order=order.name, reason=reason)
                for order, reason in skipped.items()
            ),
        )

    def _notify(self, reminders, skipped):
        """A notification saying what went out, what waits, what failed or was
        skipped, then the wizard closes."""
        done = reminders.filtered(lambda r: r.state == "done")
        calls = reminders.filtered(lambda r: r.state == "calling")
        waiting = reminders.filtered(lambda r: r.state == "planned")
        failed = reminders - done - calls - waiting
        lines = []
        if done or not calls:
            lines.append(self.env._("%(count)s customer(s) reminded.", count=len(done)))
        if calls:
            lines.append(
                self.env._("%(count)s call(s) to make, in My Calls.", count=len(calls))
            )
        over_budget = waiting.filtered(lambda r: r.wait_reason == "sms_budget")
        if over_budget:
            lines.append(
                self.env._(
                    "%(count)s wait for tomorrow: the day's SMS budget is used up.",
                    count=len(over_budget),
                )
            )
        if waiting - over_budget:
            lines.append(
                self.env._(
                    "%(count)s wait for the end of the quiet hours.",
                    count=len(waiting - over_budget),
                )
            )
        if failed:
            lines.append(
                self.env._(
                    "Failed: %(reminders)s.",
                    reminders=", ".join(
                        self.env._(
                            "%(order)s (%(error)s)",
                            order=reminder.order_id.name,
                            error=reminder.error_message or "-",
                        )
                        for reminder in failed
                    ),
                )
            )
        if skipped:
            lines.append(self._skipped_text(skipped))
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "title": self.env._("Remind now"),
                "message": "\n".join(lines),
                "type": "warning" if failed or skipped else "success",
                "sticky": bool(failed or skipped),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
