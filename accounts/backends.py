"""Authentication backend: loads the user with their portal client, and gives every
subcontractor the "Subcontractors" group's permissions by role."""

from axes.backends import AxesStandaloneBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Exists, Q

UserModel = get_user_model()

SUBCONTRACTOR_GROUP = "Subcontractors"
# What a subcontractor may do within their scope until an admin changes the group. The data
# migration accounts.0002 creates the group with this set; while no such group exists (it
# was deleted, or a test flushed the database) subcontractors get this set as it is.
SUBCONTRACTOR_PERMISSIONS = (
    ("tracking", "add_timeentry"),
    ("tracking", "change_timeentry"),
    ("tracking", "delete_timeentry"),
    ("tracking", "view_timeentry"),
    ("clients", "view_client"),
    ("clients", "view_project"),
    ("invoicing", "view_invoice"),
    # Added by clients.0005 to the group (PRODUCT.md §10).
    ("clients", "add_projectupdate"),
    ("clients", "change_projectupdate"),
    ("clients", "view_projectupdate"),
    ("clients", "add_projectcomment"),
    ("clients", "view_projectcomment"),
)


def subcontractor_default_permissions_q() -> Q:
    wanted = Q()
    for app_label, codename in SUBCONTRACTOR_PERMISSIONS:
        wanted |= Q(content_type__app_label=app_label, codename=codename)
    return wanted


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' lockout check for logins that come with a request (the login form).

    ``authenticate()`` without a request — a management command, a script, the test
    client's ``login()`` — has no client address to throttle; axes would raise, so this
    backend steps aside and the next backend decides.
    """

    def authenticate(self, request=None, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class ModelBackend(DjangoModelBackend):
    """Django's ModelBackend with two changes.

    * The per-request user lookup also fetches ``user.client`` and its branding: every
      portal request needs them, so one joined query replaces three. Inactive users are
      still refused, as in Django.
    * A subcontractor has the permissions of the "Subcontractors" group (created by a data
      migration, widened by admins) because of their role, whether or not they were put
      into the group: a user created in code or by an import works in the admin at once.
    """

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("client__branding").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None

    def _get_group_permissions(self, user_obj):
        # The groups by id first: an ``OR`` across the joined memberships made PostgreSQL
        # join every member of the Subcontractors group (15,000 at XL: 920,000 rows, 675 ms
        # on every admin request of a subcontractor).
        groups = Q(pk__in=Group.objects.filter(user=user_obj).values("pk"))
        is_subcontractor = getattr(user_obj, "role", None) == UserModel.Role.SUBCONTRACTOR
        if is_subcontractor:
            groups |= Q(name=SUBCONTRACTOR_GROUP)
        in_groups = Q(pk__in=Permission.objects.filter(group__in=Group.objects.filter(groups)))
        if is_subcontractor:
            no_group = ~Exists(Group.objects.filter(name=SUBCONTRACTOR_GROUP))
            in_groups |= subcontractor_default_permissions_q() & no_group
        return Permission.objects.filter(in_groups)
