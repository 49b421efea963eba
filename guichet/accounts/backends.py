"""Authentication of subscribers by client reference."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .login import parse_reference


class CustomerBackend(ModelBackend):
    """Logs a subscriber in with `login` (their client reference) and password."""

    def authenticate(self, request, login=None, password=None, **kwargs):
        if login is None or password is None:
            return None
        User = get_user_model()
        reference = parse_reference(login)
        user = None
        if reference:
            user = (
                User.objects.select_related("customer")
                .filter(customer__reference=reference)
                .first()
            )
        if user is None:
            # Hash anyway so an unknown reference takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        User = get_user_model()
        try:
            user = User._default_manager.select_related("customer").get(pk=user_id)
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
