"""Comment emails (PRODUCT.md §10): the other side, once per recipient, toggles respected."""

import smtplib

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from clients.models import CommentDelivery
from clients.notifications import (
    comment_deliveries_create,
    comment_delivery_retry,
    comment_delivery_send,
)
from clients.services import project_comment_create, project_comment_delete
from tests.factories import (
    AdminUserFactory,
    ClientUserFactory,
    ProjectFactory,
    StaffUserFactory,
    SubcontractorFactory,
    UserClientFactory,
)
from tests.invoicing.conftest import make_retries_due, run_worker
from timetracker.tasks import MAX_ATTEMPTS

pytestmark = pytest.mark.django_db


def recipients():
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def project(acme):
    return ProjectFactory(client=acme, name="Acme Website")


@pytest.fixture
def people(acme, globex):
    assigned = SubcontractorFactory(email="sub@example.com", first_name="Sam", last_name="Sub")
    UserClientFactory(user=assigned, client=acme)
    assigned_staff = StaffUserFactory(email="staff@example.com")
    UserClientFactory(user=assigned_staff, client=acme)
    elsewhere = SubcontractorFactory(email="elsewhere@example.com")
    UserClientFactory(user=elsewhere, client=globex)
    return {
        "assigned": assigned,
        "assigned_staff": assigned_staff,
        "admin": AdminUserFactory(email="admin@example.com"),
        "author": ClientUserFactory(client=acme, email="author@acme.example"),
        "colleague": ClientUserFactory(client=acme, email="colleague@acme.example"),
        "opted_out": ClientUserFactory(
            client=acme, email="quiet@acme.example", notify_comments=False
        ),
        "globex_user": ClientUserFactory(client=globex, email="user@globex.example"),
    }


def test_client_comment_emails_assigned_staff_once(project, people):
    comment = project_comment_create(
        project=project, author=people["author"], body="When is it live?", from_client=True
    )
    assert mail.outbox == []  # queued, not sent in the request
    run_worker()
    assert recipients() == ["staff@example.com", "sub@example.com"]
    # Recording again, a duplicate task, a second worker run: nobody gets a second email.
    comment_deliveries_create(comment=comment)
    for delivery in CommentDelivery.objects.all():
        comment_delivery_send(delivery_id=delivery.pk)
    run_worker()
    assert len(mail.outbox) == 2
    assert set(CommentDelivery.objects.values_list("status", flat=True)) == {"sent"}
    message = mail.outbox[0]
    assert "Acme Website" in message.subject
    assert "When is it live?" in message.body
    assert reverse("admin:clients_projectcomment_change", args=[comment.pk]) in message.body


def test_client_comment_without_assigned_staff_emails_the_admins(acme, project):
    author = ClientUserFactory(client=acme, email="author@acme.example")
    AdminUserFactory(email="admin@example.com")
    StaffUserFactory(email="unassigned@example.com")
    project_comment_create(project=project, author=author, body="Hi", from_client=True)
    run_worker()
    assert recipients() == ["admin@example.com"]


def test_staff_reply_emails_client_users_who_opted_in(project, people):
    project_comment_create(
        project=project, author=people["assigned"], body="Next week.", from_client=False
    )
    run_worker()
    assert recipients() == ["author@acme.example", "colleague@acme.example"]
    message = mail.outbox[0]
    url = reverse("portal:project_detail", args=[project.pk]) + "#comments"
    assert url in message.body
    assert "Sam Sub" in message.body


def test_reply_email_names_team_as_visibility_allows(project, people, acme):
    acme.portal_show_team_names = False
    acme.save()
    project_comment_create(
        project=project, author=people["assigned"], body="Next week.", from_client=False
    )
    run_worker()
    for message in mail.outbox:
        # The author's name, not "Sam": a recipient's own random name may start with it.
        assert "Sam Sub" not in message.body and "Team member" in message.body
        assert "Sam Sub" not in message.alternatives[0][0]


def test_internal_notes_never_email_clients(project, people):
    comment = project_comment_create(
        project=project,
        author=people["assigned"],
        body="INTERNAL: the client is late paying",
        from_client=False,
        internal=True,
    )
    run_worker()
    assert mail.outbox == []
    assert not CommentDelivery.objects.exists()
    # Even a delivery recorded by hand for a client user is skipped by the task.
    delivery = CommentDelivery.objects.create(
        comment=comment, recipient=people["colleague"], email="colleague@acme.example"
    )
    assert comment_delivery_send(delivery_id=delivery.pk) == "skipped"
    assert mail.outbox == []


def test_toggle_turned_off_before_sending_skips(project, people):
    project_comment_create(
        project=project, author=people["assigned"], body="Reply", from_client=False
    )
    people["colleague"].notify_comments = False
    people["colleague"].save()
    run_worker()
    assert recipients() == ["author@acme.example"]
    skipped = CommentDelivery.objects.get(recipient=people["colleague"])
    assert skipped.status == "skipped"


def test_comment_deleted_before_sending_is_not_emailed(project, people):
    comment = project_comment_create(
        project=project, author=people["author"], body="Oops", from_client=True
    )
    project_comment_delete(comment=comment)
    run_worker()
    assert mail.outbox == []


