"""Invoices in the admin: totals come from the services, issued invoices stay as sent."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from invoicing.models import Invoice, InvoiceItem, Payment
from tests.factories import InvoiceFactory, InvoiceItemFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:invoicing_invoice_changelist")


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def invoice_data(client_obj, **overrides):
    data = {
        "invoice_number": "INV-NEW-1",
        "client": client_obj.pk,
        "issue_date": "2024-05-01",
        "due_date": "2024-05-31",
        "currency_code": "EUR",
        "tax_rate": "20",
        "notes": "",
        **management("items", 0),
        **management("payments", 0),
    }
    data.update(overrides)
    return data


def item_rows(*rows, start=0, ids=()):
    data = {}
    for i, (description, quantity, price) in enumerate(rows, start=start):
        data.update(
            {
                f"items-{i}-position": str(i + 1),
                f"items-{i}-description": description,
                f"items-{i}-quantity": quantity,
                f"items-{i}-unit_price": price,
            }
        )
    for i, pk in enumerate(ids):
        data[f"items-{i}-id"] = str(pk)
    return data


def _messages(response):
    return " ".join(str(m) for m in response.context["messages"])


def test_new_draft_totals_come_from_items(admin_client, acme):
    data = invoice_data(
        acme,
        **management("items", 2),
        **item_rows(("Design", "10", "100.00"), ("Hosting", "1", "49.99")),
    )
    response = admin_client.post(reverse("admin:invoicing_invoice_add"), data)
    assert response.status_code == 302
    invoice = Invoice.objects.get(invoice_number="INV-NEW-1")
    assert invoice.status == Invoice.Status.DRAFT
    assert invoice.subtotal == Decimal("1049.99")
    assert invoice.tax_amount == Decimal("210.00")
    assert invoice.total_amount == Decimal("1259.99")
    assert sorted(invoice.items.values_list("amount", flat=True)) == [
        Decimal("49.99"),
        Decimal("1000.00"),
    ]


def test_totals_cannot_be_typed_in(admin_client, acme):
    data = invoice_data(acme, subtotal="5", total_amount="5", amount_paid="5")
    admin_client.post(reverse("admin:invoicing_invoice_add"), data)
    invoice = Invoice.objects.get(invoice_number="INV-NEW-1")
    assert (invoice.subtotal, invoice.total_amount, invoice.amount_paid) == (0, 0, 0)


def test_editing_and_deleting_draft_items_recomputes(admin_client, acme):
    invoice = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT, tax_rate=Decimal("0"))
    keep = InvoiceItemFactory(invoice=invoice, quantity=Decimal("2"), unit_price=Decimal("10"))
    drop = InvoiceItemFactory(invoice=invoice, quantity=Decimal("1"), unit_price=Decimal("5"))
    data = invoice_data(
        acme,
        invoice_number=invoice.invoice_number,
        issue_date=str(invoice.issue_date),
        due_date=str(invoice.due_date),
        tax_rate="10",
        **management("items", 2, initial=2),
        **item_rows(("Kept", "3", "10.00"), ("Dropped", "1", "5.00"), ids=(keep.pk, drop.pk)),
        **{"items-0-invoice": invoice.pk, "items-1-invoice": invoice.pk, "items-1-DELETE": "on"},
    )
    url = reverse("admin:invoicing_invoice_change", args=[invoice.pk])
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    invoice.refresh_from_db()
    assert list(invoice.items.values_list("description", "amount")) == [("Kept", Decimal("30.00"))]
    assert (invoice.subtotal, invoice.tax_amount, invoice.total_amount) == (
        Decimal("30.00"),
        Decimal("3.00"),
        Decimal("33.00"),
    )


def test_totals_are_recomputed_once_per_save_not_per_item(admin_client, acme, monkeypatch):
    from invoicing import admin as invoicing_admin
    from invoicing import services

    calls = []
    recalculate = services.invoice_recalculate

    def counting(*, invoice):
        calls.append(invoice.pk)
        return recalculate(invoice=invoice)

    monkeypatch.setattr(invoicing_admin, "invoice_recalculate", counting)
    monkeypatch.setattr(services, "invoice_recalculate", counting)
    rows = [(f"Line {n}", "1", "10.00") for n in range(3)]
    data = invoice_data(acme, **management("items", 3), **item_rows(*rows))
    response = admin_client.post(reverse("admin:invoicing_invoice_add"), data)
    assert response.status_code == 302
    invoice = Invoice.objects.get(invoice_number="INV-NEW-1")
    assert calls == [invoice.pk]
    assert invoice.total_amount == Decimal("36.00")


def test_negative_items_total_is_a_form_error(admin_client, acme):
    data = invoice_data(acme, **management("items", 1), **item_rows(("Discount", "1", "-100.00")))
    response = admin_client.post(reverse("admin:invoicing_invoice_add"), data)
    assert response.status_code == 200
    assert "negative total" in response.content.decode()
    assert not Invoice.objects.filter(invoice_number="INV-NEW-1").exists()


def test_items_of_a_sent_invoice_are_read_only(admin_client, world):
    invoice = world.acme_invoice
    item = invoice.items.get()
    page = admin_client.get(reverse("admin:invoicing_invoice_change", args=[invoice.pk]))
    items_formset = next(
        f for f in page.context["inline_admin_formsets"] if f.formset.model is InvoiceItem
    )
    assert not items_formset.has_change_permission
    assert not items_formset.has_add_permission
    data = {
        "notes": "changed notes",
        **management("items", 1, initial=1),
        **item_rows(("Tampered", "99", "99.00"), ids=(item.pk,)),
        **management("payments", 1, initial=1),
        "payments-0-id": world.acme_payment.pk,
    }
    response = admin_client.post(reverse("admin:invoicing_invoice_change", args=[invoice.pk]), data)
    assert response.status_code == 302
    item.refresh_from_db()
    invoice.refresh_from_db()
    assert item.description != "Tampered"
    assert invoice.notes == "changed notes"
    assert invoice.total_amount == Decimal("1000.00")


def test_project_of_another_client_is_a_form_error(admin_client, world):
    data = invoice_data(world.acme, project=world.globex_project.pk)
    response = admin_client.post(reverse("admin:invoicing_invoice_add"), data)
    assert response.status_code == 200
    assert "project" in response.context["adminform"].form.errors


def test_issue_action_sends_drafts_and_explains_empty_ones(admin_client, acme):
    ready = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT, billing_name="")
    InvoiceItemFactory(invoice=ready)
    empty = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    response = admin_client.post(
        CHANGELIST,
        {"action": "issue", "_selected_action": [ready.pk, empty.pk]},
        follow=True,
    )
    ready.refresh_from_db()
    empty.refresh_from_db()
    assert ready.status == Invoice.Status.SENT
    assert ready.billing_name == "Acme Corp"
    assert empty.status == Invoice.Status.DRAFT
    text = _messages(response)
    assert "Issued 1 invoice." in text
    assert f"{empty.invoice_number}: An invoice without items cannot be issued." in text


def test_cancel_action_refuses_invoices_with_payments(admin_client, world, acme):
    unpaid = InvoiceFactory(client=acme)
    response = admin_client.post(
        CHANGELIST,
        {"action": "cancel", "_selected_action": [unpaid.pk, world.acme_invoice.pk]},
        follow=True,
    )
    unpaid.refresh_from_db()
    world.acme_invoice.refresh_from_db()
    assert unpaid.status == Invoice.Status.CANCELLED
    assert world.acme_invoice.status == Invoice.Status.SENT
    assert "cannot be cancelled" in _messages(response)


def test_payment_inline_records_through_the_service(admin_client, acme):
    invoice = InvoiceFactory(client=acme, total_amount=Decimal("300.00"))
    data = {
        "notes": "",
        **management("items", 0),
        **management("payments", 1),
        "payments-0-date": "2024-06-01",
        "payments-0-amount": "300.00",
        "payments-0-method": "bank_transfer",
        "payments-0-reference": "wire 42",
    }
    response = admin_client.post(reverse("admin:invoicing_invoice_change", args=[invoice.pk]), data)
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("300.00")
    assert invoice.status == Invoice.Status.PAID
    assert invoice.payments.get().reference == "wire 42"


def test_draft_has_no_payment_rows(admin_client, acme):
    draft = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    page = admin_client.get(reverse("admin:invoicing_invoice_change", args=[draft.pk]))
    models = [f.formset.model for f in page.context["inline_admin_formsets"]]
    assert models == [InvoiceItem]


def test_payment_admin_records_through_the_service(admin_client, acme):
    invoice = InvoiceFactory(client=acme, total_amount=Decimal("100.00"))
    response = admin_client.post(
        reverse("admin:invoicing_payment_add"),
        {"invoice": invoice.pk, "date": "2024-06-01", "amount": "40", "method": "card"},
    )
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("40.00")
    assert invoice.status == Invoice.Status.SENT


@pytest.mark.parametrize(
    ("status", "amount", "field"),
    [(Invoice.Status.DRAFT, "10", "invoice"), (Invoice.Status.SENT, "-5", "amount")],
)
def test_payment_admin_refuses_what_the_service_would(admin_client, acme, status, amount, field):
    invoice = InvoiceFactory(client=acme, status=status)
    response = admin_client.post(
        reverse("admin:invoicing_payment_add"),
        {"invoice": invoice.pk, "date": "2024-06-01", "amount": amount, "method": "card"},
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert not Payment.objects.exists()


def test_recorded_payments_are_view_only(admin_client, world):
    url = reverse("admin:invoicing_payment_change", args=[world.acme_payment.pk])
    assert admin_client.get(url).status_code == 200
    assert admin_client.post(url, {"amount": "1"}).status_code == 403
    delete = reverse("admin:invoicing_payment_delete", args=[world.acme_payment.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    payment = Payment.objects.get(pk=world.acme_payment.pk)
    assert payment.amount == world.acme_payment.amount


def test_deleting_an_issued_invoice_is_refused(admin_client, world):
    url = reverse("admin:invoicing_invoice_delete", args=[world.acme_invoice.pk])
    response = admin_client.post(url, {"post": "yes"})
    assert response.status_code == 200
    assert "Cancel it instead" in response.content.decode()
    assert Invoice.objects.filter(pk=world.acme_invoice.pk).exists()


def test_a_draft_can_be_deleted(admin_client, acme):
    draft = InvoiceFactory(client=acme, status=Invoice.Status.DRAFT)
    InvoiceItemFactory(invoice=draft)
    url = reverse("admin:invoicing_invoice_delete", args=[draft.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    assert not Invoice.objects.filter(pk=draft.pk).exists()


def test_overdue_filter(admin_client, acme):
    overdue = InvoiceFactory(
        client=acme,
        issue_date=dt.date(2020, 1, 1),
        due_date=dt.date(2020, 1, 31),
    )
    InvoiceFactory(client=acme, status=Invoice.Status.PAID)
    response = admin_client.get(CHANGELIST, {"state": "overdue"})
    assert list(response.context["cl"].result_list) == [overdue]


def test_subcontractor_views_invoices_read_only(sub_client, world):
    url = reverse("admin:invoicing_invoice_change", args=[world.acme_invoice.pk])
    page = sub_client.get(url)
    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert sub_client.post(url, {"notes": "x"}).status_code == 403
