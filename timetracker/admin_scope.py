"""One mixin that applies a user's scope to every page of a ModelAdmin (PRODUCT.md §4.2).

Everything goes through ``Model.objects.visible_to(request.user)``:

* ``get_queryset`` is the admin's funnel: change lists, search, date hierarchy, bulk actions
  and the autocomplete endpoint of the *target* model all read through it;
* ``get_object`` turns "exists but out of scope" into ``PermissionDenied`` (403) while a
  nonexistent id keeps the admin's usual "does not exist" redirect;
* foreign-key and many-to-many choices come from the related model's ``visible_to``, so a form
  posted with an out-of-scope id fails validation ("Select a valid choice");
* list filters on relations only ever list in-scope objects (see ``get_list_filter``).

``SafeLookupsMixin`` (part of it, and used alone by the user admin) makes hostile input a
message or a form error instead of a 500 or a long query: malformed URL lookups, initial
values and related ids, and searches past ``MAX_SEARCH_TERMS`` / ``MAX_SEARCH_TERM_LENGTH``.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect, AutocompleteSelectMultiple
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import (
    DateField,
    DurationField,
    Exists,
    Field,
    OuterRef,
    ProtectedError,
    TimeField,
)
from django.http import HttpResponseRedirect
from django.utils import timezone
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

# Search limits (docs/ADMIN.md, "Search limits"): enough for any real search, and they bound
# the size of the WHERE clause a single request can make the database evaluate.
MAX_SEARCH_TERMS = 10
MAX_SEARCH_TERM_LENGTH = 100

# DateTimeField is a DateField.
DATE_AND_TIME_FIELDS = (DateField, TimeField, DurationField)


class SearchLimitExceeded(ValueError):
    """A search with more distinct terms, or a longer term, than the admin accepts."""


def search_terms(search_term: str) -> list[str]:
    """The distinct terms of an admin search, split as Django's admin splits them.

    ``"quoted phrases"`` stay one term; repeated terms (ignoring case) count once; NUL
    characters are dropped (PostgreSQL refuses them, and no stored text contains one).
    Raises ``SearchLimitExceeded`` past the limits, without reading the rest of the input.
    """
    terms: dict[str, str] = {}
    for bit in smart_split(search_term.replace("\x00", "")):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1] and len(bit) > 1:
            bit = unescape_string_literal(bit)
        if not bit:
            continue
        if len(bit) > MAX_SEARCH_TERM_LENGTH:
            raise SearchLimitExceeded(
                _("Search words can be at most %(length)d characters long.")
                % {"length": MAX_SEARCH_TERM_LENGTH}
            )
        terms.setdefault(bit.lower(), bit)
        if len(terms) > MAX_SEARCH_TERMS:
            raise SearchLimitExceeded(
                _("Search for at most %(count)d different words.") % {"count": MAX_SEARCH_TERMS}
            )
    return list(terms.values())


def quote_search_term(term: str) -> str:
    """``term`` as one quoted bit that Django's admin search splits back into ``term``."""
    return '"' + term.replace("\\", "\\\\").replace('"', '\\"') + '"'


def related_key_is_valid(relation, value) -> bool:
    """Whether ``value`` can be a key of the model ``relation`` (a FK or M2M field) points
    to: parseable, and within the column's range (SQLite raises on an integer past 64 bits
    in an ``IN`` list instead of matching nothing)."""
    opts = relation.remote_field.model._meta
    target = opts.get_field(getattr(relation.remote_field, "field_name", None) or opts.pk.name)
    try:
        target.run_validators(target.to_python(value))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class SafeAutocompleteMixin:
    """Django's autocomplete widgets look the submitted ids up unvalidated when a form is
    shown again with errors (``project=abc`` → 500); drop ids that cannot be keys."""

    def optgroups(self, name, value, attr=None):
        value = [v for v in value if related_key_is_valid(self.field, v)]
        return super().optgroups(name, value, attr)


class SafeAutocompleteSelect(SafeAutocompleteMixin, AutocompleteSelect):
    pass


class SafeAutocompleteSelectMultiple(SafeAutocompleteMixin, AutocompleteSelectMultiple):
    pass


class SafeModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """An out-of-range id is "not a valid value", not an ``OverflowError`` from SQLite."""

    def _check_values(self, value):
        opts = self.queryset.model._meta
        key = opts.get_field(self.to_field_name) if self.to_field_name else opts.pk
        try:
            values = frozenset(value)
        except TypeError:
            values = frozenset()  # Django's own check reports it
        for pk in values:
            if isinstance(pk, str | int):
                try:
                    key.run_validators(key.to_python(pk))
                except (ValidationError, ValueError, TypeError, OverflowError):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    ) from None
        return super()._check_values(value)


