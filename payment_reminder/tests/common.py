# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import datetime

import pytz
from freezegun import freeze_time

from odoo.fields import Command

from odoo.addons.payment.tests.common import PaymentCommon
from odoo.addons.sms.tests.common import SMSCommon

SHOP_TZ = pytz.timezone("Asia/Shanghai")
# The situations a script is written for (the message after a call aside).
SITUATIONS = (
    "placed",
    "adjusted",
    "low_stock",
    "before_dispatch",
    "before_close",
    "returning",
    "payment_help",
)


def shop_time(*args):
    """A moment in shop time (Asia/Shanghai) as the naive UTC datetime Odoo stores."""
    return SHOP_TZ.localize(datetime(*args)).astimezone(pytz.utc).replace(tzinfo=None)


class PaymentReminderCommon(PaymentCommon):
    """A shop in Shanghai with customers, products and a helper to place orders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.env.company
        cls.company.write(
            {
                "country_id": cls.env.ref("base.cn").id,
                "payment_reminder_tz": "Asia/Shanghai",
                "payment_reminder_start_from": datetime(2020, 1, 1),
            }
        )
        cls.china = cls.env.ref("base.cn")
        cls.queue = cls.env["payment.reminder.queue"]
        cls.Reminder = cls.env["payment.reminder"]
        cls.product_scarf = cls.env["product.product"].create(
            {"name": "Silk scarf", "list_price": 100.0, "taxes_id": [Command.clear()]}
        )
        cls.product_phone = cls.env["product.product"].create(
            {"name": "Smartphone", "list_price": 3000.0, "taxes_id": [Command.clear()]}
        )
        cls.flash_tag = cls.env["product.tag"].create({"name": "Flash sale"})
        cls.product_flash = cls.env["product.product"].create(
            {
                "name": "Flash-sale tea box",
                "list_price": 50.0,
                "taxes_id": [Command.clear()],
                "product_tag_ids": [Command.set(cls.flash_tag.ids)],
            }
        )
        cls.company.payment_reminder_flash_tag_ids = cls.flash_tag
        cls.customer = cls._customer("Wang Fang", "13800138001")
        cls.returning_customer = cls._customer("Li Na", "13800138002")

    @classmethod
    def _customer(cls, name, mobile=None, email=True, **values):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "mobile": mobile or False,
                "email": email
                and f"{name.lower().replace(' ', '.')}@example.com"
                or False,
                "country_id": cls.china.id,
                **values,
            }
        )

    @classmethod
    def _order(cls, partner, placed_at, product=None, qty=1, **values):
        """A quotation sent with online payment required, placed at ``placed_at``."""
        order = cls.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "require_payment": True,
                "prepayment_percent": 1.0,
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or cls.product_scarf).id,
                            "product_uom_qty": qty,
                        }
                    )
                ],
                **values,
            }
        )
        order.write({"state": "sent", "date_order": placed_at})
        return order

    @classmethod
    def _paid_order(cls, partner, placed_at, **values):
        order = cls._order(partner, placed_at, **values)
        cls._pay(order)
        order.with_context(send_email=False).action_confirm()
        order.date_order = placed_at
        return order

    @classmethod
    def _pay(cls, order, state="done", amount=None):
        """A transaction for ``order`` in ``state``, as a provider would leave it."""
        tx = cls.env["payment.transaction"].create(
            {
                "provider_id": cls.dummy_provider.id,
                "payment_method_id": cls.payment_method_id,
                "amount": order.amount_total if amount is None else amount,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "reference": f"{order.name}-{len(order.transaction_ids) + 1}",
                "sale_order_ids": [Command.link(order.id)],
            }
        )
        if state == "pending":
            tx._set_pending()
        elif state == "authorized":
            # A non-stored provider feature, set per use as Odoo's own tests do.
            cls.dummy_provider.support_manual_capture = "partial"
            tx._set_authorized()
        elif state == "done":
            tx._set_done()
        elif state == "cancel":
            tx._set_canceled()
        return tx

    @classmethod
    def _wire_transfer(cls, order):
        """The customer chose wire transfer at checkout, as the web shop leaves
        it: a pending transaction of Odoo's wire-transfer provider (enabled on
        first use), post-processed."""
        provider = cls.env.ref("payment.payment_provider_transfer")
        if provider.state == "disabled":
            provider.state = "test"
        method = cls.env.ref("payment_custom.payment_method_wire_transfer")
        method.active = True
        tx = cls.env["payment.transaction"].create(
            {
                "provider_id": provider.id,
                "payment_method_id": method.id,
                "amount": order.amount_total,
                "currency_id": order.currency_id.id,
                "partner_id": order.partner_id.id,
                "reference": f"{order.name}-W{len(order.transaction_ids) + 1}",
                "sale_order_ids": [Command.link(order.id)],
            }
        )
        tx._set_pending()
        tx._post_process()
        return tx

    @classmethod
    def _cycle(cls, orders, at, arm="remind"):
        """The customer's cycle ``orders`` belong to, else a new one drawn at
        ``at`` in ``arm``, as the queue opens it."""
        cycle = orders.reminder_cycle_id[:1]
        if not cycle:
            first = orders.sorted("date_order")[0]
            cycle = cls.env["payment.reminder.cycle"].create(
                {
                    "company_id": first.company_id.id,
                    "customer_key": first.reminder_customer_key,
                    "partner_id": first.partner_id.commercial_partner_id.id,
                    "first_order_id": first.id,
                    "arm": arm,
                    "drawn_at": at,
                }
            )
        orders.filtered(lambda o: not o.reminder_cycle_id).sudo().write(
            {"reminder_cycle_id": cycle.id}
        )
        return cycle

    def build(self, now, company=None):
        """Build the queue of ``company`` (default: ours) as of ``now``."""
        return self.queue._build(company or self.company, now)

    def reminders_of(self, partner, **domain):
        return self.Reminder.search(
            [("partner_id", "=", partner.id)]
            + [(name, "=", value) for name, value in domain.items()]
        )

    def mark_done(self, reminders, at):
        reminders.write({"state": "done", "done_at": at})


class PaymentReminderSendCommon(PaymentReminderCommon, SMSCommon):
    """Our shop, with Odoo's mail and SMS gateways mocked, and due reminders."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.agent = cls.env["res.users"].create(
            {
                "name": "Zhao Lei",
                "login": "zhao.lei",
                "email": "zhao.lei@example.com",
                "tz": "Asia/Shanghai",
                "groups_id": [
                    Command.link(cls.env.ref("sales_team.group_sale_salesman").id)
                ],
            }
        )
        cls.landline_customer = cls._customer("Chen Jie", "01062345678")
        # The portal channel is for customers with an account.
        cls.customer_user = cls.env["res.users"].create(
            {
                "login": "wang.fang",
                "partner_id": cls.customer.id,
                "groups_id": [Command.set(cls.env.ref("base.group_portal").ids)],
            }
        )

    def due_reminder(self, order, channel, placed_at=None, **values):
        """A planned reminder for ``order`` by ``channel``, due at ``placed_at``."""
        return self.Reminder.create(
            {
                "partner_id": order.partner_id.commercial_partner_id.id,
                "order_id": order.id,
                "order_ids": [Command.set(order.ids)],
                "customer_key": order.reminder_customer_key,
                "step": "first",
                "channel": channel,
                "scheduled_at": placed_at or order.date_order,
                "queue_date": (placed_at or order.date_order).date(),
                "currency_id": order.currency_id.id,
                "amount_unpaid": order.amount_total,
                "user_id": self.agent.id,
                **values,
            }
        )

    def send_due(self, now, sms_queue=True):
        """Run the sending cron at ``now`` (naive UTC), then Odoo's SMS
        scheduled action, which the batch starts once it is committed.

        :param sms_queue: False to leave the SMS queued
        """
        with freeze_time(now):
            self.Reminder._cron_send_due()
            self.run_mail_queue()
            if sms_queue:
                self.run_sms_queue()

    def run_mail_queue(self):
        """Odoo's mail scheduled action: send the e-mails queued."""
        self.env.ref("mail.ir_cron_mail_scheduler_action").method_direct_trigger()

    def run_sms_queue(self):
        """Odoo's SMS scheduled action: send the SMS queued."""
        self.env.ref("sms.ir_cron_sms_scheduler_action").method_direct_trigger()


