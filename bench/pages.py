"""Which portal pages to measure (PRODUCT.md §3.2), with ids and ranges read from the data."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

ENTRIES_PER_PAGE = 50  # PRODUCT.md §3.6


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    # Extra request headers, e.g. an API token: (("Authorization", "Bearer ..."),)
    headers: tuple[tuple[str, str], ...] = ()


def previous_month(on: dt.date) -> tuple[dt.date, dt.date]:
    """First and last day of the calendar month before ``on``."""
    last = on.replace(day=1) - dt.timedelta(days=1)
    return last.replace(day=1), last


def portal_pages(*, username: str) -> list[Page]:
    """Every portal page for the user's client: lists, filters, a detail and far pages.

    Ids and page numbers come from the database, so the list is right for any dataset:
    the newest visible invoice, the busiest project (its page and its entries), last month,
    the first, middle and last page of the time entries and the last page of the invoices.
    """
    from django.db.models import Count

    from accounts.models import User
    from clients.models import Project
    from invoicing.models import Invoice
    from timetracker.dates import today
    from tracking.models import TimeEntry

    client = User.objects.get(username=username).client
    invoice = Invoice.objects.for_client(client).portal_visible().order_by("-issue_date").first()
    project = (
        Project.objects.for_client(client)
        .annotate(n=Count("time_entries"))
        .order_by("-n", "pk")
        .first()
    )
    from portal.views import InvoiceListView

    invoices = Invoice.objects.for_client(client).portal_visible().count()
    last_invoice_page = max(1, math.ceil(invoices / InvoiceListView.paginate_by))
    entries = TimeEntry.objects.for_client(client).finished().count()
    last_page = max(1, math.ceil(entries / ENTRIES_PER_PAGE))
    month_from, month_to = previous_month(today())

    base = "/client-portal/"
    pages = [
        Page("dashboard", base),
        Page("projects", f"{base}projects/"),
        Page("invoices: all", f"{base}invoices/?status=all"),
        Page("invoices: paid", f"{base}invoices/?status=paid"),
        Page("invoices: unpaid", f"{base}invoices/?status=unpaid"),
        Page("invoices: overdue", f"{base}invoices/?status=overdue"),
        Page("invoices: last page", f"{base}invoices/?page={last_invoice_page}"),
    ]
    if invoice is not None:
        pages.append(Page("invoice detail", f"{base}invoices/{invoice.pk}/"))
    if project is not None:
        pages.append(Page("project detail", f"{base}projects/{project.pk}/"))
    entries_url = f"{base}time-entries/"
    pages.append(Page("time entries", entries_url))
    if project is not None:
        pages.append(Page("time entries: project", f"{entries_url}?project_id={project.pk}"))
    pages += [
        Page(
            "time entries: one month",
            f"{entries_url}?date_from={month_from:%Y-%m-%d}&date_to={month_to:%Y-%m-%d}",
        ),
        Page("time entries: first page", f"{entries_url}?page=1"),
        Page("time entries: middle page", f"{entries_url}?page={max(1, (last_page + 1) // 2)}"),
        Page("time entries: last page", f"{entries_url}?page={last_page}"),
    ]
    return pages


def drf_cursor(position: str) -> str:
    """A DRF cursor (as ``CursorPagination.encode_cursor`` writes it) for ``position``."""
    import base64
    from urllib.parse import quote, urlencode

    return quote(base64.b64encode(urlencode({"p": position}).encode("ascii")).decode("ascii"))


def api_pages(*, client_username: str, internal_username: str) -> list[Page]:
    """The REST API's list endpoints (PRODUCT.md §8), each with a bearer token made here.

    Time entries and invoices as the benchmark client's user (the portal's heaviest scope),
    first page and a deep cursor (the middle of their entries); the report as an internal
    user. Tokens are created in the benchmark database (``api_token_create``).
    """
    from accounts.models import User
    from accounts.services import api_token_create
    from tracking.models import TimeEntry

    def bearer(username, scope):
        user = User.objects.get(username=username)
        _, secret = api_token_create(user=user, name="bench", scope=scope)
        return (("Authorization", f"Bearer {secret}"),), user

    client_auth, client_user = bearer(client_username, "read")
    staff_auth, _ = bearer(internal_username, "read")
    entries = TimeEntry.objects.for_client(client_user.client).finished()
    middle = entries.count() // 2
    position = (
        entries.order_by("-start_time", "-id").values_list("start_time", flat=True)[middle]
        if middle
        else None
    )
    base = "/api/v1/"
    pages = [Page("api: time entries", f"{base}time-entries/", client_auth)]
    if position is not None:
        cursor = drf_cursor(str(position))
        pages.append(
            Page(
                "api: time entries, deep cursor",
                f"{base}time-entries/?cursor={cursor}",
                client_auth,
            )
        )
    pages += [
        Page("api: invoices overdue", f"{base}invoices/?status=overdue", client_auth),
        Page("api: projects", f"{base}projects/", client_auth),
        Page("api: reports (staff)", f"{base}reports/", staff_auth),
    ]
    return pages


def dashboard_load_pages(pages: list[Page]) -> list[Page]:
    """The headline load run (issue 12: ≥ 100 requests/s with 2 workers): the dashboard only."""
    return [page for page in pages if page.name == "dashboard"]


def load_pages(pages: list[Page]) -> list[Page]:
    """The mixed load run: the dashboard and the time entries, alternately."""
    wanted = {"dashboard", "time entries"}
    return [page for page in pages if page.name in wanted]
