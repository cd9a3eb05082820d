"""The Python-rendered rows of the portal's lists (``portal_tables``) and the project
``<select>`` (``FastSelect``) write exactly what the templates they replace wrote.

The reference templates below are the loops as they were in ``portal/_entries_table.html``,
``portal/_invoices_table.html`` and ``portal/projects.html``; the comparison ignores only
whitespace between tags.
"""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django import forms
from django.template import engines
from django.utils import timezone, translation

from accounts.models import User
from clients.models import Project
from invoicing.models import Invoice
from portal.widgets import FastSelect
from timetracker.dates import today
from tracking.models import TimeEntry

ENTRY_ROWS = """{% load i18n hours %}{% for entry in entries %}
<tr>
<th scope="row" data-label="{% translate 'Date' %}"><time datetime="{{ entry.start_time|date:'c' }}">{{ entry.start_time|date:"SHORT_DATE_FORMAT" }}</time></th>
<td data-label="{% translate 'Project' %}">{{ entry.project.name }}</td>
<td data-label="{% translate 'Team member' %}">{{ entry.user.display_name }}</td>
<td data-label="{% translate 'Time' %}" class="nowrap">{{ entry.start_time|time:"TIME_FORMAT" }}–{{ entry.end_time|time:"TIME_FORMAT" }}</td>
<td data-label="{% translate 'Duration' %}" class="num">{{ entry.duration_seconds|hm }}</td>
<td data-label="{% translate 'Notes' %}" class="notes">{{ entry.notes|default:"—" }}</td>
<td data-label="{% translate 'Billable' %}">{% if entry.billable %}{% translate "Yes" %}{% else %}{% translate "No" %}{% endif %}</td>
</tr>
{% endfor %}"""  # noqa: E501

INVOICE_ROWS = """{% load i18n money %}{% for invoice in invoices %}
<tr>
<th scope="row" data-label="{% translate 'Invoice' %}"><a href="{% url 'portal:invoice_detail' invoice.pk %}">{{ invoice.invoice_number }}</a></th>
<td data-label="{% translate 'Issued' %}">{{ invoice.issue_date|date:"SHORT_DATE_FORMAT" }}</td>
<td data-label="{% translate 'Due' %}"><span>{{ invoice.due_date|date:"SHORT_DATE_FORMAT" }}{% if invoice.is_overdue %}{% with days=invoice.days_overdue %}<span class="overdue-note">{% blocktranslate count days=days %}{{ days }} day overdue{% plural %}{{ days }} days overdue{% endblocktranslate %}</span>{% endwith %}{% endif %}</span></td>
<td data-label="{% translate 'Total' %}" class="num">{{ invoice.total_amount|money:invoice.currency_code }}</td>
<td data-label="{% translate 'Amount due' %}" class="num">{% if invoice.status == "cancelled" %}—{% else %}{{ invoice.amount_due|money:invoice.currency_code }}{% endif %}</td>
<td data-label="{% translate 'Status' %}">{% include "portal/_invoice_status.html" %}</td>
{% if show_pdf %}<td data-label="{% translate 'Documents' %}"><a href="{% url 'portal:invoice_pdf' invoice.pk %}" download aria-label="{% blocktranslate with number=invoice.invoice_number %}Download PDF of invoice {{ number }}{% endblocktranslate %}">{% translate "Download PDF" %}</a></td>{% endif %}
</tr>
{% endfor %}"""  # noqa: E501

PROJECT_CARDS = """{% load i18n l10n hours %}{% for project in projects %}
<article class="card project-card" aria-labelledby="project-{{ project.pk|unlocalize }}">
<h2 class="card__title card__title--large" id="project-{{ project.pk|unlocalize }}">{{ project.name }}</h2>
{% if project.description %}<p class="project-card__description">{{ project.description|linebreaksbr }}</p>{% endif %}
<dl class="facts">
<div><dt>{% translate "Total hours" %}</dt><dd>{% duration project.total_seconds %}</dd></div>
<div><dt>{% translate "Billable hours" %}</dt><dd>{% duration project.billable_seconds %}</dd></div>
<div><dt>{% translate "This month" %}</dt><dd>{% duration project.period_seconds %}</dd></div>
<div><dt>{% translate "Last entry" %}</dt><dd>{% if project.last_entry_at %}<time datetime="{{ project.last_entry_at|date:'c' }}">{{ project.last_entry_at|date:"SHORT_DATE_FORMAT" }}</time>{% else %}{% translate "No entries yet" %}{% endif %}</dd></div>
</dl>
<p><a href="{% url 'portal:time_entries' %}?project_id={{ project.pk|unlocalize }}">{% blocktranslate with name=project.name %}Time entries of {{ name }}{% endblocktranslate %}</a></p>
</article>
{% endfor %}"""  # noqa: E501