class PaymentReminderResultsCommon(PaymentReminderCommon):
    """Our shop, with a EUR pricelist and a helper to record reminders as done."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.pricelist_eur = cls.env["product.pricelist"].create(
            {"name": "Euro shop", "currency_id": cls.currency_euro.id}
        )

    @classmethod
    def _reminder(cls, orders, at, user=None, state="done", **values):
        """A reminder of ``orders`` done (or, e.g., held out) at ``at``, in the
        customer's cycle (the control arm for a reminder held out)."""
        anchor = orders.sorted("date_order")[-1]
        if "cycle_id" not in values:
            arm = "control" if values.get("skip_reason") == "control" else "remind"
            values["cycle_id"] = cls._cycle(orders, at, arm).id
        return cls.env["payment.reminder"].create(
            {
                "partner_id": anchor.partner_id.commercial_partner_id.id,
                "order_id": anchor.id,
                "order_ids": [Command.set(orders.ids)],
                "customer_key": anchor.reminder_customer_key,
                "step": "first",
                "scheduled_at": at,
                "queue_date": pytz.utc.localize(at).astimezone(SHOP_TZ).date(),
                "state": state,
                "done_at": at if state == "done" else False,
                "user_id": user.id if user else False,
                "company_id": anchor.company_id.id,
                "currency_id": anchor.currency_id.id,
                "amount_unpaid": sum(orders.mapped("amount_total")),
                **values,
            }
        )
