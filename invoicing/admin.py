"""Invoices and payments in the admin. Money never gets typed in: every change goes through
``invoicing.services`` so totals follow the items and issued invoices stay as sent."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from clients.models import Client
from timetracker.admin_bigtables import AutocompleteListFilter, BigTableAdminMixin
from timetracker.admin_display import money_cell, truncated
from timetracker.admin_scope import (
    DeliveryAdminMixin,
    ProtectedDeleteMixin,
    SafeLookupsMixin,
    ScopedAdminMixin,
    ScopedInlineMixin,
)
from timetracker.formatting import local_money
from tracking.models import TimeEntry

from .forms import (
    InvoiceAdminForm,
    InvoiceItemForm,
    InvoiceItemFormSet,
    PaymentAdminForm,
    PaymentInlineForm,
)
from .models import BusinessProfile, Invoice, InvoiceDelivery, InvoiceItem, Payment
from .notifications import delivery_retry, invoice_resend
from .pdf import pdf_filename, render_invoice_pdf
from .services import (
    invoice_cancel,
    invoice_issue,
    invoice_item_delete,
    invoice_item_save,
    invoice_recalculate,
    invoice_record_payment,
)

TOTALS = ("subtotal", "tax_amount", "total_amount", "amount_paid", "amount_due")


def _money_column(name: str, label, *, ordering: str | None = None):
    """An admin column / read-only field showing ``obj.<name>`` as money with the invoice's
    currency in the active language (``19,402.95 EUR``), like every page of ours."""

    @admin.display(description=label, ordering=ordering)
    def column(self, obj) -> str:
        # An unsaved inline row has no invoice yet (getattr: RelatedObjectDoesNotExist).
        invoice = obj if isinstance(obj, Invoice) else getattr(obj, "invoice", None)
        return local_money(getattr(obj, name), getattr(invoice, "currency_code", ""))

    column.__name__ = f"{name}_display"
    return column


# The totals as the detail page shows them (read-only, formatted); the fields hold values.
TOTALS_DISPLAY = tuple(f"{name}_display" for name in TOTALS)
SNAPSHOT = ("billing_name", "billing_contact", "billing_email", "billing_address")
# What freezes once an invoice leaves the draft state.
LOCKED_WHEN_ISSUED = (
    "invoice_number",
    "client",
    "project",
    "issue_date",
    "due_date",
    "currency_code",
    "tax_rate",
)


def _is_draft(obj) -> bool:
    return obj is None or obj.status == Invoice.Status.DRAFT


class InvoiceItemInline(ScopedInlineMixin, admin.TabularInline):
    model = InvoiceItem
    form = InvoiceItemForm
    formset = InvoiceItemFormSet
    fields = (
        "position",
        "description",
        "quantity",
        "unit_price",
        "amount_display",
        "time_entries",
    )
    readonly_fields = ("amount_display",)
    autocomplete_fields = ("time_entries",)
    extra = 0

    amount_display = _money_column("amount", _("amount"))

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "time_entries":
            # str(entry) names the project: load it with the entries.
            kwargs["queryset"] = TimeEntry.objects.select_related("project")
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # Items of an issued or cancelled invoice are history: view only.
    def has_add_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_draft(obj) and super().has_delete_permission(request, obj)


class PaymentInline(ScopedInlineMixin, admin.TabularInline):
    """Existing payments are read-only; a new row is recorded through the payment service."""

    model = Payment
    form = PaymentInlineForm
    fields = ("date", "amount", "method", "reference")
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return (
            obj is not None
            and obj.status in Invoice.ISSUED_STATUSES
            and super().has_add_permission(request, obj)
        )

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InvoiceStateFilter(admin.SimpleListFilter):
    """The derived states of §2 (never stored)."""

    title = _("payment state")
    parameter_name = "state"

    STATES = {"unpaid": _("Unpaid"), "overdue": _("Overdue"), "paid": _("Paid")}

    def lookups(self, request, model_admin):
        return list(self.STATES.items())

    def queryset(self, request, queryset):
        # An unknown value lists everything, as the admin does for its other filters.
        return queryset.in_state(self.value()) if self.value() in self.STATES else queryset


class InvoiceCurrencyFilter(admin.SimpleListFilter):
    """The invoice's currency, offered from the currencies of the clients in scope (a small
    table) instead of a ``DISTINCT`` over every invoice; any other code still filters by URL
    (``?currency_code=XYZ``) and is then listed."""

    title = _("currency code")
    parameter_name = "currency_code"

    def lookups(self, request, model_admin):
        codes = set(
            Client.objects.visible_to(request.user)
            .order_by()
            .values_list("currency_code", flat=True)
            .distinct()
        )
        if self.value():
            codes.add(self.value())
        return [(code, code) for code in sorted(codes)]

    def queryset(self, request, queryset):
        return queryset.filter(currency_code=self.value()) if self.value() else queryset


@admin.register(Invoice)
class InvoiceAdmin(BigTableAdminMixin, ProtectedDeleteMixin, ScopedAdminMixin, admin.ModelAdmin):
    form = InvoiceAdminForm
    # Issue date in the date hierarchy, the project on the invoice page: fits 1280 px.
    list_display = (
        "invoice_number",
        "client_name",
        "status_and_due",
        "total",
        "amount_due",
    )
    list_display_links = ("invoice_number",)
    list_select_related = ("client", "project")
    # Counts, date hierarchy and the client box of a big table (BigTableAdminMixin).
    list_filter = (
        "status",
        InvoiceStateFilter,
        ("client", AutocompleteListFilter),
        InvoiceCurrencyFilter,
    )
    search_fields = ("invoice_number", "client__name", "billing_name", "notes")
    date_hierarchy = "issue_date"
    autocomplete_fields = ("client", "project")
    inlines = [InvoiceItemInline, PaymentInline]
    actions = ["issue", "cancel", "resend"]
    change_form_template = "admin/invoicing/invoice/change_form.html"
    fieldsets = (
        (None, {"fields": ("invoice_number", "client", "project", "status_badge")}),
        (_("Dates"), {"fields": ("issue_date", "due_date")}),
        (_("Amounts"), {"fields": ("currency_code", "tax_rate", *TOTALS_DISPLAY)}),
        (_("Billed to"), {"classes": ("collapse",), "fields": SNAPSHOT}),
        (None, {"fields": ("notes",)}),
    )

    def get_inlines(self, request, obj):
        # Payments only exist on issued invoices; a draft shows just its items.
        if _is_draft(obj):
            return [InvoiceItemInline]
        return self.inlines

    def get_readonly_fields(self, request, obj=None):
        fields = ("status_badge", *TOTALS_DISPLAY, *SNAPSHOT)
        if not _is_draft(obj):
            fields = (*fields, *LOCKED_WHEN_ISSUED)
        return fields

    @admin.display(description=_("status"), ordering="status")
    def status_badge(self, obj: Invoice) -> str:
        if obj.pk is None:
            return Invoice.Status.DRAFT.label
        return format_html(
            '<span class="status-badge status-badge--{}">{}</span>',
            obj.display_status,
            obj.display_status_label,
        )

    @admin.display(description=_("client"), ordering="client__name")
    def client_name(self, obj: Invoice) -> str:
        return truncated(obj.client.name, narrow=True)

    @admin.display(description=_("status, due date"), ordering="due_date")
    def status_and_due(self, obj: Invoice) -> str:
        """The badge, with the due date below it (one column instead of two)."""
        if obj.due_date is None:
            return self.status_badge(obj)
        return format_html(
            '{}<span class="status-cell__due">{}</span>',
            self.status_badge(obj),
            date_format(obj.due_date, "SHORT_DATE_FORMAT"),
        )

    @admin.display(description=_("total"), ordering="total_amount")
    def total(self, obj: Invoice) -> str:
        return money_cell(obj.total_amount, obj.currency_code)

    @admin.display(description=_("amount due"))
    def amount_due(self, obj: Invoice):
        return money_cell(obj.amount_due, obj.currency_code)

    subtotal_display = _money_column("subtotal", _("subtotal"))
    tax_amount_display = _money_column("tax_amount", _("tax amount"))
    total_amount_display = _money_column("total_amount", _("total"), ordering="total_amount")
    amount_paid_display = _money_column("amount_paid", _("amount paid"))
    amount_due_display = _money_column("amount_due", _("amount due"))

    def save_formset(self, request, form, formset, change):
        if formset.model is InvoiceItem:
            self._save_items(formset)
        elif formset.model is Payment:
            self._save_payments(request, form.instance, formset)
        else:
            super().save_formset(request, form, formset, change)

    def _save_items(self, formset) -> None:
        # The totals are recomputed once, in save_related, after every item is saved.
        items = formset.save(commit=False)
        for item in formset.deleted_objects:
            invoice_item_delete(item=item, recalculate=False)
        for item in items:
            invoice_item_save(item=item, recalculate=False)
        formset.save_m2m()

    def _save_payments(self, request, invoice: Invoice, formset) -> None:
        for payment in formset.save(commit=False):
            invoice_record_payment(
                invoice=invoice,
                amount=payment.amount,
                date=payment.date,
                method=payment.method,
                reference=payment.reference,
            )

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if form.instance.status == Invoice.Status.DRAFT:
            # Once per save, after the items (and when only the tax rate changed).
            invoice_recalculate(invoice=form.instance)

    def _run(self, request, queryset, service, done_message) -> None:
        done = 0
        for invoice in queryset:
            try:
                service(invoice=invoice)
            except ValidationError as exc:
                self.message_user(
                    request,
                    _("%(number)s: %(error)s")
                    % {"number": invoice.invoice_number, "error": " ".join(exc.messages)},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, done_message(done), messages.SUCCESS)

    @admin.action(description=_("Issue and send selected draft invoices"), permissions=["change"])
    def issue(self, request, queryset):
        self._run(
            request,
            queryset.select_related("client"),
            invoice_issue,
            lambda n: ngettext("Issued %(n)d invoice.", "Issued %(n)d invoices.", n) % {"n": n},
        )

    @admin.action(description=_("Cancel selected invoices"), permissions=["change"])
    def cancel(self, request, queryset):
        self._run(
            request,
            queryset,
            invoice_cancel,
            lambda n: (
                ngettext("Cancelled %(n)d invoice.", "Cancelled %(n)d invoices.", n) % {"n": n}
            ),
        )

    @admin.action(description=_("Resend the invoice email"), permissions=["change"])
    def resend(self, request, queryset):
        queued = sum(invoice_resend(invoice=invoice) for invoice in queryset)
        self.message_user(
            request,
            ngettext("Queued %(n)d email.", "Queued %(n)d emails.", queued) % {"n": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )

    # Documents and the "Issue and send" / "Resend" buttons of the change page (§9).
    def get_urls(self):
        info = f"{self.opts.app_label}_{self.opts.model_name}"
        view = self.admin_site.admin_view
        return [
            path("<path:object_id>/pdf/", view(self.pdf_view), name=f"{info}_pdf"),
            path("<path:object_id>/issue/", view(self.issue_view), name=f"{info}_issue"),
            path("<path:object_id>/resend/", view(self.resend_view), name=f"{info}_resend"),
            *super().get_urls(),
        ]

    def _object_or_404(self, request, object_id) -> Invoice:
        # Out of scope: PermissionDenied (403) from ScopedAdminMixin.get_object.
        invoice = self.get_object(request, unquote(object_id))
        if invoice is None:
            raise Http404
        if not self.has_view_permission(request, invoice):
            raise PermissionDenied
        return invoice

    def pdf_view(self, request, object_id):
        invoice = self._object_or_404(request, object_id)
        response = HttpResponse(render_invoice_pdf(invoice), content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
        return response

    def _post_only_change(self, request, object_id) -> Invoice:
        invoice = self._object_or_404(request, object_id)
        if request.method != "POST" or not self.has_change_permission(request, invoice):
            raise PermissionDenied
        return invoice

    def issue_view(self, request, object_id):
        invoice = self._post_only_change(request, object_id)
        self.issue(request, Invoice.objects.filter(pk=invoice.pk))
        return redirect(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))

    def resend_view(self, request, object_id):
        invoice = self._post_only_change(request, object_id)
        self.resend(request, Invoice.objects.filter(pk=invoice.pk))
        return redirect(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        warn_incomplete_profile(request)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        warn_incomplete_profile(request)
        return super().changelist_view(request, extra_context)

    def deletion_blockers(self, objs) -> list[str]:
        return [
            _(
                "Invoice %(number)s is %(status)s: issued invoices are billing history. "
                "Cancel it instead."
            )
            % {"number": invoice.invoice_number, "status": invoice.get_status_display().lower()}
            for invoice in objs
            if invoice.status != Invoice.Status.DRAFT
        ]


@admin.register(Payment)
class PaymentAdmin(BigTableAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Payments are recorded through ``invoice_record_payment`` and never edited afterwards."""

    form = PaymentAdminForm
    list_display = (
        "date",
        "invoice_number",
        "client_name",
        "amount_cell",
        "method",
        "short_reference",
    )
    list_display_links = ("date",)
    list_select_related = ("invoice", "invoice__client")
    list_filter = ("method", ("invoice__client", AutocompleteListFilter))
    search_fields = ("invoice__invoice_number", "reference", "invoice__client__name")
    # From the first and last payment (payment_date index), hidden while searching.
    date_hierarchy = "date"
    autocomplete_fields = ("invoice",)
    fields = ("invoice", "date", "amount", "method", "reference", "created_at")
    readonly_fields = ("created_at",)

    amount_display = _money_column("amount", _("amount"), ordering="amount")

    @admin.display(description=_("client"), ordering="invoice__client__name")
    def client_name(self, obj: Payment) -> str:
        return truncated(obj.invoice.client.name, narrow=True)

    @admin.display(description=_("invoice"), ordering="invoice__invoice_number")
    def invoice_number(self, obj: Payment) -> str:
        return obj.invoice.invoice_number

    @admin.display(description=_("amount"), ordering="amount")
    def amount_cell(self, obj: Payment) -> str:
        return money_cell(obj.amount, obj.invoice.currency_code)

    @admin.display(description=_("reference"), ordering="reference")
    def short_reference(self, obj: Payment) -> str:
        return truncated(obj.reference, narrow=True)

    def has_change_permission(self, request, obj=None):
        # A recorded payment is part of the invoice's amount_paid: view only.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        payment = invoice_record_payment(
            invoice=obj.invoice,
            amount=obj.amount,
            date=obj.date,
            method=obj.method,
            reference=obj.reference,
        )
        # The admin logs and links to ``obj``: point it at the row the service created.
        obj.pk = payment.pk
        obj.created_at = payment.created_at
        obj._state.adding = False


