"""The repeated rows of the portal's big lists, rendered in Python.

A time-entry page has 50 rows, a projects page 50 cards, an invoice page 25 rows. In
templates every row paid for a dozen ``{% translate %}`` lookups, date filters, ``{% url %}``
and an include; at L that was most of the page's server time (docs/PERFORMANCE.md). These
tags write the same markup (``tests/portal/test_tables.py`` compares them with the template
they replace): labels are translated once per table, every value is escaped as the
template engine escapes it, dates and times are formatted as the template filters would (in
the current time zone and locale).

The surrounding markup (table, header, caption, empty states) stays in the templates.
"""

from __future__ import annotations

import html

from django import template
from django.template.defaultfilters import linebreaksbr
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from invoicing.templatetags.money import money
from timetracker.formatting import format_hm

from .hours import hours

register = template.Library()


def esc(value) -> str:
    """``conditional_escape`` without its lazy-string wrapper: safe strings pass unchanged,
    everything else is ``html.escape``d (what Django's ``escape`` does)."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def _blocktranslate(message: str, **values) -> str:
    """What ``{% blocktranslate with name=value %}`` renders: the translated text as is, the
    values localized and escaped."""
    return message % {name: esc(formats.localize(value)) for name, value in values.items()}


class _Dates:
    """``|date:"SHORT_DATE_FORMAT"`` and ``|time:"TIME_FORMAT"`` as the template filters
    apply them (value in the current time zone), each calendar day formatted once."""

    def __init__(self) -> None:
        self._days: dict = {}

    @staticmethod
    def local(value):
        return timezone.template_localtime(value)

    def short_date(self, value) -> str:
        if value is None:
            return ""
        day = value.date() if hasattr(value, "time") else value
        text = self._days.get(day)
        if text is None:
            text = self._days[day] = esc(formats.date_format(value, "SHORT_DATE_FORMAT"))
        return text

    @staticmethod
    def time(value) -> str:
        return "" if value is None else esc(formats.time_format(value, "TIME_FORMAT"))


def _labels(**translated) -> dict[str, str]:
    """Labels translated once per table (literal ``_()`` calls, so makemessages finds them)."""
    return {key: esc(text) for key, text in translated.items()}


@register.simple_tag
def entry_rows(entries) -> SafeString:
    """The ``<tr>`` of each time entry for ``portal/_entries_table.html``."""
    label = _labels(
        date=_("Date"),
        project=_("Project"),
        member=_("Team member"),
        time=_("Time"),
        duration=_("Duration"),
        notes=_("Notes"),
        billable=_("Billable"),
    )
    yes, no = esc(_("Yes")), esc(_("No"))
    dates = _Dates()
    rows = []
    for entry in entries:
        start = dates.local(entry.start_time)
        end = dates.local(entry.end_time) if entry.end_time is not None else None
        rows.append(
            f'<tr><th scope="row" data-label="{label["date"]}"><time datetime="'
            f'{esc(start.isoformat())}">{dates.short_date(start)}</time></th>'
            f'<td data-label="{label["project"]}">{esc(entry.project.name)}</td>'
            f'<td data-label="{label["member"]}">{esc(entry.user.display_name)}</td>'
            f'<td data-label="{label["time"]}" class="nowrap">'
            f"{dates.time(start)}–{dates.time(end)}</td>"
            f'<td data-label="{label["duration"]}" class="num">'
            f"{format_hm(entry.duration_seconds or 0)}</td>"
            f'<td data-label="{label["notes"]}" class="notes">{esc(entry.notes or "—")}</td>'
            f'<td data-label="{label["billable"]}">{yes if entry.billable else no}</td></tr>\n'
        )
    return mark_safe("".join(rows))  # noqa: S308 — every value escaped by esc()


def _with_pk(url_for_zero: str, pk) -> str:
    """``/client-portal/invoices/0/…`` → ``…/<pk>/…``: one ``reverse()`` per table."""
    head, _sep, tail = url_for_zero.rpartition("/0/")
    return f"{head}/{int(pk)}/{tail}"


@register.simple_tag
def invoice_rows(invoices, show_pdf=False) -> SafeString:
    """The ``<tr>`` of each invoice for ``portal/_invoices_table.html``."""
    label = _labels(
        invoice=_("Invoice"),
        issued=_("Issued"),
        due=_("Due"),
        total=_("Total"),
        amount_due=_("Amount due"),
        status=_("Status"),
        documents=_("Documents"),
    )
    download = esc(_("Download PDF"))
    download_label = _("Download PDF of invoice %(number)s")
    detail_url = reverse("portal:invoice_detail", args=[0])
    pdf_url = reverse("portal:invoice_pdf", args=[0])
    dates = _Dates()
    rows = []
    for invoice in invoices:
        status = invoice.display_status
        overdue = ""
        if status == "overdue":
            days = invoice.days_overdue
            text = ngettext("%(days)s day overdue", "%(days)s days overdue", days)
            overdue = f'<span class="overdue-note">{_blocktranslate(text, days=days)}</span>'
        if invoice.status == "cancelled":
            amount_due = "—"
        else:
            amount_due = esc(money(invoice.amount_due, invoice.currency_code))
        pdf = ""
        if show_pdf:
            aria = _blocktranslate(download_label, number=invoice.invoice_number)
            pdf = (
                f'<td data-label="{label["documents"]}"><a href="'
                f'{esc(_with_pk(pdf_url, invoice.pk))}" download aria-label="{aria}">'
                f"{download}</a></td>"
            )
        rows.append(
            f'<tr><th scope="row" data-label="{label["invoice"]}"><a href="'
            f'{esc(_with_pk(detail_url, invoice.pk))}">{esc(invoice.invoice_number)}</a></th>'
            f'<td data-label="{label["issued"]}">{dates.short_date(invoice.issue_date)}</td>'
            f'<td data-label="{label["due"]}"><span>{dates.short_date(invoice.due_date)}'
            f"{overdue}</span></td>"
            f'<td data-label="{label["total"]}" class="num">'
            f"{esc(money(invoice.total_amount, invoice.currency_code))}</td>"
            f'<td data-label="{label["amount_due"]}" class="num">{amount_due}</td>'
            f'<td data-label="{label["status"]}"><span class="badge badge--{esc(status)}">'
            f"{esc(invoice.display_status_label)}</span></td>{pdf}</tr>\n"
        )
    return mark_safe("".join(rows))  # noqa: S308 — every value escaped by esc()


@register.simple_tag
def project_cards(projects) -> SafeString:
    """The ``<article>`` card of each project for ``portal/projects.html``."""
    label = _labels(
        total=_("Total hours"),
        billable=_("Billable hours"),
        month=_("This month"),
        last=_("Last entry"),
    )
    no_entries = esc(_("No entries yet"))
    entries_of = _("Time entries of %(name)s")
    hours_text = _("%(hours)s h")  # as {% duration %} renders it

    def duration(seconds) -> str:
        decimal = esc(hours_text % {"hours": hours(seconds)})
        return (
            f'<span class="hours"><span class="hours__hm">{format_hm(int(seconds or 0))}'
            f'</span> <span class="hours__decimal">({decimal})</span></span>'
        )

    entries_url = esc(reverse("portal:time_entries"))
    dates = _Dates()
    cards = []
    for project in projects:
        pk = int(project.pk)
        last = no_entries
        if project.last_entry_at:
            local = dates.local(project.last_entry_at)
            last = f'<time datetime="{esc(local.isoformat())}">{dates.short_date(local)}</time>'
        description = ""
        if project.description:
            text = linebreaksbr(project.description, autoescape=True)
            description = f'<p class="project-card__description">{text}</p>'
        cards.append(
            f'<article class="card project-card" aria-labelledby="project-{pk}">'
            f'<h2 class="card__title card__title--large" id="project-{pk}">'
            f"{esc(project.name)}</h2>{description}"
            '<dl class="facts">'
            f"<div><dt>{label['total']}</dt><dd>{duration(project.total_seconds)}</dd></div>"
            f"<div><dt>{label['billable']}</dt><dd>{duration(project.billable_seconds)}</dd>"
            "</div>"
            f"<div><dt>{label['month']}</dt><dd>{duration(project.period_seconds)}</dd></div>"
            f"<div><dt>{label['last']}</dt><dd>{last}</dd></div>"
            "</dl>"
            f'<p><a href="{entries_url}?project_id={pk}">'
            f"{_blocktranslate(entries_of, name=project.name)}</a></p></article>\n"
        )
    return mark_safe("".join(cards))  # noqa: S308 — every value escaped by esc()
