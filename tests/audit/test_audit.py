"""The audit trail (§11): what gets recorded, by whom, and what never does."""

import datetime as dt
from io import StringIO
from unittest import mock

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from audit.models import AuditEvent
from audit.services import audit_record
from tests.factories import InvoiceFactory

pytestmark = pytest.mark.django_db

Action = AuditEvent.Action
SECRET = "Correct-Horse-Battery-9"


def login(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def all_text() -> str:
    return " ".join(
        str(v) for row in AuditEvent.objects.values_list() for v in row if v is not None
    )


# --- the service --------------------------------------------------------------------------


def test_record_is_one_insert(acme_user, rf):
    request = rf.get("/", HTTP_USER_AGENT="Firefox/1", REMOTE_ADDR="203.0.113.9")
    invoice = InvoiceFactory(client=acme_user.client)
    with CaptureQueriesContext(connection) as queries:
        event = audit_record(
            action=Action.INVOICE_VIEWED, actor=acme_user, obj=invoice, request=request
        )
    # Inside the test's transaction the insert runs in a savepoint (no extra round trip of
    # data: SAVEPOINT and RELEASE); outside one it is the INSERT alone.
    statements = [q["sql"].split()[0] for q in queries]
    assert [s for s in statements if s not in ("SAVEPOINT", "RELEASE")] == ["INSERT"]
    assert event.object_type == "invoicing.invoice"
    assert event.object_id == str(invoice.pk)
    assert event.client_id == invoice.client_id
    assert event.ip == "203.0.113.9"
    assert event.user_agent == "Firefox/1"


def test_record_swallows_database_errors(acme_user, caplog):
    with mock.patch.object(AuditEvent, "save", side_effect=DatabaseError("down")):
        assert audit_record(action=Action.LOGIN_SUCCEEDED, actor=acme_user) is None
    assert "not recorded" in caplog.text


def test_a_failed_insert_leaves_the_callers_transaction_usable(acme_user):
    with mock.patch("audit.services.AuditEvent.save", side_effect=DatabaseError("down")):
        audit_record(action=Action.LOGIN_SUCCEEDED, actor=acme_user)
    assert AuditEvent.objects.count() == 0  # the connection still answers


def test_record_takes_the_actor_and_client_from_the_request(acme_user, rf):
    request = rf.get("/")
    request.user = acme_user
    event = audit_record(action=Action.CSV_EXPORTED, request=request)
    assert event.actor == acme_user
    assert event.client_id == acme_user.client_id


def test_a_forged_address_is_not_stored(acme_user, rf):
    request = rf.get("/", REMOTE_ADDR="not an ip")
    assert audit_record(action=Action.LOGIN_FAILED, request=request).ip is None


def test_long_user_agents_are_cut(rf):
    request = rf.get("/", HTTP_USER_AGENT="x" * 5000)
    assert len(audit_record(action=Action.LOGIN_FAILED, request=request).user_agent) == 300


# --- auth ---------------------------------------------------------------------------------


def test_login_success_is_recorded(client, acme_user, password):
    login(client, "acme_user", password, HTTP_USER_AGENT="Mozilla/5.0 Test")
    event = AuditEvent.objects.get(action=Action.LOGIN_SUCCEEDED)
    assert event.actor == acme_user
    assert event.client == acme_user.client
    assert event.user_agent == "Mozilla/5.0 Test"
    assert event.ip == "127.0.0.1"


def test_login_failure_is_recorded_without_the_password(client, acme_user):
    login(client, "acme_user", SECRET)
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor == acme_user
    assert SECRET not in all_text()


def test_login_failure_for_an_unknown_user(client, db):
    login(client, "nobody", SECRET)
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.actor is None
    assert SECRET not in all_text()


def test_lockout_is_recorded(client, acme_user, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        login(client, "acme_user", SECRET)
    event = AuditEvent.objects.filter(action=Action.LOCKED_OUT).first()
    assert event is not None
    assert event.actor == acme_user
    assert SECRET not in all_text()


# --- portal access ------------------------------------------------------------------------


def test_granting_and_revoking_portal_access_in_the_admin(admin_client, admin_user, acme):
    from tests.admin.test_users import change_url, form_data
    from tests.factories import UserFactory

    user = UserFactory(username="newbie")
    admin_client.post(change_url(user), form_data(user, client_portal_enabled="on", client=acme.pk))
    granted = AuditEvent.objects.get(action=Action.PORTAL_ACCESS_GRANTED)
    assert (granted.actor, granted.client, granted.object_id) == (admin_user, acme, str(user.pk))
    user.refresh_from_db()
    admin_client.post(change_url(user), form_data(user, client_portal_enabled=""))
    revoked = AuditEvent.objects.get(action=Action.PORTAL_ACCESS_REVOKED)
    assert (revoked.actor, revoked.client) == (admin_user, acme)


def test_saving_a_user_without_access_changes_records_nothing(admin_client, acme_user):
    from tests.admin.test_users import change_url, form_data

    admin_client.post(change_url(acme_user), form_data(acme_user, first_name="Ann"))
    assert not AuditEvent.objects.filter(action__startswith="portal_access").exists()


# --- portal views and the invoice admin ---------------------------------------------------


def test_portal_invoice_view_is_recorded_and_shown_on_the_invoice_admin(
    client, admin_client, acme_user
):
    invoice = InvoiceFactory(client=acme_user.client)
    change = reverse("admin:invoicing_invoice_change", args=[invoice.pk])
    assert "Not viewed in the portal yet" in admin_client.get(change).content.decode()

    client.force_login(acme_user)
    assert client.get(reverse("portal:invoice_detail", args=[invoice.pk])).status_code == 200
    client.get(reverse("portal:invoice_detail", args=[invoice.pk]))
    views = AuditEvent.objects.invoice_views(invoice)
    assert views.count() == 2
    first = views.first()
    assert first.actor == acme_user and first.client == acme_user.client

    page = admin_client.get(change).content.decode()
    assert "First viewed by the client at" in page
    assert acme_user.display_name in page


def test_a_refused_invoice_view_records_nothing(client, acme_user, globex):
    foreign = InvoiceFactory(client=globex)
    client.force_login(acme_user)
    assert client.get(reverse("portal:invoice_detail", args=[foreign.pk])).status_code == 404
    assert not AuditEvent.objects.filter(action=Action.INVOICE_VIEWED).exists()


# --- the admin list -----------------------------------------------------------------------


@pytest.fixture
def events(acme, globex, acme_user, globex_user):
    return [
        audit_record(action=Action.LOGIN_SUCCEEDED, actor=acme_user),
        audit_record(action=Action.LOGIN_SUCCEEDED, actor=globex_user),
    ]


def test_admin_list_is_read_only(admin_client, events):
    changelist = reverse("admin:audit_auditevent_changelist")
    response = admin_client.get(changelist)
    assert response.status_code == 200
    count = AuditEvent.objects.count()
    assert admin_client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    change = reverse("admin:audit_auditevent_change", args=[events[0].pk])
    response = admin_client.get(change)
    assert response.status_code == 200
    assert b'name="_save"' not in response.content
    delete = reverse("admin:audit_auditevent_delete", args=[events[0].pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AuditEvent.objects.count() == count


def test_admin_list_filters_by_action_date_and_client(admin_client, events, acme):
    changelist = reverse("admin:audit_auditevent_changelist")
    for query in (
        {"action__exact": "login_succeeded"},
        {"client__id__exact": acme.pk},
        {"created_at__year": timezone.localdate().year},
    ):
        assert admin_client.get(changelist, query).status_code == 200
    response = admin_client.get(
        changelist, {"client__id__exact": acme.pk, "action__exact": "login_succeeded"}
    )
    assert list(response.context["cl"].result_list) == [events[0]]


def test_subcontractor_sees_only_events_of_assigned_clients(client, subcontractor, events):
    subcontractor.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    client.force_login(subcontractor)
    response = client.get(reverse("admin:audit_auditevent_changelist"))
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [events[0]]
    assert "globex" not in response.content.decode().lower()
    foreign = reverse("admin:audit_auditevent_change", args=[events[1].pk])
    assert client.get(foreign).status_code == 403


def test_subcontractor_without_the_permission_sees_no_list(client, subcontractor, events):
    client.force_login(subcontractor)
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 403


# --- pruning ------------------------------------------------------------------------------


def age(event, days):
    AuditEvent.objects.filter(pk=event.pk).update(
        created_at=timezone.now() - dt.timedelta(days=days)
    )


def test_prune_honours_the_retention(settings, events):
    settings.AUDIT_RETENTION_DAYS = 30
    age(events[0], 31)
    age(events[1], 29)
    out = StringIO()
    call_command("prune_audit_events", "--dry-run", stdout=out)
    assert "Would delete 1" in out.getvalue()
    assert AuditEvent.objects.count() == 2
    call_command("prune_audit_events", stdout=StringIO())
    assert list(AuditEvent.objects.all()) == [events[1]]


def test_prune_default_is_400_days(events):
    age(events[0], 401)
    age(events[1], 399)
    call_command("prune_audit_events", stdout=StringIO())
    assert list(AuditEvent.objects.all()) == [events[1]]
