"""Authentication of subscribers by client reference or personal identifier."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

# `account` not given: the backend reads it (None means « read, and nobody has that login »).
_UNREAD = object()


class CustomerBackend(ModelBackend):
    """Logs a subscriber in with `login` (reference or identifier) and password."""

    def authenticate(self, request, login=None, password=None, account=_UNREAD, **kwargs):
        """`account`: the account `login` names, when the caller has read it already (the
        login service reads it before throttling); read here otherwise."""
        if login is None or password is None:
            return None
        if account is _UNREAD:
            from .services import user_for_login

            account = user_for_login(login)
        user = account
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


class StaffBackend(ModelBackend):
    """Logs staff in to the back office by username; nobody else, customers least of all.

    Django's ModelBackend would accept any account with its password (a customer's username
    is their reference), and the back-office login would then show whether the password was
    right. Here an account that is not staff is treated exactly like an unknown one.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        User = get_user_model()
        user = User._default_manager.filter(
            username=username, is_staff=True, customer__isnull=True
        ).first()
        if user is None:
            # Hash anyway so an unknown or customer username takes as long as a wrong password.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None

    def get_user(self, user_id):
        user = super().get_user(user_id)
        if user is None or not user.is_staff or user.customer_id is not None:
            return None
        return user
