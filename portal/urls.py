from django.urls import path

from . import branding, project_views, views

app_name = "portal"

urlpatterns = [
    path("dashboard/", views.DashboardView.as_view(), name="dashboard"),
    path("projects/", views.ProjectListView.as_view(), name="projects"),
    path("projects/<int:pk>/", project_views.ProjectDetailView.as_view(), name="project_detail"),
    path(
        "projects/<int:pk>/comments/",
        project_views.ProjectCommentCreateView.as_view(),
        name="project_comment_create",
    ),
    path(
        "projects/<int:pk>/comments/<int:comment_pk>/delete/",
        project_views.ProjectCommentDeleteView.as_view(),
        name="project_comment_delete",
    ),
    path("invoices/", views.InvoiceListView.as_view(), name="invoices"),
    path("invoices/<int:pk>/", views.InvoiceDetailView.as_view(), name="invoice_detail"),
    path("time-entries/", views.TimeEntryListView.as_view(), name="time_entries"),
    path("invoices/<int:pk>/pdf/", views.InvoicePdfView.as_view(), name="invoice_pdf"),
    path("invoices/<int:pk>/print/", views.InvoicePrintView.as_view(), name="invoice_print"),
    path("time-entries/export.csv", views.TimeEntryCsvView.as_view(), name="time_entries_csv"),
    path("settings/", views.NotificationSettingsView.as_view(), name="settings"),
    path("settings/api/", views.ApiTokenSettingsView.as_view(), name="settings_api"),
    path("settings/security/", views.SecuritySettingsView.as_view(), name="settings_security"),
    path("branding/logo/", branding.BrandingLogoView.as_view(), name="branding_logo"),
    # Same view under the bare prefix; listed last so reverse("portal:dashboard") gives it.
    path("", views.DashboardView.as_view(), name="dashboard"),
]
