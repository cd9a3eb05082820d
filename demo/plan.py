"""The demo data plan: sizes, names, allocations and logins, decided before any row is written.

The same ``seed`` always gives the same data relative to today: a ``random.Random(seed)``
and a seeded Faker drive every choice, in a fixed order. Sizes follow PRODUCT.md §7; in the
sizes with a benchmark client (M, L, XL) that client holds ``bench_share`` of all projects, time
entries and invoices, and logs in as ``bench``.

The rest of the ``demo`` app: ``generators`` turns a plan into rows, ``writer`` streams them
into the database (``demo_seed``), ``reset`` checks for and deletes existing data.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import random
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from faker import Faker

from timetracker.dates import today

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
# Finished entries booked earlier on the day of seeding, per project with a running timer.
_TODAY_ENTRIES = 3
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
# Project descriptions: what a software agency would write in a statement of work.
_GOALS = [
    "single sign-on", "a faster checkout", "an offline mode", "role-based permissions",
    "automated invoicing", "a shared design system", "GDPR-compliant data retention",
    "search that forgives typos", "real-time dashboards", "a documented REST API",
    "zero-downtime deployments", "monitoring and alerting", "WCAG 2.1 AA accessibility",
    "content in four languages", "self-service onboarding", "nightly data imports",
    "printable PDF reports", "push notifications", "a cleaner data model", "audit logging",
]  # fmt: skip
_CADENCES = [
    "Demo to the product owner every second Friday.",
    "Releases every two weeks, with a staging review first.",
    "Weekly check-in with the client's IT team.",
    "Fixed scope, billed monthly by the hour.",
    "Support hours within a monthly budget.",
    "Handover with documentation and a training session.",
]
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
    "XL": DemoSize("XL", 2_000, 20_000, 20_000_000, 400_000, bench_share=0.1),
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
    # Project indexes (repeated) of the entries finished earlier today, before seeding, so
    # "today", "this week" and "this month" have data on any day, the 1st of a month too.
    today_entries: list[int] = field(default_factory=list)
    staff_id: int = 0  # the ``staff`` login, set by the writer: its timer is running

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


def _project_description(rng: random.Random, name: str) -> str:
    """``Checkout Relaunch: single sign-on, audit logging and push notifications. ...``"""
    first, second, third = rng.sample(_GOALS, 3)
    return f"{name}: {first}, {second} and {third}. {rng.choice(_CADENCES)}"


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
                    description=_project_description(rng, name),
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
    today_entries = [
        i
        for i in running
        for _ in range(_TODAY_ENTRIES)
        if projects[i].n_entries > 1 + _TODAY_ENTRIES
    ]

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
        today_entries=today_entries,
    )


def benchmark_login(size: DemoSize) -> Login:
    """The portal login the benchmark uses: ``bench`` when there is a bench client."""
    plan_logins = {"bench": BENCH_PASSWORD, "client_a": "demo-client-pass"}
    username = BENCH_USERNAME if size.bench_share > 0 else "client_a"
    return Login(username, plan_logins[username], "client portal user", "")
