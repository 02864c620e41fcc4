# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from urllib.parse import quote, urlencode

from odoo import http
from odoo.exceptions import AccessError, MissingError
from odoo.http import request

from odoo.addons.payment import utils as payment_utils
from odoo.addons.portal.controllers.portal import CustomerPortal


class PaymentReminderPortal(CustomerPortal):
    """The pay link of reminder messages.

    It leads to Odoo's payment-link page (``/payment/pay`` with the order, as
    the *Generate a Payment Link* wizard of ``sale`` builds it), which lets the
    customer pay any quotation or order without signing it first, whatever its
    ``require_payment`` and ``require_signature``. The order's portal page only
    offers to pay quotations requiring online payment, behind "Accept & Sign"
    when a signature is required too (Odoo's default). The payment access token
    is made here, when the customer clicks, for what is left to pay then: an
    order changed or partly paid since the message still opens on the right
    amount, and a closed order gets a page saying so instead of a payment form.
    """

    @http.route(
        "/payment_reminder/pay/<int:order_id>",
        type="http",
        auth="public",
        website=True,
        sitemap=False,
    )
    def payment_reminder_pay(self, order_id, access_token=None, **kwargs):
        try:
            order_sudo = self._document_check_access(
                "sale.order", order_id, access_token=access_token
            )
        except (AccessError, MissingError):
            return request.render(
                "payment_reminder.portal_pay_link_invalid",
                self._payment_reminder_contact_values(request.env.company),
                status=404,
            )
        # The customer opened the link: a signal for the reminders.
        request.env["payment.reminder"].sudo()._reminder_order_opened(order_sudo)
        if order_sudo.state == "cancel":
            return request.render(
                "payment_reminder.portal_order_closed",
                self._payment_reminder_closed_values(order_sudo),
            )
        amount = order_sudo._payment_reminder_amount_to_pay()
        if order_sudo.currency_id.compare_amounts(amount, 0.0) <= 0:
            # Nothing left to pay: the order page says where it stands.
            return request.redirect(order_sudo.get_portal_url())
        return request.redirect(self._payment_reminder_pay_url(order_sudo, amount))

    def _payment_reminder_pay_url(self, order_sudo, amount):
        """Odoo's payment page for ``amount`` of the order, as ``sale``'s payment
        link wizard builds it (its access token checked by ``sale``'s
        ``payment_pay`` against the invoicing partner, amount and currency)."""
        partner = order_sudo.partner_invoice_id
        query = {
            "sale_order_id": order_sudo.id,
            "amount": amount,
            "access_token": payment_utils.generate_access_token(
                partner.id, amount, order_sudo.currency_id.id
            ),
        }
        return f"/payment/pay?{urlencode(query)}"

    def _payment_reminder_closed_values(self, order_sudo):
        """What the page of a closed order shows: when it closed, what was in
        it, and how to get the same items or reach the shop."""
        product_lines = order_sudo._payment_reminder_product_lines()
        values = {
            "order": order_sudo,
            "closed_on": order_sudo._payment_reminder_closed_on(),
            "closed_unpaid": order_sudo.reminder_closed_kind == "auto",
            "lines": [
                {
                    "name": line.product_id.display_name or line.name,
                    "quantity": line.product_uom_qty,
                    "uom": line.product_uom.name,
                    "url": self._payment_reminder_product_url(line.product_id),
                }
                for line in product_lines
            ],
            # website_sale's shop, when the database has one.
            "shop_url": "/shop"
            if "website_published" in request.env["product.template"]._fields
            else False,
            **self._payment_reminder_contact_values(order_sudo.company_id, order_sudo),
        }
        return values

    def _payment_reminder_product_url(self, product):
        """The product's page in the web shop, if it is published there."""
        if "website_url" not in product._fields or not product.is_published:
            return False
        return product.website_url

    def _payment_reminder_contact_values(self, company, order_sudo=None):
        """Whom the customer can write to or call: the salesperson, else the shop."""
        salesperson = order_sudo.user_id if order_sudo else None
        email = (salesperson and salesperson.email) or company.email
        phone = (salesperson and salesperson.phone) or company.phone
        mailto = False
        if email:
            mailto = f"mailto:{email}"
            if order_sudo:
                subject = request.env._("Order %(order)s", order=order_sudo.name)
                mailto += f"?subject={quote(subject)}"
        return {
            "company": company,
            "contact_email": email,
            "contact_phone": phone,
            "contact_mailto": mailto,
        }
