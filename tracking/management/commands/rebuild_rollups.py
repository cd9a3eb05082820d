"""``manage.py rebuild_rollups``: recompute the hour rollups from the time entries (a thin
wrapper over ``tracking.services.rollups_rebuild``; docs/PERFORMANCE.md, "Rollups")."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connections
from tqdm import tqdm

from tracking import rollups, services


class Command(BaseCommand):
    help = (
        "Reinstall the hour-rollup triggers for the current TIME_ZONE and recompute every "
        "rollup row from the time entries. Needed after TIME_ZONE changes (local days move); "
        "harmless otherwise. --dry-run only counts the rows that differ."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Change nothing; count the rows that differ."
        )
        parser.add_argument("--database", default="default", help="Database alias.")
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(self, *args, dry_run: bool, database: str, no_progress: bool, **options):
        installed = rollups.installed_time_zone(connections[database])
        if installed != settings.TIME_ZONE:
            self.stdout.write(
                f"The triggers count local days in {installed or 'nothing (not installed)'}; "
                f"TIME_ZONE is {settings.TIME_ZONE}."
            )
        if dry_run:
            differences = services.rollups_check(using=database)
            for table, count in differences.items():
                self.stdout.write(f"{table}: {count} rows differ from the time entries.")
            self.stdout.write("Dry run: nothing changed.")
            return
        total = services.rollups_rebuild_size(using=database)
        with tqdm(
            total=total, unit="key", disable=no_progress, file=self.stderr, desc="rollups"
        ) as bar:
            counts = services.rollups_rebuild(using=database, progress=bar.update)
        for table, count in counts.items():
            self.stdout.write(f"{table}: {count} rows.")
        self.stdout.write(self.style.SUCCESS(f"Rollups rebuilt for {settings.TIME_ZONE}."))
