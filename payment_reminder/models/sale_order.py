# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import timedelta

from odoo import _, api, fields, models

from ..const import ORDER_REMINDER_STATES, OUTCOMES
from ..utils import quiet_hours_around

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = [
        "sale.order",
        "payment.reminder.order.closing.mixin",
        "payment.reminder.order.text.mixin",
    ]

    awaiting_payment = fields.Boolean(
        compute="_compute_awaiting_payment",
        store=True,
        index=True,
        help="The customer placed this order but has not paid what it requires.",
    )
    is_flash_sale = fields.Boolean(
        string="Flash sale",
        compute="_compute_is_flash_sale",
        store=True,
        readonly=False,
        help="Flash-sale orders close after the short flash-sale deadline and are "
        "reminded against that deadline.",
    )
    payment_deadline = fields.Datetime(
        compute="_compute_payment_deadline",
        store=True,
        index=True,
        help="When the order closes if it is still unpaid.",
    )
    reminder_ids = fields.Many2many(
        "payment.reminder",
        "payment_reminder_sale_order_rel",
        "sale_order_id",
        "reminder_id",
        string="Reminders",
        copy=False,
    )
    reminder_count = fields.Integer(compute="_compute_reminder_count")
    reminder_state = fields.Selection(
        ORDER_REMINDER_STATES,
        compute="_compute_reminder_state",
        store=True,
        index=True,
        copy=False,
    )
    reminder_promised_at = fields.Datetime(
        string="Payment promised for",
        copy=False,
        tracking=True,
        help="The customer promised to pay by then: reminders and automatic closing "
        "wait until this moment.",
    )
    reminder_closed_kind = fields.Selection(
        [("auto", "Closed automatically"), ("manual", "Closed by agent or customer")],
        string="Closed",
        copy=False,
        readonly=True,
    )
    reminder_closed_at = fields.Datetime(
        string="Closed on",
        copy=False,
        readonly=True,
        help="When the order was last cancelled, whoever cancelled it: the pay link "
        "of a closed order says so.",
    )
    reminder_paid_after_close_at = fields.Datetime(
        string="Paid after close on",
        copy=False,
        readonly=True,
        help="A payment came in after the order was closed unpaid: the order was "
        "reopened then, and confirmed if the payment covered it.",
    )
    reminder_done_count = fields.Integer(
        string="Reminders done",
        compute="_compute_reminder_last",
        help="How many times the customer was contacted about this order.",
    )
    reminder_last_id = fields.Many2one(
        "payment.reminder",
        string="Last reminder",
        compute="_compute_reminder_last",
    )
    reminder_last_outcome = fields.Selection(
        OUTCOMES,
        string="Last call outcome",
        compute="_compute_reminder_last",
    )
    reminder_last_result = fields.Char(
        string="Last result",
        compute="_compute_reminder_last",
        help="When, how, and what the last contact about this order gave.",
    )
    reminder_reason_id = fields.Many2one(
        "payment.reminder.reason",
        string="Reason for not paying",
        compute="_compute_reminder_last",
        help="The last reason the customer gave on the phone.",
    )
    reminder_has_call = fields.Boolean(
        string="Reminder call planned",
        compute="_compute_reminder_has_call",
    )
    reminder_customer_key = fields.Char(
        compute="_compute_reminder_customer_key",
        store=True,
        index=True,
        help="Orders with the same key belong to one customer for reminding: the "
        "customer's mobile number, else the commercial partner.",
    )
    reminder_replaced_by_id = fields.Many2one(
        "sale.order",
        string="Replaced by",
        readonly=True,
        copy=False,
        index="btree_not_null",
        help="A later order of the same customer, paid: this one is likely a "
        "duplicate, and the customer is not reminded of it.",
    )
    reminder_cycle_id = fields.Many2one(
        "payment.reminder.cycle",
        string="Reminder cycle",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        help="The customer's unpaid-order cycle this order was left unpaid in: "
        "the control group is drawn once per cycle.",
    )

    # === COMPUTE METHODS === #

    @api.depends(
        "state",
        "require_payment",
        "prepayment_percent",
        "amount_total",
        "partner_id",
        "signature",
        "transaction_ids.state",
        "transaction_ids.amount",
        "transaction_ids.provider_id",
        "transaction_ids.payment_method_id",
        "company_id.payment_reminder_skip_cash_on_delivery",
    )
    def _compute_awaiting_payment(self):
        public_partners = self._payment_reminder_public_partners()
        for order in self:
            order.awaiting_payment = order._payment_reminder_is_awaiting_payment(
                public_partners
            )

    @api.depends(
        "pricelist_id",
        "order_line.product_id",
        "company_id.payment_reminder_flash_tag_ids",
        "company_id.payment_reminder_flash_pricelist_ids",
    )
    def _compute_is_flash_sale(self):
        for order in self:
            company = order.company_id
            tags = order.order_line.product_id.all_product_tag_ids
            order.is_flash_sale = bool(
                tags & company.payment_reminder_flash_tag_ids
                or order.pricelist_id & company.payment_reminder_flash_pricelist_ids
            )

    @api.depends(
        "date_order",
        "is_flash_sale",
        "transaction_ids.state",
        "transaction_ids.provider_id",
        "company_id.payment_reminder_deadline_hours",
        "company_id.payment_reminder_wire_deadline_hours",
        "company_id.payment_reminder_flash_deadline",
    )
    def _compute_payment_deadline(self):
        for order in self:
            delay = order._payment_reminder_deadline_delay()
            order.payment_deadline = (
                order.date_order + delay if delay and order.date_order else False
            )

    def _compute_reminder_count(self):
        for order in self:
            order.reminder_count = len(order.reminder_ids)

    @api.depends(
        "state",
        "awaiting_payment",
        "reminder_promised_at",
        "reminder_closed_kind",
        "reminder_ids.state",
        "transaction_ids.state",
        "partner_id.commercial_partner_id.payment_reminder_opt_out",
    )
    def _compute_reminder_state(self):
        for order in self:
            order.reminder_state = order._payment_reminder_state()

    @api.depends("reminder_ids.state", "reminder_ids.outcome", "reminder_ids.reason_id")
    def _compute_reminder_last(self):
        # Every agent sees what was done about the order, whoever did it:
        # reminding it again blind is what the notes are there to avoid.
        done = {
            order: reminders
            for order, reminders in self.env["payment.reminder"]
            .sudo()
            ._read_group(
                [("order_ids", "in", self.ids), ("state", "=", "done")],
                ["order_ids"],
                ["id:recordset"],
            )
        }
        for order in self:
            reminders = done.get(order._origin, self.env["payment.reminder"])
            ordered = reminders.sorted(lambda r: (r.done_at or r.scheduled_at, r.id))
            last = ordered[-1:]
            order.reminder_done_count = len(reminders)
            order.reminder_last_id = last
            order.reminder_last_outcome = last.outcome
            order.reminder_last_result = last._reminder_glance() if last else False
            order.reminder_reason_id = ordered.reason_id[-1:]

    @api.depends("activity_ids.activity_type_id")
    def _compute_reminder_has_call(self):
        for order in self:
            order.reminder_has_call = bool(order._payment_reminder_call_activities())

    @api.depends("partner_id.commercial_partner_id.payment_reminder_mobile")
    def _compute_reminder_customer_key(self):
        for order in self:
            partner = order.partner_id.commercial_partner_id
            order.reminder_customer_key = (
                partner.payment_reminder_mobile or f"partner-{partner.id}"
                if partner
                else False
            )

    # === BUSINESS METHODS: what "awaiting payment" means === #

    @api.model
    def _payment_reminder_public_partners(self):
        """Partners of public users (the website visitor): never reminded."""
        public_group = self.env.ref("base.group_public", raise_if_not_found=False)
        if not public_group:
            return self.env["res.partner"]
        return public_group.sudo().with_context(active_test=False).users.partner_id

    def _payment_reminder_is_awaiting_payment(self, public_partners):
        """Whether the customer placed this order and has not paid what it needs.

        Placed means: the customer reached the payment step (a transaction
        exists), accepted the quotation online, received a quotation that
        requires payment, or the order was confirmed while its required
        prepayment is still missing.
        """
        self.ensure_one()
        if (
            self.state == "cancel"
            or not self.partner_id
            or self.partner_id in public_partners
            or self.currency_id.compare_amounts(self.amount_total, 0.0) <= 0
            or self._payment_reminder_is_paid_enough()
            or self._payment_reminder_pays_on_delivery()
        ):
            return False
        if self.state == "sale":
            return self.require_payment
        return bool(
            self.transaction_ids.filtered(lambda tx: tx.state in ("draft", "pending"))
            or (self.require_payment and (self.state == "sent" or self.signature))
        )

    def _payment_reminder_is_paid_enough(self):
        """Authorized and confirmed payments cover what the order requires."""
        self.ensure_one()
        paid = sum(
            tx.amount
            for tx in self.transaction_ids
            if tx.state in ("authorized", "done")
        )
        required = (
            self._get_prepayment_required_amount()
            if self.require_payment
            else self.amount_total
        )
        return self.currency_id.compare_amounts(paid, required) >= 0

    def _payment_reminder_is_paid(self):
        """Paid: nothing left to pay on an order of some amount, confirmed or
        covered by authorized or confirmed payments (a quotation that simply
        requires no payment is not paid)."""
        self.ensure_one()
        return (
            self.state != "cancel"
            and not self.awaiting_payment
            and self.currency_id.compare_amounts(self.amount_total, 0.0) > 0
            and (self.state == "sale" or self._payment_reminder_is_paid_enough())
        )

    def _payment_reminder_has_payment_in_progress(self):
        """A payment is authorized, or pending at a provider that will report
        back: the money may be on its way. A pending wire transfer is not: the
        shop waits for the customer to make it, and chases them."""
        self.ensure_one()
        return any(tx._payment_reminder_is_in_progress() for tx in self.transaction_ids)

    def _payment_reminder_wire_transfer_transaction(self):
        """The customer's pending bank transfer (the latest); empty when none."""
        self.ensure_one()
        return self.transaction_ids.filtered(
            lambda tx: tx.state == "pending" and tx._payment_reminder_is_wire_transfer()
        ).sorted("id")[-1:]

    def _payment_reminder_pays_on_delivery(self):
        """The customer pays on delivery or on pickup, and the shop does not
        chase those payments (company setting): the money comes with the goods."""
        self.ensure_one()
        return self.company_id.payment_reminder_skip_cash_on_delivery and any(
            tx.state == "pending" and tx._payment_reminder_is_cash_on_delivery()
            for tx in self.transaction_ids
        )

    def _payment_reminder_deadline_delay(self):
        """How long after it was placed the order closes unpaid; None: never.

        Flash sales keep their short deadline whatever the payment method (the
        shop holds scarce stock for them); an order awaiting the customer's
        bank transfer gets the wire-transfer deadline, the rest the general one.
        """
        self.ensure_one()
        company = self.company_id
        if self.is_flash_sale and company.payment_reminder_flash_deadline:
            return timedelta(minutes=company.payment_reminder_flash_deadline)
        if (
            company.payment_reminder_wire_deadline_hours
            and self._payment_reminder_wire_transfer_transaction()
        ):
            return timedelta(hours=company.payment_reminder_wire_deadline_hours)
        if company.payment_reminder_deadline_hours:
            return timedelta(hours=company.payment_reminder_deadline_hours)
        return None

    def _payment_reminder_state(self):
        self.ensure_one()
        if self.state == "cancel":
            return (
                "closed" if self.reminder_closed_kind or self.reminder_ids else "none"
            )
        if self._payment_reminder_pays_on_delivery():
            return "excluded"
        if not self.awaiting_payment:
            return "paid" if self.reminder_ids else "none"
        if self.partner_id.commercial_partner_id.payment_reminder_opt_out:
            return "excluded"
        if self.reminder_promised_at:
            return "promised"
        if any(reminder.state == "done" for reminder in self.reminder_ids):
            return "reminded"
        return "pending"

    # === CRUD METHODS === #

    def write(self, vals):
        res = super().write(vals)
        if "state" in vals:
            # Paid (confirmed, nothing left to pay) or cancelled: the calls
            # planned about these orders are pointless from now on.
            self._payment_reminder_drop_pointless_calls()
        return res

    # === MAIL METHODS === #

    @api.returns("mail.message", lambda value: value.id)
    def message_post(self, **kwargs):
        message = super().message_post(**kwargs)
        # Odoo's "quotation viewed" note (the customer opened the order with
        # its access token, as the pay link does): a signal for the reminders.
        if kwargs.get("subtype_xmlid") == "sale.mt_order_viewed":
            self.env["payment.reminder"]._reminder_order_opened(self)
        return message

    # === ACTION METHODS === #

    def _action_cancel(self):
        res = super()._action_cancel()
        # However the order was cancelled: its pay link says since when.
        self.reminder_closed_at = fields.Datetime.now()
        return res

    def action_payment_reminder_send(self):
        """Remind now: choose the channel and the script, preview, send."""
        return self.env["payment.reminder.send"]._action_open(self)

    def action_payment_reminder_log_call(self):
        """Log what the planned reminder call gave."""
        self.ensure_one()
        activity = self._payment_reminder_call_activities()[:1]
        return self.env["payment.reminder.call.result"]._action_open(
            self, reminder=activity.payment_reminder_id, activity=activity
        )

    def action_view_payment_reminders(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "payment_reminder.action_payment_reminder"
        )
        action["domain"] = [("order_ids", "in", self.ids)]
        action["context"] = {"search_default_group_by_state": False}
        return action

    def action_payment_reminder_cancel_duplicate(self):
        """Cancel these unpaid orders as duplicates of the later orders their
        customers paid (the queue offers it when it finds one)."""
        orders = self.filtered(
            lambda order: order.reminder_replaced_by_id
            and order.awaiting_payment
            and order.state in ("draft", "sent")
        )
        for order in orders:
            order._payment_reminder_close(
                kind="manual",
                reason=_(
                    "Cancelled as a duplicate: the customer paid %(order)s, placed "
                    "after it.",
                    order=order.reminder_replaced_by_id.name,
                ),
            )
        return True

    def _payment_reminder_call_activities(self):
        """The reminder calls planned on these orders, the earliest first."""
        call_type = self.env.ref(
            "payment_reminder.mail_activity_type_call", raise_if_not_found=False
        )
        return self.activity_ids.filtered(
            lambda activity: activity.activity_type_id == call_type
        ).sorted(lambda activity: (activity.date_deadline, activity.id))

    # === BUSINESS METHODS: calls that became pointless === #

    def _payment_reminder_drop_pointless_calls(self):
        """Remove at once the reminder calls these orders' new state made
        pointless: see ``payment.reminder._reminder_drop_calls_of_orders``."""
        self.env["payment.reminder"]._reminder_drop_calls_of_orders(self.sudo())

    # === BUSINESS METHODS: closing: see sale_order_closing.py === #

    # === BUSINESS METHODS: a later paid order replaces an unpaid one === #

    def _payment_reminder_paid_replacements(self):
        """The paid order replacing each of these unpaid orders, if any.

        Seed 001: a customer who paid an order placed after their unpaid one
        (same customer key) within the company's replacement window
        (``payment_reminder_replace_hours``) made their decision: the unpaid
        one is likely a duplicate, not to be reminded. Paid means as for rule
        2 (a confirmed order not awaiting payment), or a payment authorized or
        confirmed that the web shop has not post-processed yet.

        :return: {unpaid order: the earliest later paid order replacing it}
        """
        orders = self.filtered(
            lambda order: order.date_order
            and order.company_id.payment_reminder_replace_hours
        )
        if not orders:
            return {}
        windows = {
            order: timedelta(hours=order.company_id.payment_reminder_replace_hours)
            for order in orders
        }
        # Any order of the customer counts, whoever sold it, and the payments
        # tell: read as superuser, returned in the caller's environment.
        paid = self.sudo().search_fetch(
            [
                ("company_id", "in", orders.company_id.ids),
                (
                    "reminder_customer_key",
                    "in",
                    list(set(orders.mapped("reminder_customer_key"))),
                ),
                ("date_order", ">", min(orders.mapped("date_order"))),
                (
                    "date_order",
                    "<=",
                    max(order.date_order + windows[order] for order in orders),
                ),
                ("awaiting_payment", "=", False),
                ("state", "!=", "cancel"),
                "|",
                ("state", "=", "sale"),
                ("transaction_ids.state", "in", ("authorized", "done")),
            ],
            ["company_id", "reminder_customer_key", "date_order"],
            order="date_order, id",
        )
        later_orders = paid.with_env(self.env).grouped(
            lambda order: (order.company_id, order.reminder_customer_key)
        )
        replacements = {}
        for order in orders:
            for later in later_orders.get(
                (order.company_id, order.reminder_customer_key), []
            ):
                if (
                    order.date_order
                    < later.date_order
                    <= (order.date_order + windows[order])
                ):
                    replacements[order] = later
                    break
        return replacements

    def _payment_reminder_offer_to_cancel_duplicate(self, later):
        """Offer to cancel this order, which the paid order ``later`` replaces:
        the order says it is replaced (its *Cancel as duplicate* button shows)
        and its salesperson, else the first member of the reminder team, gets
        an activity to decide. Offered once per order."""
        self.ensure_one()
        if self.reminder_replaced_by_id == later:
            return
        self.reminder_replaced_by_id = later
        offer_type = self.env.ref(
            "payment_reminder.mail_activity_type_duplicate", raise_if_not_found=False
        )
        agent = (
            self.user_id.filtered(lambda user: user.active and not user.share)
            or self.company_id.payment_reminder_team_ids[:1]
        )
        if not offer_type or not agent or self._payment_reminder_duplicate_offers():
            return
        self.activity_schedule(
            activity_type_id=offer_type.id,
            summary=_("Likely a duplicate of %(order)s", order=later.name),
            note=_(
                "The customer paid %(order)s, placed %(placed)s, after this order: "
                "they are not reminded of this one. Cancel it as a duplicate if it "
                "is one.",
                order=later.name,
                placed=later._payment_reminder_format_datetime(later.date_order),
            ),
            user_id=agent.id,
        )

    def _payment_reminder_duplicate_offers(self):
        """The open offers to cancel these orders as duplicates."""
        offer_type = self.env.ref(
            "payment_reminder.mail_activity_type_duplicate", raise_if_not_found=False
        )
        return self.activity_ids.filtered(
            lambda activity: activity.activity_type_id == offer_type
        )

    # === BUSINESS METHODS: deadlines and quiet hours === #

    def _payment_reminder_deadline_passed(self, now):
        """Whether the order is past the moment it closes: its deadline, or the
        payment promise that holds it open."""
        self.ensure_one()
        closes_at = max(
            filter(None, (self.payment_deadline, self.reminder_promised_at)),
            default=None,
        )
        return bool(closes_at) and closes_at <= now

    def _payment_reminder_quiet_hours(self, moment):
        """The quiet hours of the customer (their time zone, else the shop's)
        holding ``moment`` (naive UTC), as (start, end) naive UTC; None when
        ``moment`` is outside them."""
        self.ensure_one()
        company = self.company_id
        return quiet_hours_around(
            moment,
            self._payment_reminder_tz(),
            company.payment_reminder_quiet_start,
            company.payment_reminder_quiet_end,
        )

    # === BUSINESS METHODS: amounts in the company currency === #

    def _payment_reminder_company_amount(self, amount, currency=None):
        """``amount`` in ``currency`` (the order's by default) converted into
        the company currency at the order date's rate."""
        self.ensure_one()
        company = self.company_id or self.env.company
        day = (self.date_order or fields.Datetime.now()).date()
        return (currency or self.currency_id)._convert(
            amount, company.currency_id, company, day, round=False
        )

    def _payment_reminder_paid_by(self, payment):
        """The share of ``payment`` that pays this order (pro rata of the
        orders it pays), in the company currency at the order date's rate."""
        self.ensure_one()
        orders = payment.sale_order_ids
        total = sum(orders.mapped("amount_total"))
        share = self.amount_total / total if total else 1.0
        return self._payment_reminder_company_amount(
            payment.amount * share, payment.currency_id
        )

    # === BUSINESS METHODS: what reminders say: see sale_order_texts.py === #
