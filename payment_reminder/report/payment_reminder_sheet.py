# Copyright 2026 payment_reminder authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class ReportPaymentReminderDetailSheet(models.AbstractModel):
    _name = "report.payment_reminder.report_detail_sheet"
    _description = "Payment reminder detail sheet"

    # The payment.reminder method that computes this sheet's figures.
    _sheet_lines_method = "_get_detail_sheet_lines"

    @api.model
    def _get_report_values(self, docids, data=None):
        values = self._get_sheet_values(docids, data)
        lines_method = getattr(self.env["payment.reminder"], self._sheet_lines_method)
        values["sheet"] = lines_method(values["domain"])
        return values

    @api.model
    def _get_sheet_values(self, docids, data):
        """What both sheets print: the period, agents, company and the domain.

        From the wizard or the daily email, ``data`` holds the period, agents
        and company; printed from the list, ``docids`` is the selection.
        """
        data = data or {}
        Reminder = self.env["payment.reminder"]
        date_from = data.get("date_from") and fields.Date.to_date(data["date_from"])
        date_to = data.get("date_to") and fields.Date.to_date(data["date_to"])
        users = self.env["res.users"].browse(data.get("user_ids") or [])
        selection = Reminder.browse(docids or data.get("reminder_ids") or [])
        domain = Reminder._get_sheet_domain(date_from, date_to, users, selection)
        if data.get("company_id"):
            company = self.env["res.company"].browse(data["company_id"])
            domain.append(("company_id", "=", company.id))
        else:
            company = selection.company_id[:1] or self.env.company
        return {
            "doc_ids": selection.ids,
            "doc_model": "payment.reminder",
            "docs": selection,
            "company": company,
            "domain": domain,
            "date_from": date_from,
            "date_to": date_to,
            "agents": users,
            "tz": company.payment_reminder_tz or "UTC",
        }


class ReportPaymentReminderSummarySheet(models.AbstractModel):
    _name = "report.payment_reminder.report_summary_sheet"
    _inherit = "report.payment_reminder.report_detail_sheet"
    _description = "Payment reminder summary sheet"

    _sheet_lines_method = "_get_summary_sheet_lines"


class ReportPaymentReminderReasonsSheet(models.AbstractModel):
    _name = "report.payment_reminder.report_reasons_sheet"
    _inherit = "report.payment_reminder.report_detail_sheet"
    _description = "Payment reminder reasons sheet"

    _sheet_lines_method = "_get_reasons_sheet_lines"
