"""Client Portal pages (§3): read-only views of one client's projects, invoices and hours.

Every queryset starts from ``user.get_client_portal_data()`` or ``for_client(self.client)``
(see ``ClientPortalRequiredMixin``); figures are SQL aggregates over all of the client's
data, never Python sums.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView, UpdateView

from accounts import views as accounts_views
from accounts.models import ApiToken
from accounts.services import api_token_create, api_token_revoke
from audit.models import AuditEvent
from audit.services import audit_record
from clients.models import Project
from invoicing.models import ClientInvoiceCount, ClientUnpaid, Invoice
from invoicing.pdf import invoice_document_context, issuer_for, pdf_filename, render_invoice_pdf
from timetracker.dates import this_month, today, week_start
from timetracker.pagination import KeysFirstPaginator
from tracking.models import ClientDay, ProjectDay, ProjectMonth, TimeEntry

from .charts import weekly_hours_chart
from .csv_export import time_entry_csv_rows
from .filters import INVOICE_STATUSES, InvoiceFilter, TimeEntryFilter
from .forms import NotificationSettingsForm
from .mixins import ClientPortalRequiredMixin, DayWalkPaginator

CHART_WEEKS = 12


class DashboardView(ClientPortalRequiredMixin, TemplateView):
    template_name = "portal/dashboard.html"
    portal_section = "dashboard"

    def get_context_data(self, **kwargs):
        day = today()
        weeks = [week_start(day) - dt.timedelta(weeks=n) for n in range(CHART_WEEKS - 1, -1, -1)]
        periods = {"month": this_month(day)}
        periods.update({f"week{i}": (w, w + dt.timedelta(days=6)) for i, w in enumerate(weeks)})
        entries = self.portal_data["time_entries"]
        invoices = self.portal_data["invoices"]

        # From the per-day rollup (a few hundred rows per year), not the entries.
        seconds = ClientDay.objects.for_client(self.client).seconds_per_period(periods)
        projects = list(
            self.portal_data["projects"]
            .with_total_count()
            .with_latest_update()
            .order_by("name", "id")[:5]
        )
        chart = weekly_hours_chart([(w, seconds[f"week{i}"]) for i, w in enumerate(weeks)])
        # From the per-due-date tally of unpaid invoices, not the invoices themselves.
        balances = ClientUnpaid.objects.for_client(self.client).balances(on=day)
        return super().get_context_data(
            seconds_all_time=seconds["total"],
            seconds_month=seconds["month"],
            seconds_week=seconds[f"week{CHART_WEEKS - 1}"],
            active_project_count=projects[0].total_count if projects else 0,
            projects=projects,
            balances=balances,
            overdue_balances=[b for b in balances if b["overdue_count"]],
            recent_entries=list(entries.for_listing()[:10]),
            recent_invoices=list(invoices.issued().order_by("-issue_date", "-id")[:5]),
            chart=chart,
            **kwargs,
        )


class ProjectListView(ClientPortalRequiredMixin, ListView):
    model = Project
    template_name = "portal/projects.html"
    context_object_name = "projects"
    portal_section = "projects"
    portal_data_key = "projects"
    # Every active project, by name, 50 to a page (a big client has hundreds).
    paginate_by = 50

    def get_queryset(self):
        # Figures from the per-month rollup (all time, and this month's row: whole local
        # months, so exact), the last entry from the (project, start) index: correlated
        # subqueries, which PostgreSQL evaluates for the page's rows only. A project with
        # years of history has a few dozen month rows, against hundreds of day rows.
        first, _last = this_month()
        months = ProjectMonth.objects.filter(project=OuterRef("pk")).order_by().values("project")

        def seconds(column, rows=months):
            total = rows.annotate(total=Sum(column)).values("total")
            return Coalesce(Subquery(total), 0)

        newest = (
            TimeEntry.objects.filter(project=OuterRef("pk"))
            .finished()
            .order_by("-start_time", "-id")
            .values("start_time")[:1]
        )
        projects = (
            super()
            .get_queryset()
            .annotate(
                total_seconds=seconds("seconds"),
                billable_seconds=seconds("billable_seconds"),
                period_seconds=seconds("seconds", months.filter(month=first)),
                last_entry_at=Subquery(newest),
            )
        )
        return projects.order_by("name", "id")

    def get_context_data(self, **kwargs):
        # Translated once per page and filled per card ({% named %}): a blocktranslate per
        # card was a tenth of the page's time.
        entries_link = gettext("Time entries of %(name)s")
        return super().get_context_data(entries_link=entries_link, **kwargs)


class InvoiceListView(ClientPortalRequiredMixin, ListView):
    model = Invoice
    template_name = "portal/invoices.html"
    context_object_name = "invoices"
    paginate_by = 25
    portal_section = "invoices"
    # Portal-visible = issued and cancelled; drafts never appear.
    portal_data_key = "invoices"
    filterset_class = InvoiceFilter

    @cached_property
    def day(self) -> dt.date:
        return today()

    @property
    def status(self) -> str:
        return self.request.GET.get("status") or "all"

    @cached_property
    def counts(self) -> dict[str, int]:
        # From the client's tallies (per status, per due date of the unpaid ones), not one
        # index entry per invoice it ever had (not portal-data keys: §2 fixes those).
        counts = ClientInvoiceCount.objects.for_client(self.client)
        unpaid = ClientUnpaid.objects.for_client(self.client)
        return counts.status_counts(unpaid, on=self.day)

    def get_filterset_kwargs(self) -> dict:
        return {"on": self.day}

    def get_queryset(self):
        return super().get_queryset().order_by("-issue_date", "-id")

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kw):
        count = self.counts["total" if self.status == "all" else self.status]
        return KeysFirstPaginator(
            queryset,
            per_page,
            count=count,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            **kw,
        )

    def get_context_data(self, **kwargs):
        tabs = [
            {
                "value": value,
                "label": label,
                "count": self.counts["total" if value == "all" else value],
                "current": value == self.status,
            }
            for value, label in INVOICE_STATUSES.items()
        ]
        if not self.filter_is_valid:
            kwargs.setdefault("status_error", self.filterset.form.errors["status"][0])
        return super().get_context_data(tabs=tabs, status=self.status, **kwargs)


class InvoiceDetailView(ClientPortalRequiredMixin, DetailView):
    model = Invoice
    template_name = "portal/invoice_detail.html"
    context_object_name = "invoice"
    portal_section = "invoices"
    nav_current = "true"
    audit_action = AuditEvent.Action.INVOICE_VIEWED
    # Drafts, other clients' invoices and unknown ids are all the same 404.
    portal_data_key = "invoices"

    def get_queryset(self):
        return super().get_queryset().prefetch_related("items", "payments")

    def get_context_data(self, **kwargs):
        invoice = self.object
        audit_record(action=self.audit_action, obj=invoice, request=self.request)
        client = self.client  # the invoice's client, already loaded with the user
        billing = {
            "name": invoice.billing_name or client.name,
            "contact": invoice.billing_contact or client.contact_person,
            "email": invoice.billing_email or client.email,
            "address": invoice.billing_address or client.address,
        }
        return super().get_context_data(
            billing=billing,
            issuer=issuer_for(invoice),
            items=list(invoice.items.all()),
            payments=list(invoice.payments.all()),
            **kwargs,
        )


def _filter_query(params) -> str:
    """The time-entry filters of a query string, URL-encoded, without ``page`` (nor the
    project search, which only chooses the project list's options)."""
    query = params.copy()
    query.pop("page", None)
    query.pop("project_search", None)
    return query.urlencode()


class TimeEntryListView(ClientPortalRequiredMixin, ListView):
    model = TimeEntry
    template_name = "portal/time_entries.html"
    context_object_name = "entries"
    paginate_by = 50
    portal_section = "time_entries"
    # Finished entries only; invalid filters show the form with its errors and no entries.
    portal_data_key = "time_entries"
    filterset_class = TimeEntryFilter

    def get_filterset_kwargs(self) -> dict:
        # The client's projects (any status; a bounded list for a big client) as plain rows,
        # fetched once for validating and rendering the form.
        return {"projects": TimeEntryFilter.project_choices_rows(self.client, self.request.GET)}

    def get_queryset(self):
        # Project and user are joined onto the page's 50 rows only (the paginator reads no
        # more); the totals come from the rollup.
        return super().get_queryset().for_listing().order_by("-start_time", "-id")

    @cached_property
    def days(self):
        """The rollup rows the filter selects exactly (a project, whole local days)."""
        data = self.filterset.form.cleaned_data
        if data.get("project_id"):
            days = ProjectDay.objects.for_client(self.client).filter(project=data["project_id"])
        else:
            days = ClientDay.objects.for_client(self.client)
        return days.between(data.get("date_from"), data.get("date_to"))

    @cached_property
    def totals(self) -> dict | None:
        return self.days.totals() if self.filter_is_valid else None

    def get_paginator(self, queryset, per_page, orphans=0, allow_empty_first_page=True, **kw):
        count = self.totals["count"]
        return DayWalkPaginator(
            queryset,
            per_page,
            count=count,
            days=self.days,
            orphans=orphans,
            allow_empty_first_page=allow_empty_first_page,
            **kw,
        )

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            filter_form=self.filterset.form,
            totals=self.totals,
            is_filtered=any(self.request.GET.get(name) for name in self.filterset.filters),
            # The export carries the page's filters (not its page number).
            csv_query=_filter_query(self.request.GET),
            **kwargs,
        )


