"""Admin forms for invoices, their items and payments: checks the services would otherwise raise."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .models import Invoice, InvoiceItem, Payment
from .services import invoice_totals_check, item_amount_compute, money_check


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
        quantity, unit_price = cleaned.get("quantity"), cleaned.get("unit_price")
        if quantity is not None and unit_price is not None:
            # The amount is computed on save: check it fits its column now.
            try:
                item_amount_compute(quantity=quantity, unit_price=unit_price)
            except ValidationError as exc:
                self.add_error(None, exc)
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
        # The services refuse a negative total (discount lines may be negative) and totals
        # too large for their columns; say it here, before anything is saved.
        total = Decimal("0")
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            total += (data.get("quantity") or 0) * (data.get("unit_price") or 0)
        if total < 0:
            raise forms.ValidationError(_("The items add up to a negative total."))
        tax_rate = self.instance.tax_rate
        if isinstance(tax_rate, Decimal) and tax_rate.is_finite():
            invoice_totals_check(subtotal=total, tax_rate=tax_rate)
        else:
            money_check(total, what=_("subtotal"))


class PaymentFormMixin:
    """Friendly errors for what ``invoice_record_payment`` would refuse."""

    def clean_amount(self):
        amount = self.cleaned_data.get("amount")
        if amount is not None and amount <= Decimal("0"):
            raise forms.ValidationError(_("A payment must be a positive amount."))
        return amount

    def check_invoice(self, invoice: Invoice | None) -> None:
        field = None if "invoice" not in self.fields else "invoice"
        if invoice is not None and invoice.status not in Invoice.ISSUED_STATUSES:
            self.add_error(
                field,
                _("Payments can only be recorded on sent invoices, not on %(status)s ones.")
                % {"status": invoice.get_status_display().lower()},
            )
        amount = self.cleaned_data.get("amount")
        if invoice is not None and amount is not None:
            try:
                money_check(invoice.amount_paid + amount, what=_("amount paid"))
            except ValidationError as exc:
                self.add_error("amount", exc)


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
