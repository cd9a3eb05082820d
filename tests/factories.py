"""factory-boy factories for every model."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import ApiToken, User, UserClient
from accounts.services import api_token_hash
from clients.models import Client, Project
from invoicing.models import Invoice, InvoiceItem, Payment
from invoicing.services import invoice_record_payment
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


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    invoice_number = factory.Sequence(lambda n: f"INV-{n:05d}")
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


class InvoiceItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InvoiceItem

    invoice = factory.SubFactory(InvoiceFactory, status=Invoice.Status.DRAFT)
    description = factory.Faker("sentence", nb_words=4)
    quantity = Decimal("10.00")
    unit_price = Decimal("100.00")
    amount = factory.LazyAttribute(lambda o: o.quantity * o.unit_price)
    position = factory.Sequence(lambda n: n)


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