class SafeRelatedValuesFormMixin:
    """Many-to-many fields a form class declares itself (``assigned_clients``) skip
    ``formfield_for_manytomany``: make each form's copy a ``SafeModelMultipleChoiceField``.

    Done per form instance, so it survives admins that subclass the form again.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field) is forms.ModelMultipleChoiceField:
                field.__class__ = SafeModelMultipleChoiceField  # it adds no state


def initial_value_or_none(field: Field, value):
    """A URL's initial date or time (``/add/?start_time=...``) parsed for ``field``, or
    ``None`` if it cannot be one: the split date/time widget fails on a raw string."""
    try:
        value = field.to_python(value)
        if isinstance(value, dt.datetime):
            if timezone.is_naive(value):
                value = timezone.make_aware(value)
            value.astimezone(dt.UTC)  # years 1 and 9999 do not survive rendering
    except (ValidationError, ValueError, TypeError, OverflowError):
        return None
    return value


def is_scoped_model(model) -> bool:
    """Whether the model's default manager offers ``visible_to`` (a ScopedQuerySet)."""
    return hasattr(model._default_manager, "visible_to")


def scoped(model, user):
    """Every row of ``model`` the user may see; ``model`` must be scoped."""
    return model._default_manager.visible_to(user)


class ScopedRelatedFieldListFilter(admin.RelatedFieldListFilter):
    """A relation filter whose choices come from the related model's ``visible_to``.

    Django's own filter lists every row of the related table, which would print other
    clients' names in the sidebar.
    """

    def field_choices(self, field, request, model_admin):
        qs = scoped(field.related_model, request.user)
        ordering = self.field_admin_ordering(field, request, model_admin)
        if ordering:
            qs = qs.order_by(*ordering)
        return [(obj.pk, self.label(obj)) for obj in self.prepare(qs)]

    def prepare(self, qs):
        return qs

    def label(self, obj) -> str:
        return str(obj)


class ClientPrefixedListFilter(ScopedRelatedFieldListFilter):
    """Rows that belong to a client (projects) labelled with it: names are unique per client."""

    def prepare(self, qs):
        return qs.select_related("client").order_by("client__name", *qs.model._meta.ordering)

    def label(self, obj) -> str:
        return f"{obj.client} · {obj}"


class ScopedUserListFilter(admin.RelatedFieldListFilter):
    """Users who appear on at least one in-scope row of this admin's model.

    Users have no client of their own, so their scope is "people who worked on what you may
    see" — an ``EXISTS`` per user, which the ``(user, start_time)`` style indexes answer.
    """

    def field_choices(self, field, request, model_admin):
        users = scoped_users(model_admin.model, self.field_path, request.user)
        return [(user.pk, user.display_name) for user in users]


def scoped_users(model, field_path: str, user):
    """People named by ``field_path`` on at least one row of ``model`` that ``user`` may see."""
    rows = scoped(model, user).filter(**{field_path: OuterRef("pk")})
    users = get_user_model().objects.filter(Exists(rows))
    return users.order_by("first_name", "last_name", "username")


class SafeChangeList(ChangeList):
    """Django's change list, answering malformed URL lookups with its "incorrect lookup"
    redirect (``?e=1``) instead of a 500 (PRODUCT.md §6).

    Django lets these through: a date-hierarchy year whose end falls past 9999, an id too big
    for SQLite's INTEGER, a NUL character PostgreSQL refuses in a string.
    """

    def get_filters(self, request):
        # Refused before any query: a database error would abort the transaction.
        if any("\x00" in value for values in self.filter_params.values() for value in values):
            raise IncorrectLookupParameters("NUL character in a lookup value")
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc

    def get_results(self, request):
        try:
            super().get_results(request)
        except (ValueError, OverflowError) as exc:
            raise IncorrectLookupParameters(exc) from exc
        if self.result_count == 0:
            # Nothing matched: don't ask again. On a big table the "first 50 rows in date
            # order" and the date hierarchy's min/max for a search that matches nothing each
            # walk a whole index.
            self.result_list = self.queryset.none()
            self.date_hierarchy = None


