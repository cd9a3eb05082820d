from django.apps import AppConfig


class TrackingConfig(AppConfig):
    name = "tracking"
    verbose_name = "Tracking"

    def ready(self) -> None:
        from accounts.models import register_portal_data

        from .models import TimeEntry

        # §2: a portal user's ``time_entries`` are the finished entries of their client.
        register_portal_data(
            "time_entries", lambda client: TimeEntry.objects.for_client(client).finished()
        )
