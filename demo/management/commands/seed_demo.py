"""``manage.py seed_demo``: a thin wrapper around the ``demo`` app (plan, writer, reset)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from demo import plan as demo
from demo.reset import demo_data_exists, demo_existing_counts, demo_reset, demo_username_conflicts
from demo.writer import demo_seed


class _ProgressStream:
    """Lets tqdm redraw its bar in place on the command's stderr (no newline per write)."""

    def __init__(self, wrapper) -> None:
        self.wrapper = wrapper

    def write(self, text: str) -> None:
        self.wrapper.write(text, ending="")

    def flush(self) -> None:
        self.wrapper.flush()


class Command(BaseCommand):
    help = (
        "Create a realistic, reproducible demo dataset (PRODUCT.md §7: sizes S, M, L, XL) and "
        "print the demo logins. Refuses to touch a database that already has data unless "
        "--reset --yes is given (that WIPES all clients, projects, time entries, invoices and "
        "payments, also ones created by hand); --if-empty skips quietly instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--size", choices=sorted(demo.SIZES), default="S", help="Dataset size (default S)."
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=demo.DEFAULT_SEED,
            help=f"Random seed: the same seed gives the same data (default {demo.DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help=(
                "Wipe the database first: delete ALL clients, projects, time entries, invoices "
                "and payments (also ones created by hand) and the demo users. Needs --yes."
            ),
        )
        parser.add_argument(
            "--yes", action="store_true", help="Confirm that --reset may wipe the database."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing (exit 0) when the database already has data.",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be created; write nothing."
        )
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default)."
        )

    def handle(self, *args, **options) -> None:
        if options["size"] not in demo.SIZES:
            raise CommandError(
                f"Unknown size {options['size']!r}: use one of {', '.join(demo.SIZES)}."
            )
        size = demo.SIZES[options["size"]]
        seed, using = options["seed"], options["database"]
        exists = demo_data_exists(using=using)
        plan = demo.demo_plan(size=size, seed=seed)

        if options["dry_run"]:
            self._print_plan(plan, exists=exists, **options)
            return
        if exists and not options["reset"]:
            if options["if_empty"]:
                self.stdout.write("The database already has data; seed_demo left it as it is.")
                return
            raise CommandError(
                f"The database already has data ({self._describe(using)}). Run with --reset "
                "--yes to wipe it and seed again, or --if-empty to skip."
            )
        if exists and not options["yes"]:
            raise CommandError(
                f"--reset wipes the database ({self._describe(using)}): it deletes ALL "
                "clients, projects, time entries, invoices and payments, also ones created by "
                "hand, and the demo users (other users stay). Add --yes to confirm."
            )
        if conflicts := demo_username_conflicts(plan, using=using):
            raise CommandError(
                "These users exist and are not demo users, so seed_demo will not replace them: "
                + ", ".join(conflicts)
                + ". Rename or delete them first."
            )
        if exists:
            self.stdout.write(f"Wiping the database ({self._describe(using)})…")
            demo_reset(using=using)

        # Bars only on a terminal: redirected to a file or a CI log, tqdm's redraws would
        # pile up as repeated lines; the summary line below says it all there.
        on_terminal = options["verbosity"] > 0 and self.stderr.isatty()
        progress = _ProgressStream(self.stderr) if on_terminal else None
        result = demo_seed(size=size, seed=seed, using=using, progress_file=progress)
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded size {size.name} (seed {seed}) in {result.seconds:.1f} s: "
                + ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in result.counts.items())
            )
        )
        self._print_logins(result.plan.logins)

    def _describe(self, using: str) -> str:
        counts = demo_existing_counts(using=using)
        return ", ".join(f"{n:,} {name.replace('_', ' ')}" for name, n in counts.items())

    def _print_plan(self, plan: demo.DemoPlan, *, exists: bool, **options) -> None:
        size = plan.size
        self.stdout.write(f"Dry run: nothing is written. Size {size.name}, seed {plan.seed}.")
        if exists:
            action = "wipe the database first (with --yes)" if options["reset"] else (
                "skip (the database has data)" if options["if_empty"] else
                "refuse (the database has data; use --reset)"
            )  # fmt: skip
            self.stdout.write(f"Would {action}.")
        for name, n in plan.counts().items():
            self.stdout.write(f"  {name.replace('_', ' '):<13} {n:>10,}")
        bench = plan.bench_client
        if bench is not None:
            self.stdout.write(
                f"  benchmark client {bench.name!r}: {bench.n_projects:,} projects, "
                f"{size.bench_count(size.time_entries):,} time entries, "
                f"{bench.n_invoices:,} invoices ({size.bench_share:.0%} of each)"
            )
        self._print_logins(plan.logins)

    def _print_logins(self, logins: list[demo.Login]) -> None:
        rows = [("username", "password", "role", "what they see")]
        rows += [(x.username, x.password, x.role, x.sees) for x in logins]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        self.stdout.write("")
        self.stdout.write("Demo logins (http://127.0.0.1:8000/accounts/login/):")
        for n, row in enumerate(rows):
            cells = [row[i].ljust(widths[i]) for i in range(3)] + [row[3]]
            self.stdout.write("  " + "  ".join(cells).rstrip())
            if n == 0:
                self.stdout.write("  " + "  ".join("-" * w for w in [*widths, 13]))
