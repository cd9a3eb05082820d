"""Invoice emails (§9): queued on issue, sent by the worker exactly once per recipient."""

import datetime as dt
import smtplib
from decimal import Decimal

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from invoicing.models import Invoice, InvoiceDelivery
from invoicing.notifications import (
    deliveries_resume,
    delivery_retry,
    invoice_resend,
)
from invoicing.services import InvoiceLocked, invoice_issue
from tests.factories import ClientUserFactory, InvoiceFactory
from tests.invoicing.conftest import make_retries_due, run_worker
from timetracker.dates import today
from timetracker.tasks import MAX_ATTEMPTS

pytestmark = pytest.mark.django_db


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


def test_issuing_queues_and_nothing_is_sent_without_a_worker(draft, acme_users, profile):
    invoice_issue(invoice=draft)
    assert mail.outbox == []
    assert DBTaskResult.objects.count() == 2
    assert set(InvoiceDelivery.objects.values_list("status", flat=True)) == {"pending"}


def test_worker_emails_every_opted_in_portal_user_once(draft, acme_users, profile, globex_user):
    invoice_issue(invoice=draft)
    run_worker()
    assert recipients() == sorted(u.email for u in acme_users["on"])
    assert globex_user.email not in recipients()
    deliveries = InvoiceDelivery.objects.all()
    assert {d.status for d in deliveries} == {"sent"}
    assert all(d.sent_at and d.attempts == 1 for d in deliveries)


def test_email_content(draft, acme_user, profile, settings):
    settings.SITE_URL = "https://portal.example.com"
    invoice = invoice_issue(invoice=draft)
    run_worker()
    (message,) = mail.outbox
    # 300.00 + 19 % tax; the subject is plain text, never HTML-escaped.
    assert message.subject == "Invoice ACME-2024-007 for 357.00\xa0EUR · Issuer Studio GmbH"
    url = "https://portal.example.com" + reverse("portal:invoice_detail", args=[invoice.pk])
    assert url in message.body
    assert "DE89 3704 0044 0532 0130 00" in message.body and "&amp;" not in message.body
    html, mime = message.alternatives[0]
    assert mime == "text/html" and url in html
    ((name, content, mimetype),) = message.attachments
    assert (name, mimetype) == ("ACME-2024-007.pdf", "application/pdf")
    assert content.startswith(b"%PDF")


def test_opted_out_inactive_and_non_portal_users_get_nothing(draft, acme_users, profile):
    invoice_issue(invoice=draft)
    run_worker()
    for key in ("opted_out", "inactive", "no_portal"):
        assert acme_users[key].email not in recipients()


def test_opt_out_after_queueing_is_respected(draft, acme_user, profile):
    invoice_issue(invoice=draft)
    acme_user.notify_invoices = False
    acme_user.save()
    run_worker()
    assert mail.outbox == []
    assert InvoiceDelivery.objects.get().status == "skipped"


def test_issuing_twice_never_sends_twice(draft, acme_user, profile):
    invoice_issue(invoice=draft)
    with pytest.raises(InvoiceLocked):
        invoice_issue(invoice=Invoice.objects.get(pk=draft.pk))
    run_worker()
    run_worker()
    assert recipients() == [acme_user.email]


def test_a_task_run_twice_sends_once(draft, acme_user, profile):
    invoice_issue(invoice=draft)
    # The same task queued again (a duplicate enqueue, a resumed worker...).
    deliveries_resume(stale_after=dt.timedelta(0))
    assert DBTaskResult.objects.count() == 2
    run_worker()
    assert recipients() == [acme_user.email]


def test_a_crashed_worker_resumes_without_duplicates(draft, acme_users, profile, monkeypatch):
    invoice_issue(invoice=draft)
    first, second = InvoiceDelivery.objects.order_by("pk")
    sent = []

    def crash_on_second(self, messages):
        if messages[0].to == [second.email]:
            raise SystemExit("worker killed")  # the process dies mid-send
        sent.extend(messages)
        mail.outbox.extend(messages)
        return len(messages)

    monkeypatch.setattr(
        "django.core.mail.backends.locmem.EmailBackend.send_messages", crash_on_second
    )
    run_worker()
    assert recipients() == [first.email]
    second.refresh_from_db()
    assert second.status == "sending"  # claimed by the dead worker
    monkeypatch.undo()

    # The restarted worker finds nothing due; the resume step (cron) re-queues the claim.
    run_worker()
    assert len(mail.outbox) == 1
    assert deliveries_resume(stale_after=dt.timedelta(0)) == 1
    run_worker()
    assert recipients() == sorted([first.email, second.email])


