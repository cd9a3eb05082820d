"""Realistic, reproducible demo data for every model (``manage.py seed_demo``).

The same ``seed`` always gives the same data relative to today: a ``random.Random(seed)``
and a seeded Faker drive every choice, in a fixed order. Sizes follow PRODUCT.md §7; in the
sizes with a benchmark client (M, L) that client holds ``bench_share`` of all projects, time
entries and invoices, and logs in as ``bench``.

Rows are generated lazily, month by month in chronological order (as a real database grows),
and streamed to the database in batches: PostgreSQL ``COPY`` for the big tables, batched
``INSERT`` elsewhere. Nothing holds all rows in memory.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group, Permission
from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Max, Model
from django.utils import timezone
from faker import Faker
from tqdm import tqdm

from accounts.models import User, UserClient
from clients.models import Client, Project
from invoicing.models import Invoice, InvoiceItem, Payment
from invoicing.services import invoice_totals_compute
from timetracker.dates import project_timezone, today
from timetracker.formatting import round_money
from tracking.models import TimeEntry

DEMO_EMAIL_DOMAIN = "demo.example.com"
DEFAULT_SEED = 42
BACK_OFFICE_GROUP = "Back office"
BENCH_CLIENT_NAME = "Benchmark Industries GmbH"
BENCH_USERNAME = "bench"
BENCH_PASSWORD = "demo-bench-pass"  # noqa: S105 - a documented demo login
TEAM_PASSWORD = "demo-team-pass"  # noqa: S105 - a documented demo login

# A working day is 09:00-18:00 local time: 540 minutes of room for entries.
DAY_MINUTES = 540
# Durations in minutes (15 min - 4 h), repeated by weight so one random() picks one.
_DURATIONS = [15] * 5 + [30] * 10 + [45] * 8 + [60] * 20 + [90] * 15 + [120] * 18
_DURATIONS += [150] * 8 + [180] * 10 + [240] * 6
_GAPS = [0, 0, 0, 15, 15, 30]
_SOURCES = ["manual"] * 11 + ["timer"] * 8 + ["api"]
# Average entries a team member books per working day; more members than strictly needed
# leaves room so their entries rarely overlap.
_ENTRIES_PER_MEMBER_DAY = 2.5
_YEARS = 2

_CURRENCIES = ["EUR", "USD", "GBP", "CHF"]
_TAX_RATES = {
    "EUR": [Decimal("19.00"), Decimal("20.00"), Decimal("21.00")],
    "USD": [Decimal("0.00")],
    "GBP": [Decimal("20.00")],
    "CHF": [Decimal("8.10")],
}
_RATES = [Decimal(r) for r in ("85", "95", "110", "120", "135", "150", "175")]
_TERMS = [14, 30, 30, 30, 45]

_AREAS = [
    "Website", "Mobile App", "Data Platform", "CRM", "ERP", "Analytics", "Customer Portal",
    "Checkout", "Marketing Site", "Internal Tools", "Billing", "Search", "Onboarding",
    "Reporting", "Infrastructure", "Security", "Design System", "Public API", "Warehouse",
    "HR Portal", "Intranet", "Payments", "Logistics", "Support Desk",
]  # fmt: skip
_KINDS = [
    "Relaunch", "Redesign", "Migration", "Integration", "Maintenance", "Audit", "Rollout",
    "MVP", "Upgrade", "Support", "Optimization", "Modernization", "Automation", "Discovery",
]  # fmt: skip
_VERBS = [
    "Implemented", "Reviewed", "Fixed", "Refactored", "Planned", "Tested", "Documented",
    "Deployed", "Discussed", "Designed", "Investigated", "Prototyped", "Updated", "Estimated",
]  # fmt: skip
_TOPICS = [
    "login flow", "invoice export", "API pagination", "sprint planning", "client workshop",
    "database migration", "checkout page", "search indexing", "release notes",
    "onboarding emails", "performance tuning", "accessibility fixes", "CI pipeline",
    "payment webhooks", "reporting dashboard", "user permissions", "backup strategy",
    "mobile layout", "caching layer", "data import", "error monitoring", "style guide",
    "stakeholder demo", "security review", "translation files", "PDF templates",
]  # fmt: skip
_SERVICES = ["Development", "Consulting", "Project management", "Design", "QA and testing"]
_FIXED_FEES = [("Hosting and maintenance", "250"), ("Software licences", "480")]
_PAYMENT_METHODS = ["bank_transfer"] * 6 + ["card"] * 2 + ["other"]


@dataclass(frozen=True)
class DemoSize:
    """How much to create. ``bench_share`` > 0 adds the benchmark client holding that share."""

    name: str
    clients: int
    projects: int
    time_entries: int
    invoices: int
    bench_share: float = 0.0

    def bench_count(self, total: int) -> int:
        """The benchmark client's part of ``total`` rows."""
        return round(total * self.bench_share)


