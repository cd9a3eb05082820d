from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in, user_logged_out

        from . import sessions, two_factor
        from .middleware import stamp_login_on_signal

        user_logged_in.connect(stamp_login_on_signal, dispatch_uid="accounts.stamp_login")
        user_logged_in.connect(two_factor.mark_login_pending, dispatch_uid="accounts.2fa_pending")
        user_logged_in.connect(sessions.on_logged_in, dispatch_uid="accounts.session_record")
        user_logged_out.connect(sessions.on_logged_out, dispatch_uid="accounts.session_forget")
