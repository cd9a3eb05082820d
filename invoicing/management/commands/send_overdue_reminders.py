"""Queue overdue-invoice reminders (cron-friendly, idempotent)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from invoicing.notifications import deliveries_resume, overdue_reminders_send


class Command(BaseCommand):
    help = (
        "Email a reminder for every overdue invoice to the client's opted-in portal users, "
        "at most once per invoice every --every days. Also re-queues emails a stopped "
        "worker left behind. Safe to run as often as you like (e.g. daily from cron)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--every", type=int, default=7, help="Days between two reminders (default 7)."
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be sent; change nothing."
        )

    def handle(self, *args, every: int, dry_run: bool, **options):
        if every < 1:
            raise CommandError("--every must be at least 1.")
        invoices = overdue_reminders_send(every_days=every, dry_run=dry_run)
        for invoice in invoices:
            self.stdout.write(
                f"{invoice.invoice_number}: {invoice.days_overdue} days overdue, "
                f"{invoice.amount_due} {invoice.currency_code} due"
            )
        verb = "Would remind" if dry_run else "Reminded"
        self.stdout.write(self.style.SUCCESS(f"{verb} {len(invoices)} overdue invoice(s)."))
        if not dry_run:
            resumed = deliveries_resume()
            if resumed:
                self.stdout.write(f"Re-queued {resumed} email(s) left behind by a worker.")
