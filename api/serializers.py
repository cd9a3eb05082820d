"""JSON shapes of the API (PRODUCT.md §8): ids are integers, money is a 2-place string next to
a ``currency``, durations are ``duration_seconds``, timestamps ISO 8601 with offset.

Internal rates are never serialized: the API shows what the admin list and the portal show,
no more. For client users, time entry notes and team members' names and project budgets
follow their client's visibility policy (``client.visibility``, ``clients/visibility.py``):
hidden notes are ``""``, hidden people are ``"Team member"`` with ``user`` ``null``, a hidden
budget is ``null``. Internal users see everything in their scope.
"""

from __future__ import annotations

import copy

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from clients.models import Client, Project
from invoicing.models import Invoice, InvoiceItem, Payment
from tracking.models import TimeEntry

from .scope import is_client_user, projects_for, visibility_for

User = get_user_model()


def as_drf_error(exc: DjangoValidationError) -> serializers.ValidationError:
    """A Django ValidationError (model ``full_clean``, services) as a DRF 400."""
    return serializers.ValidationError(serializers.as_serializer_error(exc))


class ClientSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(source="currency_code", read_only=True)
    # Plain strings: an empty address is "" (a JSON-schema "email" format would refuse it).
    email = serializers.CharField(read_only=True)

    class Meta:
        model = Client
        fields = [
            "id",
            "name",
            "email",
            "contact_person",
            "phone",
            "address",
            "currency",
            "is_active",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class VisibilityMixin:
    """Looks the requester's visibility policy up once per serializer (a list's one child)."""

    @property
    def visibility(self):
        if not hasattr(self, "_visibility"):
            request = self.context.get("request")
            self._visibility = None if request is None else visibility_for(request.user)
        return self._visibility


class ProjectSerializer(VisibilityMixin, serializers.ModelSerializer):
    budget_hours = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        help_text="Budget in hours; null when there is none or the client's portal hides it.",
    )

    class Meta:
        model = Project
        fields = [
            "id",
            "client",
            "name",
            "description",
            "status",
            "billable",
            "budget_hours",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.visibility is not None and not self.visibility.show_budget:
            data["budget_hours"] = None
        return data


class TimeEntrySerializer(VisibilityMixin, serializers.ModelSerializer):
    """Reads and writes of one entry; writes are validated like the admin's form.

    ``project`` offers only projects in the requester's scope, so an out-of-scope id is a
    400 on ``project``; the model's ``full_clean()`` (field validators, ``clean()``, the
    database constraints) runs before anything is saved.
    """

    user = serializers.PrimaryKeyRelatedField(
        read_only=True,
        allow_null=True,
        help_text="null for client users whose client hides team members' names.",
    )
    user_name = serializers.CharField(
        source="user.display_name",
        read_only=True,
        help_text="“Team member” for client users whose client hides names.",
    )
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.none())
    project_name = serializers.CharField(source="project.name", read_only=True)
    is_running = serializers.BooleanField(read_only=True)

    class Meta:
        model = TimeEntry
        fields = [
            "id",
            "user",
            "user_name",
            "project",
            "project_name",
            "client",
            "start_time",
            "end_time",
            "duration_seconds",
            "is_running",
            "notes",
            "billable",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["client", "duration_seconds", "source", "created_at", "updated_at"]
        # The model's full_clean() checks the constraints (one running timer per user).
        validators = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is None:
            return
        user = request.user
        self.fields["project"].queryset = projects_for(user)
        if user.is_superuser:
            # Admins may book time for someone else (people who work in the admin).
            self.fields["user"] = serializers.PrimaryKeyRelatedField(
                queryset=User.objects.filter(is_active=True, is_staff=True), required=False
            )

    def to_representation(self, instance):
        data = super().to_representation(instance)
        visibility = self.visibility
        if visibility is not None:
            data["notes"] = visibility.notes(data["notes"])
            data["user_name"] = visibility.person(instance.user)
            if not visibility.show_team_names:
                data["user"] = None
        return data

    def validate(self, attrs):
        entry = copy.copy(self.instance) if self.instance is not None else TimeEntry()
        if self.instance is None:
            attrs.setdefault("user", self.context["request"].user)
            attrs["source"] = TimeEntry.Source.API
        for name, value in attrs.items():
            setattr(entry, name, value)
        if entry.project_id is not None:
            entry.client_id = entry.project.client_id
        try:
            entry.full_clean()
        except DjangoValidationError as exc:
            raise as_drf_error(exc) from exc
        return attrs

    def _save(self, entry: TimeEntry) -> TimeEntry:
        try:
            # A concurrent request can still hit a constraint: a 400, never a 500.
            with transaction.atomic():
                entry.save()
        except IntegrityError as exc:
            raise serializers.ValidationError(
                {"non_field_errors": [_("The entry conflicts with another one (%s).") % exc]}
            ) from exc
        return entry

    def create(self, validated_data):
        return self._save(TimeEntry(**validated_data))

    def update(self, instance, validated_data):
        for name, value in validated_data.items():
            setattr(instance, name, value)
        return self._save(instance)


class TimerStartSerializer(serializers.Serializer):
    project = serializers.PrimaryKeyRelatedField(queryset=Project.objects.none())
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=10000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["project"].queryset = projects_for(request.user)


class InvoiceItemSerializer(serializers.ModelSerializer):
    class Meta:
        model = InvoiceItem
        fields = ["id", "description", "quantity", "unit_price", "amount", "position"]
        read_only_fields = fields


class PaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Payment
        fields = ["id", "date", "amount", "method", "reference"]
        read_only_fields = fields


class InvoiceSerializer(serializers.ModelSerializer):
    currency = serializers.CharField(source="currency_code", read_only=True)
    amount_due = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    display_status = serializers.CharField(
        read_only=True, help_text="paid, overdue, unpaid, cancelled, draft or sent"
    )
    days_overdue = serializers.IntegerField(read_only=True)
    billing_email = serializers.CharField(read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "invoice_number",
            "client",
            "project",
            "issue_date",
            "due_date",
            "status",
            "display_status",
            "days_overdue",
            "currency",
            "tax_rate",
            "subtotal",
            "tax_amount",
            "total_amount",
            "amount_paid",
            "amount_due",
            "notes",
            "billing_name",
            "billing_contact",
            "billing_email",
            "billing_address",
            "created_at",
        ]
        read_only_fields = fields


class InvoiceDetailSerializer(InvoiceSerializer):
    items = InvoiceItemSerializer(many=True, read_only=True)
    payments = PaymentSerializer(many=True, read_only=True)

    class Meta(InvoiceSerializer.Meta):
        fields = [*InvoiceSerializer.Meta.fields, "items", "payments"]
        read_only_fields = fields


class TokenInfoSerializer(serializers.Serializer):
    name = serializers.CharField()
    prefix = serializers.CharField()
    scope = serializers.ChoiceField(choices=["read", "write"])
    expires_at = serializers.DateTimeField(allow_null=True)


class MeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    email = serializers.CharField(allow_blank=True)
    role = serializers.ChoiceField(choices=User.Role.choices)
    kind = serializers.SerializerMethodField(help_text="internal or client")
    client = serializers.SerializerMethodField(help_text="The portal client of a client user.")
    token = serializers.SerializerMethodField()

    @extend_schema_field(serializers.ChoiceField(choices=["internal", "client"]))
    def get_kind(self, user) -> str:
        return "client" if is_client_user(user) else "internal"

    @extend_schema_field(serializers.IntegerField(allow_null=True))
    def get_client(self, user) -> int | None:
        return user.client_id if is_client_user(user) else None

    @extend_schema_field(TokenInfoSerializer(allow_null=True))
    def get_token(self, user):
        token = self.context.get("token")
        return None if token is None else TokenInfoSerializer(token).data


class ReportRowSerializer(serializers.Serializer):
    client = serializers.CharField(required=False, help_text="group_by client or project")
    project = serializers.CharField(required=False, help_text="group_by project")
    user = serializers.CharField(required=False, help_text="group_by user")
    day = serializers.DateField(required=False, help_text="group_by day")
    currency = serializers.CharField()
    hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    billable_hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    billable_amount = serializers.DecimalField(max_digits=24, decimal_places=2)


class ReportTotalSerializer(serializers.Serializer):
    currency = serializers.CharField()
    hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    billable_hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    billable_amount = serializers.DecimalField(max_digits=24, decimal_places=2)


class ReportSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    date_to = serializers.DateField()
    group_by = serializers.ChoiceField(choices=["client", "project", "user", "day"])
    rows = ReportRowSerializer(many=True)
    totals = ReportTotalSerializer(many=True, help_text="One row per currency.")


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
