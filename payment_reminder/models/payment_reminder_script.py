# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

SITUATIONS = [
    ("placed", "Order placed"),
    ("adjusted", "Price adjusted"),
    ("low_stock", "Popular item, limited stock"),
    ("before_dispatch", "Before the dispatch cut-off"),
    ("before_close", "Before the order closes"),
    ("returning", "Returning customer"),
    ("payment_help", "Payment problem"),
    ("after_call", "After a call"),
]
SCRIPT_SEGMENTS = [
    ("new", "First-time buyer"),
    ("returning", "Returning customer"),
    ("vip", "VIP"),
]


class PaymentReminderScript(models.Model):
    _name = "payment.reminder.script"
    _description = "Payment reminder script"
    _order = "situation, sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", help="Leave empty to use the script in every company."
    )
    situation = fields.Selection(
        SITUATIONS,
        required=True,
        default="placed",
        help="The moment or reason of the reminder this script speaks to.",
    )
    segment = fields.Selection(
        SCRIPT_SEGMENTS,
        help="Only for this kind of customer; empty for any.",
    )
    product_categ_id = fields.Many2one(
        "product.category",
        string="Product category",
        help="Only for orders with a product of this category (or a subcategory); "
        "such a script wins over a generic one.",
    )
    product_tag_id = fields.Many2one(
        "product.tag",
        string="Product tag",
        help="Only for orders with a product carrying this tag; such a script wins "
        "over a generic one.",
    )
    mail_template_id = fields.Many2one(
        "mail.template",
        string="Message template",
        domain="[('model', '=', 'sale.order')]",
        help="Posted on the order (portal) or emailed.",
    )
    sms_template_id = fields.Many2one(
        "sms.template",
        string="SMS template",
        domain="[('model', '=', 'sale.order')]",
    )
    sms_preview = fields.Text(
        string="SMS preview",
        compute="_compute_sms_measure",
        help="The SMS as the latest order of the company would get it, in your "
        "language, with its short link, signature and opt-out line.",
    )
    sms_measure = fields.Text(
        string="SMS length",
        compute="_compute_sms_measure",
        help="Characters and segments of the SMS in each language, for the latest "
        "order: a segment holds 160 GSM-7 characters (153 when the SMS is "
        "longer), or 70 Unicode ones such as Chinese (67 when longer).",
    )

    # === COMPUTE METHODS === #

    @api.depends("sms_template_id", "sms_template_id.body", "company_id")
    @api.depends_context("lang", "company")
    def _compute_sms_measure(self):
        Reminder = self.env["payment.reminder"]
        languages = self.env["res.lang"].get_installed()
        user_lang = self.env.lang or self.env.user.lang or "en_US"
        for script in self:
            template = script.sms_template_id._origin
            order = script._sms_sample_order()
            if not template or not order:
                script.sms_preview = script.sms_measure = False
                continue
            lines, preview = [], False
            for code, name in languages:
                sms = Reminder._reminder_sms_text(template, order, code, preview=True)
                if code == user_lang:
                    preview = sms.body
                lines.append(
                    self.env._(
                        "%(language)s: %(length)s characters, %(segments)s "
                        "segment(s) (%(encoding)s)",
                        language=name,
                        length=sms.length,
                        segments=sms.segments,
                        encoding=sms.encoding,
                    )
                )
            script.sms_preview = (
                preview
                or Reminder._reminder_sms_text(
                    template, order, user_lang, preview=True
                ).body
            )
            lines.append(self.env._("Measured for order %(order)s.", order=order.name))
            script.sms_measure = "\n".join(lines)

    # === BUSINESS METHODS === #

    def _sms_sample_order(self):
        """The order the editor measures the SMS with: the company's latest."""
        self.ensure_one()
        company = self.company_id or self.env.company
        return self.env["sale.order"].search(
            [("company_id", "=", company.id)], order="date_order desc, id desc", limit=1
        )

    @api.model
    def _find(self, situation, segment, order):
        """The best script of ``situation`` for ``order`` and its customer.

        Among the scripts whose conditions the order meets, the most specific
        wins: a product tag or category first, then a segment, then a company's
        own script; the sequence breaks ties.
        """
        return self._find_candidates(situation, order.company_id)._best_for(
            segment, order
        )

    @api.model
    def _find_candidates(self, situation, company):
        """The scripts of ``situation`` a company may use, before its orders'
        conditions are weighed: a sending batch reads them once per company."""
        return self.search(
            [("situation", "=", situation), ("company_id", "in", (False, company.id))]
        )

    def _best_for(self, segment, order):
        """The most specific of these scripts whose conditions ``order`` meets."""
        scripts = self.filtered(lambda script: script._matches(segment, order))
        if not scripts:
            return scripts
        return max(scripts, key=lambda script: script._specificity())

    def _matches(self, segment, order):
        self.ensure_one()
        products = order.order_line.product_id
        return (
            (not self.segment or self.segment == segment)
            and (
                not self.product_tag_id
                or self.product_tag_id in products.all_product_tag_ids
            )
            and (
                not self.product_categ_id
                or bool(
                    products.categ_id.filtered_domain(
                        [("id", "child_of", self.product_categ_id.id)]
                    )
                )
            )
        )

    def _specificity(self):
        """Sort key: the larger, the more specific (sequence breaks ties)."""
        self.ensure_one()
        return (
            bool(self.product_tag_id or self.product_categ_id),
            bool(self.segment),
            bool(self.company_id),
            -self.sequence,
            -self.id,
        )