class ApiTokenForm(forms.Form):
    EXPIRY_CHOICES = [
        ("30", _("30 days")),
        ("90", _("90 days")),
        ("365", _("1 year")),
        ("", _("Never")),
    ]

    name = forms.CharField(label=_("Name"), max_length=100, help_text=_("What the token is for."))
    expires_in = forms.ChoiceField(
        label=_("Expires after"), choices=EXPIRY_CHOICES, initial="90", required=False
    )


class ApiTokenSettingsView(ClientPortalRequiredMixin, TemplateView):
    """``/client-portal/settings/api/``: the client user's own read-only API tokens (§8).

    POST (with CSRF) creates a token — its secret is shown once, in this response, and never
    stored — or revokes one of the user's own tokens. Tokens belong to the user, so the list
    is the user's own ``api_tokens``.
    """

    template_name = "portal/settings_api.html"
    http_method_names = ["get", "head", "post"]
    portal_section = "settings"

    def get_context_data(self, **kwargs):
        kwargs.setdefault("form", ApiTokenForm())
        tokens = list(self.request.user.api_tokens.order_by("-created_at", "-id"))
        return super().get_context_data(tokens=tokens, **kwargs)

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "revoke":
            token_id = request.POST.get("token", "")
            token = (
                request.user.api_tokens.filter(pk=token_id).first()
                if token_id.isdigit() and len(token_id) < 19
                else None
            )
            if token is None:
                raise Http404
            api_token_revoke(token=token, actor=request.user, request=request)
            messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
            return redirect("portal:settings_api")
        form = ApiTokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        days = form.cleaned_data["expires_in"]
        expires_at = timezone.now() + dt.timedelta(days=int(days)) if days else None
        token, secret = api_token_create(
            user=request.user,
            name=form.cleaned_data["name"],
            scope=ApiToken.Scope.READ,
            expires_at=expires_at,
            request=request,
        )
        # Rendered, not redirected: the secret exists only in this one response.
        return self.render_to_response(self.get_context_data(new_token=token, secret=secret))


