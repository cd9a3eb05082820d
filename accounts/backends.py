"""Authentication backend that loads the user together with their portal client."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend

UserModel = get_user_model()


class ModelBackend(DjangoModelBackend):
    """Django's ModelBackend, but the per-request user lookup also fetches ``user.client``.

    Every portal request needs the user's client (access check, header, scoping), so one
    joined query replaces two. Inactive users are still refused, as in Django.
    """

    def get_user(self, user_id):
        try:
            user = UserModel._default_manager.select_related("client").get(pk=user_id)
        except UserModel.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
