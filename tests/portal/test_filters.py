"""The portal's filters: the time-entry project field (choices shared by the form's copy,
same behaviour; its rows without a query string) and the invoice status (its message, its
day)."""

import copy
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import QueryDict

from invoicing.models import Invoice
from portal.filters import (
    InvoiceFilter,
    ProjectChoices,
    SharedChoiceField,
    TimeEntryFilter,
    project_search_term,
    validate_invoice_status,
)
from tests.factories import InvoiceFactory, ProjectFactory
from timetracker.dates import today
from tracking.models import TimeEntry

ROWS = [(1, "Website", "active"), (2, "Old shop", "archived")]


def test_a_copy_shares_the_rows_and_reads_its_own_labels():
    field = SharedChoiceField(choices=[("1", "Website")], empty_label="All projects")
    clone = copy.deepcopy(field)
    clone.empty_label = "Every project"

    assert clone._choices.choices is field._choices.choices
    assert list(clone.choices) == [("", "Every project"), ("1", "Website")]
    assert list(field.choices) == [("", "All projects"), ("1", "Website")]


def test_each_filter_has_its_own_projects_and_validates_against_them():
    first = TimeEntryFilter(QueryDict("project_id=2"), TimeEntry.objects.none(), projects=ROWS)
    other = TimeEntryFilter(QueryDict("project_id=2"), TimeEntry.objects.none(), projects=ROWS[:1])

    assert first.form.is_valid()
    assert not other.form.is_valid()
    assert [value for value, _ in first.form.fields["project_id"].choices] == ["", "1", "2"]
    assert 'value="2" selected' in str(first.form["project_id"])


def test_an_unknown_status_names_itself_and_the_choices():
    with pytest.raises(ValidationError) as caught:
        validate_invoice_status("draft")

    assert caught.value.code == "invalid_choice"
    assert caught.value.messages == [
        "Unknown status “draft”. Choose one of: all, paid, unpaid, overdue."
    ]


def test_an_unknown_status_is_quoted_up_to_40_characters():
    with pytest.raises(ValidationError) as caught:
        validate_invoice_status("x" * 41)

    assert caught.value.messages[0].startswith(f"Unknown status “{'x' * 40}”.")


@pytest.mark.django_db
def test_the_status_filter_is_relative_to_its_day(acme):
    """``on`` decides what is overdue: the invoice list passes the day it counted the tabs on."""
    day = today()
    InvoiceFactory(client=acme, invoice_number="A-DUE-SOON", due_date=day + dt.timedelta(3))
    invoices = Invoice.objects.for_client(acme)

    def overdue(on):
        filterset = InvoiceFilter(QueryDict("status=overdue"), invoices, on=on)
        return [invoice.invoice_number for invoice in filterset.qs]

    assert overdue(day) == []
    assert overdue(day + dt.timedelta(days=4)) == ["A-DUE-SOON"]


@pytest.mark.parametrize(
    ("query", "valid"),
    [
        ("date_from=1900-01-01&date_to=9998-12-31", True),
        ("date_from=1899-12-31", False),
        ("date_to=9999-01-01", False),
    ],
)
def test_the_date_range_takes_its_first_and_last_day(query, valid):
    filterset = TimeEntryFilter(QueryDict(query), TimeEntry.objects.none(), projects=ROWS)
    assert filterset.form.is_valid() is valid


def test_a_project_that_is_not_active_says_its_status():
    filterset = TimeEntryFilter(QueryDict(), TimeEntry.objects.none(), projects=ROWS)
    labels = [str(label) for _, label in filterset.form.fields["project_id"].choices]
    assert labels == ["All projects", "Website", "Old shop (archived)"]


def test_no_query_string_is_no_search():
    assert project_search_term(None) == ""
    assert project_search_term(QueryDict("project_search=" + "x" * 150)) == "x" * 100


@pytest.mark.django_db
def test_project_rows_without_a_query_string_are_all_the_projects(acme):
    """``data`` is optional: no selection, no search."""
    website = ProjectFactory(client=acme, name="Website")

    assert TimeEntryFilter.project_choices_rows(acme) == ProjectChoices(
        rows=[(website.pk, "Website", "active")], total=1
    )