SIZES = {
    "S": DemoSize("S", clients=5, projects=25, time_entries=5_000, invoices=100),
    "M": DemoSize("M", 50, 500, 200_000, 5_000, bench_share=0.1),
    "L": DemoSize("L", 200, 2_000, 2_000_000, 40_000, bench_share=0.1),
}


@dataclass(frozen=True)
class Login:
    """A demo login, printed at the end of seeding."""

    username: str
    password: str
    role: str
    sees: str


@dataclass
class _Client:
    name: str
    email: str
    contact_person: str
    phone: str
    address: str
    currency_code: str
    default_hourly_rate: Decimal
    tax_rate: Decimal
    terms: int
    is_active: bool = True
    is_bench: bool = False
    n_projects: int = 0
    n_invoices: int = 0
    id: int = 0
    projects: list[int] = field(default_factory=list)  # indexes into plan.projects
    first_month: int = 0
    last_month: int = 0


@dataclass
class _Project:
    client: int  # index into plan.clients
    name: str
    description: str
    status: str
    billable: bool
    hourly_rate: Decimal | None
    budget_hours: Decimal | None
    first_month: int
    last_month: int
    team: list[int]  # indexes into plan.team
    n_entries: int = 0
    id: int = 0


@dataclass
class _Member:
    username: str
    first_name: str
    last_name: str
    id: int = 0


@dataclass
class DemoPlan:
    """Everything decided before any row is written: names, allocations, logins."""

    size: DemoSize
    seed: int
    today: dt.date
    months: list[list[dt.date]]  # the weekdays of each month of the timeline, oldest first
    clients: list[_Client]
    projects: list[_Project]
    team: list[_Member]
    logins: list[Login]
    portal_clients: tuple[int, int]
    subcontractor_clients: tuple[int, ...]
    running_entries: list[int]  # project indexes that get one running timer each
    rng: random.Random
    notes: list[str]

    @property
    def bench_client(self) -> _Client | None:
        return next((c for c in self.clients if c.is_bench), None)

    def counts(self) -> dict[str, int]:
        """The rows promised for each main model (users: every demo login plus the team)."""
        return {
            "clients": len(self.clients),
            "projects": len(self.projects),
            "time_entries": self.size.time_entries,
            "invoices": self.size.invoices,
            "users": len(self.logins) - 1 + len(self.team),
        }


@dataclass
class DemoResult:
    """What ``demo_seed`` created, and how long it took."""

    plan: DemoPlan
    counts: dict[str, int]
    seconds: float


