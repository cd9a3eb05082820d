"""``manage.py seed_demo``: exact sizes, reproducibility, consistent money, safe re-runs."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.models import Count, Q, Sum
from django.utils import timezone

from accounts.models import User
from clients.models import Client, Project
from demo import plan as demo
from invoicing.models import Invoice, InvoiceItem, Payment
from invoicing.services import (
    invoice_cancel,
    invoice_issue,
    invoice_item_add,
    invoice_record_payment,
)
from timetracker.dates import project_timezone, today
from timetracker.formatting import round_money
from tracking import services as tracking_services
from tracking.models import (
    ClientDay,
    ClientMonth,
    ProjectDay,
    ProjectMonth,
    TimeEntry,
    UserProjectMonth,
)

pytestmark = pytest.mark.django_db


def seed(**options):
    out, err = io.StringIO(), io.StringIO()
    call_command("seed_demo", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def counts():
    return {
        "clients": Client.objects.count(),
        "projects": Project.objects.count(),
        "time_entries": TimeEntry.objects.count(),
        "invoices": Invoice.objects.count(),
    }


def fingerprint():
    """What must come out the same for the same seed: names, numbers and sums."""
    return {
        "clients": list(Client.objects.order_by("name").values_list("name", "currency_code")),
        "projects": list(Project.objects.order_by("client__name", "name").values_list("name")),
        # Entries booked before today: today's depend on the moment of seeding by design.
        "entries": TimeEntry.objects.filter(start_time__date__lt=today()).aggregate(
            seconds=Sum("duration_seconds"), billable=Count("pk", filter=Q(billable=True))
        ),
        "invoices": list(
            Invoice.objects.order_by("invoice_number").values_list(
                "invoice_number", "status", "total_amount", "amount_paid"
            )
        ),
        "team": sorted(User.objects.filter(is_staff=True).values_list("username", flat=True)),
    }


@pytest.fixture
def seeded():
    out, err = seed(size="S", seed=7)
    return out, err


def test_size_s_creates_exactly_the_promised_counts_and_prints_logins(seeded):
    out, err = seeded

    assert counts() == {"clients": 5, "projects": 25, "time_entries": 5000, "invoices": 100}
    for username in ["admin", "staff", "subcontractor", "client_a", "client_b"]:
        assert username in out
    assert "demo-client-pass" in out
    # Not a terminal (a file, a CI log): no progress bars at all, just the summary line.
    assert err == ""
    assert out.count("Seeded size S") == 1


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bars_only_on_a_terminal(db):
    out, err = _Terminal(), _Terminal()
    call_command("seed_demo", size="S", seed=3, stdout=out, stderr=err)
    bars = err.getvalue()
    assert "time entries" in bars and "invoices" in bars  # tqdm on stderr
    # PostgreSQL also shows the index and rollup builds after the time-entry COPY.
    postgres = connection.vendor == "postgresql"
    assert ("indexes and rollups" in bars) == postgres
    # Each bar ends on one line (redrawn in place with \r, not printed again and again).
    assert bars.count("\n") == (3 if postgres else 2)


def test_same_seed_gives_the_same_data_and_another_seed_does_not(seeded):
    first = fingerprint()

    seed(size="S", seed=7, reset=True, yes=True)
    assert fingerprint() == first

    seed(size="S", seed=8, reset=True, yes=True)
    assert fingerprint()["clients"] != first["clients"]


def test_invoice_totals_match_items_and_payments(seeded):
    invoices = Invoice.objects.annotate(
        items_sum=Sum("items__amount"), items_n=Count("items", distinct=True)
    ).order_by("pk")
    paid_sums = dict(
        Payment.objects.values("invoice_id")
        .annotate(s=Sum("amount"))
        .values_list("invoice_id", "s")
    )
    assert InvoiceItem.objects.count() >= 100

    for invoice in invoices:
        assert invoice.items_n >= 1
        assert invoice.subtotal == invoice.items_sum
        assert invoice.tax_amount == round_money(invoice.subtotal * invoice.tax_rate / 100)
        assert invoice.total_amount == invoice.subtotal + invoice.tax_amount
        assert invoice.amount_paid == paid_sums.get(invoice.pk, Decimal("0"))
        assert (invoice.status == "paid") == (invoice.amount_paid >= invoice.total_amount)
        assert invoice.due_date >= invoice.issue_date
        assert invoice.currency_code == Client.objects.get(pk=invoice.client_id).currency_code
        if invoice.status in ("draft", "cancelled"):
            assert invoice.amount_paid == 0
        # Issued (and later withdrawn) invoices keep the billing snapshot; drafts have none.
        assert bool(invoice.billing_name) == (invoice.status != "draft")
    for item in InvoiceItem.objects.all():
        assert item.amount == round_money(item.quantity * item.unit_price)
    assert not Payment.objects.filter(date__gt=today()).exists()


def test_every_invoice_state_is_present(seeded):
    assert set(Invoice.objects.values_list("status", flat=True)) == {
        "draft",
        "sent",
        "paid",
        "cancelled",
    }
    assert Invoice.objects.overdue().exists()
    assert Invoice.objects.unpaid().filter(due_date__gte=today()).exists()
    assert Invoice.objects.unpaid().filter(amount_paid__gt=0).exists()  # partly paid
    # The first portal client's own invoices show every state too.
    client_a = User.objects.get(username="client_a").client
    mine = Invoice.objects.for_client(client_a)
    assert mine.overdue().exists()
    assert mine.paid().exists()
    assert mine.cancelled().exists()
    assert mine.drafts().exists()


def test_time_entries_fall_in_working_hours_on_weekdays(seeded):
    tz = project_timezone()
    # Before today; today's entries are checked in test_data_runs_up_to_the_moment_of_seeding.
    finished = TimeEntry.objects.finished().filter(start_time__date__lt=today())
    assert finished.filter(duration_seconds__lt=14 * 60).count() == 0
    assert finished.filter(duration_seconds__gt=4 * 3600).count() == 0
    oldest = finished.order_by("start_time").first().start_time.astimezone(tz).date()
    assert dt.timedelta(days=700) < today() - oldest < dt.timedelta(days=740)

    for entry in finished.only("start_time", "end_time", "duration_seconds").iterator():
        start, end = entry.start_time.astimezone(tz), entry.end_time.astimezone(tz)
        assert start.weekday() < 5
        assert dt.time(9) <= start.time() and end.time() <= dt.time(18)
        assert entry.duration_seconds == int((entry.end_time - entry.start_time).total_seconds())
        assert start.date() < today()

    running = TimeEntry.objects.running()
    assert running.count() == 2
    assert running.filter(duration_seconds__isnull=True).count() == 2
    assert running.values("user").distinct().count() == 2
    # The ``staff`` login's timer is running: its admin header shows it.
    assert running.filter(user__username="staff").exists()


def test_data_runs_up_to_the_moment_of_seeding(seeded):
    """Entries finished earlier today (so "today", "this week" and "this month" are never
    empty, the 1st of a month too), none in the future."""
    tz = project_timezone()
    now = timezone.now()
    todays = TimeEntry.objects.finished().filter(start_time__date=today())
    assert todays.count() == 6
    for entry in todays:
        assert entry.start_time.astimezone(tz).date() == today()
        assert entry.start_time < entry.end_time <= now
    assert not TimeEntry.objects.filter(end_time__gt=now).exists()
    assert not TimeEntry.objects.filter(start_time__gt=now).exists()
    # Realistic texts, not Faker's lorem ipsum.
    project = Project.objects.exclude(description="").first()
    assert project.description.startswith(project.name + ": ")
    assert InvoiceItem.objects.filter(description__contains=": ").exists()


def test_users_clients_and_projects_cover_every_role_and_state(seeded):
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.role == User.Role.ADMIN
    sub = User.objects.get(username="subcontractor")
    assert sub.role == User.Role.SUBCONTRACTOR
    assert sub.assigned_clients.count() == 2
    assert sub.groups.filter(name="Subcontractors").exists()
    client_a, client_b = (User.objects.get(username=u) for u in ["client_a", "client_b"])
    assert client_a.is_client_portal_user and client_b.is_client_portal_user
    assert client_a.client_id != client_b.client_id
    assert not client_a.is_staff
    assert User.objects.get(username="staff").groups.filter(name="Back office").exists()
    assert TimeEntry.objects.values("user").distinct().count() >= 4

    assert set(Client.objects.values_list("currency_code", flat=True)) == {
        "EUR",
        "USD",
        "GBP",
        "CHF",
    }
    assert Client.objects.filter(is_active=False).count() == 1
    assert not Client.objects.filter(is_active=False, portal_users__isnull=False).exists()
    assert set(Project.objects.values_list("status", flat=True)) == {
        "active",
        "inactive",
        "archived",
    }
    for client in Client.objects.filter(is_active=True):
        assert Project.objects.for_client(client).active().exists()


def test_a_second_run_refuses_without_reset(seeded):
    before = counts()

    with pytest.raises(CommandError, match="--reset"):
        seed(size="S")

    assert counts() == before


def test_if_empty_skips_quietly_when_data_exists(seeded):
    before = fingerprint()

    out, _ = seed(size="S", seed=99, if_empty=True)

    assert fingerprint() == before
    assert "already has data" in out


def test_dry_run_writes_nothing():
    out, _ = seed(size="M", dry_run=True)

    assert counts() == {"clients": 0, "projects": 0, "time_entries": 0, "invoices": 0}
    assert not User.objects.exists()
    assert "200,000" in out
    assert "Benchmark Industries GmbH" in out


def test_reset_keeps_other_users_and_detaches_them_from_deleted_clients(seeded):
    colleague = User.objects.create_user("jane", is_staff=True)
    portal_user = User.objects.create_user(
        "kept", client=Client.objects.first(), client_portal_enabled=True
    )

    seed(size="S", seed=3, reset=True, yes=True)

    assert User.objects.filter(pk=colleague.pk).exists()
    portal_user.refresh_from_db()
    assert portal_user.client is None and not portal_user.client_portal_enabled
    assert counts()["clients"] == 5


def test_reset_without_yes_refuses_says_it_wipes_and_keeps_hand_made_rows(seeded):
    hand_made = Client.objects.create(name="Hand Made GmbH", currency_code="EUR")
    before = counts()

    with pytest.raises(CommandError) as excinfo:
        seed(size="S", seed=3, reset=True)

    message = str(excinfo.value)
    assert "wipes the database" in message
    assert "created by hand" in message
    assert "--yes" in message
    assert counts() == before
    assert Client.objects.filter(pk=hand_made.pk).exists()


def test_reset_with_yes_says_it_wipes_and_reseeds(seeded):
    Client.objects.create(name="Hand Made GmbH", currency_code="EUR")

    out, _ = seed(size="S", seed=3, reset=True, yes=True)

    assert "Wiping the database (6 clients" in out
    assert not Client.objects.filter(name="Hand Made GmbH").exists()
    assert counts()["clients"] == 5


def test_reset_on_an_empty_database_needs_no_confirmation():
    seed(size="S", seed=3, reset=True)

    assert counts()["clients"] == 5


def test_dry_run_with_reset_says_it_would_wipe(seeded):
    out, _ = seed(size="S", reset=True, dry_run=True)

    assert "Would wipe the database first (with --yes)." in out


def _rebuild_through_the_services(seeded: Invoice) -> Invoice:
    """The same invoice built as the admin would: items, issue, payments, cancel."""
    twin = Invoice.objects.create(
        invoice_number=f"TWIN-{seeded.pk}",
        client=seeded.client,
        project=seeded.project,
        issue_date=seeded.issue_date,
        due_date=seeded.due_date,
        currency_code=seeded.currency_code,
        tax_rate=seeded.tax_rate,
        notes=seeded.notes,
    )
    for item in seeded.items.order_by("position"):
        invoice_item_add(
            invoice=twin,
            description=item.description,
            quantity=item.quantity,
            unit_price=item.unit_price,
        )
    if seeded.status != Invoice.Status.DRAFT:
        invoice_issue(invoice=twin)
        for payment in seeded.payments.order_by("date", "pk"):
            invoice_record_payment(
                invoice=twin,
                amount=payment.amount,
                date=payment.date,
                method=payment.method,
                reference=payment.reference,
            )
        if seeded.status == Invoice.Status.CANCELLED:
            invoice_cancel(invoice=twin)
    twin.refresh_from_db()
    return twin


INVOICE_FIELDS = [
    "client_id", "project_id", "issue_date", "due_date", "status", "currency_code", "tax_rate",
    "subtotal", "tax_amount", "total_amount", "amount_paid", "notes",
    "billing_name", "billing_contact", "billing_email", "billing_address",
]  # fmt: skip


def test_seeded_invoices_equal_invoices_built_through_the_services(seeded):
    # A few of each state, partly paid and split payments included.
    samples = []
    for status in ["draft", "sent", "paid", "cancelled"]:
        samples += list(Invoice.objects.filter(status=status).order_by("pk")[:4])
    # Each invoice once: depending on today's date a partly paid one may already be a sample.
    chosen = [invoice.pk for invoice in samples]
    samples += list(Invoice.objects.unpaid().filter(amount_paid__gt=0).exclude(pk__in=chosen)[:2])
    chosen = [invoice.pk for invoice in samples]
    split = Payment.objects.values("invoice_id").annotate(n=Count("pk")).filter(n__gt=1)
    samples += list(
        Invoice.objects.filter(pk__in=split.values("invoice_id")).exclude(pk__in=chosen)[:2]
    )
    assert len(samples) >= 17

    for seeded_invoice in samples:
        twin = _rebuild_through_the_services(seeded_invoice)

        for name in INVOICE_FIELDS:
            assert getattr(twin, name) == getattr(seeded_invoice, name), (seeded_invoice, name)
        item_fields = ["description", "quantity", "unit_price", "amount", "position"]
        assert list(twin.items.values_list(*item_fields)) == list(
            seeded_invoice.items.values_list(*item_fields)
        )
        payment_fields = ["date", "amount", "method", "reference"]
        assert list(twin.payments.values_list(*payment_fields)) == list(
            seeded_invoice.payments.values_list(*payment_fields)
        )


def test_it_refuses_to_replace_a_real_user_with_a_demo_username(staff_user):
    with pytest.raises(CommandError, match="staff"):
        seed(size="S")

    assert counts()["clients"] == 0


def test_an_unknown_size_is_rejected():
    with pytest.raises(CommandError):
        seed(size="XXL")


def test_plan_gives_the_bench_client_its_share_in_m_l_and_xl():
    assert demo.SIZES["XL"] == demo.DemoSize(
        "XL", clients=2_000, projects=20_000, time_entries=20_000_000, invoices=400_000,
        bench_share=0.1,
    )  # fmt: skip
    for name in ["M", "L", "XL"]:
        size = demo.SIZES[name]
        plan = demo.demo_plan(size=size, seed=1)
        bench = plan.bench_client
        assert len(plan.clients) == size.clients
        assert len(plan.projects) == size.projects
        assert sum(p.n_entries for p in plan.projects) == size.time_entries
        assert sum(c.n_invoices for c in plan.clients) == size.invoices
        assert bench.n_projects == size.projects // 10
        assert bench.n_invoices == size.invoices // 10
        bench_entries = sum(plan.projects[p].n_entries for p in bench.projects)
        assert bench_entries == size.time_entries // 10
        assert demo.benchmark_login(size).username == "bench"
    assert demo.SIZES["S"].bench_share == 0
    assert demo.benchmark_login(demo.SIZES["S"]).username == "client_a"


def test_split_is_exact_and_respects_the_minimum():
    parts = demo._split(10, [1.0, 1.0, 1.0], minimum=2)
    assert sum(parts) == 10 and min(parts) >= 2
    assert demo._split(7, [0.2, 5.0]) == [0, 7]
    assert sum(demo._split(1_000_003, [0.3, 1.7, 2.2, 0.9])) == 1_000_003


def test_reset_also_removes_invoice_emails(seeded):
    """A sent invoice has delivery rows; ``--reset`` must clear them (TRUNCATE refused them)."""
    from invoicing.models import InvoiceDelivery

    invoice = Invoice.objects.issued().first()
    InvoiceDelivery.objects.create(
        invoice=invoice,
        recipient=User.objects.filter(client=invoice.client).first() or User.objects.first(),
        kind=InvoiceDelivery.Kind.INVOICE,
    )

    seed(size="S", seed=7, reset=True, yes=True)

    assert not InvoiceDelivery.objects.exists()
    assert Invoice.objects.count() == counts()["invoices"] > 0


def test_demo_has_updates_and_comments_and_reset_clears_them(seeded):
    """The portal clients' projects get status updates (one a draft) and a short thread
    with an internal note; ``--reset`` removes them with the projects."""
    from clients.models import CommentDelivery, ProjectComment, ProjectUpdate

    assert ProjectUpdate.objects.published().exists()
    assert ProjectUpdate.objects.drafts().exists()
    assert ProjectComment.objects.filter(from_client=True).exists()
    assert ProjectComment.objects.filter(internal=True).exists()
    comment = ProjectComment.objects.filter(from_client=True).first()
    CommentDelivery.objects.create(comment=comment, recipient=comment.author, email="x@example.com")

    seed(size="S", seed=7, reset=True, yes=True)

    assert not CommentDelivery.objects.exists()
    assert ProjectUpdate.objects.count() == 12


COPY_TABLES = [
    "tracking_timeentry",
    "invoicing_invoice",
    "invoicing_invoiceitem",
    "invoicing_payment",
]


def _entry_table_schema():
    """What the migrations made of the tables seeding loads with ``COPY`` (PostgreSQL):
    indexes, constraints and triggers with their definitions and whether they are on."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tablename, indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)"
            " ORDER BY tablename, indexname",
            [COPY_TABLES],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), condeferrable,"
            " condeferred, convalidated FROM pg_constraint"
            " WHERE conrelid = ANY(%s::regclass[]) ORDER BY 1, 2",
            [COPY_TABLES],
        )
        constraints = cursor.fetchall()
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname, tgenabled, pg_get_triggerdef(oid)"
            " FROM pg_trigger WHERE tgrelid = ANY(%s::regclass[]) AND NOT tgisinternal"
            " ORDER BY 1, 2",
            [COPY_TABLES],
        )
        triggers = cursor.fetchall()
    return {"indexes": indexes, "constraints": constraints, "triggers": triggers}