HOSTILE = "<b>\"Ünïcødé\" & 'quotes'</b>"


def render(source: str, **context) -> str:
    html = engines["django"].from_string(source).render(context)
    return re.sub(r">\s+<", "><", html).strip()


def entries():
    start = dt.datetime(2026, 3, 29, 0, 30, tzinfo=dt.UTC)  # a DST change in Europe
    project = Project(pk=7, name=HOSTILE)
    rows = []
    for n, (notes, billable, running) in enumerate(
        [(HOSTILE, True, False), ("", False, False), ("line\nbreak", True, True)]
    ):
        entry = TimeEntry(
            pk=n + 1,
            start_time=start + dt.timedelta(hours=5 * n),
            end_time=None if running else start + dt.timedelta(hours=5 * n, minutes=95),
            notes=notes,
            billable=billable,
        )
        entry.sync_duration()
        entry.project = project
        entry.user = User(pk=n + 1, username=f"user{n}", first_name=HOSTILE if n else "")
        rows.append(entry)
    return rows


def invoices():
    day = today()
    rows = []
    cases = [
        ("sent", day - dt.timedelta(days=40), "0"),  # overdue by 10 days
        ("sent", day - dt.timedelta(days=31), "0"),  # overdue by 1 day
        ("sent", day, "10"),  # unpaid
        ("paid", day - dt.timedelta(days=5), "1234567.89"),
        ("cancelled", day - dt.timedelta(days=90), "0"),
    ]
    for n, (status, issued, paid) in enumerate(cases):
        rows.append(
            Invoice(
                pk=100 + n,
                invoice_number=f"INV-{n}&<x>",
                status=status,
                issue_date=issued,
                due_date=issued + dt.timedelta(days=30),
                currency_code="EUR",
                total_amount=Decimal("1234567.89"),
                amount_paid=Decimal(paid),
            )
        )
    return rows


def projects():
    made = []
    for n, (description, last) in enumerate(
        [(HOSTILE + "\nsecond line", dt.datetime(2026, 10, 25, 0, 59, tzinfo=dt.UTC)), ("", None)]
    ):
        project = Project(pk=10 + n, name=HOSTILE + str(n), description=description)
        project.total_seconds = 123_456_789
        project.billable_seconds = 3_599
        project.period_seconds = 0
        project.last_entry_at = last
        made.append(project)
    return made


@pytest.fixture(params=[("en", "UTC"), ("de", "Europe/Brussels"), ("fr", "America/New_York")])
def locale(request):
    language, zone = request.param
    with translation.override(language), timezone.override(zone):
        yield


def test_entry_rows_equal_the_template(locale):
    rows = entries()
    assert render("{% load portal_tables %}{% entry_rows entries %}", entries=rows) == render(
        ENTRY_ROWS, entries=rows
    )


@pytest.mark.parametrize("show_pdf", [True, False])
def test_invoice_rows_equal_the_template(locale, show_pdf):
    rows = invoices()
    new = render(
        "{% load portal_tables %}{% invoice_rows invoices show_pdf %}",
        invoices=rows,
        show_pdf=show_pdf,
    )
    assert new == render(INVOICE_ROWS, invoices=rows, show_pdf=show_pdf)
    assert "days overdue" in new or translation.get_language() != "en"


def test_project_cards_equal_the_template(locale):
    cards = projects()
    new = render("{% load portal_tables %}{% project_cards projects %}", projects=cards)
    assert new == render(PROJECT_CARDS, projects=cards)
    assert "&lt;b&gt;" in new and "<b>" not in new


@pytest.mark.parametrize("value", [None, "", "2", "<x>"])
def test_fast_select_equals_the_django_select(value):
    choices = [
        ("", "All projects"),
        ("1", HOSTILE),
        ("2", "Two"),
        ("Group <g>", [("3", "Three"), ("4", "<four>")]),
    ]
    attrs = {"id": "id_project", "aria-describedby": "x-error", "required": True, "off": False}

    def html(widget_class):
        widget = widget_class(choices=choices)
        return re.sub(r">\s+<", "><", widget.render("project_id", value, attrs)).strip()

    assert html(FastSelect) == html(forms.Select)
