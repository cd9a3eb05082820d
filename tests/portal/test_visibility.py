"""Per-client visibility (§10) on every portal output: pages, CSV, PDF and print view.

One distinctive value per toggle — a note, a team member's name, a budget figure — is
searched for in the raw response: absent when the toggle is off (not hidden with CSS),
present when it is on. The policy itself is ``clients/visibility.py``.
"""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clients.models import Client
from invoicing.services import invoice_issue, invoice_item_add
from tests.factories import InvoiceFactory, ProjectFactory, StaffUserFactory, TimeEntryFactory
from tests.portal.conftest import response_text

pytestmark = pytest.mark.django_db

NOTE = "NOTE-zanzibar-roadmap"
NAME = "Philippa Quackenbush"
BUDGET = "137.25"

ENTRY_PAGES = ["portal:dashboard", "portal:time_entries"]


@pytest.fixture
def work(acme):
    project = ProjectFactory(client=acme, name="Acme Website", budget_hours=Decimal(BUDGET))
    worker = StaffUserFactory(first_name="Philippa", last_name="Quackenbush")
    start = timezone.now() - dt.timedelta(hours=3)
    entry = TimeEntryFactory(
        project=project,
        user=worker,
        start_time=start,
        end_time=start + dt.timedelta(hours=1),
        notes=NOTE,
    )
    return {"project": project, "worker": worker, "entry": entry}


def set_visibility(client, **flags):
    """Change the client's toggles in the database: the next request loads them fresh."""
    Client.objects.filter(pk=client.pk).update(**flags)


def get_text(portal_client, name, *args):
    response = portal_client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response_text(response)


# -- pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize("page", ENTRY_PAGES)
def test_pages_show_entry_notes_by_default(acme_client, work, page):
    html = get_text(acme_client, page)
    assert NOTE in html
    assert ">Notes</th>" in html


@pytest.mark.parametrize("page", ENTRY_PAGES)
def test_pages_leave_notes_and_their_column_out_when_notes_are_off(acme_client, acme, work, page):
    set_visibility(acme, portal_show_notes=False)
    html = get_text(acme_client, page)
    assert NOTE not in html
    assert ">Notes</th>" not in html and 'data-label="Notes"' not in html
    # Only the notes go: the rest of the row is still there.
    assert "Acme Website" in html and NAME in html


@pytest.mark.parametrize("page", ENTRY_PAGES)
def test_pages_name_team_members_by_default(acme_client, work, page):
    assert NAME in get_text(acme_client, page)


@pytest.mark.parametrize("page", ENTRY_PAGES)
def test_pages_say_team_member_when_names_are_off(acme_client, acme, work, page):
    set_visibility(acme, portal_show_team_names=False)
    html = get_text(acme_client, page)
    assert NAME not in html and "Philippa" not in html and "Quackenbush" not in html
    assert 'data-label="Team member">Team member</td>' in html
    assert NOTE in html


def test_projects_page_hides_budgets_by_default(acme_client, work):
    html = get_text(acme_client, "portal:projects")
    assert "Acme Website" in html
    assert BUDGET not in html and "Budget" not in html


def test_projects_page_shows_budgets_when_allowed(acme_client, acme, work):
    set_visibility(acme, portal_show_budget=True)
    html = get_text(acme_client, "portal:projects")
    assert "<dt>Budget</dt><dd>137.25 h</dd>" in html


def test_projects_page_shows_no_budget_row_for_a_project_without_one(acme_client, acme, work):
    set_visibility(acme, portal_show_budget=True)
    work["project"].budget_hours = None
    work["project"].save()
    assert "Budget" not in get_text(acme_client, "portal:projects")


@pytest.mark.parametrize("page", [*ENTRY_PAGES, "portal:projects"])
def test_hiding_everything_costs_no_extra_query(acme_client, acme, work, page):
    """The policy reads fields of the client loaded with the user: the count is the same."""
    acme_client.get(reverse(page))  # warm up (session renewal, caches)
    counts = []
    for flags in (
        {"portal_show_notes": True, "portal_show_team_names": True, "portal_show_budget": True},
        {"portal_show_notes": False, "portal_show_team_names": False, "portal_show_budget": False},
    ):
        set_visibility(acme, **flags)
        with CaptureQueriesContext(connection) as queries:
            assert acme_client.get(reverse(page)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# -- CSV -------------------------------------------------------------------------------------


def csv_lines(portal_client):
    response = portal_client.get(reverse("portal:time_entries_csv"))
    assert response.status_code == 200
    return response_text(response).splitlines()


def test_csv_has_notes_and_names_by_default(acme_client, work):
    header, row = csv_lines(acme_client)
    assert header.endswith(",notes") and "team member" in header
    assert row.endswith("," + NOTE)
    assert NAME in row


def test_csv_keeps_the_notes_column_empty_when_notes_are_off(acme_client, acme, work):
    set_visibility(acme, portal_show_notes=False)
    lines = csv_lines(acme_client)
    assert lines[0].endswith(",notes")  # the columns never change
    assert NOTE not in "\n".join(lines)
    assert lines[1].endswith(",")  # an empty notes cell
    assert NAME in lines[1]


def test_csv_says_team_member_when_names_are_off(acme_client, acme, work):
    set_visibility(acme, portal_show_team_names=False)
    text = "\n".join(csv_lines(acme_client))
    assert NAME not in text and "Quackenbush" not in text
    assert ",Team member," in text
    assert NOTE in text


# -- invoice pages, PDF and print view -------------------------------------------------------
# They show items, totals and payments, never entry notes, people or budgets; these guard
# that an invoice billing the entry leaks none of them, whatever the toggles.


@pytest.fixture
def billed(acme, work):
    invoice = InvoiceFactory(client=acme, invoice_number="ACME-0042", status="draft")
    invoice_item_add(
        invoice=invoice,
        description="Design work",
        quantity=Decimal("1"),
        unit_price=Decimal("10.00"),
        time_entries=[work["entry"]],
    )
    return invoice_issue(invoice=invoice)


@pytest.mark.parametrize(
    "name", ["portal:invoice_detail", "portal:invoice_pdf", "portal:invoice_print"]
)
def test_invoice_documents_never_show_notes_people_or_budgets(acme_client, acme, billed, name):
    set_visibility(acme, portal_show_notes=False, portal_show_team_names=False)
    text = get_text(acme_client, name, billed.pk)
    assert billed.invoice_number in text
    for hidden in (NOTE, NAME, "Quackenbush", BUDGET):
        assert hidden not in text