def test_email_body_is_escaped_in_html(project, people):
    project_comment_create(
        project=project,
        author=people["assigned"],
        body="<script>alert(1)</script>\nline two",
        from_client=False,
    )
    run_worker()
    html = mail.outbox[0].alternatives[0][0]
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<br>line two" in html
    assert "<script>alert(1)</script>" in mail.outbox[0].body  # plain text as written


def test_portal_post_queues_the_staff_emails(client, project, people):
    client.force_login(people["author"])
    client.post(reverse("portal:project_comment_create", args=[project.pk]), {"body": "Hi"})
    assert CommentDelivery.objects.count() == 2


def test_a_failed_comment_email_is_retried_with_backoff_then_fails(project, people, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    project_comment_create(project=project, author=people["author"], body="Ping", from_client=True)
    run_worker()
    deliveries = CommentDelivery.objects.all()
    assert {(d.status, d.attempts) for d in deliveries} == {("pending", 1)}
    assert all("connection lost" in d.last_error for d in deliveries)
    # The retry waits: a worker running now does not send it again.
    run_worker()
    assert {d.attempts for d in CommentDelivery.objects.all()} == {1}
    # A transient failure: once the server is back, each recipient gets exactly one email.
    monkeypatch.undo()
    make_retries_due()
    run_worker()
    assert {d.status for d in CommentDelivery.objects.all()} == {"sent"}
    assert recipients() == ["staff@example.com", "sub@example.com"]


def test_a_comment_email_that_keeps_failing_ends_failed(project, people, monkeypatch):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    project_comment_create(project=project, author=people["author"], body="Ping", from_client=True)
    for _ in range(MAX_ATTEMPTS + 1):
        make_retries_due()
        run_worker()
    assert {(d.status, d.attempts) for d in CommentDelivery.objects.all()} == {
        ("failed", MAX_ATTEMPTS)
    }


def test_comment_emails_are_written_in_the_recipients_language(project, people):
    people["assigned"].language = "de"
    people["assigned"].save(update_fields=["language"])
    project_comment_create(project=project, author=people["author"], body="Hallo", from_client=True)
    run_worker()
    by_address = {m.to[0]: m for m in mail.outbox}
    english = "Read and answer it here:"
    with translation.override("de"):
        german = gettext(english)
    assert german != english  # the catalogue has it (tests/test_translations.py checks all)
    assert german in by_address["sub@example.com"].body
    assert english in by_address["staff@example.com"].body


# --- the admin list of comment emails ---------------------------------------------------------


def test_failed_comment_emails_are_listed_and_retried_by_admins(
    client, project, people, monkeypatch, django_assert_max_num_queries
):
    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("connection lost")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    project_comment_create(project=project, author=people["author"], body="Ping", from_client=True)
    for _ in range(MAX_ATTEMPTS + 1):
        make_retries_due()
        run_worker()
    monkeypatch.undo()
    url = reverse("admin:clients_commentdelivery_changelist")
    client.force_login(people["admin"])
    with django_assert_max_num_queries(12):
        page = client.get(url, {"status": "failed"})
    html = page.content.decode()
    assert page.status_code == 200
    assert "sub@example.com" in html and "staff@example.com" in html and "Acme Website" in html
    ids = [str(pk) for pk in CommentDelivery.objects.values_list("pk", flat=True)]
    response = client.post(url, {"action": "retry", "_selected_action": ids}, follow=True)
    assert "Queued 2 emails." in response.content.decode()
    assert {d.status for d in CommentDelivery.objects.all()} == {"pending"}
    run_worker()
    assert {d.status for d in CommentDelivery.objects.all()} == {"sent"}
    assert recipients() == ["staff@example.com", "sub@example.com"]
    # Sent emails are not retryable: a second retry queues nothing and mails nobody again.
    response = client.post(url, {"action": "retry", "_selected_action": ids}, follow=True)
    assert "Queued 0 emails." in response.content.decode()
    run_worker()
    assert len(mail.outbox) == 2


def test_comment_email_list_is_not_for_subcontractors_or_clients(client, project, people):
    project_comment_create(project=project, author=people["author"], body="Ping", from_client=True)
    delivery = CommentDelivery.objects.first()
    for user in (people["assigned"], people["author"]):
        client.force_login(user)
        changelist = client.get(reverse("admin:clients_commentdelivery_changelist"))
        detail = client.get(reverse("admin:clients_commentdelivery_change", args=[delivery.pk]))
        # Subcontractors: 403 even for their own client's emails; clients never reach the admin.
        assert changelist.status_code in (302, 403) and detail.status_code in (302, 403)
        assert "sub@example.com" not in changelist.content.decode()
    client.force_login(people["assigned"])
    assert client.get(reverse("admin:clients_commentdelivery_changelist")).status_code == 403


def test_a_retried_comment_email_is_still_checked_before_sending(project, people):
    comment = project_comment_create(
        project=project, author=people["author"], body="Ping", from_client=True
    )
    CommentDelivery.objects.update(status="failed", attempts=MAX_ATTEMPTS)
    project_comment_delete(comment=comment)
    for delivery in CommentDelivery.objects.all():
        assert comment_delivery_retry(delivery=delivery)
    run_worker()
    assert mail.outbox == []
    assert {d.status for d in CommentDelivery.objects.all()} == {"skipped"}
