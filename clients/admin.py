"""Clients and projects in the admin, scoped by ``visible_to``; archive instead of delete."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.db.models import Count
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy

from timetracker.admin_bigtables import AutocompleteFiltersMixin, AutocompleteListFilter
from timetracker.admin_display import money_cell, truncated
from timetracker.admin_scope import (
    ArchiveActionsMixin,
    DeliveryAdminMixin,
    ProtectedDeleteMixin,
    ScopedAdminMixin,
    ScopedInlineMixin,
)

from .forms import ClientBrandingForm, ClientBrandingFormSet
from .models import (
    Client,
    ClientBranding,
    CommentDelivery,
    Project,
    ProjectComment,
    ProjectUpdate,
)
from .notifications import comment_delivery_retry
from .services import (
    client_archive,
    client_reactivate,
    project_archive,
    project_comment_notify,
    project_reactivate,
)


class ProjectInline(ScopedInlineMixin, admin.TabularInline):
    model = Project
    fields = ("name", "status", "billable", "hourly_rate", "budget_hours")
    extra = 0
    show_change_link = True


# Shown under each toggle on the client's page; the policy itself is clients/visibility.py.
HIDDEN_EVERYWHERE = _(
    "When off, it is left out of the portal pages, the CSV export, the API and emails "
    "altogether, not hidden with CSS."
)


class ClientAdminForm(forms.ModelForm):
    class Meta:
        model = Client
        # The admin's fieldsets choose the fields; this form only adds the help texts.
        fields = ("portal_show_notes", "portal_show_team_names", "portal_show_budget")
        help_texts = {
            "portal_show_notes": format_lazy(
                "{} {}", _("The notes written on each time entry."), HIDDEN_EVERYWHERE
            ),
            "portal_show_team_names": format_lazy(
                "{} {}",
                _("Who logged each time entry; when off, everyone appears as “Team member”."),
                HIDDEN_EVERYWHERE,
            ),
            "portal_show_budget": format_lazy(
                "{} {}", _("Each project's budget in hours and its progress."), HIDDEN_EVERYWHERE
            ),
        }


class ClientBrandingInline(ScopedInlineMixin, admin.StackedInline):
    """Logo, accent colour, portal title and welcome text (§10), validated by the form."""

    model = ClientBranding
    form = ClientBrandingForm
    formset = ClientBrandingFormSet
    extra = 0
    max_num = 1
    # One row at most: the admin titles the inline with verbose_name.
    verbose_name = verbose_name_plural = _("Branding (portal, invoice PDF and emails)")


@admin.register(Client)
class ClientAdmin(ArchiveActionsMixin, ProtectedDeleteMixin, ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("short_name", "contact", "currency_code", "hourly_rate", "is_active")
    list_display_links = ("short_name",)
    list_filter = ("is_active", "currency_code")
    search_fields = ("name", "contact_person", "email")
    ordering = ("name",)
    form = ClientAdminForm
    fieldsets = (
        (None, {"fields": ("name", "is_active", "require_2fa")}),
        (_("Contact"), {"fields": ("contact_person", "email", "phone", "address")}),
        (_("Billing"), {"fields": ("currency_code", "default_hourly_rate")}),
        (
            _("Portal"),
            {
                "fields": ("portal_show_notes", "portal_show_team_names", "portal_show_budget"),
                "description": _(
                    "What this client's portal users may see. Hidden data is absent everywhere "
                    "a client can look: portal pages, CSV, PDF, API and emails."
                ),
            },
        ),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")
    inlines = [ClientBrandingInline, ProjectInline]
    archive_service = staticmethod(client_archive)
    reactivate_service = staticmethod(client_reactivate)
    archived_message = ngettext_lazy("Archived %(n)d client.", "Archived %(n)d clients.", "n")
    reactivated_message = ngettext_lazy(
        "Reactivated %(n)d client.", "Reactivated %(n)d clients.", "n"
    )

    @admin.display(description=_("name"), ordering="name")
    def short_name(self, obj: Client) -> str:
        return truncated(obj.name)

    @admin.display(description=_("contact person"), ordering="contact_person")
    def contact(self, obj: Client) -> str:
        return truncated(obj.contact_person, narrow=True)

    @admin.display(description=_("hourly rate"), ordering="default_hourly_rate")
    def hourly_rate(self, obj: Client) -> str:
        return money_cell(obj.default_hourly_rate, obj.currency_code)

    def deletion_blockers(self, objs) -> list[str]:
        rows = Client.objects.filter(pk__in=[o.pk for o in objs]).annotate(
            n_projects=Count("projects", distinct=True),
            n_invoices=Count("invoices", distinct=True),
        )
        return [
            _(
                "%(client)s has %(projects)d project(s) and %(invoices)d invoice(s). "
                "Archive the client instead."
            )
            % {"client": c.name, "projects": c.n_projects, "invoices": c.n_invoices}
            for c in rows
            if c.n_projects or c.n_invoices
        ]


def client_preview_html(update: ProjectUpdate) -> str:
    """The update as the portal's timeline renders it (same template, same visibility)."""
    if update.pk is None:
        return _("Save the update to see how the client will see it.")
    return render_to_string(
        "portal/_project_update.html",
        {"update": update, "author_label": update.project.client.visibility.person(update.author)},
    )


