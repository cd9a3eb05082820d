"""Delete audit events older than AUDIT_RETENTION_DAYS (run daily from cron)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.models import AuditEvent

BATCH = 5000


class Command(BaseCommand):
    help = "Delete audit events older than AUDIT_RETENTION_DAYS (default 400)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days", type=int, default=None, help="Override AUDIT_RETENTION_DAYS for this run."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be deleted; delete nothing."
        )

    def handle(self, *args, days=None, dry_run=False, **options):
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        if days < 1:
            raise CommandError("The retention must be at least one day.")
        cutoff = timezone.now() - timedelta(days=days)
        old = AuditEvent.objects.older_than(cutoff)
        if dry_run:
            count = old.count()
            self.stdout.write(f"Would delete {count} audit events older than {days} days.")
            return
        deleted = 0
        # In batches: one huge DELETE would hold locks on the table for long.
        while True:
            ids = list(old.order_by("pk").values_list("pk", flat=True)[:BATCH])
            if not ids:
                break
            deleted += AuditEvent.objects.filter(pk__in=ids).delete()[0]
        self.stdout.write(f"Deleted {deleted} audit events older than {days} days.")
