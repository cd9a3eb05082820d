from django.apps import AppConfig


class InvoicingConfig(AppConfig):
    name = "invoicing"
    verbose_name = "Invoicing"

    def ready(self) -> None:
        from accounts.models import register_portal_data

        from .models import Invoice

        # §2: a portal user's ``invoices`` are their client's portal-visible ones (§3.5).
        register_portal_data(
            "invoices", lambda client: Invoice.objects.for_client(client).portal_visible()
        )
