"""factory-boy factories for every model."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import ApiToken, User, UserClient
from accounts.services import api_token_hash
from clients.models import Client, Project
from invoicing.models import Invoice, InvoiceItem, Payment
from invoicing.services import (
    invoice_cancel,
    invoice_issue,
    invoice_item_add,
    invoice_item_save,
    invoice_record_payment,
)
from timetracker.formatting import round_money
from tracking.models import TimeEntry

PASSWORD = "correct-horse-battery-staple"


class ClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Client

    name = factory.Sequence(lambda n: f"Client {n} Ltd")
    email = factory.LazyAttribute(lambda o: f"billing@{o.name.split()[0].lower()}.example")
    contact_person = factory.Faker("name")
    address = factory.Faker("address")
    currency_code = "EUR"
    default_hourly_rate = Decimal("100.00")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    client = factory.SubFactory(ClientFactory)
    name = factory.Sequence(lambda n: f"Project {n}")
    description = factory.Faker("sentence")
    status = Project.Status.ACTIVE


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save(update_fields=["password"])


class ClientUserFactory(UserFactory):
    client = factory.SubFactory(ClientFactory)
    client_portal_enabled = True


class StaffUserFactory(UserFactory):
    is_staff = True


class AdminUserFactory(UserFactory):
    is_staff = True
    is_superuser = True
    role = User.Role.ADMIN


class SubcontractorFactory(UserFactory):
    is_staff = True
    role = User.Role.SUBCONTRACTOR


class UserClientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = UserClient

    user = factory.SubFactory(SubcontractorFactory)
    client = factory.SubFactory(ClientFactory)


class TimeEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TimeEntry

    user = factory.SubFactory(StaffUserFactory)
    project = factory.SubFactory(ProjectFactory)
    start_time = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=3))
    end_time = factory.LazyAttribute(lambda o: o.start_time + dt.timedelta(hours=1, minutes=30))
    notes = factory.Faker("sentence")
    billable = True
    source = TimeEntry.Source.MANUAL


class RawInvoiceFactory(factory.django.DjangoModelFactory):
    """Writes the invoice row exactly as given, around the services: a sent invoice with a
    total and no items, ``amount_paid`` with no payment. Only for tests of a state the
    services forbid (a legacy row, a database constraint); everything else uses
    ``InvoiceFactory``."""

    class Meta:
        model = Invoice

    invoice_number = factory.Sequence(lambda n: f"RAW-{n:05d}")
    client = factory.SubFactory(ClientFactory)
    issue_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    due_date = factory.LazyAttribute(lambda o: o.issue_date + dt.timedelta(days=30))
    status = Invoice.Status.SENT
    currency_code = factory.LazyAttribute(lambda o: o.client.currency_code)
    tax_rate = Decimal("0")
    subtotal = Decimal("1000.00")
    tax_amount = Decimal("0.00")
    total_amount = Decimal("1000.00")
    amount_paid = Decimal("0.00")
    billing_name = factory.LazyAttribute(lambda o: o.client.name)


class InvoiceFactory(factory.django.DjangoModelFactory):
    """An invoice in a state the services leave it in, built through them: a draft with
    ``items`` added by ``invoice_item_add`` (default: one line of ``subtotal``, or of the
    ``total_amount`` before tax, else none for a draft and 1,000 for the others), then for
    ``sent``/``paid``/``cancelled`` issued by ``invoice_issue`` (no emails), paid by
    ``invoice_record_payment`` (``amount_paid``; a ``paid`` invoice in full) and cancelled
    by ``invoice_cancel``.

    So the totals match the items, ``amount_paid`` is the sum of the payments and the status
    follows it. Figures the services cannot produce (a total that is not the items' sum, a
    ``sent`` invoice with nothing due, a paid one with money due) raise ``ValueError``
    rather than build a state the application never has; ``RawInvoiceFactory`` writes such
    a row when a test needs exactly that.
    """

    class Meta:
        model = Invoice

    invoice_number = factory.Sequence(lambda n: f"INV-{n:05d}")
    client = factory.SubFactory(ClientFactory)
    issue_date = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=10))
    due_date = factory.LazyAttribute(lambda o: o.issue_date + dt.timedelta(days=30))
    status = Invoice.Status.SENT
    currency_code = factory.LazyAttribute(lambda o: o.client.currency_code)
    tax_rate = Decimal("0")
    # Billing fields given here are what the invoice kept at issue: as if the client's record
    # changed since (the issue snapshot itself copies the client's current record).
    billing_name = billing_contact = billing_email = billing_address = None
    # Targets checked against what the services compute (None: whatever they compute).
    subtotal = None
    tax_amount = None
    total_amount = None
    amount_paid = Decimal("0.00")
    # [{"description", "quantity", "unit_price", "time_entries"}, ...] for invoice_item_add.
    items = None

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        status = kwargs.pop("status")
        subtotal, tax_amount, total = (
            kwargs.pop(k) for k in ("subtotal", "tax_amount", "total_amount")
        )
        amount_paid = Decimal(kwargs.pop("amount_paid") or 0)
        items = kwargs.pop("items")
        tax_rate = Decimal(kwargs.get("tax_rate") or 0)
        if items is None:
            if subtotal is None and total is not None:
                subtotal = round_money(Decimal(total) * 100 / (100 + tax_rate))
            # A new draft is empty; anything else bills one line.
            empty = Decimal(0) if status == Invoice.Status.DRAFT else Decimal("1000.00")
            line = empty if subtotal is None else Decimal(subtotal)
            items = [{"unit_price": line}] if line else []
        billing = {
            name: kwargs.pop(name)
            for name in ("billing_name", "billing_contact", "billing_email", "billing_address")
            if kwargs.get(name) is not None
        }
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        invoice = model_class.objects.create(status=Invoice.Status.DRAFT, **kwargs, **billing)
        for item in items:
            invoice_item_add(
                invoice=invoice,
                description=item.get("description", "Design and development"),
                quantity=Decimal(item.get("quantity", 1)),
                unit_price=Decimal(item.get("unit_price", "100.00")),
                time_entries=item.get("time_entries"),
            )
        if status != Invoice.Status.DRAFT and items:
            invoice = invoice_issue(invoice=invoice, notify=False)
        if status == Invoice.Status.PAID and not amount_paid:
            amount_paid = invoice.total_amount
        if amount_paid:
            invoice_record_payment(invoice=invoice, amount=amount_paid, date=invoice.issue_date)
        if status == Invoice.Status.CANCELLED:
            invoice_cancel(invoice=invoice)
        if billing and status != Invoice.Status.DRAFT:
            model_class.objects.filter(pk=invoice.pk).update(**billing)
        invoice.refresh_from_db()
        wanted = {
            "status": status,
            "subtotal": subtotal,
            "tax_amount": tax_amount,
            "total_amount": total,
            "amount_paid": amount_paid,
        }
        for name, value in wanted.items():
            built = getattr(invoice, name)
            if value is not None and built != value:
                raise ValueError(
                    f"InvoiceFactory: the services give {name}={built!r}, not {value!r} "
                    "(pass items that add up to it, or use RawInvoiceFactory)"
                )
        return invoice


class InvoiceItemFactory(factory.django.DjangoModelFactory):
    """An item added through ``invoice_item_add`` (its amount is quantity x unit price and
    the invoice's totals follow), so only on a draft: an issued invoice gets its items from
    ``InvoiceFactory(items=[...])``."""

    class Meta:
        model = InvoiceItem

    invoice = factory.SubFactory(InvoiceFactory, status=Invoice.Status.DRAFT)
    description = factory.Faker("sentence", nb_words=4)
    quantity = Decimal("10.00")
    unit_price = Decimal("100.00")

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        position = kwargs.pop("position", None)
        item = invoice_item_add(**kwargs)
        if position is not None:  # reordered as the admin's inline does
            item.position = position
            invoice_item_save(item=item)
        return item


class PaymentFactory(factory.django.DjangoModelFactory):
    """Through ``invoice_record_payment``: ``amount_paid`` and the status follow, as in use
    (the given invoice object is updated too)."""

    class Meta:
        model = Payment

    invoice = factory.SubFactory(InvoiceFactory)
    date = factory.LazyFunction(timezone.localdate)
    amount = Decimal("100.00")
    method = Payment.Method.BANK_TRANSFER
    reference = ""

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        invoice = kwargs.pop("invoice")
        payment = invoice_record_payment(invoice=invoice, **kwargs)
        invoice.amount_paid, invoice.status = payment.invoice.amount_paid, payment.invoice.status
        return payment


class ApiTokenFactory(factory.django.DjangoModelFactory):
    """A token row with a known secret: ``ApiTokenFactory(user=u)._secret`` (tests only)."""

    class Meta:
        model = ApiToken

    user = factory.SubFactory(StaffUserFactory)
    name = factory.Sequence(lambda n: f"token {n}")
    scope = ApiToken.Scope.WRITE
    _secret = factory.Sequence(lambda n: f"test-secret-{n:06d}-" + "x" * 24)
    prefix = factory.LazyAttribute(lambda o: o._secret[:8])
    token_hash = factory.LazyAttribute(lambda o: api_token_hash(o._secret))

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret = kwargs.pop("_secret")
        token = super()._create(model_class, *args, **kwargs)
        token._secret = secret
        return token


class BusinessProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "invoicing.BusinessProfile"
        django_get_or_create = ("id",)

    id = 1
    legal_name = "Issuer Studio GmbH"
    address = "Hauptstraße 1\n10115 Berlin\nGermany"
    email = "billing@issuer.example"
    phone = "+49 30 1234567"
    tax_id = "DE123456789"
    iban = "DE89 3704 0044 0532 0130 00"
    bic = "COBADEFFXXX"
    payment_terms = "Payable within 30 days without deduction."
    invoice_footer = "Registered at Amtsgericht Berlin HRB 12345."