def test_smtp_failures_retry_with_backoff_then_fail(draft, acme_user, profile, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    invoice_issue(invoice=draft)
    run_worker()
    delivery = InvoiceDelivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("pending", 1)
    assert "connection lost" in delivery.last_error
    # The retry waits (backoff): a worker running now does not pick it up.
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after > delivery.updated_at
    run_worker()
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    for _ in range(MAX_ATTEMPTS):
        make_retries_due()
        run_worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("failed", MAX_ATTEMPTS)
    assert not DBTaskResult.objects.filter(status="READY").exists()

    monkeypatch.undo()
    assert delivery_retry(delivery=delivery)
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == "sent" and recipients() == [acme_user.email]


def test_a_transient_failure_is_sent_once_on_retry(draft, acme_user, profile, monkeypatch):
    calls = []
    original = mail.backends.locmem.EmailBackend.send_messages

    def flaky(self, messages):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionRefusedError("no SMTP server")
        return original(self, messages)

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", flaky)
    invoice_issue(invoice=draft)
    run_worker()
    make_retries_due()
    run_worker()
    run_worker()
    assert recipients() == [acme_user.email]
    assert InvoiceDelivery.objects.get().attempts == 2


def test_resend_mails_again_and_reaches_new_users(draft, acme_user, profile, acme):
    invoice = invoice_issue(invoice=draft)
    run_worker()
    newcomer = ClientUserFactory(username="newcomer", client=acme)
    assert invoice_resend(invoice=invoice) == 2
    run_worker()
    assert recipients() == sorted([acme_user.email, acme_user.email, newcomer.email])
    assert InvoiceDelivery.objects.count() == 2  # one record per recipient, reused


def test_issue_without_notify_queues_nothing(draft, acme_user):
    invoice_issue(invoice=draft, notify=False)
    assert not InvoiceDelivery.objects.exists()


# Overdue reminders


@pytest.fixture
def overdue(acme):
    invoice = InvoiceFactory(
        client=acme,
        invoice_number="ACME-LATE",
        issue_date=today() - dt.timedelta(days=40),
        due_date=today() - dt.timedelta(days=10),
        items=[{"quantity": 5, "unit_price": Decimal("100.00")}],
    )
    assert invoice.total_amount == Decimal("500.00")
    return invoice


def test_reminders_are_sent_once_per_period(overdue, acme_user, globex_user, profile):
    call_command("send_overdue_reminders")
    run_worker()
    (message,) = mail.outbox
    assert message.to == [acme_user.email]
    assert "ACME-LATE" in message.subject and "overdue" in message.subject
    call_command("send_overdue_reminders")
    call_command("send_overdue_reminders", "--every", "7")
    run_worker()
    assert len(mail.outbox) == 1


def test_a_reminder_goes_out_again_after_the_period(overdue, acme_user, profile):
    call_command("send_overdue_reminders")
    run_worker()
    InvoiceDelivery.objects.update(
        created_at=InvoiceDelivery.objects.get().created_at - dt.timedelta(days=8)
    )
    from invoicing.notifications import overdue_reminders_send

    overdue_reminders_send(every_days=7, on=today() + dt.timedelta(days=8))
    run_worker()
    assert len(mail.outbox) == 2


def test_reminders_skip_paid_drafts_and_opted_out(overdue, acme, acme_user, profile):
    InvoiceFactory(
        client=acme,
        status="paid",
        due_date=today() - dt.timedelta(days=5),
        issue_date=today() - dt.timedelta(days=30),
    )
    InvoiceFactory(
        client=acme,
        status="draft",
        due_date=today() - dt.timedelta(days=5),
        issue_date=today() - dt.timedelta(days=30),
    )
    acme_user.notify_reminders = False
    acme_user.save()
    call_command("send_overdue_reminders")
    run_worker()
    assert mail.outbox == []


def test_reminders_dry_run_changes_nothing(overdue, acme_user, capsys):
    call_command("send_overdue_reminders", "--dry-run")
    assert "ACME-LATE" in capsys.readouterr().out
    assert not InvoiceDelivery.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_the_invoice_email_is_in_the_recipients_language(draft, acme_user, profile):
    acme_user.language = "fr"
    acme_user.save()
    invoice_issue(invoice=draft)
    run_worker()
    (message,) = mail.outbox
    assert message.subject.startswith("Facture ACME-2024-007 de 357,00\xa0EUR")
    assert "Une nouvelle facture vous attend" in message.body
