"""One mixin that applies a user's scope to every page of a ModelAdmin (PRODUCT.md §4.2).

Everything goes through ``Model.objects.visible_to(request.user)``:

* ``get_queryset`` is the admin's funnel: change lists, search, date hierarchy, bulk actions
  and the autocomplete endpoint of the *target* model all read through it;
* ``get_object`` turns "exists but out of scope" into ``PermissionDenied`` (403) while a
  nonexistent id keeps the admin's usual "does not exist" redirect;
* foreign-key and many-to-many choices come from the related model's ``visible_to``, so a form
  posted with an out-of-scope id fails validation ("Select a valid choice");
* list filters on relations only ever list in-scope objects (see ``get_list_filter``).
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import NotRelationField, get_fields_from_path
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist, PermissionDenied, ValidationError
from django.db.models import Exists, Field, OuterRef, ProtectedError
from django.http import HttpResponseRedirect
from django.utils.translation import gettext as _


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
        rows = scoped(model_admin.model, request.user).filter(**{self.field_path: OuterRef("pk")})
        users = (
            get_user_model()
            .objects.filter(Exists(rows))
            .order_by("first_name", "last_name", "username")
        )
        return [(user.pk, user.display_name) for user in users]


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


class SafeLookupsMixin:
    """Bad values in an admin URL's query string are ignored or refused, never a 500."""

    def get_changelist(self, request, **kwargs):
        return SafeChangeList

    def get_changeform_initial_data(self, request):
        # ``/add/?client=abc``: the autocomplete widget looks initial ids up and fails on a
        # malformed or out-of-range one; such a value cannot be a choice, so drop it.
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.opts.get_field(name)
            except FieldDoesNotExist:
                continue
            if not (field.is_relation and isinstance(field, Field)):
                continue  # reverse relations are not form fields
            try:
                for item in value if isinstance(value, list) else [value]:
                    field.target_field.clean(item, None)
            except ValidationError:
                del initial[name]
        return initial

    def get_search_results(self, request, queryset, search_term):
        # PostgreSQL refuses NUL in a string; it cannot occur in any stored text anyway.
        search_term = search_term.replace("\x00", "")
        return super().get_search_results(request, queryset, search_term)


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


class ScopedInlineMixin(ScopedChoicesMixin):
    """The same rules for inlines: rows through the parent, choices through ``visible_to``."""

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
