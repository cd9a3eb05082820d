"""``/admin/reports/``: the report page and its CSV download (staff only, scoped)."""

from __future__ import annotations

import csv

from django.contrib import admin
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from .forms import ReportForm
from .report import Report, report_build

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


@require_safe
def report_view(request):
    form = ReportForm(request.GET, user=request.user)
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