def test_seeded_rollups_equal_the_aggregates_over_the_entries(seeded):
    """On PostgreSQL seeding computes the rollups in one pass with the insert trigger off:
    the result must be what the trigger keeps (on SQLite the trigger ran per row)."""
    assert tracking_services.rollups_check() == {
        "tracking_client_day": 0,
        "tracking_project_day": 0,
        "tracking_user_project_month": 0,
        "tracking_project_month": 0,
        "tracking_client_month": 0,
    }
    finished = TimeEntry.objects.filter(end_time__isnull=False)
    for model, key in (
        (ClientDay, "client_id"),
        (ProjectDay, "project_id"),
        (UserProjectMonth, "user_id"),
        (ProjectMonth, "project_id"),
        (ClientMonth, "client_id"),
    ):
        raw = dict(finished.values(key).annotate(s=Sum("duration_seconds")).values_list(key, "s"))
        rolled = dict(model.objects.values(key).annotate(s=Sum("seconds")).values_list(key, "s"))
        assert rolled == raw and len(raw) > 1
    assert sum(ClientDay.objects.values_list("entry_count", flat=True)) == finished.count()

    # The insert trigger is on again afterwards.
    entry = finished.first()
    entry.pk = None
    entry.save()
    assert tracking_services.rollups_check() == {
        "tracking_client_day": 0,
        "tracking_project_day": 0,
        "tracking_user_project_month": 0,
        "tracking_project_month": 0,
        "tracking_client_month": 0,
    }


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_seeding_recreates_exactly_the_indexes_constraints_and_triggers_it_set_aside():
    before = _entry_table_schema()
    assert len(before["indexes"]) >= 10 and len(before["triggers"]) >= 4
    assert {row[0] for row in before["constraints"]} == set(COPY_TABLES)

    seed(size="S", seed=4)

    assert _entry_table_schema() == before


@pytest.mark.skipif("connection.vendor != 'postgresql'")
def test_a_failed_seed_rolls_back_with_the_indexes_in_place(monkeypatch):
    from demo.writer import _BulkLoad

    before = _entry_table_schema()

    def fail(self, progress=None):
        raise RuntimeError("disk full")

    monkeypatch.setattr(_BulkLoad, "finish", fail)
    with pytest.raises(RuntimeError, match="disk full"):
        seed(size="S", seed=4)

    assert _entry_table_schema() == before
    assert counts() == {"clients": 0, "projects": 0, "time_entries": 0, "invoices": 0}