def warn_incomplete_profile(request) -> None:
    """A warning on invoice pages while the issuer's details are missing (GET only)."""
    if request.method != "GET":
        return
    profile = BusinessProfile.load()
    if profile.is_complete:
        return
    message = _(
        "The business profile is incomplete (missing: %(fields)s): invoices issued now "
        "lack the issuer's legal details."
    ) % {"fields": ", ".join(profile.missing_fields)}
    if request.user.is_superuser:
        message = format_html(
            '{} <a href="{}">{}</a>',
            message,
            reverse("admin:invoicing_businessprofile_changelist"),
            _("Complete it"),
        )
    messages.warning(request, message)


@admin.register(BusinessProfile)
class BusinessProfileAdmin(SafeLookupsMixin, admin.ModelAdmin):
    """The one issuer row: admins only; "add" only while the row does not exist."""

    fieldsets = (
        (None, {"fields": ("legal_name", "address", "email", "phone", "tax_id")}),
        (_("Bank details"), {"fields": ("iban", "bic", "bank_account")}),
        (_("On every invoice"), {"fields": ("payment_terms", "invoice_footer")}),
    )

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request) and not BusinessProfile.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        if request.method == "GET" and self.has_module_permission(request):
            profile = BusinessProfile.load()
            if not profile.is_complete:
                messages.warning(
                    request,
                    _("Incomplete: %(fields)s. Invoices need these to be legal and payable.")
                    % {"fields": ", ".join(profile.missing_fields)},
                )
        return super().changeform_view(request, object_id, form_url, extra_context)


@admin.register(InvoiceDelivery)
class InvoiceDeliveryAdmin(DeliveryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Invoice emails and their fate; failures stay visible until retried."""

    list_display = ("invoice", "email", "kind", "status", "attempts", "sent_at", "updated_at")
    list_display_links = ("invoice",)
    list_select_related = ("invoice",)
    list_filter = ("status", "kind")
    search_fields = ("invoice__invoice_number", "email")
    fields = (
        "invoice",
        "recipient",
        "email",
        "kind",
        "key",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    view_permission = "invoicing.view_invoice"
    change_permission = "invoicing.change_invoice"
    retry_service = staticmethod(delivery_retry)
