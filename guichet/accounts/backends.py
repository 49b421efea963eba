"""Authentication of subscribers by client reference or personal identifier."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class CustomerBackend(ModelBackend):
    """Logs a subscriber in with `login` (reference or identifier) and password."""

    def authenticate(self, request, login=None, password=None, **kwargs):
        if login is None or password is None:
            return None
        from .services import user_for_login

        user = user_for_login(login)
        if user is None or user.customer_id is None:
            # Hash anyway so an unknown login takes as long as a wrong password.
            get_user_model()().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        User = get_user_model()
        try:
            # Every page names the holders in its header: load them with the user.
            user = (
                User._default_manager.select_related("customer")
                .prefetch_related("customer__holders")
                .get(pk=user_id)
            )
        except User.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