class SafeRelatedFieldsMixin:
    """Related ids posted to a ModelAdmin's or inline's form are validated before any
    widget or field looks them up, so a bad one is a form error, never a 500."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelectMultiple(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        kwargs.setdefault("form_class", SafeModelMultipleChoiceField)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class SafeLookupsMixin(SafeRelatedFieldsMixin):
    """Bad values in an admin URL's query string or form are ignored or refused, never a
    500; searches are capped (``search_terms``) and answered with a message past the caps."""

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def get_object(self, request, object_id, from_field=None):
        # ``?_to_field=`` (empty) skips Django's to_field check, then looks up a field named
        # "" (FieldDoesNotExist, 500): an empty to_field is no to_field.
        return super().get_object(request, object_id, from_field or None)

    def get_form(self, request, obj=None, *args, **kwargs):
        form = super().get_form(request, obj, *args, **kwargs)
        return type(form.__name__, (SafeRelatedValuesFormMixin, form), {})

    def get_changeform_initial_data(self, request):
        # ``/add/?client=abc`` or ``?start_time=2024-01-01``: widgets fail on a malformed
        # id or on a raw string for a date and time; parse what can be parsed, drop the rest.
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if not isinstance(field, Field):
                continue  # reverse relations are not form fields
            if field.is_relation:
                if not all(
                    related_key_is_valid(field, item)
                    for item in (value if isinstance(value, list) else [value])
                ):
                    del initial[name]
                continue
            if not isinstance(field, DATE_AND_TIME_FIELDS):
                continue  # other widgets show a raw string as it is, and the form checks it
            parsed = initial_value_or_none(field, value)
            if parsed is None:
                del initial[name]
            else:
                initial[name] = parsed
        return initial

    def get_search_results(self, request, queryset, search_term):
        try:
            terms = search_terms(search_term)
        except SearchLimitExceeded as exc:
            self._report_search_limit(request, str(exc))
            return queryset.none(), False
        return self.get_search_results_for_terms(request, queryset, terms)

    def get_search_results_for_terms(self, request, queryset, terms: list[str]):
        """Search ``queryset`` for every one of ``terms`` (already split and capped).

        The default is Django's search (one combined condition); override it to search
        differently.
        """
        search_term = " ".join(quote_search_term(term) for term in terms)
        return super().get_search_results(request, queryset, search_term)

    def _report_search_limit(self, request, reason: str) -> None:
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            return  # a JSON answer: a message would pop up on the next page instead
        if getattr(request, "_search_limit_reported", False):
            return  # the change list may search more than once per request
        request._search_limit_reported = True
        self.message_user(
            request,
            _("%(reason)s Nothing was searched: shorten your search.") % {"reason": reason},
            messages.ERROR,
        )


class ScopedChoicesMixin:
    """Foreign-key and many-to-many choices of a ModelAdmin or inline come from the target
    model's ``visible_to``, so an out-of-scope id posted in a form is "not a valid choice"."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        scope_relation_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        scope_relation_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdminMixin(ScopedChoicesMixin, SafeLookupsMixin):
    """Put before ``admin.ModelAdmin``; the model's manager must provide ``visible_to``."""

    def get_queryset(self, request):
        qs = super().get_queryset(request).visible_to(request.user)
        # Marks the query as scoped; Query.clone() keeps it through further filtering.
        qs.query.scoped_for = request.user.pk
        return qs

    def get_object(self, request, object_id, from_field=None):
        from_field = from_field or None  # see SafeLookupsMixin.get_object
        obj = super().get_object(request, object_id, from_field)
        if obj is None and self._exists_outside_scope(object_id, from_field):
            raise PermissionDenied
        return obj

    def _exists_outside_scope(self, object_id, from_field) -> bool:
        opts = self.model._meta
        field = opts.pk if from_field is None else opts.get_field(from_field)
        try:
            value = field.to_python(object_id)
        except (ValidationError, ValueError):
            return False
        return self.model._default_manager.filter(**{field.name: value}).exists()

    def get_search_results(self, request, queryset, search_term):
        # Change lists and the autocomplete endpoint (for the *target* model) pass the funnel's
        # queryset; scope anything else rather than trust every caller.
        if getattr(queryset.query, "scoped_for", None) != request.user.pk:
            queryset = queryset.visible_to(request.user)
        return super().get_search_results(request, queryset, search_term)

    def get_list_filter(self, request):
        return [scoped_list_filter(self.model, entry) for entry in super().get_list_filter(request)]


class ScopedInlineMixin(ScopedChoicesMixin, SafeRelatedFieldsMixin):
    """The same rules for inlines: rows through the parent, choices through ``visible_to``,
    related ids validated before they are looked up."""

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if hasattr(qs, "visible_to"):
            qs = qs.visible_to(request.user)
        return qs