class InvoicePdfView(InvoiceDetailView):
    """The invoice as a PDF download; the same 404s as the detail page (§9)."""

    audit_action = AuditEvent.Action.PDF_DOWNLOADED

    def render_to_response(self, context, **response_kwargs):
        invoice = self.object
        pdf = render_invoice_pdf(invoice, items=context["items"], payments=context["payments"])
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{pdf_filename(invoice)}"'
        return response


class InvoicePrintView(InvoiceDetailView):
    """The PDF's template in the browser, to print (same 404s as the detail page)."""

    template_name = "pdf/invoice.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            invoice_document_context(
                self.object, items=context["items"], payments=context["payments"]
            )
        )
        return context


class TimeEntryCsvView(TimeEntryListView):
    """Every entry the time-entries page would list for these filters, as a streamed CSV.

    Same FilterSet and the same 400s (the page with the form's errors) as the page; rows
    come from a server-side cursor in chunks, so memory stays flat however many entries match.
    """

    paginate_by = None

    def get_context_data(self, **kwargs):
        # The export needs no page context (and so no totals query); the 400 page does.
        return super().get_context_data(**kwargs) if not self.filter_is_valid else {}

    def render_to_response(self, context, **response_kwargs):
        if not self.filter_is_valid:
            return super().render_to_response(context, **response_kwargs)
        audit_record(
            action=AuditEvent.Action.CSV_EXPORTED, client=self.client, request=self.request
        )
        response = StreamingHttpResponse(
            time_entry_csv_rows(self.object_list, visibility=self.client.visibility),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="time-entries.csv"'
        return response


class NotificationSettingsView(ClientPortalRequiredMixin, UpdateView):
    """The user's own email settings (§9): one of the portal's few writes (POST with CSRF)."""

    http_method_names = ["get", "head", "post"]
    form_class = NotificationSettingsForm
    template_name = "portal/settings.html"
    portal_section = "settings"

    def get_object(self, queryset=None):
        # Only ever the logged-in user's own row: no id in the URL to tamper with.
        return self.request.user

    def form_valid(self, form):
        form.save()
        messages.success(self.request, _("Your notification settings have been saved."))
        return redirect("portal:settings")


class SecuritySettingsView(ClientPortalRequiredMixin, accounts_views.SecuritySettingsView):
    """Two-factor login and sessions (§11) at ``/client-portal/settings/security/``."""

    template_name = "portal/settings_security.html"
    http_method_names = ["get", "head", "post"]
    portal_section = "settings_security"
    allow_without_2fa = True

    def get_context_data(self, **kwargs):
        kwargs.setdefault("require_2fa_notice", self.client.require_2fa)
        return super().get_context_data(**kwargs)
