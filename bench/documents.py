"""``python -m bench.documents``: the invoice PDF and the time-entry CSV at a dataset size.

    DATABASE_URL=postgres://…/bench_l python -m bench.documents [--iterations 10]

In process (Django test client, logged in as the benchmark client's user):

* **PDF** (issue 11, goal ≤ 300 ms for 20 items at L; §7: download start ≤ 30 ms): the
  portal's PDF download of the newest visible invoice, from the cache and rendered, and
  ``render_invoice_pdf`` of a 20-item invoice made inside a transaction that is rolled back
  (the seeded invoices have at most 4 items);
* **CSV** (goal: first byte ≤ 30 ms, every row ≤ 3 s, RSS growth ≤ 20 MB): the export of
  all the benchmark client's entries — time to the first chunk, to the last, rows, and the
  growth of this process's peak RSS (``ru_maxrss``) over the export.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time


class _Rollback(Exception):
    pass


def _median_ms(work, iterations: int) -> tuple[float, float]:
    work()
    times = []
    for _ in range(iterations):
        started = time.perf_counter()
        work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), min(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--username", default="bench")
    args = parser.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    import datetime as dt
    from decimal import Decimal

    from django.db import transaction
    from django.test import Client, override_settings
    from django.urls import reverse

    from accounts.models import User
    from invoicing import services
    from invoicing.models import Invoice
    from invoicing.pdf import render_invoice_pdf
    from timetracker.dates import today

    user = User.objects.get(username=args.username)
    client = Client(SERVER_NAME="127.0.0.1")
    client.force_login(user)
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| what | median ms | min ms |\n|---|---:|---:|")

    newest = Invoice.objects.for_client(user.client).portal_visible().order_by("-issue_date")[0]
    url = reverse("portal:invoice_pdf", args=[newest.pk])
    items = newest.items.count()
    # The first download renders; the timed ones find the PDF in the cache (invoicing.pdf).
    median, best = _median_ms(lambda: client.get(url), args.iterations)
    print(f"| portal PDF download, invoice of {items} items (cached) | {median:.0f} | {best:.0f} |")
    with override_settings(INVOICE_PDF_CACHE_SECONDS=0):
        median, best = _median_ms(lambda: client.get(url), args.iterations)
    print(
        f"| portal PDF download, invoice of {items} items (rendered) | {median:.0f} | {best:.0f} |"
    )

    try:
        with transaction.atomic():
            invoice = Invoice.objects.create(
                client=user.client,
                invoice_number="BENCH-PDF-20",
                issue_date=today(),
                due_date=today() + dt.timedelta(days=30),
                currency_code=user.client.currency_code,
                status=Invoice.Status.DRAFT,
            )
            for n in range(20):
                services.invoice_item_add(
                    invoice=invoice,
                    description=f"Work package {n + 1}",
                    quantity=Decimal("1.5"),
                    unit_price=Decimal("95.00"),
                )
            invoice.refresh_from_db()
            median, best = _median_ms(
                lambda: render_invoice_pdf(invoice, cache_seconds=0), args.iterations
            )
            print(f"| `render_invoice_pdf`, 20 items | {median:.0f} | {best:.0f} |")
            raise _Rollback
    except _Rollback:
        pass
    except (AttributeError, TypeError, ValueError) as exc:  # the services changed
        print(f"| `render_invoice_pdf`, 20 items | not measured ({exc}) | |")

    url = reverse("portal:time_entries_csv")
    peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    response = client.get(url)
    chunks = iter(response.streaming_content)
    first = next(chunks)
    first_ms = (time.perf_counter() - started) * 1000
    size, lines = len(first), first.count(b"\n")
    for chunk in chunks:
        size += len(chunk)
        lines += chunk.count(b"\n")
    total_s = time.perf_counter() - started
    growth = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) / 1024
    print(
        f"\nCSV export: {lines - 1:,} rows, {size / 1e6:.1f} MB; first byte {first_ms:.0f} ms, "
        f"all rows {total_s:.2f} s, peak RSS growth {growth:.1f} MiB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
