from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect
from django.views.decorators.http import require_safe


@require_safe
def home(request):
    """Send each kind of user to where they work."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login("/")
    if user.is_client_portal_user:
        return redirect("portal:dashboard")
    if user.is_staff:
        return redirect("admin:index")
    return redirect("portal:dashboard")