def _split(total: int, weights: list[float], *, minimum: int = 0) -> list[int]:
    """Split ``total`` into integers proportional to ``weights`` that sum exactly to it.

    Each part gets at least ``minimum`` when there is enough to go round; the rest goes by
    largest remainder, so the result is deterministic for given weights.
    """
    n = len(weights)
    if n == 0:
        return []
    base = minimum if total >= minimum * n else 0
    rest = total - base * n
    weight_sum = sum(weights) or 1.0
    exact = [rest * w / weight_sum for w in weights]
    parts = [int(x) for x in exact]
    short = rest - sum(parts)
    by_remainder = sorted(range(n), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[:short]:
        parts[i] += 1
    return [base + p for p in parts]


def _timeline(on: dt.date) -> list[list[dt.date]]:
    """The weekdays of the last ``_YEARS`` years up to yesterday, grouped by month."""
    start = on - dt.timedelta(days=365 * _YEARS)
    months: dict[tuple[int, int], list[dt.date]] = {}
    day = start
    while day < on:
        if day.weekday() < 5:
            months.setdefault((day.year, day.month), []).append(day)
        day += dt.timedelta(days=1)
    return list(months.values())


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _unique_name(candidate: str, taken: set[str], suffixes: Iterable[str]) -> str:
    name = candidate
    for suffix in itertools.chain([""], suffixes):
        name = f"{candidate}{suffix}"
        if name.casefold() not in taken:
            break
    taken.add(name.casefold())
    return name


def _make_client(fake: Faker, rng: random.Random, *, name: str, currency: str) -> _Client:
    return _Client(
        name=name,
        email=f"accounts@{_slug(name)}.example",
        contact_person=fake.name(),
        phone=fake.phone_number(),
        address=fake.address(),
        currency_code=currency,
        default_hourly_rate=rng.choice(_RATES),
        tax_rate=rng.choice(_TAX_RATES[currency]),
        terms=rng.choice(_TERMS),
    )


def demo_plan(*, size: DemoSize, seed: int = DEFAULT_SEED, on: dt.date | None = None) -> DemoPlan:
    """Decide names, allocations and logins for a dataset without touching the database.

    Exact counts: ``size.clients`` clients, ``size.projects`` projects and so on; with a
    benchmark client, it gets ``size.bench_count()`` of each and the others share the rest.
    """
    rng = random.Random(seed)
    fake = Faker("en_US")
    fake.seed_instance(seed)
    on = on or today()
    months = _timeline(on)
    n_months = len(months)
    last = n_months - 1

    # Clients: the benchmark client first (when there is one), then companies from Faker.
    taken: set[str] = set()
    clients: list[_Client] = []
    has_bench = size.bench_share > 0 and size.clients > 1
    if has_bench:
        bench = _make_client(fake, rng, name=BENCH_CLIENT_NAME, currency="EUR")
        bench.is_bench = True
        taken.add(bench.name.casefold())
        clients.append(bench)
    for i in range(size.clients - len(clients)):
        suffixes = itertools.chain([" Ltd", " Group"], (f" {n}" for n in itertools.count(2)))
        name = _unique_name(fake.company(), taken, suffixes)
        # The first four non-bench clients cover every currency; the rest are mostly EUR/USD.
        currency = (
            _CURRENCIES[i] if i < 4 else rng.choice(["EUR"] * 4 + ["USD"] * 3 + ["GBP", "CHF"])
        )
        clients.append(_make_client(fake, rng, name=name, currency=currency))
    others = [i for i, c in enumerate(clients) if not c.is_bench]
    portal_clients = (others[0], others[1 % len(others)])
    subcontractor_clients = tuple(dict.fromkeys([others[0], others[2 % len(others)]]))
    # A former client: the last one, unless it is one the demo logins look at.
    inactive = others[-1]
    if len(others) > 3:
        clients[inactive].is_active = False

    # Projects per client; the bench client gets its exact share.
    bench_projects = size.bench_count(size.projects) if has_bench else 0
    other_projects = _split(
        size.projects - bench_projects, [rng.uniform(0.5, 2.0) for _ in others], minimum=1
    )
    for index, n in zip(others, other_projects, strict=True):
        clients[index].n_projects = n
    if has_bench:
        clients[0].n_projects = bench_projects

    # The team: staff users who book the time. Sized so each books ~2.5 entries a workday.
    weekdays = sum(len(m) for m in months)
    team_size = max(4, math.ceil(size.time_entries / max(1, weekdays * _ENTRIES_PER_MEMBER_DAY)))
    team: list[_Member] = []
    usernames: set[str] = {"admin", "staff", "subcontractor", "client_a", "client_b", "bench"}
    for _ in range(team_size):
        first, last_name = fake.first_name(), fake.last_name()
        base = re.sub(r"[^a-z0-9.]", "", f"{first}.{last_name}".lower()) or "member"
        username = _unique_name(base, usernames, (str(n) for n in itertools.count(2)))
        team.append(_Member(username=username, first_name=first, last_name=last_name))

    combos = [f"{area} {kind}" for area in _AREAS for kind in _KINDS]
    projects: list[_Project] = []
    for ci, client in enumerate(clients):
        names = rng.sample(combos, min(client.n_projects, len(combos)))
        # More projects than name combinations (only in huge custom sizes): number them.
        extra = range(len(combos), client.n_projects)
        names += [f"{combos[i % len(combos)]} {i // len(combos) + 2}" for i in extra]
        for pi, name in enumerate(names):
            status = "active"
            if not client.is_active:
                status = "archived" if pi % 2 == 0 else "inactive"
            elif pi > 0:  # every active client keeps at least one active project
                status = rng.choices(["active", "inactive", "archived"], [75, 12, 13])[0]
            first_month = rng.randint(0, max(0, n_months // 3))
            if status == "active":
                last_month = last
            elif not client.is_active:
                last_month = rng.randint(first_month, max(first_month, n_months // 2))
            else:
                last_month = rng.randint(first_month, max(first_month, last - 1))
            billable = rng.random() < 0.9
            projects.append(
                _Project(
                    client=ci,
                    name=name,
                    description=fake.sentence(nb_words=12),
                    status=status,
                    billable=billable,
                    hourly_rate=rng.choice(_RATES) if rng.random() < 0.4 else None,
                    budget_hours=Decimal(rng.choice([40, 80, 120, 200, 400, 800]))
                    if rng.random() < 0.5
                    else None,
                    first_month=first_month,
                    last_month=last_month,
                    team=rng.sample(range(team_size), min(team_size, rng.randint(3, 7))),
                )
            )
            client.projects.append(len(projects) - 1)
        if client.projects:
            client.first_month = min(projects[p].first_month for p in client.projects)
            client.last_month = max(projects[p].last_month for p in client.projects)

    # Time entries per project (bench share exact), then invoices per client.
    bench_entries = size.bench_count(size.time_entries) if has_bench else 0
    bench_invoices = size.bench_count(size.invoices) if has_bench else 0
    for entries, is_bench in ((bench_entries, True), (size.time_entries - bench_entries, False)):
        group = [p for p in projects if clients[p.client].is_bench == is_bench]
        weights = [rng.uniform(0.3, 2.0) * (p.last_month - p.first_month + 1) for p in group]
        for project, n in zip(group, _split(entries, weights), strict=True):
            project.n_entries = n
    other_weights = [sum(projects[p].n_entries for p in clients[i].projects) + 1 for i in others]
    for index, n in zip(others, _split(size.invoices - bench_invoices, other_weights), strict=True):
        clients[index].n_invoices = n
    if has_bench:
        clients[0].n_invoices = bench_invoices

    # A couple of timers still running, on active projects of non-bench clients.
    def can_run_timer(project: _Project) -> bool:
        owner = clients[project.client]
        active = project.status == "active" and owner.is_active
        return active and project.n_entries > 0 and not owner.is_bench

    running = [i for i, p in enumerate(projects) if can_run_timer(p)][:2]

    notes = [
        f"{rng.choice(_VERBS)} {rng.choice(_TOPICS)}"
        + (f" (#{rng.randint(100, 9999)})" if rng.random() < 0.4 else "")
        for _ in range(600)
    ]

    a, b = (clients[i].name for i in portal_clients)
    sub_names = " and ".join(clients[i].name for i in subcontractor_clients)
    logins = [
        Login("admin", "demo-admin-pass", "admin (superuser)", "everything, in /admin/"),
        Login("staff", "demo-staff-pass", "staff user", "all clients in /admin/ (back office)"),
        Login("subcontractor", "demo-subcontractor-pass", "subcontractor", f"/admin/: {sub_names}"),
        Login("client_a", "demo-client-pass", "client portal user", f"/client-portal/: {a}"),
        Login("client_b", "demo-client-pass", "client portal user", f"/client-portal/: {b}"),
    ]
    if has_bench:
        logins.append(
            Login(
                BENCH_USERNAME,
                BENCH_PASSWORD,
                "client portal user",
                f"/client-portal/: {BENCH_CLIENT_NAME} (benchmark client)",
            )
        )
    logins.append(
        Login(
            team[0].username,
            TEAM_PASSWORD,
            f"staff user (team of {team_size})",
            "/admin/; every team member owns time entries and uses this password",
        )
    )
    return DemoPlan(
        size=size,
        seed=seed,
        today=on,
        months=months,
        clients=clients,
        projects=projects,
        team=team,
        logins=logins,
        portal_clients=portal_clients,
        subcontractor_clients=subcontractor_clients,
        running_entries=running,
        rng=rng,
        notes=notes,
    )


def benchmark_login(size: DemoSize) -> Login:
    """The portal login the benchmark uses: ``bench`` when there is a bench client."""
    plan_logins = {"bench": BENCH_PASSWORD, "client_a": "demo-client-pass"}
    username = BENCH_USERNAME if size.bench_share > 0 else "client_a"
    return Login(username, plan_logins[username], "client portal user", "")


class _RowWriter:
    """Streams row tuples into one table: ``COPY`` on PostgreSQL, batched ``INSERT`` elsewhere.

    ``columns`` are attribute names (``client_id``); values are Python values in that order.
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
            self.sql = f"COPY {table} ({names}) FROM STDIN"  # noqa: S608 - names from _meta
        else:
            marks = ", ".join(["%s"] * len(self.fields))
            self.sql = f"INSERT INTO {table} ({names}) VALUES ({marks})"  # noqa: S608

    def write(self, rows: Iterable[tuple]) -> int:
        written = 0
        with self.connection.cursor() as cursor:
            if self.copy:
                with cursor.copy(self.sql) as copy:
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


def _batched(rows: Iterable, size: int) -> Iterator[list]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


_ENTRY_COLUMNS = [
    "id", "user_id", "project_id", "client_id", "start_time", "end_time", "duration_seconds",
    "notes", "billable", "source", "created_at", "updated_at",
]  # fmt: skip
_INVOICE_COLUMNS = [
    "id", "invoice_number", "client_id", "project_id", "issue_date", "due_date", "status",
    "currency_code", "tax_rate", "subtotal", "tax_amount", "total_amount", "amount_paid",
    "notes", "billing_name", "billing_contact", "billing_email", "billing_address",
    "created_at", "updated_at",
]  # fmt: skip
_ITEM_COLUMNS = ["id", "invoice_id", "description", "quantity", "unit_price", "amount", "position"]
_PAYMENT_COLUMNS = ["id", "invoice_id", "date", "amount", "method", "reference", "created_at"]


class _Generator:
    """Turns a plan into rows, consuming ``plan.rng`` in a fixed order."""

    def __init__(self, plan: DemoPlan, *, first_ids: dict[str, int]) -> None:
        self.plan = plan
        self.rng = plan.rng
        self.tz = project_timezone()
        self.next_ids = dict(first_ids)

    def _next_id(self, table: str) -> int:
        value = self.next_ids[table]
        self.next_ids[table] = value + 1
        return value

    def _month_deck(self, allocation: list[tuple[int, int]]) -> list[int]:
        deck = [index for index, count in allocation for _ in range(count)]
        self.rng.shuffle(deck)
        return deck

    def entry_allocation(self) -> list[list[tuple[int, int]]]:
        """Per month, ``(project index, entries)``: each project's entries over its months."""
        plan, rng = self.plan, self.rng
        per_month: list[list[tuple[int, int]]] = [[] for _ in plan.months]
        for pi, project in enumerate(plan.projects):
            n = project.n_entries - (1 if pi in plan.running_entries else 0)
            window = range(project.first_month, project.last_month + 1)
            weights = [len(plan.months[m]) * rng.uniform(0.6, 1.4) for m in window]
            for m, count in zip(window, _split(n, weights), strict=True):
                if count:
                    per_month[m].append((pi, count))
        return per_month

    def time_entries(self) -> Iterator[tuple]:
        """Finished entries month by month, then the running timers."""
        plan, rng = self.plan, self.rng
        random_ = rng.random
        durations, gaps, sources, notes = _DURATIONS, _GAPS, _SOURCES, plan.notes
        n_dur, n_gap, n_src, n_notes = len(durations), len(gaps), len(sources), len(notes)
        minutes = [dt.timedelta(minutes=m) for m in range(DAY_MINUTES + 1)]
        seconds = [dt.timedelta(seconds=s) for s in range(240)]
        team_ids = [m.id for m in plan.team]
        n_team = len(team_ids)
        projects = plan.projects
        for m, allocation in enumerate(self.entry_allocation()):
            deck = self._month_deck(allocation)
            if not deck:
                continue
            days = plan.months[m]
            starts = [
                dt.datetime.combine(d, dt.time(9), tzinfo=self.tz).astimezone(dt.UTC) for d in days
            ]
            n_days, n_deck = len(days), len(deck)
            current_day, free, base = -1, {}, starts[0]
            for i, pi in enumerate(deck):
                day = i * n_days // n_deck
                if day != current_day:
                    current_day, free, base = day, {}, starts[day]
                project = projects[pi]
                duration = durations[int(random_() * n_dur)]
                team = project.team
                # A team member with room left today, else anyone with room, else overlap.
                member, start = -1, 0
                for attempt in range(10):
                    candidate = (
                        team[int(random_() * len(team))] if attempt < 5 else int(random_() * n_team)
                    )
                    begin = free.get(candidate, -1)
                    begin = int(random_() * 3) * 15 if begin < 0 else begin
                    begin += gaps[int(random_() * n_gap)]
                    if begin + duration <= DAY_MINUTES:
                        member, start = candidate, begin
                        break
                if member < 0:
                    member = team[int(random_() * len(team))]
                    start = int(random_() * (DAY_MINUTES - duration) / 15) * 15
                free[member] = start + duration
                source = sources[int(random_() * n_src)]
                begin_at = base + minutes[start]
                end_at = base + minutes[start + duration]
                if source == "timer" and duration >= 30:
                    # Real timers start and stop at odd seconds (never under 15 minutes here).
                    begin_at += seconds[int(random_() * 240)]
                    end_at -= seconds[int(random_() * 240)]
                note = notes[int(random_() * n_notes)] if random_() < 0.88 else ""
                billable = project.billable and random_() < 0.95
                yield (
                    self._next_id("entry"),
                    team_ids[member],
                    project.id,
                    plan.clients[project.client].id,
                    begin_at,
                    end_at,
                    int((end_at - begin_at).total_seconds()),
                    note,
                    billable,
                    source,
                    end_at,
                    end_at,
                )
        now = timezone.now()
        for n, pi in enumerate(plan.running_entries):
            project = projects[pi]
            started = now - dt.timedelta(minutes=25 + 40 * n, seconds=rng.randrange(60))
            yield (
                self._next_id("entry"),
                team_ids[n % n_team],
                project.id,
                plan.clients[project.client].id,
                started,
                None,
                None,
                "Timer running",
                project.billable,
                "timer",
                started,
                started,
            )

    def invoice_allocation(self) -> list[list[tuple[int, int]]]:
        """Per month, ``(client index, invoices)``: each client's invoices over its months."""
        plan, rng = self.plan, self.rng
        per_month: list[list[tuple[int, int]]] = [[] for _ in plan.months]
        for ci, client in enumerate(plan.clients):
            window = range(client.first_month, client.last_month + 1)
            weights = [rng.uniform(0.5, 1.5) for _ in window]
            for m, count in zip(window, _split(client.n_invoices, weights), strict=True):
                if count:
                    per_month[m].append((ci, count))
        return per_month

    def _invoice_kind(self, *, age: int, due: dt.date) -> str:
        """The life an invoice has had by today, likelier paid the older it is."""
        r = self.rng.random()
        if age <= 10:
            kinds = [("draft", 0.3), ("sent", 0.5), ("partial", 0.1), ("paid", 0.1)]
        elif due >= self.plan.today:
            kinds = [("draft", 0.06), ("sent", 0.46), ("partial", 0.12), ("paid", 0.3)]
            kinds.append(("cancelled", 0.06))
        elif age <= 120:
            kinds = [("draft", 0.03), ("sent", 0.14), ("partial", 0.08), ("paid", 0.67)]
            kinds.append(("cancelled", 0.08))
        else:
            kinds = [("draft", 0.01), ("sent", 0.04), ("partial", 0.02), ("paid", 0.87)]
            kinds.append(("cancelled", 0.06))
        for kind, share in kinds:
            r -= share
            if r < 0:
                return kind
        return "paid"

    def invoices(self) -> Iterator[tuple[tuple, list[tuple], list[tuple]]]:
        """``(invoice row, item rows, payment rows)`` in issue-date order."""
        plan = self.plan
        on = plan.today
        emitted = [0] * len(plan.clients)
        # The first portal client's newest invoices show every state, whatever the seed.
        showcase_client = plan.portal_clients[0]
        showcase = ["cancelled", "paid", "overdue-partial", "overdue", "sent", "draft"]
        sequence = 0
        for m, allocation in enumerate(self.invoice_allocation()):
            deck = self._month_deck(allocation)
            days = plan.months[m]
            for i, ci in enumerate(deck):
                client = plan.clients[ci]
                issue = days[i * len(days) // len(deck)]
                age = (on - issue).days
                due = issue + dt.timedelta(days=client.terms)
                kind = self._invoice_kind(age=age, due=due)
                left = client.n_invoices - emitted[ci]
                emitted[ci] += 1
                if ci == showcase_client and left <= len(showcase):
                    kind = showcase[-left]
                    if kind.startswith("overdue") and age >= 2:
                        due = min(due, on - dt.timedelta(days=1))
                        kind = kind.removeprefix("overdue").strip("-") or "sent"
                    elif kind.startswith("overdue"):
                        kind = "sent"
                    elif kind == "sent":
                        due = max(due, on + dt.timedelta(days=14))
                sequence += 1
                yield self._invoice(client, issue=issue, due=due, kind=kind, number=sequence)

    def _invoice(
        self, client: _Client, *, issue: dt.date, due: dt.date, kind: str, number: int
    ) -> tuple[tuple, list[tuple], list[tuple]]:
        plan, rng, on = self.plan, self.rng, self.plan.today
        invoice_id = self._next_id("invoice")
        project_index = rng.choice(client.projects) if client.projects else None
        project = plan.projects[project_index] if project_index is not None else None
        rate = (project.hourly_rate if project else None) or client.default_hourly_rate
        month_label = issue.strftime("%B %Y")
        items = []
        for position in range(1, rng.randint(1, 4) + 1):
            if rng.random() < 0.12:
                description, price = rng.choice(_FIXED_FEES)
                quantity, unit_price = Decimal("1.00"), Decimal(price)
            else:
                label = project.name if project else client.name
                description = f"{rng.choice(_SERVICES)} · {label} · {month_label}"
                quantity = Decimal(rng.randrange(100, 8000, 25)) / 100
                unit_price = rate
            amount = round_money(quantity * unit_price)
            items.append(
                (self._next_id("item"), invoice_id, description, quantity, unit_price, amount,
                 position)
            )  # fmt: skip
        subtotal = round_money(sum((item[5] for item in items), Decimal("0")))
        tax_amount, total = invoice_totals_compute(subtotal=subtotal, tax_rate=client.tax_rate)

        payments: list[tuple] = []
        if kind == "paid":
            parts = [total]
            if rng.random() < 0.15 and total >= Decimal("0.02"):
                first = round_money(total * Decimal(rng.randint(30, 70)) / 100)
                parts = [first, total - first]
        elif kind == "partial" and total >= Decimal("0.02"):
            parts = [round_money(total * Decimal(rng.randint(20, 80)) / 100)]
        else:
            parts = []
            kind = "sent" if kind == "partial" else kind
        paid_on = issue
        latest = max(issue, min(on, due + dt.timedelta(days=20)))
        for amount in parts:
            span = (latest - paid_on).days
            paid_on = paid_on + dt.timedelta(days=rng.randint(0, max(0, span)))
            created = dt.datetime.combine(paid_on, dt.time(11), tzinfo=self.tz)
            payments.append(
                (self._next_id("payment"), invoice_id, paid_on, amount,
                 rng.choice(_PAYMENT_METHODS), f"TRX-{rng.randint(100000, 999999)}", created)
            )  # fmt: skip
        amount_paid = sum((p[3] for p in payments), Decimal("0.00"))
        status = {"partial": "sent"}.get(kind, kind)
        issued = status != "draft"
        created_at = dt.datetime.combine(issue, dt.time(10), tzinfo=self.tz)
        updated_at = payments[-1][6] if payments else created_at
        invoice = (
            invoice_id,
            f"INV-{issue.year}-{number:06d}",
            client.id,
            project.id if project else None,
            issue,
            due,
            status,
            client.currency_code,
            client.tax_rate,
            subtotal,
            tax_amount,
            total,
            amount_paid,
            "Thank you for your business." if issued and rng.random() < 0.3 else "",
            client.name if issued else "",
            client.contact_person if issued else "",
            client.email if issued else "",
            client.address if issued else "",
            created_at,
            updated_at,
        )
        return invoice, items, payments


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
        # Invoice emails (invoicing.InvoiceDelivery) go with their invoices.
        Invoice.deliveries.rel.related_model,
        InvoiceItem.time_entries.through,
        InvoiceItem,
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
    Project.objects.using(using).all().delete()
    Client.objects.using(using).all().delete()
    User.objects.using(using).filter(email__endswith=f"@{DEMO_EMAIL_DOMAIN}").delete()


def _first_ids(using: str) -> dict[str, int]:
    models = {"entry": TimeEntry, "invoice": Invoice, "item": InvoiceItem, "payment": Payment}
    return {
        key: (model.objects.using(using).aggregate(m=Max("pk"))["m"] or 0) + 1
        for key, model in models.items()
    }


def _groups(using: str) -> tuple[Group, Group]:
    from accounts.services import subcontractor_group

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
        return User(
            username=login.username,
            email=f"{login.username}@{DEMO_EMAIL_DOMAIN}",
            password=password(login.password),
            **extra,
        )

    logins = {login.username: login for login in plan.logins}
    clients = plan.clients
    people = [
        user(logins["admin"], role=User.Role.ADMIN, is_staff=True, is_superuser=True,
             first_name="Ada", last_name="Admin"),
        user(logins["staff"], is_staff=True, first_name="Sam", last_name="Staff"),
        user(logins["subcontractor"], role=User.Role.SUBCONTRACTOR, is_staff=True,
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

    def bar(total: int, desc: str) -> tqdm:
        return tqdm(
            total=total,
            desc=desc,
            unit=" rows",
            file=progress_file,
            disable=progress_file is None,
            mininterval=0.5,
            dynamic_ncols=True,
        )

    with transaction.atomic(using=using):
        _write_clients_and_projects(plan, using=using)
        _create_users(plan, using=using)
        generator = _Generator(plan, first_ids=_first_ids(using))

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
