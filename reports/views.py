"""``/admin/reports/``: the report page and its CSV download (staff only, scoped)."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from timetracker.admin_scope import SafeAutocompleteSelect
from tracking.models import TimeEntry

from .forms import ReportForm, report_people
from .report import Report, report_build

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def autocomplete_boxes(form: ReportForm, request) -> None:
    """The client, project and person filters as the admin's autocomplete boxes.

    A big agency has thousands of each (XL: 2,000 clients, 20,000 projects, 15,000 people:
    2.7 MB of ``<option>``s and seconds to render). The box renders only the chosen value;
    the target admin's scoped ``get_queryset`` and search answer it (the same endpoint as
    the change forms' boxes), and the form still validates against its scoped queryset.
    Someone who may not use a target's admin keeps the scoped ``<select>``; people come from
    ``people_view`` for everyone (the users admin is for admins only).
    """
    for name in ("client", "project", "user"):
        source = TimeEntry._meta.get_field(name)
        if name == "user":
            widget_class = PersonAutocomplete  # everyone: its own scoped search
        else:
            target = admin.site._registry.get(source.related_model)
            if not (
                target is not None
                and target.get_search_fields(request)
                and target.has_view_permission(request)
            ):
                continue
            widget_class = SafeAutocompleteSelect
        field = form.fields[name]
        widget = widget_class(source, admin.site, attrs={"data-width": "24em"})
        widget.choices = field.choices
        widget.is_required = False
        field.widget = widget


class PersonAutocomplete(SafeAutocompleteSelect):
    """The admin's autocomplete box asking ``people_view``: the users admin is for admins
    only, and the report's people are those in the requester's scope (``report_people``)."""

    def get_url(self):
        return reverse("reports:people")


PEOPLE_PER_PAGE = 20
MAX_PEOPLE_PAGE = 1_000


@require_safe
def people_view(request):
    """The person box's search, in select2's JSON: people in scope whose first name, last
    name or username contains every word of ``term``, 20 per ``page``, by name."""
    term = request.GET.get("term", "").replace("\x00", "")
    try:
        page = min(max(int(request.GET.get("page", "1")), 1), MAX_PEOPLE_PAGE)
    except ValueError:
        page = 1
    people = report_people(request.user)
    for word in term.split()[:5]:
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(username__icontains=word)
        )
    start = (page - 1) * PEOPLE_PER_PAGE
    rows = list(people[start : start + PEOPLE_PER_PAGE + 1])
    return JsonResponse(
        {
            "results": [
                {"id": str(person.pk), "text": person.display_name}
                for person in rows[:PEOPLE_PER_PAGE]
            ],
            "pagination": {"more": len(rows) > PEOPLE_PER_PAGE},
        }
    )


@require_safe
def report_view(request):
    form = ReportForm(request.GET, user=request.user)
    autocomplete_boxes(form, request)
    report = None
    if form.is_valid():
        data = form.cleaned_data
        report = report_build(
            user=request.user,
            date_from=data["date_from"],
            date_to=data["date_to"],
            group_by=data["group_by"],
            client=data["client"],
            project=data["project"],
            person=data["user"],
        )
        if data["format"] == "csv":
            return _csv_response(report, data)
    query = request.GET.copy()
    query["format"] = "csv"
    context = {
        **admin.site.each_context(request),
        "title": _("Reports"),
        "form": form,
        "report": report,
        "csv_query": query.urlencode(),
    }
    return TemplateResponse(
        request, "reports/report.html", context, status=200 if form.is_valid() else 400
    )


def _csv_response(report: Report, data: dict) -> HttpResponse:
    filename = f"report-{data['group_by']}-{data['date_from']:%Y%m%d}-{data['date_to']:%Y%m%d}.csv"
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    writer = csv.writer(response)
    for row in [report.headers, *report.rows, *report.totals]:
        writer.writerow([csv_safe(cell) for cell in row])
    return response