class ProjectUpdateInline(ScopedInlineMixin, admin.StackedInline):
    model = ProjectUpdate
    fields = ("status", "title", "body", "percent_complete", "published_at", "author")
    readonly_fields = ("author",)
    extra = 0
    show_change_link = True
    ordering = ("-created_at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "project")


class ProjectCommentInline(ScopedInlineMixin, admin.TabularInline):
    """The thread on the project page, read-only (newest first)."""

    model = ProjectComment
    verbose_name_plural = _("comments")
    fields = ("created_at", "author", "from_client", "internal", "body", "deleted_at")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True
    ordering = ("-created_at", "-id")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("author", "project")

    def has_add_permission(self, request, obj=None):
        return False


class ProjectCommentReplyInline(ScopedInlineMixin, admin.StackedInline):
    """One empty form: a reply is a new comment by the staff user (internal or not)."""

    model = ProjectComment
    verbose_name = _("reply")
    verbose_name_plural = _("reply to the client")
    fields = ("body", "internal")
    extra = 1
    max_num = 1
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).none()


@admin.register(Project)
class ProjectAdmin(
    AutocompleteFiltersMixin,
    ArchiveActionsMixin,
    ProtectedDeleteMixin,
    ScopedAdminMixin,
    admin.ModelAdmin,
):
    list_display = ("short_name", "client_name", "status", "billable", "rate", "budget_hours")
    list_display_links = ("short_name",)
    list_select_related = ("client",)
    # Thousands of clients: a search box, not a link each (timetracker/admin_bigtables.py).
    list_filter = ("status", "billable", ("client", AutocompleteListFilter))
    search_fields = ("name", "client__name", "description")
    ordering = ("client__name", "name")
    autocomplete_fields = ("client",)
    fieldsets = (
        (None, {"fields": ("client", "name", "description", "status")}),
        (_("Billing"), {"fields": ("billable", "hourly_rate", "budget_hours")}),
        (_("History"), {"fields": ("created_at", "updated_at")}),
    )
    readonly_fields = ("created_at", "updated_at")
    inlines = [ProjectUpdateInline, ProjectCommentInline, ProjectCommentReplyInline]

    def get_inlines(self, request, obj):
        # Updates and comments belong to a saved project: the add form stays as it was.
        return self.inlines if obj is not None else []

    @admin.display(description=_("name"), ordering="name")
    def short_name(self, obj: Project) -> str:
        return truncated(obj.name)

    @admin.display(description=_("client"), ordering="client__name")
    def client_name(self, obj: Project) -> str:
        return truncated(obj.client.name, narrow=True)

    @admin.display(description=_("hourly rate"), ordering="hourly_rate")
    def rate(self, obj: Project) -> str:
        if obj.hourly_rate is None:
            return "–"
        return money_cell(obj.hourly_rate, obj.client.currency_code)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            obj.delete()
        new_comments = []
        for obj in instances:
            if obj.pk is None and isinstance(obj, ProjectUpdate | ProjectComment):
                obj.author = request.user
            if obj.pk is None and isinstance(obj, ProjectComment):
                new_comments.append(obj)
            obj.save()
        formset.save_m2m()
        for comment in new_comments:
            project_comment_notify(comment=comment)

    archive_service = staticmethod(project_archive)
    reactivate_service = staticmethod(project_reactivate)
    archived_message = ngettext_lazy("Archived %(n)d project.", "Archived %(n)d projects.", "n")
    reactivated_message = ngettext_lazy(
        "Reactivated %(n)d project.", "Reactivated %(n)d projects.", "n"
    )

    def deletion_blockers(self, objs) -> list[str]:
        # Through the reverse relations (tracking and invoicing sit above this app): one
        # GROUP BY per relation over the selected projects.
        def counts(relation: str) -> dict[int, int]:
            rows = (
                Project.objects.filter(pk__in=[o.pk for o in objs])
                .annotate(n=Count(relation))
                .filter(n__gt=0)
                .values_list("pk", "n")
            )
            return dict(rows)

        entries = counts("time_entries")
        invoices = counts("invoices")
        return [
            _(
                "%(project)s has %(entries)d time entries and %(invoices)d invoice(s). "
                "Archive the project instead."
            )
            % {
                "project": project,
                "entries": entries.get(project.pk, 0),
                "invoices": invoices.get(project.pk, 0),
            }
            for project in objs
            if project.pk in entries or project.pk in invoices
        ]


