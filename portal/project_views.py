"""The portal's project page (PRODUCT.md §10) and its two writes: post and delete a comment.

Every lookup starts from ``for_client(self.client)`` (another client's project, or a
comment that is not the user's own, is a 404). Hours come from the per-day rollup, so the
page costs the same handful of queries however many entries, updates and comments there are.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.generic import DetailView, View

from clients.models import Project, ProjectComment, ProjectUpdate
from clients.services import project_comment_create, project_comment_delete
from invoicing.models import Invoice, InvoiceItem
from timetracker.dates import this_month, today, week_start
from tracking.models import ProjectDay, TimeEntry

from .charts import weekly_hours_chart
from .mixins import ClientPortalRequiredMixin
from .views import CHART_WEEKS

COMMENTS_PER_PAGE = 20
UPDATES_SHOWN = 20
INVOICES_SHOWN = 10
# Comment rate limit (PRODUCT.md §10): a fixed one-minute window per user in the cache.
COMMENT_RATE_LIMIT = 10
COMMENT_RATE_WINDOW = 60


class CommentBodyField(forms.CharField):
    """Text with browser line endings (``\\r\\n``) counted as one character each."""

    def to_python(self, value):
        value = super().to_python(value)
        return value.replace("\r\n", "\n").replace("\r", "\n")


class ProjectCommentForm(forms.Form):
    body = CommentBodyField(
        label=_("Your comment"),
        max_length=ProjectComment.MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Plain text, up to 5,000 characters. Links become clickable."),
        error_messages={
            "required": _("Write a comment first: it is empty."),
            "max_length": _(
                "A comment can be at most %(limit_value)d characters long "
                "(this one has %(show_value)d)."
            ),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # No maxlength attribute: a longer paste must reach the server and get the message.
        self.fields["body"].widget.attrs.pop("maxlength", None)


def comment_rate_exceeded(user) -> int:
    """Count one comment attempt; seconds to wait when over the limit, else 0.

    A fixed window in Django's cache (shared by every app server with Redis): key per user
    and minute, added with a timeout, then incremented atomically.
    """
    now = time.time()
    window = int(now // COMMENT_RATE_WINDOW)
    key = f"portal:comment-rate:{user.pk}:{window}"
    cache.add(key, 0, timeout=COMMENT_RATE_WINDOW + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=COMMENT_RATE_WINDOW + 5)
        count = 1
    if count <= COMMENT_RATE_LIMIT:
        return 0
    return max(1, int((window + 1) * COMMENT_RATE_WINDOW - now))


class ProjectDetailView(ClientPortalRequiredMixin, DetailView):
    model = Project
    template_name = "portal/project_detail.html"
    context_object_name = "project"
    portal_section = "projects"
    nav_current = "true"

    def get_queryset(self):
        newest = (
            TimeEntry.objects.filter(project=OuterRef("pk"))
            .finished()
            .order_by("-start_time", "-id")
            .values("start_time")[:1]
        )
        # Billable entries no issued (sent or paid) invoice bills yet.
        invoiced = InvoiceItem.objects.filter(
            time_entries=OuterRef("pk"), invoice__status__in=Invoice.ISSUED_STATUSES
        )
        uninvoiced = (
            TimeEntry.objects.filter(project=OuterRef("pk"))
            .finished()
            .billable()
            .filter(~Exists(invoiced))
            .order_by()
            .values("project")
            .annotate(total=Sum("duration_seconds"))
            .values("total")
        )
        # Any status: inactive and archived projects are shown, marked as such.
        return (
            super()
            .get_queryset()
            .annotate(
                last_entry_at=Subquery(newest),
                uninvoiced_seconds=Coalesce(Subquery(uninvoiced), 0),
            )
        )

    def get_context_data(self, **kwargs):
        project = self.object
        client = self.client
        visibility = client.visibility
        day = today()
        weeks = [week_start(day) - dt.timedelta(weeks=n) for n in range(CHART_WEEKS - 1, -1, -1)]
        periods = {"month": this_month(day)}
        periods.update({f"week{i}": (w, w + dt.timedelta(days=6)) for i, w in enumerate(weeks)})
        days = ProjectDay.objects.for_client(client).filter(project=project)
        seconds = days.seconds_per_period(periods)
        totals = days.totals()
        chart = weekly_hours_chart([(w, seconds[f"week{i}"]) for i, w in enumerate(weeks)])

        # The invoices of the project and those billing its entries, as one id set found
        # from the project's side (its invoices by project, its entries' items), not by
        # testing every invoice of the client (40,000 at XL) newest first.
        related = (
            Invoice.objects.filter(project=project)
            .order_by()
            .values("pk")
            .union(
                InvoiceItem.objects.filter(time_entries__project=project)
                .order_by()
                .values("invoice_id")
            )
        )
        invoices = list(
            Invoice.objects.for_client(client)
            .portal_visible()
            .filter(pk__in=related)
            .order_by("-issue_date", "-id")[:INVOICES_SHOWN]
        )
        updates = list(
            ProjectUpdate.objects.for_client(client)
            .published()
            .filter(project=project)
            .select_related("author")
            .newest_first()[:UPDATES_SHOWN]
        )
        for update in updates:
            update.author_label = visibility.person(update.author)

        comments = (
            ProjectComment.objects.for_client(client)
            .for_portal()
            .filter(project=project)
            .select_related("author")
            .newest_first()
        )
        comment_page = Paginator(comments, COMMENTS_PER_PAGE).get_page(self.request.GET.get("page"))
        user = self.request.user
        for comment in comment_page:
            # The client's own people by name; our team as the visibility settings allow.
            if comment.from_client:
                comment.author_label = comment.author.display_name if comment.author else ""
            else:
                comment.author_label = visibility.person(comment.author)
            comment.is_own = comment.from_client and comment.author_id == user.pk

        budget = None
        if visibility.show_budget and project.budget_hours:
            used = Decimal(totals["seconds"]) / 3600
            budget = {
                "hours": project.budget_hours,
                "percent": min(100, int(used * 100 / project.budget_hours)),
                "used_percent": int(used * 100 / project.budget_hours),
                "over": used > project.budget_hours,
            }
        kwargs.setdefault("comment_form", ProjectCommentForm())
        return super().get_context_data(
            seconds_total=totals["seconds"],
            seconds_billable=totals["billable_seconds"],
            seconds_month=seconds["month"],
            chart=chart,
            invoices=invoices,
            updates=updates,
            comment_page=comment_page,
            comments=list(comment_page),
            budget=budget,
            **kwargs,
        )


class ProjectCommentCreateView(ProjectDetailView):
    """POST ``projects/<id>/comments/``: a client user's comment (CSRF-protected).

    Over the rate limit → 429, empty or too long → 400, both with the page and the text kept.
    """

    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()  # 404 outside the client
        form = ProjectCommentForm(request.POST)
        wait = comment_rate_exceeded(request.user)
        if wait:
            form.add_error(
                None,
                ngettext(
                    "You have posted %(limit)d comments in a minute. Wait %(wait)d second "
                    "and post again.",
                    "You have posted %(limit)d comments in a minute. Wait %(wait)d seconds "
                    "and post again.",
                    wait,
                )
                % {"limit": COMMENT_RATE_LIMIT, "wait": wait},
            )
            response = self.render_to_response(self.get_context_data(comment_form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(comment_form=form), status=400)
        project_comment_create(
            project=self.object,
            author=request.user,
            body=form.cleaned_data["body"],
            from_client=True,
        )
        messages.success(request, _("Your comment has been posted."))
        return redirect(reverse("portal:project_detail", args=[self.object.pk]) + "#comments")


class ProjectCommentDeleteView(ClientPortalRequiredMixin, View):
    """POST ``projects/<id>/comments/<cid>/delete/``: the author's soft delete; anyone
    else's comment (or one already deleted) is a 404."""

    http_method_names = ["post"]

    def post(self, request, pk, comment_pk):
        # The project first: a primary-key lookup treats an out-of-range id as no row.
        project = get_object_or_404(Project.objects.for_client(self.client), pk=pk)
        comment = get_object_or_404(
            ProjectComment.objects.for_client(self.client)
            .for_portal()
            .filter(project=project, author=request.user, from_client=True),
            pk=comment_pk,
        )
        project_comment_delete(comment=comment)
        messages.success(request, _("Your comment has been deleted."))
        return redirect(reverse("portal:project_detail", args=[pk]) + "#comments")
