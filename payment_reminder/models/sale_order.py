# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import logging
from datetime import datetime, timedelta
from urllib.parse import urlencode

import pytz

from odoo import _, api, fields, models
from odoo.osv import expression
from odoo.tools import consteq, format_amount, format_datetime, format_time, hmac

from ..const import CLOSE_BATCH_SIZE, ORDER_REMINDER_STATES, OUTCOMES
from ..utils import commit_unless_testing, quiet_hours_around, shop_tz, to_local

_logger = logging.getLogger(__name__)


class SaleOrder(models.Model):
    _inherit = "sale.order"

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

    # === BUSINESS METHODS: closing what stays unpaid === #

    @api.model
    def _cron_close_unpaid(self, now=None):
        """Cancel the orders still unpaid at their payment deadline, in batches."""
        now = now or fields.Datetime.now()
        companies = self.env["res.company"].search(
            [("payment_reminder_enabled", "=", True)]
        )
        orders = self.search(
            expression.OR(
                [
                    self._payment_reminder_expired_domain(company, now)
                    for company in companies
                ]
            )
        )
        cron = self.env["ir.cron"]
        for start in range(0, len(orders), CLOSE_BATCH_SIZE):
            batch = orders[start : start + CLOSE_BATCH_SIZE]
            batch._payment_reminder_close_expired()
            cron._notify_progress(
                done=start + len(batch), remaining=len(orders) - start - len(batch)
            )
            commit_unless_testing(self.env)

    @api.model
    def _payment_reminder_expired_domain(self, company, now):
        """Unpaid orders of ``company`` past their deadline, promise included.

        Only orders placed since the company started reminding, and only orders
        the shop has not confirmed: cancelling a confirmed sale (deliveries,
        invoices) is the salesperson's call, not a cron's.
        """
        return [
            ("company_id", "=", company.id),
            ("awaiting_payment", "=", True),
            ("state", "in", ("draft", "sent")),
            ("date_order", ">=", company.payment_reminder_start_from or datetime.min),
            ("payment_deadline", "!=", False),
            ("payment_deadline", "<=", now),
            # Reopened by a payment after its close: the salesperson settles it.
            ("reminder_paid_after_close_at", "=", False),
            "|",
            ("reminder_promised_at", "=", False),
            ("reminder_promised_at", "<=", now),
        ]

    def _payment_reminder_close_expired(self):
        """Close these expired orders, never one with a payment under way."""
        to_close = self.filtered(
            lambda order: order.awaiting_payment
            and not order._payment_reminder_has_payment_in_progress()
        )
        to_close._payment_reminder_close(kind="auto")
        return to_close

    def _payment_reminder_close(self, kind, reason=None):
        """Cancel unpaid orders and their planned reminders, saying why on each."""
        self.env["payment.reminder"].search(
            [("order_ids", "in", self.ids), ("state", "=", "planned")]
        )._reminder_cancel_for_orders(self)
        # Core recomputes the lines' invoice status one line at a time: read
        # what it needs for the whole batch first.
        self.order_line.fetch(["currency_id"])
        self.with_context(disable_cancel_warning=True)._action_cancel()
        self.reminder_closed_kind = kind
        # Nothing left to decide about a duplicate that is closed.
        self._payment_reminder_duplicate_offers().sudo().unlink()
        # One insert for the whole batch: closing is a cron's bulk work.
        self._message_log_batch(
            {order.id: reason or order._payment_reminder_close_note() for order in self}
        )

    def _payment_reminder_close_note(self):
        self.ensure_one()
        tz = self.company_id.payment_reminder_tz or "UTC"
        return _(
            "Closed automatically: the order was still unpaid at its payment "
            "deadline (%(deadline)s).",
            deadline=format_datetime(self.env, self.payment_deadline, tz=tz),
        )

    # === BUSINESS METHODS: money after the close === #

    def _payment_reminder_closed_by_us(self):
        """The orders among these that the reminders closed (at the deadline, or
        an agent or the customer through them) and that are still cancelled."""
        return self.filtered(
            lambda order: order.state == "cancel" and order.reminder_closed_kind
        )

    def _payment_reminder_reopen_after_payment(self):
        """A payment came in for these closed orders: make them quotations again
        (core's ``action_draft``) so that the payment can confirm them.

        :return: the reopened orders
        """
        self.action_draft()
        self.write(
            {
                "reminder_paid_after_close_at": fields.Datetime.now(),
                "reminder_closed_kind": False,
            }
        )
        return self

    def _payment_reminder_paid_after_close(self, transactions, confirmed, error=None):
        """Say on each reopened order what became of the late payment; when it
        could not confirm the order (a partial amount, the order was changed),
        or paid more than the order's total, ask someone to ship or refund.

        :param transactions: the payments that came in
        :param confirmed: the orders core confirmed with them
        :param error: why core could not confirm, if it raised
        """
        for order in self:
            payments = transactions & order.transaction_ids
            if order not in confirmed:
                note = order._payment_reminder_unconfirmed_note(error)
                order._message_log(body=note)
                order._payment_reminder_ask_to_settle(note)
                continue
            order._message_log(
                body=self.env._(
                    "Paid after it closed: payment %(references)s came in after the "
                    "order was closed unpaid; with %(paid)s paid, it was reopened and "
                    "confirmed.",
                    references=", ".join(payments.mapped("reference")),
                    paid=order._payment_reminder_format_amount(order.amount_paid),
                )
            )
            if (
                order.currency_id.compare_amounts(order.amount_paid, order.amount_total)
                > 0
            ):
                order._payment_reminder_ask_to_settle(
                    self.env._(
                        "The customer paid %(paid)s after the order closed, more than "
                        "its total of %(total)s: refund the difference.",
                        paid=order._payment_reminder_format_amount(order.amount_paid),
                        total=order._payment_reminder_format_amount(order.amount_total),
                    )
                )

    def _payment_reminder_unconfirmed_note(self, error=None):
        """Why a payment after the close left the reopened order unconfirmed."""
        self.ensure_one()
        if error:
            why = self.env._(
                "it cannot be confirmed as it is (%(error)s)",
                error=error.args[0] if error.args else str(error),
            )
        else:
            why = self.env._(
                "%(paid)s paid of %(total)s",
                paid=self._payment_reminder_format_amount(self.amount_paid),
                total=self._payment_reminder_format_amount(self.amount_total),
            )
        return self.env._(
            "Paid after it closed: a payment came in after the order was closed "
            "unpaid. It was reopened as a quotation but not confirmed: %(why)s. "
            "Ship it or refund the customer.",
            why=why,
        )

    def _payment_reminder_format_amount(self, amount):
        self.ensure_one()
        return format_amount(self.env, amount, self.currency_id)

    def _payment_reminder_ask_to_settle(self, note):
        """A to-do for whoever settles a payment that came in after the close."""
        self.ensure_one()
        self.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Paid after close: ship or refund"),
            note=note,
            user_id=self._payment_reminder_settling_user().id,
        )

    def _payment_reminder_settling_user(self):
        """The salesperson, else a reminder manager of the company, else the admin."""
        self.ensure_one()
        if self.user_id.active and not self.user_id.share:
            return self.user_id
        managers = (
            self.env.ref("payment_reminder.group_payment_reminder_manager")
            .sudo()
            .users.filtered(
                lambda user: user.active and self.company_id in user.company_ids
            )
        )
        return managers.sorted("id")[:1] or self.env.ref("base.user_admin")

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
            self.user_id.filtered(lambda user: not user.share)
            or (self.company_id.payment_reminder_team_ids[:1])
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

    # === BUSINESS METHODS: what reminder messages say === #

    def _payment_reminder_tz(self):
        """The customer's time zone, else the shop's: messages speak their time."""
        self.ensure_one()
        return pytz.timezone(
            self.partner_id.tz or self.company_id.payment_reminder_tz or "UTC"
        )

    def _payment_reminder_format_datetime(self, value):
        """``value`` (naive UTC) as the customer reads it, in their language."""
        self.ensure_one()
        return format_datetime(
            self.env, value, tz=self._payment_reminder_tz().zone, dt_format="short"
        )

    def _payment_reminder_order_date(self):
        self.ensure_one()
        return self._payment_reminder_format_datetime(self.date_order)

    def _payment_reminder_close_at(self):
        """When the order closes unpaid, as text; empty when it never closes."""
        self.ensure_one()
        if not self.payment_deadline:
            return ""
        return self._payment_reminder_format_datetime(self.payment_deadline)

    def _payment_reminder_time_left(self, now=None):
        """How long the customer has left to pay, as text ("2 days 5 hours")."""
        self.ensure_one()
        if not self.payment_deadline:
            return ""
        minutes = int(
            (self.payment_deadline - (now or fields.Datetime.now())).total_seconds()
            // 60
        )
        if minutes < 1:
            return self.env._("a few moments")
        days, minutes = divmod(minutes, 24 * 60)
        hours, minutes = divmod(minutes, 60)
        parts = []
        if days:
            parts.append(
                self.env._("1 day")
                if days == 1
                else self.env._("%(count)s days", count=days)
            )
        if hours:
            parts.append(
                self.env._("1 hour")
                if hours == 1
                else self.env._("%(count)s hours", count=hours)
            )
        if minutes and not days:
            parts.append(
                self.env._("1 minute")
                if minutes == 1
                else self.env._("%(count)s minutes", count=minutes)
            )
        return " ".join(parts)

    def _payment_reminder_product_lines(self):
        """The order's product lines, largest amount first."""
        self.ensure_one()
        return self.order_line.filtered(
            lambda line: not line.display_type and not line.is_downpayment
        ).sorted(lambda line: (-line.price_subtotal, line.sequence, line.id))

    def _payment_reminder_main_products(self, limit=2):
        """The products the customer ordered, the largest first, as text."""
        self.ensure_one()
        names = list(
            dict.fromkeys(
                self._payment_reminder_product_lines().product_id.mapped("name")
            )
        )
        if len(names) <= limit:
            return ", ".join(names)
        return self.env._(
            "%(products)s and %(count)s more",
            products=", ".join(names[:limit]),
            count=len(names) - limit,
        )

    def _payment_reminder_amount(self):
        """The amount the customer is asked to pay, formatted in the order currency."""
        self.ensure_one()
        return format_amount(
            self.env, self.amount_total - self.amount_paid, self.currency_id
        )

    def _payment_reminder_discount(self):
        """What the discounts on the order's lines save the customer (untaxed)."""
        self.ensure_one()
        return sum(
            line.price_unit * line.product_uom_qty - line.price_subtotal
            for line in self._payment_reminder_product_lines()
            if line.discount
        )

    def _payment_reminder_delivery_address(self):
        """The delivery address on one line, empty parts left out."""
        self.ensure_one()
        address = self.partner_shipping_id or self.partner_id
        lines = address._display_address(without_company=True).splitlines()
        return ", ".join(line.strip(" ,") for line in lines if line.strip(" ,"))

    def _payment_reminder_carrier(self):
        """The carrier chosen for the order, when a delivery module is installed."""
        self.ensure_one()
        return self["carrier_id"].name if "carrier_id" in self._fields else ""

    def _payment_reminder_payment_url(self):
        """One click to pay: our pay link, with the order's portal access token.

        It leads to Odoo's payment page for what is left to pay (see
        ``controllers/portal.py``), whatever the quotation settings, or says the
        order closed.
        """
        self.ensure_one()
        query = urlencode({"access_token": self._portal_ensure_token()})
        return f"{self.get_base_url()}/payment_reminder/pay/{self.id}?{query}"

    def _payment_reminder_amount_to_pay(self):
        """What the pay link asks for: all that is left to pay on the order (the
        amount the messages announce), rounded to the currency."""
        self.ensure_one()
        return self.currency_id.round(self.amount_total - self.amount_paid)

    def _payment_reminder_wire_transfer_details(self):
        """What the customer needs to pay by bank transfer, for the messages.

        :return: empty when the order does not await a transfer, else a dict:
            ``reference`` the payment reference Odoo generated (to quote in the
            transfer), ``amount`` formatted, ``bank_details`` the wire-transfer
            provider's instructions (HTML, with the shop's bank accounts)
        """
        self.ensure_one()
        transaction = self.sudo()._payment_reminder_wire_transfer_transaction()
        if not transaction:
            return {}
        return {
            "reference": transaction._get_communication(),
            "amount": format_amount(
                self.env, transaction.amount, transaction.currency_id
            ),
            "bank_details": transaction.provider_id.pending_msg or "",
        }

    def _payment_reminder_closed_on(self):
        """When the order closed, as the customer reads it."""
        self.ensure_one()
        closed_at = self.reminder_closed_at or (
            self.reminder_closed_kind == "auto" and self.payment_deadline
        )
        return self._payment_reminder_format_datetime(closed_at or self.write_date)

    def _payment_reminder_opt_out_token(self, channel):
        """What proves an opt-out link of ``channel`` ("sms", "email") was sent
        for this order."""
        self.ensure_one()
        return hmac(self.env(su=True), "payment_reminder-opt-out", (self.id, channel))

    def _payment_reminder_check_opt_out_token(self, channel, token):
        self.ensure_one()
        return consteq(self._payment_reminder_opt_out_token(channel), token or "")

    def _payment_reminder_opt_out_url(self, channel):
        """The page where the customer stops the reminders of ``channel``."""
        self.ensure_one()
        return (
            f"{self.get_base_url()}/payment_reminder/stop/{self.id}/{channel}/"
            f"{self._payment_reminder_opt_out_token(channel)}"
        )

    def _payment_reminder_opt_out(self, channel):
        """The customer opted out through the link of a reminder ``channel``:
        the number (SMS) or address (e-mail) goes to Odoo's blacklist, and the
        customer is not reminded again."""
        self.ensure_one()
        contact = self.partner_id
        self.env["payment.reminder"]._reminder_opt_out(
            contact,
            numbers=[contact.payment_reminder_mobile or contact.phone_sanitized]
            if channel == "sms"
            else [],
            emails=[contact.email_normalized] if channel == "email" else [],
            message=self.env._(
                "Opted out of payment reminders through the link of order %(order)s.",
                order=self.name,
            ),
        )

    def _payment_reminder_masked_contact(self, channel):
        """The number or address the opt-out page speaks of, half hidden."""
        self.ensure_one()
        contact = self.partner_id
        if channel == "sms":
            number = contact.payment_reminder_mobile or contact.phone_sanitized or ""
            return f"{number[:-8]}****{number[-4:]}" if len(number) > 8 else number
        local, _sep, domain = (contact.email_normalized or "").partition("@")
        return f"{local[:2]}***@{domain}" if domain else ""

    def _payment_reminder_next_cutoff(self, now=None):
        """The next dispatch cut-off in shop time, as text ("17:00")."""
        self.ensure_one()
        company = self.company_id
        now = now or fields.Datetime.now()
        tz = shop_tz(company)
        cutoffs = self.env["payment.reminder.window"]._get_windows(company, "cutoff")
        today = to_local(now, tz).date()
        for _start, end, _window in cutoffs._slots_between(today, 2, tz):
            if end > now:
                local = to_local(end, tz)
                text = format_time(self.env, local.time(), time_format="HH:mm")
                if local.date() == today:
                    return text
                return self.env._("%(time)s tomorrow", time=text)
        return ""

    def _payment_reminder_day_part(self):
        """When in the day the order was placed (shop time), as agents say it."""
        self.ensure_one()
        tz = shop_tz(self.company_id)
        hour = to_local(self.date_order, tz).hour
        if 6 <= hour < 12:
            return self.env._("in the morning")
        if 12 <= hour < 17:
            return self.env._("in the afternoon")
        if 17 <= hour < 22:
            return self.env._("in the evening")
        return self.env._("at night")

    # === BUSINESS METHODS: the situation a reminder speaks to === #

    def _payment_reminder_segment(self):
        """The customer: ``vip`` (tagged so), ``returning`` (paid before) or ``new``."""
        self.ensure_one()
        return self._payment_reminder_segments()[self.id]

    def _payment_reminder_segments(self):
        """The segment of each of these orders' customers, by order id, read
        with one grouped query however many orders there are."""
        vip = self.env.ref(
            "payment_reminder.res_partner_category_vip", raise_if_not_found=False
        )
        paid = self._payment_reminder_paid_order_ids()
        segments = {}
        for order in self:
            partner = order.partner_id.commercial_partner_id
            if vip and vip in (partner.category_id | order.partner_id.category_id):
                segments[order.id] = "vip"
            elif paid.get((order.company_id.id, order.reminder_customer_key), set()) - {
                order.id
            }:
                segments[order.id] = "returning"
            else:
                segments[order.id] = "new"
        return segments

    def _payment_reminder_paid_order_ids(self):
        """(company id, customer key) -> ids of the paid orders of these orders'
        customers."""
        groups = self._read_group(
            [
                ("company_id", "in", self.company_id.ids),
                (
                    "reminder_customer_key",
                    "in",
                    list(set(self.mapped("reminder_customer_key"))),
                ),
                ("state", "=", "sale"),
                ("awaiting_payment", "=", False),
            ],
            ["company_id", "reminder_customer_key"],
            ["id:array_agg"],
        )
        return {(company.id, key): set(order_ids) for company, key, order_ids in groups}

    def _payment_reminder_had_payment_problem(self):
        """The customer tried to pay and it failed: they need help, not a push."""
        self.ensure_one()
        return any(tx.state in ("error", "cancel") for tx in self.transaction_ids)

    def _payment_reminder_was_adjusted(self):
        """The shop adjusted the price for the customer (a discount on a line)."""
        self.ensure_one()
        return bool(self._payment_reminder_discount())

    def _payment_reminder_has_limited_stock(self, tag=None):
        """A product of the order is tagged as limited stock.

        :param tag: the limited-stock tag when the caller looked it up already
        """
        self.ensure_one()
        tag = tag or self.env.ref(
            "payment_reminder.product_tag_limited_stock", raise_if_not_found=False
        )
        return bool(tag) and tag in self.order_line.product_id.all_product_tag_ids
