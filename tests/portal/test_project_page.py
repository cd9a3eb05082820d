"""The project page (PRODUCT.md §10): access, what it shows, budget visibility, queries."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from clients.models import Project, ProjectComment, ProjectUpdate
from invoicing.models import InvoiceItem
from tests.factories import (
    ClientUserFactory,
    InvoiceFactory,
    InvoiceItemFactory,
    ProjectFactory,
    StaffUserFactory,
)
from tests.portal.conftest import bulk_entries
from tests.portal.test_dashboard import NOW, entry, ny
from tracking.services import rollups_rebuild

pytestmark = pytest.mark.django_db

BASELINE = 2  # session + user with client (see test_queries.py)


def url(project):
    return reverse("portal:project_detail", args=[project.pk])


@pytest.fixture
def staff_author(db):
    return StaffUserFactory(first_name="Stella", last_name="Staffer")


def publish(project, *, title, days_ago=0, status="on_track", author=None, **kwargs):
    return ProjectUpdate.objects.create(
        project=project,
        title=title,
        status=status,
        author=author,
        published_at=timezone.now() - dt.timedelta(days=days_ago),
        **kwargs,
    )


def test_anonymous_is_sent_to_login(client, acme_project):
    response = client.get(url(acme_project))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_it_shows_the_project(acme_client, acme_project):
    acme_project.description = "Relaunch of the website"
    acme_project.save()
    response = acme_client.get(url(acme_project))
    assert response.status_code == 200
    assert b"Relaunch of the website" in response.content
    assert b"Acme Website" in response.content


def test_other_clients_project_is_404(acme_client, globex):
    other = ProjectFactory(client=globex, name="GLOBEX-SECRET")
    assert acme_client.get(url(other)).status_code == 404


def test_missing_project_is_404(acme_client):
    response = acme_client.get(reverse("portal:project_detail", args=[987654]))
    assert response.status_code == 404


def test_huge_id_is_404(acme_client):
    assert acme_client.get("/client-portal/projects/99999999999999999999/").status_code == 404


@pytest.mark.parametrize("status", [Project.Status.INACTIVE, Project.Status.ARCHIVED])
def test_inactive_and_archived_projects_are_shown_and_marked(acme_client, acme, status):
    project = ProjectFactory(client=acme, name="Old one", status=status)
    response = acme_client.get(url(project))
    assert response.status_code == 200
    assert f"badge--{status}".encode() in response.content


def test_post_to_the_page_is_405(acme_client, acme_project):
    assert acme_client.post(url(acme_project)).status_code == 405


def test_hours_and_uninvoiced_hours(acme_client, acme_project, acme):
    start = timezone.now() - dt.timedelta(days=2)
    # 4 × 30 min, of which 3 billable; one billable entry is on an issued invoice.
    entries = bulk_entries(acme_project, 4, start=start, billable=lambda n: n != 0)
    billed = [{"time_entries": [entries[1]]}]
    issued = InvoiceFactory(client=acme, status="sent", project=None, items=billed)
    draft = InvoiceFactory(client=acme, status="draft")
    InvoiceItemFactory(invoice=draft).time_entries.add(entries[2])
    response = acme_client.get(url(acme_project))
    ctx = response.context
    assert ctx["seconds_total"] == 4 * 1800
    assert ctx["seconds_billable"] == 3 * 1800
    # Entries 2 and 3: the draft does not count as invoiced.
    assert ctx["project"].uninvoiced_seconds == 2 * 1800
    assert ctx["project"].last_entry_at is not None
    assert len(ctx["chart"]["bars"]) == 12
    assert b"<svg" in response.content
    # The invoice that bills an entry of the project is listed; the draft never.
    assert [i.pk for i in ctx["invoices"]] == [issued.pk]


def test_last_entry_is_the_latest_start_not_the_latest_logged(acme_client, acme_project):
    newest = timezone.now() - dt.timedelta(days=1)
    bulk_entries(acme_project, 1, start=newest)
    bulk_entries(acme_project, 1, start=newest - dt.timedelta(days=5))  # logged afterwards
    project = acme_client.get(url(acme_project)).context["project"]
    assert project.last_entry_at == newest


def test_nothing_billable_is_nothing_uninvoiced(acme_client, acme_project):
    bulk_entries(acme_project, 2, start=timezone.now(), billable=lambda n: False)
    response = acme_client.get(url(acme_project))
    assert response.context["project"].uninvoiced_seconds == 0
    figure = 'data-figure="project-uninvoiced"><span class="hours"><span class="hours__hm">0:00<'
    assert figure in response.content.decode()


def test_chart_buckets_the_projects_hours_by_local_week(
    settings, monkeypatch, acme_client, acme_project
):
    settings.TIME_ZONE = "America/New_York"
    rollups_rebuild()
    monkeypatch.setattr(timezone, "now", lambda: NOW.astimezone(dt.UTC))
    entry(acme_project, ny(2024, 3, 11, 0, 0), 120)  # Monday 00:00: this week
    entry(acme_project, ny(2024, 3, 4, 9, 0), 60)  # the Monday before: last week only
    entry(acme_project, ny(2023, 12, 24, 23, 0), 45)  # before the chart

    bars = acme_client.get(url(acme_project)).context["chart"]["bars"]

    assert (bars[0].week, bars[-1].week) == (dt.date(2023, 12, 25), dt.date(2024, 3, 11))
    assert [bar.seconds for bar in bars] == [0] * 10 + [3600, 7200]


def test_invoices_of_the_project_only(acme_client, acme_project, acme):
    mine = InvoiceFactory(client=acme, status="paid", project=acme_project)
    InvoiceFactory(client=acme, status="sent", project=ProjectFactory(client=acme))
    InvoiceFactory(client=acme, status="draft", project=acme_project)
    response = acme_client.get(url(acme_project))
    assert [i.pk for i in response.context["invoices"]] == [mine.pk]


def test_invoices_by_project_and_by_billed_entries_newest_ten_once_each(
    acme_client, acme_project, acme
):
    entries = bulk_entries(acme_project, 3, start=timezone.now() - dt.timedelta(days=40))
    other = ProjectFactory(client=acme)
    day = timezone.localdate()

    def invoice(days_ago, **kwargs):
        issue = day - dt.timedelta(days=days_ago)
        return InvoiceFactory(
            client=acme, issue_date=issue, due_date=issue + dt.timedelta(days=14), **kwargs
        )

    # Of the project: 8 by its project field, one of them also billing two of its entries.
    both = [{"time_entries": [entries[0], entries[1]]}]
    by_project = [
        invoice(n, status="sent", project=acme_project, items=both if n == 0 else None)
        for n in range(8)
    ]
    # Of another project (or none) but billing one of this project's entries.
    billing = invoice(20, status="paid", project=other, items=[{"time_entries": [entries[2]]}])
    older = invoice(30, status="cancelled", project=acme_project)
    oldest = invoice(31, status="sent", project=acme_project)
    # Never: a draft of the project, and other projects' invoices.
    invoice(1, status="draft", project=acme_project)
    for n in range(3):
        invoice(n, status="sent", project=other)

    response = acme_client.get(url(acme_project))

    expected = [i.pk for i in [*by_project, billing, older]]
    assert [i.pk for i in response.context["invoices"]] == expected
    assert oldest.pk not in expected


def test_published_updates_newest_first_and_drafts_never(acme_client, acme_project, staff_author):
    publish(acme_project, title="Older update", days_ago=3, author=staff_author)
    publish(acme_project, title="Newer update", days_ago=1, status="at_risk")
    ProjectUpdate.objects.create(project=acme_project, title="DRAFT-UPDATE", status="done")
    response = acme_client.get(url(acme_project))
    body = response.content.decode()
    assert "DRAFT-UPDATE" not in body
    assert body.index("Newer update") < body.index("Older update")
    assert "badge--at_risk" in body
    assert "Stella Staffer" in body


def test_team_names_follow_visibility(acme_client, acme_project, acme, staff_author):
    publish(acme_project, title="Update", author=staff_author)
    ProjectComment.objects.create(project=acme_project, author=staff_author, body="Hello")
    acme.portal_show_team_names = False
    acme.save()
    body = acme_client.get(url(acme_project)).content.decode()
    assert "Stella" not in body
    assert "Team member" in body


def test_internal_and_deleted_comments_are_never_shown(
    acme_client, acme_project, acme_user, staff_author
):
    ProjectComment.objects.create(project=acme_project, author=staff_author, body="VISIBLE-REPLY")
    ProjectComment.objects.create(
        project=acme_project, author=staff_author, body="INTERNAL-NOTE", internal=True
    )
    ProjectComment.objects.create(
        project=acme_project,
        author=acme_user,
        from_client=True,
        body="DELETED-ONE",
        deleted_at=timezone.now(),
    )
    body = acme_client.get(url(acme_project)).content.decode()
    assert "VISIBLE-REPLY" in body
    assert "INTERNAL-NOTE" not in body
    assert "DELETED-ONE" not in body


def test_comment_authors_by_name_and_a_former_user_without_one(
    acme_client, acme_project, acme_user, staff_author
):
    for author, from_client in ((acme_user, True), (None, True), (staff_author, False)):
        ProjectComment.objects.create(
            project=acme_project, author=author, from_client=from_client, body="x"
        )
    body = acme_client.get(url(acme_project)).content.decode()
    assert f"<strong>{acme_user.display_name}</strong>" in body
    assert "<strong>Stella Staffer</strong>" in body
    assert body.count("<strong>Former user</strong>") == 1


def test_the_comment_form_leaves_the_length_to_the_server(acme_client, acme_project):
    body = acme_client.get(url(acme_project)).content.decode()
    textarea = re.search(r"<textarea [^>]*>", body).group(0)
    assert 'name="body"' in textarea and "maxlength" not in textarea
    assert '<label for="id_body">Your comment</label>' in body


def test_comments_are_paginated(acme_client, acme_project, acme_user):
    ProjectComment.objects.bulk_create(
        ProjectComment(project=acme_project, author=acme_user, from_client=True, body=f"c{n}")
        for n in range(25)
    )
    response = acme_client.get(url(acme_project))
    assert len(response.context["comments"]) == 20
    assert "Page 1 of 2" in response.content.decode()
    second = acme_client.get(url(acme_project), {"page": "2"})
    assert len(second.context["comments"]) == 5
    # A bad page number is the last or first page, never an error.
    assert acme_client.get(url(acme_project), {"page": "x"}).status_code == 200


def test_budget_is_absent_unless_the_client_may_see_it(acme_client, acme_project, acme):
    acme_project.budget_hours = Decimal("1")
    acme_project.save()
    bulk_entries(acme_project, 3, start=timezone.now() - dt.timedelta(days=1))  # 1.5 h
    body = acme_client.get(url(acme_project)).content.decode()
    assert "Budget" not in body and "budget-bar" not in body and "Over budget" not in body
    acme.portal_show_budget = True
    acme.save()
    response = acme_client.get(url(acme_project))
    body = response.content.decode()
    assert "budget-bar" in body and "Over budget" in body
    assert response.context["budget"]["used_percent"] == 150
    assert response.context["budget"]["percent"] == 100


@pytest.mark.parametrize(
    ("budget", "figure", "value"),
    [("1.60", "93% used", 'value="93"'), ("1.50", "100% used", 'value="100"')],
)
def test_budget_card_shows_the_share_used_of_the_hours(
    acme_client, acme_project, acme, budget, figure, value
):
    acme.portal_show_budget = True
    acme.save()
    acme_project.budget_hours = Decimal(budget)
    acme_project.save()
    bulk_entries(acme_project, 3, start=timezone.now() - dt.timedelta(days=1))  # 1.5 h
    body = acme_client.get(url(acme_project)).content.decode()
    assert f'<p class="card__figure">{figure}</p>' in body
    assert f'<progress class="budget-bar" max="100" {value}' in body
    assert f"{budget} hours budgeted" in body
    assert "Over budget" not in body  # exactly the budget is not over it


def test_budget_within_limit_is_not_over(acme_client, acme_project, acme):
    acme.portal_show_budget = True
    acme.save()
    acme_project.budget_hours = Decimal("10")
    acme_project.save()
    bulk_entries(acme_project, 2, start=timezone.now() - dt.timedelta(days=1))
    response = acme_client.get(url(acme_project))
    assert "budget-bar" in response.content.decode()
    assert "Over budget" not in response.content.decode()
    assert response.context["budget"]["used_percent"] == 10


def test_linked_from_projects_list_dashboard_and_time_entries(acme_client, acme_project):
    bulk_entries(acme_project, 1, start=timezone.now() - dt.timedelta(hours=3))
    link = f'href="{url(acme_project)}"'
    for name in ("portal:projects", "portal:dashboard", "portal:time_entries"):
        assert link in acme_client.get(reverse(name)).content.decode(), name


def test_dashboard_shows_latest_update_with_status(acme_client, acme_project, acme):
    publish(acme_project, title="Old news", days_ago=5, status="on_track")
    publish(acme_project, title="Latest news", days_ago=1, status="off_track")
    ProjectUpdate.objects.create(project=acme_project, title="DRAFT-UPDATE", status="done")
    body = acme_client.get(reverse("portal:dashboard")).content.decode()
    assert "Latest news" in body and "badge--off_track" in body
    assert "Old news" not in body and "DRAFT-UPDATE" not in body


def make_data(project, *, size, author, client_user):
    start = timezone.now() - dt.timedelta(days=80)
    entries = bulk_entries(project, size, start=start, billable=lambda n: n % 3 != 0)
    billed = [{"time_entries": entries[: size // 2]}]
    for items in (billed, None, None):
        InvoiceFactory(client=project.client, status="sent", project=project, items=items)
    ProjectUpdate.objects.bulk_create(
        ProjectUpdate(
            project=project,
            title=f"u{n}",
            author=author,
            published_at=timezone.now() - dt.timedelta(hours=n) if n % 4 else None,
        )
        for n in range(size // 10)
    )
    ProjectComment.objects.bulk_create(
        ProjectComment(
            project=project,
            author=author if n % 2 else client_user,
            from_client=not n % 2,
            internal=bool(n % 2 and n % 3 == 0),
            body=f"comment {n}",
        )
        for n in range(size // 5)
    )
    assert InvoiceItem.objects.exists()


@pytest.mark.parametrize("size", [20, 300])
def test_query_count_is_fixed(
    acme_client, acme_project, acme, acme_user, staff_author, size, django_assert_max_num_queries
):
    acme.portal_show_budget = True
    acme.save()
    acme_project.budget_hours = Decimal("40")
    acme_project.save()
    make_data(acme_project, size=size, author=staff_author, client_user=acme_user)
    # Page queries: 1. the project with its last entry and uninvoiced seconds (subqueries);
    # 2. hours this month and per chart week (rollup); 3. totals (rollup); 4. its invoices;
    # 5. published updates with authors; 6. the comments' count; 7. the page of comments
    # with authors.
    with django_assert_max_num_queries(BASELINE + 7):
        response = acme_client.get(url(acme_project))
    assert response.status_code == 200
    assert response.context["updates"] and response.context["comments"]


@pytest.mark.parametrize("size", [3, 60])
def test_dashboard_query_count_with_updates(acme_client, acme, size, django_assert_max_num_queries):
    for n in range(5):
        project = ProjectFactory(client=acme, name=f"P{n}")
        for i in range(size):
            publish(project, title=f"{n}-{i}", days_ago=i)
    with django_assert_max_num_queries(BASELINE + 5):
        response = acme_client.get(reverse("portal:dashboard"))
    assert all(p.latest_update_title for p in response.context["projects"])


def test_portal_user_of_another_client_cannot_see_it(client, acme_project, globex):
    client.force_login(ClientUserFactory(client=globex))
    assert client.get(url(acme_project)).status_code == 404