def scope_relation_choices(db_field, request, kwargs) -> None:
    """Limit a relation's form choices to the target model's in-scope rows."""
    related = db_field.related_model
    if related is not None and is_scoped_model(related):
        queryset = kwargs.get("queryset")
        if queryset is None:
            queryset = related._default_manager.all()
        kwargs["queryset"] = queryset.visible_to(request.user)


def scoped_list_filter(model, entry):
    """Swap a plain relation filter (``"project__client"``) for its scoped counterpart."""
    if not isinstance(entry, str):
        return entry
    try:
        field = get_fields_from_path(model, entry)[-1]
    except (FieldDoesNotExist, NotRelationField):
        return entry
    related = getattr(field, "related_model", None)
    if related is None:
        return entry
    if is_scoped_model(related):
        has_client = any(f.name == "client" and f.is_relation for f in related._meta.fields)
        return (entry, ClientPrefixedListFilter if has_client else ScopedRelatedFieldListFilter)
    if related is get_user_model() and is_scoped_model(model):
        return (entry, ScopedUserListFilter)
    return entry


class ProtectedDeleteMixin:
    """Refuse to delete rows with billing history, with a message instead of a 500.

    Subclasses implement ``deletion_blockers(objs)``, returning one sentence per reason.
    Django's own collector would list every protected row (thousands of time entries);
    counting is enough to explain why, and the message says what to do instead.
    """

    def deletion_blockers(self, objs) -> list[str]:
        raise NotImplementedError

    def get_deleted_objects(self, objs, request):
        blockers = self.deletion_blockers(objs)
        if blockers:
            return [], {}, set(), blockers
        return super().get_deleted_objects(objs, request)

    def delete_view(self, request, object_id, extra_context=None):
        try:
            return super().delete_view(request, object_id, extra_context)
        except ProtectedError:
            # A row appeared between the check and the delete; the transaction rolled back.
            self.message_user(
                request,
                _("This record now has billing history and was not deleted."),
                messages.ERROR,
            )
            return HttpResponseRedirect(request.path)

    def delete_queryset(self, request, queryset):
        try:
            super().delete_queryset(request, queryset)
        except ProtectedError:
            self.message_user(
                request,
                _("Some records now have billing history; nothing was deleted."),
                messages.ERROR,
            )


class ArchiveActionsMixin:
    """The admin's ``archive`` and ``reactivate`` actions, through the model's services.

    Set ``archive_service`` and ``reactivate_service``: callables taking ``queryset=`` (the
    selected rows, already scoped) and returning how many rows changed, and the two
    messages as ``ngettext_lazy(singular, plural, "n")`` (one full sentence per model, so
    every language can inflect it).
    """

    actions = ["archive", "reactivate"]
    archive_service = None
    reactivate_service = None
    archived_message = None
    reactivated_message = None

    @admin.action(
        description=gettext_lazy("Archive selected %(verbose_name_plural)s"), permissions=["change"]
    )
    def archive(self, request, queryset):
        count = self.archive_service(queryset=queryset)
        self.message_user(request, self.archived_message % {"n": count}, messages.SUCCESS)

    @admin.action(
        description=gettext_lazy("Reactivate selected %(verbose_name_plural)s"),
        permissions=["change"],
    )
    def reactivate(self, request, queryset):
        count = self.reactivate_service(queryset=queryset)
        self.message_user(request, self.reactivated_message % {"n": count}, messages.SUCCESS)


class DeliveryAdminMixin:
    """Read-only lists of email delivery records (``timetracker.deliveries``) with a Retry
    action. Recipients' addresses are internal: never for scope-restricted users, whatever
    they may view. ``view_permission`` / ``change_permission`` are those of the parent
    (invoice, comment): its change permission lets one retry; ``retry_service(delivery=…)``
    requeues one delivery and says whether it did."""

    view_permission: str
    change_permission: str
    retry_service = None  # staticmethod(service), as ArchiveActionsMixin's services
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return (
            obj is None
            and not request.user.is_scope_restricted
            and request.user.has_perm(self.change_permission)
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        if request.user.is_scope_restricted:
            return False
        return request.user.has_perm(self.view_permission) or request.user.has_perm(
            self.change_permission
        )

    @admin.action(
        description=gettext_lazy("Retry failed or skipped emails"), permissions=["change"]
    )
    def retry(self, request, queryset):
        queued = sum(self.retry_service(delivery=delivery) for delivery in queryset)
        self.message_user(
            request,
            ngettext("Queued %(n)d email.", "Queued %(n)d emails.", queued) % {"n": queued},
            messages.SUCCESS if queued else messages.WARNING,
        )
