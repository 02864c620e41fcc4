# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from werkzeug.exceptions import NotFound

from odoo import http
from odoo.http import request

OPT_OUT_CHANNELS = ("sms", "email")


class PaymentReminderController(http.Controller):
    @http.route(
        "/payment_reminder/stop/<int:order_id>/<string:channel>/<string:token>",
        type="http",
        auth="public",
        methods=["GET", "POST"],
        website=True,
        sitemap=False,
    )
    def payment_reminder_opt_out(self, order_id, channel, token, **post):
        """The opt-out link of a reminder SMS or e-mail: a page that asks, then
        (POST, so that link previews opt nobody out) blacklists the number or
        the address and stops the customer's reminders."""
        order = request.env["sale.order"].sudo().browse(order_id).exists()
        if (
            channel not in OPT_OUT_CHANNELS
            or not order
            or not order._payment_reminder_check_opt_out_token(channel, token)
        ):
            raise NotFound()
        contact = order.partner_id
        if contact.lang:
            request.update_context(lang=contact.lang)
        done = False
        if request.httprequest.method == "POST":
            order.with_context(lang=contact.lang)._payment_reminder_opt_out(channel)
            done = True
        return request.render(
            "payment_reminder.opt_out_page",
            {
                "order": order,
                "channel": channel,
                "contact_text": order._payment_reminder_masked_contact(channel),
                "action": request.httprequest.path,
                "done": done,
            },
        )
