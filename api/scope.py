"""What one API user may see: the admin's funnel for internal users, the portal's for clients.

Internal users (staff, subcontractors, admins) read through ``Model.objects.visible_to(user)``,
exactly as the admin does. Client users read what the Client Portal shows them
(``user.get_client_portal_data()``, built on ``for_client``): their client, its projects,
portal-visible invoices and finished time entries. Every API queryset starts here.
"""

from __future__ import annotations

from clients.models import Client, Project
from invoicing.models import ClientInvoiceCount, ClientUnpaid, Invoice
from tracking.models import TimeEntry


def remember_scope(user) -> None:
    """Look the user's scope up once per request, not once per queryset.

    A list view builds several scoped querysets (the rows, the filter choices, the writable
    ``project`` field); each ``visible_to`` asks ``user.get_allowed_client_ids()``, a query for
    a subcontractor. The request's user object lives for one request, so its answer is
    remembered on that object.
    """
    if not user.is_authenticated or getattr(user, "_api_scope_remembered", False):
        return
    allowed = user.get_allowed_client_ids()
    frozen = None if allowed is None else frozenset(allowed)
    user.get_allowed_client_ids = lambda: None if frozen is None else set(frozen)
    user._api_scope_remembered = True


def is_internal(user) -> bool:
    """Staff, subcontractors and admins: the people who work in the admin."""
    return bool(user.is_authenticated and user.is_active and user.is_staff)


def is_client_user(user) -> bool:
    """A client portal user (not staff) of an active client."""
    return bool(
        user.is_authenticated
        and user.is_active
        and not user.is_staff
        and user.is_client_portal_user
        and user.client.is_active
    )


def visibility_for(user):
    """The client's visibility policy (``client.visibility``) for a client user, else ``None``.

    Internal users see everything in their scope. The client was loaded with the user (the
    token's or the session's lookup), so this reads fields, never the database.
    """
    return user.client.visibility if is_client_user(user) else None


def _portal(user, key):
    data = user.get_client_portal_data() if is_client_user(user) else None
    return None if data is None else data[key]


def clients_for(user):
    if is_internal(user):
        return Client.objects.visible_to(user)
    if is_client_user(user):
        return Client.objects.for_client(user.client_id)
    return Client.objects.none()


def projects_for(user):
    # Client users see every project of their client, whatever its status, as on the
    # portal's project and time-entry pages (§3.6, §10).
    if is_internal(user):
        return Project.objects.visible_to(user)
    if is_client_user(user):
        return Project.objects.for_client(user.client_id)
    return Project.objects.none()


def time_entries_for(user):
    if is_internal(user):
        return TimeEntry.objects.visible_to(user)
    entries = _portal(user, "time_entries")
    return TimeEntry.objects.none() if entries is None else entries


def invoices_for(user):
    if is_internal(user):
        return Invoice.objects.visible_to(user)
    invoices = _portal(user, "invoices")
    return Invoice.objects.none() if invoices is None else invoices


def invoice_count_for(user, *, status: str, client=None) -> int | None:
    """The length of ``invoices_for(user)`` in ``status`` (of ``client``) from the invoice
    tallies (per status; per due date of the unpaid ones), without counting the invoices;
    ``None`` for a status they do not tell (the list counts that itself)."""
    wanted = {"all": None, "paid": (Invoice.Status.PAID,)}
    if status not in (*wanted, "unpaid", "overdue"):
        return None
    if is_internal(user):
        counts = ClientInvoiceCount.objects.visible_to(user)
        unpaid = ClientUnpaid.objects.visible_to(user)
        statuses = wanted.get(status) or Invoice.Status.values
    elif is_client_user(user):
        counts = ClientInvoiceCount.objects.for_client(user.client_id)
        unpaid = ClientUnpaid.objects.for_client(user.client_id)
        statuses = wanted.get(status) or Invoice.PORTAL_STATUSES
    else:
        return 0
    if client is not None:
        counts, unpaid = counts.for_client(client), unpaid.for_client(client)
    if status in wanted:
        return counts.total(statuses)
    # Unpaid invoices are sent ones, which every invoice scope shows.
    return unpaid.counts()[status]
