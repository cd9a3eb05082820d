"""The time-entry filter's project field: choices shared by the form's copy, same behaviour."""

import copy

from django.http import QueryDict

from portal.filters import SharedChoiceField, TimeEntryFilter
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
