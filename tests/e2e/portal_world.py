"""One client with long names and big amounts, and the list of every portal page, shared by
the layout, accessibility and screenshot browser tests (each module seeds it once)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone
from playwright.sync_api import Page, expect

from invoicing.models import Invoice
from tests.factories import (
    PASSWORD,
    BusinessProfileFactory,
    ClientFactory,
    ClientUserFactory,
    InvoiceFactory,
    PaymentFactory,
    ProjectFactory,
    StaffUserFactory,
    TimeEntryFactory,
)

USERNAME = "maximiliane"
LONG_CLIENT = "Internationale Handelsgesellschaft für Softwareentwicklung und Beratung mbH & Co. KG"
WIDTHS = (375, 1280)


def build_world(extra_items=()) -> dict:
    """Long names, long words, amounts in the hundreds of millions, enough rows to paginate.

    ``extra_items`` (``invoice_item_add`` keyword dicts) go on the big invoice before it is
    issued (an issued invoice's items are locked)."""
    BusinessProfileFactory()
    client = ClientFactory(
        name=LONG_CLIENT,
        contact_person="Maximiliane Rosalind Schwarzenberger-Oppenheimer",
        address="Kurfürstendammpromenadenhof 1234\n"
        "10719 Berlin-Charlottenburg-Wilmersdorf\nGermany",
        email="rechnungswesen.buchhaltung@internationale-handelsgesellschaft.example",
    )
    user = ClientUserFactory(
        username=USERNAME,
        client=client,
        first_name="Maximiliane Rosalind",
        last_name="Schwarzenberger-Oppenheimer",
    )
    staff = StaffUserFactory(first_name="Bartholomäus Konstantin", last_name="Wolkenkratzer-Huber")
    projects = [
        ProjectFactory(
            client=client,
            name="Kundenportal-Neuentwicklung mit Zahlungsabwicklungsschnittstelle",
            description="Rebuilding the customer portal: single sign-on, invoice archive, "
            "payment provider integration and an accessibility review of every page.",
        ),
        ProjectFactory(client=client, name="Data Platform Migration"),
    ]
    now = timezone.now()
    for n in range(60):
        start = now - dt.timedelta(days=n // 3, hours=2 + 3 * (n % 3))
        TimeEntryFactory(
            project=projects[n % 2],
            user=staff,
            start_time=start,
            end_time=start + dt.timedelta(hours=2, minutes=15),
            notes=(
                "Reviewed the Zahlungsabwicklungsschnittstellenspezifikation with the client's "
                f"architecture team and documented follow-up questions #{n}"
            ),
        )
    big = InvoiceFactory(
        client=client,
        invoice_number="IHG-2026-000000123456",
        tax_rate=Decimal("19.00"),
        due_date=timezone.localdate() - dt.timedelta(days=40),
        issue_date=timezone.localdate() - dt.timedelta(days=70),
        items=[
            {
                "description": "Softwareentwicklungsdienstleistungen für die "
                "Zahlungsabwicklungsschnittstelle einschließlich Qualitätssicherung, "
                "Dokumentation und Projektmanagement",
                "quantity": Decimal("8230452.68"),
                "unit_price": Decimal("120.00"),
            },
            {"description": "Hosting", "quantity": Decimal("1"), "unit_price": Decimal("0.38")},
            *extra_items,
        ],
    )
    PaymentFactory(invoice=big, amount=Decimal("1000.00"), reference="SEPA-2026-11-0000012345678")
    for n in range(30):
        InvoiceFactory(
            client=client,
            invoice_number=f"IHG-2026-{n:012d}",
            status=Invoice.Status.PAID if n % 3 == 0 else Invoice.Status.SENT,
            subtotal=Decimal("123456789.00"),
        )
    return {"client": client, "user": user, "invoice": big, "projects": projects}


def portal_pages(world: dict) -> list[tuple[str, str]]:
    """``(name, path)`` of every portal page (the print view is a document, not a page)."""
    pk = world["invoice"].pk
    project = world["projects"][0].pk
    return [
        ("dashboard", "/client-portal/"),
        ("projects", "/client-portal/projects/"),
        ("project-detail", f"/client-portal/projects/{project}/"),
        ("invoices", "/client-portal/invoices/"),
        ("invoices-page-2", "/client-portal/invoices/?status=all&page=2"),
        ("invoice-detail", f"/client-portal/invoices/{pk}/"),
        ("time-entries", "/client-portal/time-entries/"),
        ("time-entries-filtered", f"/client-portal/time-entries/?project_id={project}"),
        ("settings", "/client-portal/settings/"),
        ("settings-api", "/client-portal/settings/api/"),
        ("settings-security", "/client-portal/settings/security/"),
        ("password-change", "/accounts/password_change/"),
    ]


def log_in(page: Page, base_url: str, username: str = USERNAME) -> None:
    page.goto(base_url + "/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(f"{base_url}/client-portal/")
