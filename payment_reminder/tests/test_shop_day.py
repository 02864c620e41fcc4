# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""A simulated shop: the scheduled actions run as the scheduler runs them.

A frozen clock advances in steps of 5 minutes over a few shop days; at each
step what happened meanwhile (orders placed, payments) happens at its own
moment, then the crons due at that step run at their interval (read from their
records). What the customers and the agents saw is recorded as it went out:
messages posted on the orders (portal messages, e-mails), SMS, calls planned
for the agents. The test then checks the shop's promises, not the code's
steps:

(a) every order that closes unpaid had its before-close reminder before its
    deadline, or a reminder skipped with a reason saying why none was possible;
(b) nothing went out after an order's deadline (no message says the order
    "closes" at a time already over, no call is planned past it);
(c) nobody was reminded after paying: neither about an order paid already, nor
    about an order a later paid order replaced (placed within a day after it);
(d) nobody twice within the minimum interval;
(e) no message nor SMS in quiet hours, except to a customer who placed an
    order in the last hour.

The company is on the addon's default settings (a flash-sale tag aside) and
the database has no demo data.
"""

from collections import namedtuple
from datetime import datetime, timedelta
from unittest.mock import patch

import pytz
from freezegun import freeze_time

from odoo import fields
from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools import SQL, html2plaintext

from .common import PaymentReminderSendCommon, shop_time

STEP = timedelta(minutes=5)
# Skip reasons that say why an order could not be reminded before it closed;
# a reminder skipped because its deadline had passed explains nothing.
EXPLAINED_SKIPS = {
    "paid_same_day",
    "replaced_by_paid",
    "opt_out",
    "archived",
    "max_reached",
    "too_soon",
    "no_slot",
    "no_channel",
    "control",
}

# One contact with a customer: a message, an SMS, or a call put on an agent's
# list. ``at`` is when it went out; ``acts_at`` when it reaches the customer
# (the start of the call slot for a call, else ``at``). ``orders`` are the
# orders the reminder covered when it went out.
Contact = namedtuple("Contact", "at acts_at kind order reminder step orders key text")
# Something a customer does at ``at``; ``during_send``: while the sending cron
# of that step is busy with its batch.
Event = namedtuple("Event", "at action during_send", defaults=(False,))


def paris_time(*args):
    """A moment in Paris time as the naive UTC datetime Odoo stores.

    ``is_dst`` picks the first 02:xx of the night summer time ends.
    """
    local = pytz.timezone("Europe/Paris").localize(datetime(*args), is_dst=True)
    return local.astimezone(pytz.utc).replace(tzinfo=None)


class ShopDay:
    """What the customers and the agents saw during a simulated shop day."""

    def __init__(self, tz):
        self.tz = tz
        self.contacts = []
        self.paid_at = {}  # sale.order -> when the customer paid it
        self.closed_at = {}  # sale.order -> when the close cron cancelled it
        self.labels = {}  # sale.order -> what the scenario calls it
        self.orders = {}  # what the scenario calls it -> sale.order
        self.log = []  # (moment, line): events and crons' visible effects

    def local(self, moment):
        local = pytz.utc.localize(moment).astimezone(self.tz)
        return local.strftime("%a %d %b %H:%M %Z")

    def name(self, order):
        return f"{order.name} ({self.labels.get(order, order.partner_id.name)})"

    def note(self, moment, line):
        self.log.append((moment, line))

    def timeline(self):
        return "\n".join(
            f"  {self.local(moment)}  {line}"
            for moment, line in sorted(self.log, key=lambda entry: entry[0])
        )


@tagged("post_install", "-at_install")
class TestShopDay(PaymentReminderSendCommon):
    """Orders placed at the awkward moments of a few shop days, the crons running
    every few minutes, and the shop's promises checked on what went out."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.call_type = cls.env.ref("payment_reminder.mail_activity_type_call")
        cls.comment = cls.env.ref("mail.mt_comment")
        cls.crons = {
            name: cls.env.ref(f"payment_reminder.ir_cron_{xmlid}")
            for name, xmlid in (
                ("build", "build_queue"),
                ("send", "send_due"),
                ("close", "close_unpaid"),
            )
        }

    def setUp(self):
        super().setUp()
        self.assertDefaultSettings()

    def assertDefaultSettings(self):
        """The company runs on the addon's defaults, as a new shop does."""
        company = self.company
        for name, field in company._fields.items():
            if (
                not name.startswith("payment_reminder_")
                or not field.store
                or field.type in ("many2many", "one2many")
                or name in ("payment_reminder_tz", "payment_reminder_start_from")
            ):
                continue
            default = field.default(company) if field.default else False
            self.assertEqual(company[name], default, f"{name} is not the default")

    # === THE SHOP: customers, orders, payments === #

    def shop_customer(self, day, name, mobile, country=None, returning=None):
        """A customer; ``returning``: the moment of a paid order before the day."""
        customer = self._customer(
            name, mobile, country_id=(country or self.china).id, tz=False
        )
        if returning:
            with freeze_time(returning):
                self._paid_order(customer, returning)
        return customer

    def place(self, day, at, label, customer, product=None):
        """At ``at``, ``customer`` places an order awaiting payment, ``label``."""

        def action():
            now = self.now()
            order = self._order(customer, now, product=product)
            self.assertTrue(order.awaiting_payment, label)
            day.labels[order] = label
            day.orders[label] = order
            deadline = day.local(order.payment_deadline)
            day.note(now, f"{day.name(order)} placed, closes {deadline}")

        return Event(at, action)

    def start_paying(self, order, state):
        """A transaction of ``order`` in ``state``, created now."""
        tx = self._pay(order, state=state)
        # The creation date is the database's clock, which freeze_time does
        # not move: the payment started now.
        tx.flush_recordset()
        self.env.cr.execute(
            SQL(
                "UPDATE payment_transaction SET create_date = %s WHERE id = %s",
                self.now(),
                tx.id,
            )
        )
        tx.invalidate_recordset(["create_date"])
        return tx

    def pay(self, day, at, label, wire_transfer=False, during_send=False):
        """At ``at``, the customer pays order ``label`` online (or, with
        ``wire_transfer``, chooses a transfer: the payment stays pending)."""

        def action():
            order = day.orders[label]
            now = self.now()
            if wire_transfer:
                self.start_paying(order, "pending")
                day.note(now, f"{day.name(order)}: wire transfer chosen, pending")
                return
            tx = order.transaction_ids.filtered(lambda tx: tx.state == "pending")
            if tx:
                tx._set_done()
            else:
                tx = self.start_paying(order, "done")
            if not during_send:
                # The web shop confirms a paid order when it post-processes the
                # payment (a payment landing during the sending run is
                # post-processed later, by the payment's own cron).
                tx._post_process()
            day.paid_at[order] = now
            day.note(now, f"{day.name(order)} paid ({order.state})")

        return Event(at, action, during_send)

    def now(self):
        return fields.Datetime.now()

    # === THE SCHEDULER === #

    def cron_every(self, name):
        cron = self.crons[name]
        self.assertEqual(cron.interval_type, "minutes", cron.name)
        return timedelta(minutes=cron.interval_number)

    def run_shop(self, day, start, end, events, cron_order=("build", "send", "close")):
        """Run the crons from ``start`` to ``end`` every 5 minutes, each at its
        own interval, in ``cron_order``; ``events`` happen at their moment, or
        (``during_send``) in the middle of the sending run of their step."""
        intervals = {name: self.cron_every(name) for name in cron_order}
        events = sorted(events, key=lambda event: event.at)
        epoch = start.replace(hour=0, minute=0, second=0)
        with (
            freeze_time(start) as clock,
            self.mock_mail_gateway(),
            self.mockSMSGateway(),
        ):
            now = start
            while now <= end:
                during = []
                while events and events[0].at <= now:
                    event = events.pop(0)
                    if event.during_send:
                        during.append(event)
                        continue
                    clock.move_to(event.at)
                    # Each request and each cron starts with an empty cache.
                    self.env.invalidate_all()
                    event.action()
                clock.move_to(now)
                for name in cron_order:
                    if (now - epoch) % intervals[name]:
                        continue
                    self.env.invalidate_all()
                    if name == "build":
                        self.Reminder._cron_build_queue()
                    elif name == "send":
                        self.run_send(day, now, during)
                    else:
                        self.run_close(day, now)
                now += STEP
            day.sms = list(self._sms)
            day.mails = list(self._mails)
        return day

    def during_send(self, actions):
        """Run ``actions`` when the sending cron checks its first reminder: a
        payment landing while the worker is busy with the batch."""
        Reminder = type(self.Reminder)
        original = Reminder._prepare_skip_values
        pending = list(actions)

        def check(reminder, *args, **kwargs):
            while pending:
                pending.pop(0)()
            return original(reminder, *args, **kwargs)

        return patch.object(Reminder, "_prepare_skip_values", check)

    def run_send(self, day, now, during):
        Message = self.env["mail.message"]
        last_message = Message.search([], order="id desc", limit=1).id
        last_activity = self.env["mail.activity"].search([], order="id desc", limit=1)
        with self.during_send([event.action for event in during]):
            self.Reminder._cron_send_due()
        messages = Message.search(
            [
                ("id", ">", last_message),
                ("model", "=", "sale.order"),
                "|",
                ("message_type", "=", "sms"),
                "&",
                ("message_type", "in", ("comment", "notification")),
                ("subtype_id", "=", self.comment.id),
            ],
            order="id",
        )
        for message in messages:
            order = self.env["sale.order"].browse(message.res_id)
            reminder = self.Reminder.search(
                [
                    ("order_id", "=", order.id),
                    ("state", "=", "done"),
                    ("done_at", ">=", now),
                ],
                limit=1,
            )
            kind = "sms" if message.message_type == "sms" else reminder.channel
            self.record(day, now, now, kind, order, reminder, message.body)
        calls = self.env["mail.activity"].search(
            [
                ("id", ">", last_activity.id),
                ("activity_type_id", "=", self.call_type.id),
            ]
        )
        for call in calls:
            reminder = call.payment_reminder_id
            order = self.env["sale.order"].browse(call.res_id)
            acts_at = self.call_starts_at(call, now)
            self.record(day, now, acts_at, "call", order, reminder, call.summary)

    def call_starts_at(self, call, now):
        """When the agent may call: the start of the call's window on its day."""
        window = call.payment_reminder_id.call_window_id
        if not window:
            return now
        tz = pytz.timezone(self.company.payment_reminder_tz)
        start, _end = window._slot_on(call.date_deadline, tz)
        return max(start, now)

    def record(self, day, at, acts_at, kind, order, reminder, body):
        text = html2plaintext(body or "").strip()
        contact = Contact(
            at=at,
            acts_at=acts_at,
            kind=kind,
            order=order,
            reminder=reminder,
            step=reminder.step,
            orders=reminder.order_ids | order,
            key=order.reminder_customer_key,
            text=text,
        )
        day.contacts.append(contact)
        when = "" if acts_at == at else f" for {day.local(acts_at)}"
        day.note(
            at,
            f"{kind}{when} about {day.name(order)} ({reminder.step or '?'}): "
            f"{text[:70]!r}",
        )

    def run_close(self, day, now):
        open_orders = self.env["sale.order"].search(
            [("id", "in", [o.id for o in day.labels]), ("state", "!=", "cancel")]
        )
        self.env["sale.order"]._cron_close_unpaid()
        for order in open_orders.filtered(lambda o: o.state == "cancel"):
            day.closed_at[order] = now
            day.note(now, f"{day.name(order)} closed unpaid")

    # === THE SHOP'S PROMISES === #

    def unreminded_closed_orders(self, day):
        """(a) Closed unpaid without a before-close reminder in time, nor a reason."""
        offending = []
        for order, closed_at in day.closed_at.items():
            in_time = [
                c
                for c in day.contacts
                if c.step == "final"
                and order in c.orders
                and c.acts_at < order.payment_deadline
            ]
            explained = self.Reminder.search(
                [
                    ("order_ids", "in", order.ids),
                    ("state", "=", "skipped"),
                    ("skip_reason", "in", list(EXPLAINED_SKIPS)),
                ]
            )
            if in_time or explained:
                continue
            reminders = self.Reminder.search([("order_ids", "in", order.ids)])
            offending.append(
                f"{day.name(order)} closed {day.local(closed_at)} (deadline "
                f"{day.local(order.payment_deadline)}) without a before-close "
                "reminder in time; its reminders: "
                + (
                    ", ".join(
                        f"{r.step} {r.state}"
                        f"{' ' + r.skip_reason if r.skip_reason else ''}"
                        f" {day.local(r.done_at or r.scheduled_at)}"
                        for r in reminders
                    )
                    or "none"
                )
            )
        return offending

    def contacts_after_deadline(self, day):
        """(b) Anything that reached a customer at or after its order's deadline."""
        return [
            f"{c.kind} about {day.name(c.order)} at {day.local(c.acts_at)}, its "
            f"deadline was {day.local(c.order.payment_deadline)}: {c.text[:80]!r}"
            for c in day.contacts
            if c.order.payment_deadline and c.acts_at >= c.order.payment_deadline
        ]

    def contacts_after_payment(self, day):
        """(c) Reminders that went out after the customer paid what they were
        about, or paid a later order that replaces it."""
        window = timedelta(hours=self.company.payment_reminder_replace_hours)
        offending = []
        for c in day.contacts:
            for order in c.orders:
                paid_at = day.paid_at.get(order)
                if paid_at and paid_at <= c.at:
                    offending.append(
                        f"{c.kind} at {day.local(c.at)} covers {day.name(order)}, "
                        f"paid {day.local(paid_at)}"
                    )
                for later, paid_at in day.paid_at.items():
                    if (
                        later.reminder_customer_key == c.key
                        and later != order
                        and order.date_order
                        < later.date_order
                        <= order.date_order + window
                        and paid_at <= c.at
                    ):
                        offending.append(
                            f"{c.kind} at {day.local(c.at)} about {day.name(order)}, "
                            f"replaced by {day.name(later)} paid {day.local(paid_at)}"
                        )
        return offending

    def contacts_too_close(self, day):
        """(d) A customer contacted twice within the minimum interval."""
        interval = timedelta(minutes=self.company.payment_reminder_min_interval)
        offending = []
        by_customer = {}
        for c in sorted(day.contacts, key=lambda c: c.at):
            previous = by_customer.get(c.key)
            if previous and c.at - previous.at < interval:
                offending.append(
                    f"{c.key}: {previous.kind} at {day.local(previous.at)} about "
                    f"{day.name(previous.order)}, then {c.kind} at "
                    f"{day.local(c.at)} about {day.name(c.order)}"
                )
            by_customer[c.key] = c
        return offending

    def contacts_in_quiet_hours(self, day):
        """(e) Messages or SMS in quiet hours to a customer who did not just order."""
        company = self.company
        start, end = (
            company.payment_reminder_quiet_start,
            company.payment_reminder_quiet_end,
        )
        grace = timedelta(minutes=company.payment_reminder_quiet_grace_minutes)
        offending = []
        for c in day.contacts:
            if c.kind == "call":
                continue
            local = pytz.utc.localize(c.at).astimezone(c.order._payment_reminder_tz())
            hour = local.hour + local.minute / 60
            quiet = start <= hour < end if start < end else hour >= start or hour < end
            if not quiet:
                continue
            just_ordered = self.env["sale.order"].search_count(
                [
                    ("reminder_customer_key", "=", c.key),
                    ("date_order", ">", c.at - grace),
                    ("date_order", "<=", c.at),
                ]
            )
            if not just_ordered:
                offending.append(
                    f"{c.kind} at {day.local(c.at)} about {day.name(c.order)}"
                )
        return offending

    def assertShopPromisesKept(self, day):
        """Check every promise; fail once, listing each broken one."""
        checks = [
            (
                "(a) closed unpaid without a reminder in time",
                self.unreminded_closed_orders,
            ),
            ("(b) sent after the deadline", self.contacts_after_deadline),
            ("(c) reminded after paying", self.contacts_after_payment),
            ("(d) twice within the minimum interval", self.contacts_too_close),
            ("(e) in quiet hours", self.contacts_in_quiet_hours),
        ]
        broken = []
        for title, check in checks:
            offending = check(day)
            if offending:
                broken.append(f"{title}:\n" + "\n".join(f"    {o}" for o in offending))
        if broken:
            self.fail("\n".join(broken) + "\nWhat the shop saw:\n" + day.timeline())

    # === THE DAYS === #

    def test_double_11_in_shanghai(self):
        """Double 11 in Shanghai, Tuesday 10 to Friday 13 November 2026."""
        day = ShopDay(pytz.timezone("Asia/Shanghai"))
        history = shop_time(2026, 11, 3, 15, 0)
        customer = self.shop_customer
        zhou = customer(day, "Zhou Min", "13900000001")
        sun = customer(day, "Sun Hao", "13900000002")
        xu = customer(day, "Xu Jing", "13900000003")
        ma = customer(day, "Ma Lin", "13900000004")
        he = customer(day, "He Yu", "13900000005", returning=history)
        lin = customer(day, "Lin Tao", "13900000006", returning=history)
        gao = customer(day, "Gao Yan", "13900000007", returning=history)
        qian = customer(day, "Qian Li", "13900000008", returning=history)
        zheng = customer(day, "Zheng Wei", "13900000009", returning=history)
        wu = customer(day, "Wu Gang", "13900000010")
        tang = customer(day, "Tang Jun", "13900000011")
        luo = customer(day, "Luo Bin", "13900000012")
        # Lin Tao reads messages in the portal.
        self.env["res.users"].create(
            {
                "login": "lin.tao",
                "partner_id": lin.id,
                "groups_id": [Command.set(self.env.ref("base.group_portal").ids)],
            }
        )
        at = shop_time
        place, pay = self.place, self.pay
        events = [
            # Its deadline (Friday 08:50) falls 10 minutes before quiet hours end.
            place(day, at(2026, 11, 10, 8, 50), "08:50", ma),
            # Two orders an hour apart: one customer, reminded about both.
            place(day, at(2026, 11, 10, 20, 0), "20:00", luo),
            place(day, at(2026, 11, 10, 21, 0), "21:00", luo),
            place(day, at(2026, 11, 10, 21, 55), "21:55", sun),
            place(day, at(2026, 11, 10, 22, 30), "first", he),
            place(day, at(2026, 11, 10, 23, 10), "23:10", xu),
            # The midnight flash sale: closes at 00:32.
            place(day, at(2026, 11, 11, 0, 2), "flash 00:02", zhou, self.product_flash),
            # He Yu orders again after midnight and pays the new order at once.
            place(day, at(2026, 11, 11, 0, 20), "again", he),
            pay(day, at(2026, 11, 11, 0, 24), "again"),
            # A wire transfer: pending for a day and a half, then paid.
            place(day, at(2026, 11, 11, 9, 10), "wire", wu),
            pay(day, at(2026, 11, 11, 9, 12), "wire", wire_transfer=True),
            pay(day, at(2026, 11, 12, 15, 3), "wire"),
            # Reminded by a portal message, pays between two cron runs.
            place(day, at(2026, 11, 11, 10, 5), "portal", lin),
            pay(day, at(2026, 11, 11, 12, 12), "portal"),
            # Pays right before the sending run that would remind her.
            place(day, at(2026, 11, 11, 14, 0), "14:00", gao),
            pay(day, at(2026, 11, 11, 14, 30), "14:00"),
            # Two reminders due in one sending run; the second customer's
            # payment lands while the worker sends the first one.
            place(day, at(2026, 11, 11, 16, 6), "16:06", qian),
            place(day, at(2026, 11, 11, 16, 7), "16:07", zheng),
            pay(day, at(2026, 11, 11, 16, 40), "16:07", during_send=True),
            # A large first order: a call for an agent.
            place(day, at(2026, 11, 12, 19, 30), "phone", tang, self.product_phone),
        ]
        self.run_shop(day, at(2026, 11, 10, 8, 30), at(2026, 11, 13, 23, 30), events)
        self.assertShopPromisesKept(day)

    def test_summer_time_ends_in_paris(self):
        """A shop in Paris across the end of summer time (Sunday 25 October 2026,
        03:00 CEST becomes 02:00 CET), the crons running in another order."""
        self.company.payment_reminder_tz = "Europe/Paris"
        france = self.env.ref("base.fr")
        day = ShopDay(pytz.timezone("Europe/Paris"))
        customer = self.shop_customer
        camille = customer(day, "Camille Martin", "0612345601", country=france)
        louis = customer(day, "Louis Bernard", "0612345602", country=france)
        chloe = customer(day, "Chloe Petit", "0612345603", country=france)
        hugo = customer(day, "Hugo Durand", "0612345604", country=france)
        at = paris_time
        place = self.place
        events = [
            # 72 hours later it is winter time: it closes on Sunday at 07:50.
            place(day, at(2026, 10, 22, 8, 50), "08:50", camille),
            # Closes on Sunday at 09:20, 20 minutes after quiet hours end.
            place(day, at(2026, 10, 22, 10, 20), "10:20", louis),
            # Too late for the evening window: reminded on Sunday morning.
            place(day, at(2026, 10, 24, 21, 55), "21:55", hugo),
            # A night flash sale in the hour that happens twice: placed at the
            # first 02:30 (summer time), it closes at 02:00 winter time.
            place(
                day, at(2026, 10, 25, 2, 30), "flash 02:30", chloe, self.product_flash
            ),
        ]
        self.run_shop(
            day,
            at(2026, 10, 22, 8, 30),
            at(2026, 10, 25, 10, 0),
            events,
            cron_order=("close", "build", "send"),
        )
        self.assertShopPromisesKept(day)
