"""The bulk writer: streams a plan's rows into the database (``demo_seed``).

Rows are generated lazily, month by month in chronological order (as a real database grows),
and streamed to the database in batches: PostgreSQL ``COPY`` for the big tables, batched
``INSERT`` elsewhere. Nothing holds all rows in memory.

On PostgreSQL the ``COPY`` tables load the way ``pg_restore`` loads them (``_BulkLoad``):
inside the seeding transaction their secondary indexes and foreign keys are dropped and the
rollup insert trigger disabled; after the last ``COPY`` the indexes and foreign keys are
created again from their own definitions (``pg_get_indexdef``, ``pg_get_constraintdef``, so
exactly what the migrations made) and the rollups computed in one ``GROUP BY``
(``tracking.rollups.rebuild_sql``), the figures the trigger would have summed. Nothing else
can see the table meanwhile (``ALTER TABLE`` holds its lock until the commit); a failure rolls
everything back.

This is the one bulk path that writes billing state around ``invoicing.services``: it writes
exactly what the services would (totals from the items, tax rounded half-up, ``amount_paid``
the sum of the payments, ``paid`` once nothing is due, the billing snapshot on every issued
invoice). ``tests/demo/test_seed_demo.py`` rebuilds seeded invoices through the services and
compares them field by field.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max, Model
from tqdm import tqdm

from accounts.models import User, UserClient
from accounts.services import subcontractor_group, user_apply_role
from clients.models import Client, Project, ProjectComment, ProjectUpdate
from invoicing.models import Invoice, InvoiceItem, Payment
from timetracker.dates import project_timezone
from tracking import rollups
from tracking.models import TimeEntry

from .generators import (
    _ENTRY_COLUMNS,
    _INVOICE_COLUMNS,
    _ITEM_COLUMNS,
    _PAYMENT_COLUMNS,
    _Generator,
)
from .plan import (
    BACK_OFFICE_GROUP,
    BENCH_USERNAME,
    DEFAULT_SEED,
    DEMO_EMAIL_DOMAIN,
    TEAM_PASSWORD,
    DemoPlan,
    DemoSize,
    Login,
    demo_plan,
)
from .reset import demo_existing_counts


@dataclass
class DemoResult:
    """What ``demo_seed`` created, and how long it took."""

    plan: DemoPlan
    counts: dict[str, int]
    seconds: float


class _RowWriter:
    """Streams row tuples into one table: ``COPY`` on PostgreSQL, batched ``INSERT`` elsewhere.

    ``columns`` are attribute names (``client_id``); values are Python values in that order.
    The ``COPY`` is binary, typed with the columns' own types: the server parses no text
    (timestamps, numerics) and psycopg formats no text either.
    """

    def __init__(self, model: type[Model], columns: list[str], *, using: str) -> None:
        self.connection = connections[using]
        by_attname = {f.attname: f for f in model._meta.concrete_fields}
        self.fields = [by_attname[c] for c in columns]
        quote = self.connection.ops.quote_name
        table = quote(model._meta.db_table)
        names = ", ".join(quote(f.column) for f in self.fields)
        self.copy = self.connection.vendor == "postgresql"
        if self.copy:
            self.sql = f"COPY {table} ({names}) FROM STDIN (FORMAT BINARY)"  # noqa: S608
            with self.connection.cursor() as cursor:
                cursor.execute(f"SELECT {names} FROM {table} LIMIT 0")  # noqa: S608 - _meta
                self.types = [column.type_code for column in cursor.description]
        else:
            marks = ", ".join(["%s"] * len(self.fields))
            self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608

    def write(self, rows: Iterable[tuple]) -> int:
        written = 0
        with self.connection.cursor() as cursor:
            if self.copy:
                with cursor.copy(self.sql) as copy:
                    copy.set_types(self.types)
                    for row in rows:
                        copy.write_row(row)
                        written += 1
            else:
                conn, fields = self.connection, self.fields
                prepped = [
                    tuple(f.get_db_prep_save(v, conn) for f, v in zip(fields, row, strict=True))
                    for row in rows
                ]
                cursor.executemany(self.sql, prepped)
                written = len(prepped)
        return written


class _BulkLoad:
    """PostgreSQL: load the ``COPY`` tables (time entries, invoices, items, payments) without
    per-row index, foreign-key and rollup-trigger work, then build each index once, check each
    foreign key in one join and compute the rollups in one pass. Elsewhere (SQLite) it does
    nothing: rows go in with their triggers.

    Use inside the seeding transaction: ``prepare()`` before the first ``COPY``, ``finish()``
    after the last; ``steps`` is the number of ``finish()`` steps (for a progress bar).
    """

    TABLES = (TimeEntry, Invoice, InvoiceItem, Payment)
    TRIGGER = "tracking_rollup_insert"  # on TimeEntry

    def __init__(self, *, using: str) -> None:
        self.connection = connections[using]
        self.active = self.connection.vendor == "postgresql"
        self.tables = [model._meta.db_table for model in self.TABLES]
        self.indexes: list[tuple[str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []
        # The triggers count local days in the zone they were installed for: so does the
        # rebuild (None: not installed, so there is nothing to disable or compute).
        self.time_zone = rollups.installed_time_zone(self.connection) if self.active else None

    @property
    def steps(self) -> int:
        return (
            len(self.indexes)
            + len(self.foreign_keys)
            + (len(rollups.ROLLUPS) if self.time_zone else 0)
        )

    def prepare(self) -> None:
        if not self.active:
            return
        quote = self.connection.ops.quote_name
        entries = quote(TimeEntry._meta.db_table)
        with self.connection.cursor() as cursor:
            # Indexes that back no constraint (primary keys and unique constraints stay).
            cursor.execute(
                "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i"
                " JOIN pg_class c ON c.oid = i.indexrelid"
                " WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary AND NOT EXISTS"
                " (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)"
                " ORDER BY i.indrelid, c.relname",
                [self.tables],
            )
            self.indexes = cursor.fetchall()
            cursor.execute(
                "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)"
                " FROM pg_constraint WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f'"
                " ORDER BY conrelid, conname",
                [self.tables],
            )
            self.foreign_keys = cursor.fetchall()
            # ALTER TABLE refuses while deferred checks of this transaction are pending (the
            # projects' and users' rows written just before): run them now.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            for table, name, _ in self.foreign_keys:
                cursor.execute(f"ALTER TABLE {quote(table)} DROP CONSTRAINT {quote(name)}")
            for name, _ in self.indexes:
                cursor.execute(f"DROP INDEX {quote(name)}")
            if self.time_zone:
                cursor.execute(f"ALTER TABLE {entries} DISABLE TRIGGER {self.TRIGGER}")

    def finish(self, progress: Callable[[int], object] = lambda n: None) -> None:
        if not self.active:
            return
        quote = self.connection.ops.quote_name
        entries = quote(TimeEntry._meta.db_table)
        with self.connection.cursor() as cursor:
            # Sorting 20 M rows for an index, grouping them for the rollups: give the builds
            # room (this transaction only).
            cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
            cursor.execute("SET LOCAL work_mem = '128MB'")
            for _, definition in self.indexes:
                cursor.execute(definition)
                progress(1)
            for table, name, definition in self.foreign_keys:
                cursor.execute(
                    f"ALTER TABLE {quote(table)} ADD CONSTRAINT {quote(name)} {definition}"
                )
                progress(1)
            if self.time_zone:
                cursor.execute(f"ALTER TABLE {entries} ENABLE TRIGGER {self.TRIGGER}")
                for rollup in rollups.ROLLUPS:
                    # Every rollup row from every entry: what the trigger would have summed
                    # (and true even if the table held entries before).
                    cursor.execute(f"DELETE FROM {quote(rollup.table)}")  # noqa: S608 - a constant
                    cursor.execute(
                        rollups.rebuild_sql("postgresql", self.time_zone, rollup, batched=False)
                    )
                    progress(1)


def _batched(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _first_ids(using: str) -> dict[str, int]:
    models = {"entry": TimeEntry, "invoice": Invoice, "item": InvoiceItem, "payment": Payment}
    return {
        key: (model.objects.using(using).aggregate(m=Max("pk"))["m"] or 0) + 1
        for key, model in models.items()
    }


def _groups(using: str) -> tuple[Group, Group]:
    back_office, _ = Group.objects.using(using).get_or_create(name=BACK_OFFICE_GROUP)
    back_office.permissions.set(
        Permission.objects.using(using).filter(
            content_type__app_label__in=["clients", "tracking", "invoicing"]
        )
    )
    return back_office, subcontractor_group()


def _create_users(plan: DemoPlan, *, using: str) -> None:
    hashes: dict[str, str] = {}

    def password(raw: str) -> str:
        # Hashing is deliberately slow: hash each distinct demo password once.
        if raw not in hashes:
            hashes[raw] = make_password(raw)
        return hashes[raw]

    def user(login: Login, **extra) -> User:
        built = User(
            username=login.username,
            email=f"{login.username}@{DEMO_EMAIL_DOMAIN}",
            password=password(login.password),
            **extra,
        )
        # The role's flags from the one service; the group memberships are written below.
        return user_apply_role(user=built, commit=False)

    logins = {login.username: login for login in plan.logins}
    clients = plan.clients
    people = [
        user(logins["admin"], role=User.Role.ADMIN, first_name="Ada", last_name="Admin"),
        user(logins["staff"], is_staff=True, first_name="Sam", last_name="Staff"),
        user(logins["subcontractor"], role=User.Role.SUBCONTRACTOR,
             first_name="Sid", last_name="Contractor"),
        user(logins["client_a"], client_portal_enabled=True,
             client_id=clients[plan.portal_clients[0]].id, first_name="Alex", last_name="Client"),
        user(logins["client_b"], client_portal_enabled=True,
             client_id=clients[plan.portal_clients[1]].id, first_name="Billie", last_name="Client"),
    ]  # fmt: skip
    bench = plan.bench_client
    if bench is not None:
        people.append(
            user(logins[BENCH_USERNAME], client_portal_enabled=True, client_id=bench.id,
                 first_name="Benchmark", last_name="User")
        )  # fmt: skip
    team_password = password(TEAM_PASSWORD)
    team = [
        User(
            username=m.username,
            email=f"{m.username}@{DEMO_EMAIL_DOMAIN}",
            password=team_password,
            first_name=m.first_name,
            last_name=m.last_name,
            is_staff=True,
        )
        for m in plan.team
    ]
    User.objects.using(using).bulk_create(people + team, batch_size=500)
    created = {
        u.username: u.pk
        for u in User.objects.using(using).filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}")
    }
    for member in plan.team:
        member.id = created[member.username]
    plan.staff_id = created["staff"]
    back_office, subcontractors = _groups(using)
    Membership = User.groups.through
    Membership.objects.using(using).bulk_create(
        [Membership(user_id=created[n], group_id=back_office.pk) for n in ["staff"]]
        + [Membership(user_id=m.id, group_id=back_office.pk) for m in plan.team]
        + [Membership(user_id=created["subcontractor"], group_id=subcontractors.pk)],
        batch_size=1000,
    )
    UserClient.objects.using(using).bulk_create(
        UserClient(user_id=created["subcontractor"], client_id=clients[i].id)
        for i in plan.subcontractor_clients
    )


# A few status updates and comments on the portal clients' projects (PRODUCT.md §10).
DEMO_UPDATES = (
    ("on_track", "Kick-off done", "Scope agreed; the first milestone is planned.", 10, 20),
    ("at_risk", "Waiting for content", "We need the product texts to keep the date.", 45, 6),
)
DEMO_COMMENTS = (
    # (from the client, internal, text), oldest first
    (True, False, "Could we see a first draft before the review meeting?"),
    (False, False, "Yes: we will share it on Thursday.\nDetails: https://example.com/plan"),
    (False, True, "Internal: the review meeting moved; check capacity."),
)


def _write_project_talk(plan: DemoPlan, *, using: str) -> None:
    users = {
        u.username: u
        for u in User.objects.using(using).filter(
            username__in=["staff", "client_a", "client_b"], email__endswith=f"@{DEMO_EMAIL_DOMAIN}"
        )
    }
    now = dt.datetime.combine(plan.today, dt.time(10), tzinfo=project_timezone())
    updates, comments = [], []
    for login, client_index in zip(("client_a", "client_b"), plan.portal_clients, strict=True):
        projects = [p for p in plan.projects if p.client == client_index][:2]
        for project in projects:
            for status, title, body, percent, days in DEMO_UPDATES:
                updates.append(
                    ProjectUpdate(
                        project_id=project.id,
                        author=users.get("staff"),
                        status=status,
                        title=title,
                        body=body,
                        percent_complete=percent,
                        published_at=now - dt.timedelta(days=days),
                    )
                )
            updates.append(
                ProjectUpdate(
                    project_id=project.id,
                    author=users.get("staff"),
                    title="Next steps (draft)",
                    body="Not published: the client does not see drafts.",
                )
            )
            for from_client, internal, body in DEMO_COMMENTS:
                comments.append(
                    ProjectComment(
                        project_id=project.id,
                        author=users.get(login if from_client else "staff"),
                        from_client=from_client,
                        internal=internal,
                        body=body,
                    )
                )
    ProjectUpdate.objects.using(using).bulk_create(updates)
    ProjectComment.objects.using(using).bulk_create(comments)


def _write_clients_and_projects(plan: DemoPlan, *, using: str) -> None:
    tz = project_timezone()

    def month_start(month: int) -> dt.datetime:
        # Records are created on the morning their first work started.
        return dt.datetime.combine(plan.months[month][0], dt.time(8), tzinfo=tz)

    objs = Client.objects.using(using).bulk_create(
        [
            Client(
                name=c.name,
                email=c.email,
                contact_person=c.contact_person,
                phone=c.phone,
                address=c.address,
                currency_code=c.currency_code,
                default_hourly_rate=c.default_hourly_rate,
                is_active=c.is_active,
            )
            for c in plan.clients
        ],
        batch_size=500,
    )
    for client, obj in zip(plan.clients, objs, strict=True):
        client.id = obj.pk
        obj.created_at = obj.updated_at = month_start(client.first_month)
    # auto_now fields ignore values given to bulk_create; bulk_update writes them as given.
    Client.objects.using(using).bulk_update(objs, ["created_at", "updated_at"], batch_size=500)
    projects = Project.objects.using(using).bulk_create(
        [
            Project(
                client_id=plan.clients[p.client].id,
                name=p.name,
                description=p.description,
                status=p.status,
                billable=p.billable,
                hourly_rate=p.hourly_rate,
                budget_hours=p.budget_hours,
            )
            for p in plan.projects
        ],
        batch_size=500,
    )
    for project, obj in zip(plan.projects, projects, strict=True):
        project.id = obj.pk
        obj.created_at = obj.updated_at = month_start(project.first_month)
    Project.objects.using(using).bulk_update(projects, ["created_at", "updated_at"], batch_size=500)


def demo_seed(
    *,
    size: DemoSize,
    seed: int = DEFAULT_SEED,
    using: str = DEFAULT_DB_ALIAS,
    progress_file=None,
    batch_size: int = 20_000,
    analyze: bool = True,
) -> DemoResult:
    """Create the demo dataset in one transaction and return what was created.

    ``progress_file`` gets tqdm progress bars (none when ``None``). The caller checks that the
    database is empty (``demo_data_exists``) or resets it first.
    """
    started = time.perf_counter()
    plan = demo_plan(size=size, seed=seed)
    connection = connections[using]

    def bar(total: int, desc: str, unit: str = " rows") -> tqdm:
        return tqdm(
            total=total,
            desc=desc,
            unit=unit,
            file=progress_file,
            disable=progress_file is None,
            mininterval=0.5,
            dynamic_ncols=True,
        )

    with transaction.atomic(using=using):
        _write_clients_and_projects(plan, using=using)
        _create_users(plan, using=using)
        _write_project_talk(plan, using=using)
        generator = _Generator(plan, first_ids=_first_ids(using))

        bulk = _BulkLoad(using=using)
        bulk.prepare()
        entries = _RowWriter(TimeEntry, _ENTRY_COLUMNS, using=using)
        with bar(size.time_entries, "time entries") as progress:
            for batch in _batched(generator.time_entries(), batch_size):
                progress.update(entries.write(batch))

        invoice_writer = _RowWriter(Invoice, _INVOICE_COLUMNS, using=using)
        item_writer = _RowWriter(InvoiceItem, _ITEM_COLUMNS, using=using)
        payment_writer = _RowWriter(Payment, _PAYMENT_COLUMNS, using=using)
        with bar(size.invoices, "invoices") as progress:
            for batch in _batched(generator.invoices(), max(1, batch_size // 4)):
                invoice_writer.write(invoice for invoice, _, _ in batch)
                item_writer.write(item for _, items, _ in batch for item in items)
                payment_writer.write(p for _, _, payments in batch for p in payments)
                progress.update(len(batch))
        if bulk.active:
            with bar(bulk.steps, "indexes and rollups", " steps") as progress:
                bulk.finish(progress.update)

        # Rows were written with explicit ids: move the id sequences past them.
        with connection.cursor() as cursor:
            models = [TimeEntry, Invoice, InvoiceItem, Payment]
            for sql in connection.ops.sequence_reset_sql(no_style(), models):
                cursor.execute(sql)

    if analyze:
        with connection.cursor() as cursor:
            # Fresh statistics so the planner knows the new sizes right away.
            cursor.execute("ANALYZE")
    return DemoResult(
        plan=plan,
        counts=demo_existing_counts(using=using),
        seconds=time.perf_counter() - started,
    )
