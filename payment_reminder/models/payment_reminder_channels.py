# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Channels: whether a channel reaches the customer, one sender per channel
(portal message, e-mail; SMS are in payment_reminder_sms.py, calls in
payment_reminder_calls.py), and the line each attempt leaves in the order's
chatter."""

from odoo import api, models
from odoo.exceptions import UserError
from odoo.tools import format_datetime


class PaymentReminderChannelMixin(models.AbstractModel):
    _name = "payment.reminder.channel.mixin"
    _description = "Payment reminder: channels"

    def _reminder_reachable_channel(self):
        """The channel to use now, and why it is not the planned one.

        A mobile number that turned out to be a landline or invalid cannot get
        an SMS: the next channel of the channel rules that reaches the customer
        is used instead.

        :return: (channel, explanation or "")
        """
        self.ensure_one()
        contact = self.order_id.partner_id
        if not self.channel:
            raise UserError(self.env._("No channel was chosen for this reminder."))
        if self._reminder_can_reach(contact, self.channel):
            return self.channel, ""
        if self.channel != "sms":
            raise UserError(
                self.env._(
                    "%(customer)s cannot be reached by %(channel)s: the address or "
                    "number is missing or blacklisted.",
                    customer=contact.display_name,
                    channel=self._reminder_channel_label(self.channel),
                )
            )
        number = contact.phone_sanitized or contact.mobile or contact.phone
        reason = (
            self.env._("no SMS: %(number)s is not a mobile number", number=number)
            if number
            else self.env._("no SMS: no mobile number")
        )
        channel = self._reminder_other_channel("sms")
        if channel:
            return channel, reason
        raise UserError(
            self.env._(
                "%(reason)s, and no other channel reaches the customer.", reason=reason
            )
        )

    def _reminder_other_channel(self, channel):
        """The first channel of the channel rules (of this reminder's step),
        other than ``channel``, that reaches the customer; else False."""
        self.ensure_one()
        contact = self.order_id.partner_id
        rules = self.env["payment.reminder.channel.rule"].search(
            [("company_id", "in", (False, self.company_id.id))]
        )
        channels = rules.filtered(lambda rule: rule.step in (False, self.step)).mapped(
            "channel"
        )
        for other in dict.fromkeys(channels):
            if other != channel and self._reminder_can_reach(contact, other):
                return other
        return False

    def _reminder_send_by(self, channel, now, batch):
        """Send the reminder by ``channel``: ``_reminder_send_<channel>(now,
        batch)``, which returns the result for the chatter line."""
        return getattr(self, f"_reminder_send_{channel}")(now, batch)

    @api.model
    def _reminder_can_reach(self, contact, channel):
        """Whether ``channel`` reaches ``contact`` (address, number, blacklists):
        ``_reminder_can_reach_by_<channel>(contact)``."""
        return getattr(self, f"_reminder_can_reach_by_{channel}")(contact)

    @api.model
    def _reminder_can_reach_by_portal(self, contact):
        """A message on the order in the customer's account: for customers who
        have one (the notification still goes out by email)."""
        return (
            bool(contact.email)
            and not contact.is_blacklisted
            and bool(contact.user_ids or contact.commercial_partner_id.user_ids)
        )

    @api.model
    def _reminder_can_reach_by_email(self, contact):
        return bool(contact.email) and not contact.is_blacklisted

    @api.model
    def _reminder_can_reach_by_sms(self, contact):
        return bool(contact.payment_reminder_mobile) and not (
            contact.phone_sanitized_blacklisted
        )

    # --- portal message and e-mail --- #

    def _reminder_mail_template(self):
        self.ensure_one()
        template = self.mail_template_id or self.script_id.mail_template_id
        if not template:
            raise UserError(
                self.env._(
                    "No message template for this reminder (script: %(script)s).",
                    script=self.script_id.display_name or "-",
                )
            )
        return template

    def _reminder_post_script(self, batch, **post_values):
        """Post the script's message on the order, addressed to the customer.

        The e-mail goes through Odoo's mail queue, as mass mailings do: the
        batch is not held up by the mail server, and nothing leaves before
        the batch is committed.
        """
        order = self.order_id.with_context(mail_notify_force_send=False)
        batch.mails_queued = True
        order.message_post_with_source(
            self._reminder_mail_template(),
            subtype_xmlid="mail.mt_comment",
            partner_ids=order.partner_id.ids,
            **post_values,
        )

    def _reminder_send_portal(self, now, batch):
        """A message on the order: the customer reads it in the portal and gets
        it by email."""
        self._reminder_post_script(batch, message_type="comment")
        return self.env._("message posted")

    def _reminder_send_email(self, now, batch):
        """An email, sent as core sale sends its order emails."""
        self._reminder_post_script(
            batch,
            email_layout_xmlid="mail.mail_notification_layout_with_responsible_signature",
        )
        return self.env._("email sent")

    # --- what the order's chatter keeps --- #

    def _reminder_channel_label(self, channel):
        return dict(self._fields["channel"]._description_selection(self.env)).get(
            channel, channel or ""
        )

    def _reminder_result_summary(self):
        """When, how and with what result this reminder went (or did not)."""
        self.ensure_one()
        states = dict(self._fields["state"]._description_selection(self.env))
        reasons = dict(self._fields["skip_reason"]._description_selection(self.env))
        result = states[self.state]
        detail = reasons.get(self.skip_reason) or self.error_message
        return {
            "when": format_datetime(
                self.env,
                self.done_at or self.scheduled_at,
                tz=self.company_id.payment_reminder_tz,
                dt_format="short",
            ),
            "channel": self._reminder_channel_label(self.channel),
            "result": self.env._("%(result)s: %(detail)s", result=result, detail=detail)
            if detail
            else result,
        }

    def _reminder_glance(self):
        """The reminder in one line for its order: when · channel · what it gave."""
        self.ensure_one()
        summary = self._reminder_result_summary()
        outcomes = dict(self._fields["outcome"]._description_selection(self.env))
        parts = [
            summary["when"],
            summary["channel"],
            outcomes.get(self.outcome) or summary["result"],
            self.reason_id.name,
        ]
        return " · ".join(part for part in parts if part)

    def _reminder_log_attempt(self, now, result, batch):
        """Note the attempt on the order: date · agent · attempt · channel · result.

        :param batch: the ``ReminderSendBatch`` that writes the line with the
            others of the batch when it is flushed
        """
        self.ensure_one()
        tz = self.company_id.payment_reminder_tz
        date = batch.memo(
            ("log date", tz, now),
            lambda: format_datetime(self.env, now, tz=tz, dt_format="short"),
        )
        body = self.env._(
            "%(date)s · %(agent)s · attempt %(attempt)s · %(channel)s · %(result)s",
            date=date,
            agent=self.user_id.name or self.env._("automatic"),
            attempt=self.attempt,
            channel=self._reminder_channel_label(self.channel),
            result=result,
        )
        batch.notes.append((self, self.order_id, body))

    @api.model
    def _reminder_log_notes(self, notes):
        """Write the chatter lines ``[(reminder, order, body)]``, as few inserts
        as there are lines on one order."""
        # A log, not a post: nobody is notified nor subscribed for a note.
        rounds = []
        for _reminder, order, body in notes:
            bodies = next((b for b in rounds if order.id not in b), None)
            if bodies is None:
                bodies = {}
                rounds.append(bodies)
            bodies[order.id] = body
        for bodies in rounds:
            self.env["sale.order"].browse(bodies)._message_log_batch(bodies)
