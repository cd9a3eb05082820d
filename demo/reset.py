"""What is in the database already, and deleting it before a re-seed (``seed_demo --reset``)."""

from __future__ import annotations

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from accounts.models import User, UserClient
from clients.models import Client, CommentDelivery, Project, ProjectComment, ProjectUpdate
from invoicing.models import Invoice, InvoiceDelivery, InvoiceItem, Payment
from tracking.models import TimeEntry

from .plan import DEMO_EMAIL_DOMAIN, DemoPlan


def demo_data_exists(*, using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether the database already holds business data or demo users."""
    demo_users = User.objects.using(using).filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    return (
        Client.objects.using(using).exists()
        or TimeEntry.objects.using(using).exists()
        or Invoice.objects.using(using).exists()
        or demo_users.exists()
    )


def demo_username_conflicts(plan: DemoPlan, *, using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Usernames the plan needs that belong to users who are not demo users."""
    wanted = [login.username for login in plan.logins] + [m.username for m in plan.team]
    return sorted(
        User.objects.using(using)
        .filter(username__in=wanted)
        .exclude(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
        .values_list("username", flat=True)
    )


def demo_existing_counts(*, using: str = DEFAULT_DB_ALIAS) -> dict[str, int]:
    """Rows of each main model now in the database."""
    return {
        "clients": Client.objects.using(using).count(),
        "projects": Project.objects.using(using).count(),
        "time_entries": TimeEntry.objects.using(using).count(),
        "invoices": Invoice.objects.using(using).count(),
        "users": User.objects.using(using).count(),
    }


@transaction.atomic
def demo_reset(*, using: str = DEFAULT_DB_ALIAS) -> None:
    """Delete all clients, projects, time entries, invoices and demo users (FK-safe order).

    Users who are not demo users stay; their portal client and assignments are cleared, as
    ``on_delete`` would when the client goes.
    """
    connection = connections[using]
    # Children before parents; the big tables go first and without per-row work.
    big = [
        Payment,
        InvoiceItem.time_entries.through,
        InvoiceItem,
        InvoiceDelivery,
        Invoice,
        TimeEntry,
    ]
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # TRUNCATE refuses while deferred FK checks of this transaction are pending.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            tables = ", ".join(quote(m._meta.db_table) for m in big)
            cursor.execute(f"TRUNCATE {tables}")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        else:
            for model in big:
                cursor.execute(f"DELETE FROM {quote(model._meta.db_table)}")  # noqa: S608
    UserClient.objects.using(using).all().delete()
    User.objects.using(using).filter(client__isnull=False).update(
        client=None, client_portal_enabled=False
    )
    for model in (CommentDelivery, ProjectComment, ProjectUpdate):
        model.objects.using(using).all().delete()
    Project.objects.using(using).all().delete()
    Client.objects.using(using).all().delete()
    User.objects.using(using).filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()
