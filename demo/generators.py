"""Rows from a plan: time entries, invoices, items and payments, lazily and in order.

``_Generator`` consumes ``plan.rng`` in a fixed order, so a seed always yields the same rows.
Billing figures are computed with the invoicing services' own rules
(``invoice_totals_compute``, ``round_money``) and the billing snapshot that ``invoice_issue``
takes; ``tests/demo/test_seed_demo.py`` compares seeded invoices with ones built through the
services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from django.utils import timezone

from invoicing.services import invoice_totals_compute
from timetracker.dates import project_timezone
from timetracker.formatting import round_money

from .plan import (
    _DURATIONS,
    _FIXED_FEES,
    _GAPS,
    _PAYMENT_METHODS,
    _SERVICES,
    _SOURCES,
    _TOPICS,
    DAY_MINUTES,
    DemoPlan,
    _Client,
    _split,
)

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
            n -= plan.today_entries.count(pi)
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
        yield from self._today_entries(now, team_ids)
        for n, pi in enumerate(plan.running_entries):
            project = projects[pi]
            started = now - dt.timedelta(minutes=25 + 40 * n, seconds=rng.randrange(60))
            # The first timer is the ``staff`` login's: its header shows a running timer.
            user_id = plan.staff_id if n == 0 and plan.staff_id else team_ids[n % n_team]
            yield (
                self._next_id("entry"),
                user_id,
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

    def _today_entries(self, now: dt.datetime, team_ids: list[int]) -> Iterator[tuple]:
        """Entries finished earlier today, between local midnight (or 8 hours ago) and now,
        booked by team members who have no running timer."""
        plan, rng = self.plan, self.rng
        if not plan.today_entries:
            return
        local_now = now.astimezone(self.tz).replace(second=0, microsecond=0)
        midnight = dt.datetime.combine(local_now.date(), dt.time(0), tzinfo=self.tz)
        # Back to back, newest first, ending a few minutes ago; squeezed after midnight only
        # when the day is too young for them (so they are always today's).
        stop = local_now - dt.timedelta(minutes=5)
        for i, pi in enumerate(plan.today_entries):
            project = plan.projects[pi]
            duration = dt.timedelta(minutes=rng.choice([30, 45, 60, 75]))
            start = stop - duration
            if start < midnight:
                start = midnight + (local_now - midnight) * i / (2 * len(plan.today_entries))
                stop = min(max(stop, start + dt.timedelta(minutes=1)), now.astimezone(self.tz))
            member = team_ids[(2 + i) % len(team_ids)]
            yield (
                self._next_id("entry"),
                member,
                project.id,
                plan.clients[project.client].id,
                start.astimezone(dt.UTC),
                stop.astimezone(dt.UTC),
                int((stop - start).total_seconds()),
                plan.notes[rng.randrange(len(plan.notes))],
                project.billable,
                "manual",
                stop.astimezone(dt.UTC),
                stop.astimezone(dt.UTC),
            )
            stop = start - dt.timedelta(minutes=15)

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
                first, second = rng.sample(_TOPICS, 2)
                work = f"{rng.choice(_SERVICES)}: {first} and {second}"
                description = f"{work} · {label} · {month_label}"
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
