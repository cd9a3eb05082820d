"""Admin forms for invoices, their items and payments: checks the services would otherwise raise."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Invoice, InvoiceItem, Payment


class InvoiceAdminForm(forms.ModelForm):
    class Meta:
        model = Invoice
        fields = (
            "invoice_number",
            "client",
            "project",
            "issue_date",
            "due_date",
            "currency_code",
            "tax_rate",
            "notes",
        )

    def clean(self):
        cleaned = super().clean()
        client = cleaned.get("client", self.instance.client if self.instance.client_id else None)
        project = cleaned.get("project")
        if client is not None and project is not None and project.client_id != client.pk:
            self.add_error("project", _("This project belongs to another client."))
        return cleaned


class InvoiceItemForm(forms.ModelForm):
    class Meta:
        model = InvoiceItem
        fields = ("position", "description", "quantity", "unit_price", "time_entries")

    def clean(self):
        cleaned = super().clean()
        invoice = self.instance.invoice if self.instance.invoice_id else None
        entries = cleaned.get("time_entries")
        if invoice is not None and invoice.client_id and entries:
            foreign = [e for e in entries if e.project.client_id != invoice.client_id]
            if foreign:
                self.add_error(
                    "time_entries", _("Only time entries of this invoice's client can be billed.")
                )
        return cleaned


class InvoiceItemFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        # The services refuse a negative total (discount lines may be negative); say it here.
        total = Decimal("0")
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            total += (data.get("quantity") or 0) * (data.get("unit_price") or 0)
        if total < 0:
            raise forms.ValidationError(_("The items add up to a negative total."))


class PaymentFormMixin:
    """Friendly errors for what ``invoice_record_payment`` would refuse."""

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount <= Decimal("0"):
            raise forms.ValidationError(_("A payment must be a positive amount."))
        return amount

    def check_invoice(self, invoice: Invoice | None) -> None:
        if invoice is not None and invoice.status not in Invoice.ISSUED_STATUSES:
            self.add_error(
                None if "invoice" not in self.fields else "invoice",
                _("Payments can only be recorded on sent invoices, not on %(status)s ones.")
                % {"status": invoice.get_status_display().lower()},
            )


class PaymentAdminForm(PaymentFormMixin, forms.ModelForm):
    class Meta:
        model = Payment
        fields = ("invoice", "date", "amount", "method", "reference")

    def clean(self):
        cleaned = super().clean()
        self.check_invoice(cleaned.get("invoice"))
        return cleaned


class PaymentInlineForm(PaymentFormMixin, forms.ModelForm):
    class Meta:
        model = Payment
        fields = ("date", "amount", "method", "reference")

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk is None and self.instance.invoice_id:
            self.check_invoice(self.instance.invoice)
        return cleaned
