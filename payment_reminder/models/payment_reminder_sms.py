# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""SMS: what a reminder SMS says (short links, the shop's signature and the
opt-out line), how long it is, the daily budget, the SMS queue it leaves
through, and what comes back: delivery failures, link clicks, opt-outs."""

import logging
import re
from collections import namedtuple
from datetime import timedelta
from html import unescape

from psycopg2 import errors

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL
from odoo.tools.mail import TEXT_URL_REGEX

from ..const import LINK_OPENED_PAUSE, SMS_OPT_OUT_KEYWORDS, SMS_PREVIEW_CODE_LENGTH
from ..utils import (
    float_to_time,
    shop_day,
    shop_tz,
    sms_measure,
    sms_plain,
    to_local,
    to_utc,
    try_advisory_lock,
)
from .payment_reminder_sending import ReminderWait

_logger = logging.getLogger(__name__)

# A rendered reminder SMS: its text and language, the short links made for it
# (the pay link's first), and its length, segments and encoding.
ReminderSms = namedtuple(
    "ReminderSms", "body lang links length segments encoding", defaults=(None,) * 6
)


class PaymentReminderSmsUsage(models.Model):
    _name = "payment.reminder.sms.usage"
    _description = "SMS segments a company queued on a shop day"
    _order = "day desc, company_id"

    company_id = fields.Many2one("res.company", required=True, ondelete="cascade")
    day = fields.Date(required=True, help="The shop day.")
    segments = fields.Integer(readonly=True)

    _sql_constraints = [
        (
            "company_day_unique",
            "unique(company_id, day)",
            "One SMS count per company and day.",
        )
    ]


class PaymentReminderSmsMixin(models.AbstractModel):
    _name = "payment.reminder.sms.mixin"
    _description = "Payment reminder: SMS"

    # === WHAT THE SMS SAYS === #

    def _reminder_sms_template(self):
        self.ensure_one()
        template = self.sms_template_id or self.script_id.sms_template_id
        if not template:
            raise UserError(
                self.env._(
                    "No SMS template for this reminder (script: %(script)s).",
                    script=self.script_id.display_name or "-",
                )
            )
        return template

    @api.model
    def _reminder_sms_text(self, template, order, lang=None, preview=False):
        """The SMS ``template`` gives for ``order``, as it leaves.

        The template renders in the customer's language (or ``lang``); its
        links become short links of Odoo's link tracker (``/r/<code>``, which
        counts clicks); the shop's signature and the opt-out line close it,
        whatever the template says; typography that would force UCS-2 on a
        Latin text is made plain.

        :param preview: measure only: a made-up code stands for each short
            link, and no link tracker is created
        :return: a ``ReminderSms``
        """
        lang = lang or template._render_lang(order.ids)[order.id] or self.env.lang
        body = template._render_field("body", order.ids, set_lang=lang)[order.id]
        body, links = self._reminder_sms_shorten(body.strip(), order, preview)
        footer = self._reminder_sms_footer(order, lang, preview)
        text = sms_plain(f"{body}{footer}")
        return ReminderSms(text, lang, links, *sms_measure(text))

    @api.model
    def _reminder_sms_shorten(self, body, order, preview=False):
        """``body`` with its links made short links, and their trackers, the
        pay link's first (it is the one whose clicks the reminder records)."""
        base_url = order.get_base_url()
        short_prefix = f"{base_url}/r/"
        urls = [
            url
            for url in dict.fromkeys(re.findall(TEXT_URL_REGEX, body))
            if not url.startswith(short_prefix)
        ]
        links = self.env["link.tracker"]
        if not urls:
            return body, links
        if preview:
            short_urls = [short_prefix + "x" * SMS_PREVIEW_CODE_LENGTH] * len(urls)
        else:
            pay_url = order._payment_reminder_payment_url()
            urls.sort(key=lambda url: unescape(url) != pay_url)
            # A title given: without one, the tracker fetches the page to read it.
            links = (
                self.env["link.tracker"]
                .sudo()
                .search_or_create(
                    [{"url": unescape(url), "title": order.name} for url in urls]
                )
            )
            short_urls = links.mapped("short_url")
        for url, short_url in zip(urls, short_urls, strict=True):
            # Only that link, not a longer one starting like it.
            body = re.sub(re.escape(url) + r"(?![\w@:%.+&~#=/-])", short_url, body)
        return body, links

    @api.model
    def _reminder_sms_footer(self, order, lang, preview=False):
        """The shop's signature and how to opt out, in ``lang``: 【Shop】回复T退订
        in Chinese, " - Shop. Reply STOP to opt out" in English."""
        company = order.company_id
        env = self.with_context(lang=lang).env
        signature = company.with_context(lang=lang)._payment_reminder_sms_signature()
        if company.payment_reminder_sms_opt_out == "link":
            url = order._payment_reminder_opt_out_url("sms")
            link, _links = self._reminder_sms_shorten(url, order, preview)
            return env._(
                " - %(signature)s. Opt out: %(link)s", signature=signature, link=link
            )
        # Chinese translations keep the leading space: a link directly followed
        # by 【 may swallow it on some phones.
        return env._(" - %(signature)s. Reply STOP to opt out", signature=signature)

    # === SENDING === #

    def _reminder_send_sms(self, now, batch):
        """Queue the SMS in Odoo's SMS queue; Odoo's SMS scheduled action sends
        it once the batch is committed (see ``ReminderSendBatch.flush``): a
        worker that dies before the commit leaves no SMS behind.

        Over the day's SMS budget, the next channel of the channel rules that
        reaches the customer is used instead, else the reminder waits for the
        first window of the next day.
        """
        order = self.order_id
        contact = order.partner_id
        sms = self._reminder_sms_text(self._reminder_sms_template(), order)
        if not self._reminder_take_sms_budget(sms.segments, now):
            return self._reminder_send_over_budget(now, batch)
        message = order._message_sms(
            sms.body,
            partner_ids=contact.ids,
            sms_pid_to_number={contact.id: contact.payment_reminder_mobile},
            put_in_queue=True,
        )
        queued = (
            self.env["sms.sms"]
            .sudo()
            .search([("mail_message_id", "=", message.id)], limit=1)
        )
        self.write(
            {
                "sms_segments": sms.segments,
                "sms_uuid": queued.uuid,
                "link_tracker_id": sms.links[:1].id,
            }
        )
        batch.sms_queued = True
        if sms.segments == 1:
            return self.env._("SMS queued (1 segment)")
        return self.env._("SMS queued (%(count)s segments)", count=sms.segments)

    # --- the daily budget --- #

    def _reminder_take_sms_budget(self, segments, now):
        """Count ``segments`` against the company's SMS budget of the shop day.

        One row per company and day holds the count, and one worker at a time
        may change it (a transaction-level advisory lock, tried without
        waiting). A worker that finds the lock taken, or finds the count
        changed by a worker that committed after its own transaction began
        (which it cannot see), leaves the reminder for its next run rather
        than count on figures it does not have. So no two workers spend the
        same part of the budget, and none waits for another.

        :return: False when ``segments`` do not fit in what is left
        :raise ReminderWait: the count is busy: the reminder stays due
        """
        self.ensure_one()
        company = self.company_id
        limit = company.payment_reminder_sms_daily_limit
        if not limit:
            return True
        if not try_advisory_lock(self.env, company, "sms_budget"):
            raise ReminderWait({})
        day = shop_day(company, now)
        try:
            # Raw cursor calls: a serialization failure is expected here, and
            # ``execute_query`` would log it as an error.
            with self.env.cr.savepoint(flush=False):
                used = self._reminder_lock_sms_usage(company, day)
                if used is None:
                    self.env.cr.execute(
                        SQL(
                            "INSERT INTO payment_reminder_sms_usage "
                            "(company_id, day, segments) VALUES (%s, %s, %s) "
                            "ON CONFLICT (company_id, day) DO NOTHING",
                            company.id,
                            day,
                            self._reminder_sms_segments_of_day(company, day),
                        ),
                        log_exceptions=False,
                    )
                    used = self._reminder_lock_sms_usage(company, day)
                if used + segments > limit:
                    return False
                self.env.cr.execute(
                    SQL(
                        "UPDATE payment_reminder_sms_usage "
                        "SET segments = segments + %s "
                        "WHERE company_id = %s AND day = %s",
                        segments,
                        company.id,
                        day,
                    ),
                    log_exceptions=False,
                )
        except errors.SerializationFailure as error:
            _logger.info("SMS budget of %s changed meanwhile: %s", company.name, error)
            raise ReminderWait({}) from error
        self.env["payment.reminder.sms.usage"].invalidate_model(["segments"])
        return True

    @api.model
    def _reminder_lock_sms_usage(self, company, day):
        """Lock the SMS count of ``company`` on ``day``.

        :return: the segments counted, None when the day has no count yet
        """
        self.env.cr.execute(
            SQL(
                "SELECT segments FROM payment_reminder_sms_usage "
                "WHERE company_id = %s AND day = %s FOR UPDATE",
                company.id,
                day,
            ),
            log_exceptions=False,
        )
        row = self.env.cr.fetchone()
        return row[0] if row else None

    @api.model
    def _reminder_sms_segments_of_day(self, company, day):
        """The segments of the SMS reminders done on shop ``day``: where the
        count of a day starts when the budget is first looked at."""
        tz = shop_tz(company)
        start = to_utc(day, float_to_time(0), tz)
        end = to_utc(day + timedelta(days=1), float_to_time(0), tz)
        # Every agent's SMS count, whoever looks (an agent sees their own).
        [(segments,)] = (
            self.env["payment.reminder"]
            .sudo()
            ._read_group(
                [
                    ("company_id", "=", company.id),
                    ("channel", "=", "sms"),
                    ("state", "=", "done"),
                    ("done_at", ">=", start),
                    ("done_at", "<", end),
                ],
                aggregates=["sms_segments:sum"],
            )
        )
        return segments or 0

    def _reminder_send_over_budget(self, now, batch):
        """The day's SMS budget is used up: the next channel of the rules, else
        the first window of the next day."""
        reason = self.env._("the day's SMS budget is used up")
        channel = self._reminder_other_channel("sms")
        if not channel:
            raise ReminderWait(
                {
                    "scheduled_at": self._reminder_next_day_first_slot(now),
                    "wait_reason": "sms_budget",
                }
            )
        self.channel = channel
        result = self._reminder_send_by(channel, now, batch)
        return self.env._("%(result)s (%(detour)s)", result=result, detour=reason)

    def _reminder_next_day_first_slot(self, now):
        """When the first reminder window of the next shop day opens."""
        self.ensure_one()
        company = self.company_id
        tz = shop_tz(company)
        tomorrow = to_local(now, tz).date() + timedelta(days=1)
        windows = self.env["payment.reminder.window"]._get_windows(company, "order")
        slots = windows._slots_between(tomorrow, 1, tz)
        if slots:
            return slots[0][0]
        return to_utc(tomorrow, float_to_time(company.payment_reminder_quiet_end), tz)

    # --- what the SMS queue reports back --- #

    @api.model
    def _reminder_sms_failed(self, uuids, error):
        """The SMS of these reminders failed at the provider (refused when
        Odoo's SMS queue sent it, or reported undelivered later): the reminder
        is failed, and tried again like any failure.

        Called from Odoo's SMS queue, whose SMS already left: nothing here may
        break it, or it would send them again.
        """
        reminders = self.sudo().search(
            [("sms_uuid", "in", list(uuids)), ("state", "=", "done")]
        )
        now = fields.Datetime.now()
        for reminder in reminders:
            try:
                with self.env.cr.savepoint():
                    reminder._reminder_fail(
                        UserError(
                            self.env._(
                                "The SMS could not be sent: %(error)s.", error=error
                            )
                        ),
                        now,
                    )
            except Exception:  # pylint: disable=broad-except
                _logger.exception(
                    "Payment reminder %s: SMS failure not recorded", reminder.id
                )

    # === SIGNALS: LINK OPENED === #

    @api.model
    def _reminder_link_opened(self, links, when=None):
        """A customer clicked these short links: the latest reminder done that
        carried each one records it."""
        reminders = self.sudo().search(
            [("link_tracker_id", "in", links.ids), ("state", "=", "done")],
            order="done_at desc, id desc",
        )
        latest = {}
        for reminder in reminders:
            latest.setdefault(reminder.link_tracker_id, reminder.id)
        reminders.browse(latest.values()).write(
            {"clicked_at": when or fields.Datetime.now()}
        )

    @api.model
    def _reminder_order_opened(self, orders, when=None):
        """The customer opened these orders in the portal (Odoo's "quotation
        viewed"): the latest reminder done about each one records it."""
        reminders = self.sudo().search(
            [("order_ids", "in", orders.ids), ("state", "=", "done")],
            order="done_at desc, id desc",
        )
        latest = {}
        for reminder in reminders:
            for order in reminder.order_ids & orders:
                latest.setdefault(order, reminder.id)
        reminders.browse(set(latest.values())).write(
            {"clicked_at": when or fields.Datetime.now()}
        )

    def _prepare_wait_values(self, now, batch):
        """What to write instead of sending when now is not the moment for this
        reminder (empty: send): a customer who opened the pay link within the
        hour is left alone until the hour is over.

        An agent's manual reminder is the agent's call and goes out.
        """
        self.ensure_one()
        if self.step == "manual":
            return {}
        opened = max(
            filter(None, (self | batch.history(self)).mapped("clicked_at")),
            default=None,
        )
        if opened and opened + LINK_OPENED_PAUSE > now:
            return {
                "scheduled_at": opened + LINK_OPENED_PAUSE,
                "wait_reason": "link_opened",
            }
        return {}

    # === SIGNALS: OPT-OUT === #

    @api.model
    def _reminder_sms_reply(self, number, text):
        """An SMS ``text`` received from ``number``: for SMS providers that
        forward replies (Odoo's IAP SMS receives none). An opt-out word (T, TD,
        退订, STOP...) blacklists the number in Odoo's ``phone.blacklist``,
        which every Odoo SMS respects, and stops the customer's reminders.

        :return: whether the reply was an opt-out
        """
        keyword = re.sub(r"[\W_]+", "", text or "").upper()
        if keyword not in SMS_OPT_OUT_KEYWORDS:
            return False
        sanitized = self.env.company.partner_id._phone_format(number=number) or number
        partners = (
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search([("phone_sanitized", "=", sanitized)])
        )
        self._reminder_opt_out(
            partners,
            numbers=[sanitized],
            message=self.env._(
                "Replied %(text)s to a payment reminder SMS.", text=text
            ),
        )
        return True

    @api.model
    def _reminder_opt_out(self, partners, numbers=(), emails=(), message=None):
        """The customer asked not to be contacted: never reminded again
        (``payment_reminder_opt_out``), and their numbers and e-mails in Odoo's
        blacklists, which Odoo's SMS and mass mailings respect too."""
        partners.commercial_partner_id.sudo().payment_reminder_opt_out = True
        numbers = [number for number in dict.fromkeys(numbers) if number]
        if numbers:
            self.env["phone.blacklist"].sudo()._add(numbers, message=message)
        for email in dict.fromkeys(filter(None, emails)):
            self.env["mail.blacklist"].sudo()._add(email, message=message)