@admin.register(ProjectUpdate)
class ProjectUpdateAdmin(ScopedAdminMixin, admin.ModelAdmin):
    list_display = ("title", "project", "status", "percent_complete", "published_at", "author")
    list_select_related = ("project", "author")
    list_filter = ("status", ("published_at", admin.EmptyFieldListFilter), "project__client")
    search_fields = ("title", "body", "project__name")
    ordering = ("-created_at", "-id")
    autocomplete_fields = ("project",)
    fields = (
        "project",
        "status",
        "title",
        "body",
        "percent_complete",
        "published_at",
        "author",
        "created_at",
        "client_preview",
    )
    readonly_fields = ("author", "created_at", "client_preview")
    show_full_result_count = False
    actions = ["publish"]

    @admin.display(description=_("How the client sees it"))
    def client_preview(self, obj):
        return client_preview_html(obj)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("project__client", "author")

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Publish selected updates now"), permissions=["change"])
    def publish(self, request, queryset):
        count = queryset.filter(published_at__isnull=True).update(published_at=timezone.now())
        self.message_user(
            request,
            ngettext("Published %(n)d update.", "Published %(n)d updates.", count) % {"n": count},
            messages.SUCCESS,
        )


@admin.register(ProjectComment)
class ProjectCommentAdmin(ScopedAdminMixin, admin.ModelAdmin):
    """The comment inbox. Adding one is a staff reply; saved comments are read-only (the
    only change is the soft delete action)."""

    list_display = ("short_body", "project", "author", "from_client", "internal", "created_at")
    list_select_related = ("project__client", "author")
    list_filter = (
        "from_client",
        "internal",
        ("deleted_at", admin.EmptyFieldListFilter),
        "project__client",
    )
    search_fields = ("body", "project__name")
    ordering = ("-created_at", "-id")
    autocomplete_fields = ("project",)
    show_full_result_count = False
    actions = ["soft_delete"]

    def has_delete_permission(self, request, obj=None):
        # History stays: a comment is soft-deleted (the action below), never removed.
        return False

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("project", "body", "internal")
        return ("project", "author", "from_client", "internal", "body", "created_at", "deleted_at")

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return self.get_fields(request, obj)

    @admin.display(description=_("comment"))
    def short_body(self, obj):
        text = obj.body if len(obj.body) <= 80 else obj.body[:79] + "…"
        return f"{text} ({_('deleted')})" if obj.deleted_at else text

    def save_model(self, request, obj, form, change):
        if change:
            return  # saved comments are read-only
        obj.author = request.user
        obj.from_client = False
        super().save_model(request, obj, form, change)
        project_comment_notify(comment=obj)

    @admin.action(description=_("Delete selected comments (soft delete)"), permissions=["change"])
    def soft_delete(self, request, queryset):
        count = queryset.filter(deleted_at__isnull=True).update(deleted_at=timezone.now())
        self.message_user(
            request,
            ngettext("Deleted %(n)d comment.", "Deleted %(n)d comments.", count) % {"n": count},
            messages.SUCCESS,
        )


@admin.register(CommentDelivery)
class CommentDeliveryAdmin(DeliveryAdminMixin, ScopedAdminMixin, admin.ModelAdmin):
    """Comment emails and their fate, like the invoice emails: failures stay visible until
    retried. Recipients' addresses are internal, so subcontractors never see this list."""

    list_display = ("comment", "project", "email", "status", "attempts", "sent_at", "updated_at")
    list_display_links = ("comment",)
    list_select_related = ("comment__project",)
    list_filter = ("status",)
    search_fields = ("email", "comment__project__name")
    fields = (
        "comment",
        "recipient",
        "email",
        "status",
        "attempts",
        "last_error",
        "sent_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields
    view_permission = "clients.view_projectcomment"
    change_permission = "clients.change_projectcomment"
    retry_service = staticmethod(comment_delivery_retry)

    @admin.display(description=_("project"), ordering="comment__project__name")
    def project(self, obj):
        return obj.comment.project.name
