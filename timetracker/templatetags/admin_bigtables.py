"""``{% load admin_bigtables %}``: the date hierarchy and the pagination of
``BigTableAdminMixin`` change lists (timetracker/admin_bigtables.py)."""

from __future__ import annotations

import datetime as dt

from django import template
from django.contrib.admin.templatetags.admin_list import pagination
from django.contrib.admin.utils import get_fields_from_path
from django.db.models import DateTimeField, Max, Min
from django.utils import formats, timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

register = template.Library()


@register.inclusion_tag("admin/bigtable_pagination.html")
def capped_pagination(cl):
    """Django's pagination, saying "more than N" when the paginator stopped counting."""
    return {**pagination(cl), "capped": getattr(cl.paginator, "capped", False)}


def _local_date(value, is_datetime: bool) -> dt.date:
    if is_datetime:
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.inclusion_tag("admin/date_hierarchy.html")
def bounded_date_hierarchy(cl):
    """Django's date drill-down (same links, same template), its choices taken from the
    first and last match — one ``MIN``/``MAX`` query the date index answers from its ends —
    instead of a ``DISTINCT`` over every match. Between the two, a year, month or day without
    rows is listed too (it opens an empty list). Not shown when the admin's
    ``date_hierarchy_shown`` says no (while searching)."""
    if not cl.model_admin.date_hierarchy_shown(cl):
        return {"show": False}
    field_name = cl.date_hierarchy
    field = get_fields_from_path(cl.model, field_name)[-1]
    is_datetime = isinstance(field, DateTimeField)
    year_field, month_field, day_field = (f"{field_name}__{x}" for x in ("year", "month", "day"))
    year, month, day = (cl.params.get(name) for name in (year_field, month_field, day_field))

    def link(filters):
        return cl.get_query_string(filters, [f"{field_name}__"])

    if year and month and day:
        chosen = dt.date(int(year), int(month), int(day))
        return {
            "show": True,
            "back": {
                "link": link({year_field: year, month_field: month}),
                "title": capfirst(formats.date_format(chosen, "YEAR_MONTH_FORMAT")),
            },
            "choices": [{"title": capfirst(formats.date_format(chosen, "MONTH_DAY_FORMAT"))}],
        }
    bounds = cl.queryset.aggregate(first=Min(field_name), last=Max(field_name))
    if bounds["first"] is None or bounds["last"] is None:
        first = last = None
    else:
        first = _local_date(bounds["first"], is_datetime)
        last = _local_date(bounds["last"], is_datetime)
        if not year and first.year == last.year:
            year = first.year
            if first.month == last.month:
                month = first.month
    if year and month:
        days = []
        if first is not None:
            days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
        return {
            "show": True,
            "back": {"link": link({year_field: year}), "title": str(year)},
            "choices": [
                {
                    "link": link({year_field: year, month_field: month, day_field: d.day}),
                    "title": capfirst(formats.date_format(d, "MONTH_DAY_FORMAT")),
                }
                for d in days
            ],
        }
    if year:
        months = []
        if first is not None:
            months = [dt.date(int(year), n, 1) for n in range(first.month, last.month + 1)]
        return {
            "show": True,
            "back": {"link": link({}), "title": _("All dates")},
            "choices": [
                {
                    "link": link({year_field: year, month_field: m.month}),
                    "title": capfirst(formats.date_format(m, "YEAR_MONTH_FORMAT")),
                }
                for m in months
            ],
        }
    years = [] if first is None else range(first.year, last.year + 1)
    return {
        "show": True,
        "back": None,
        "choices": [{"link": link({year_field: str(y)}), "title": str(y)} for y in years],
    }
