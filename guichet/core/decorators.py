"""Access to customer pages: a logged-in user who is tied to a customer."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext


def customer_required(view):
    """Sets request.customer; anonymous users go to login, staff without a customer get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        customer = getattr(request.user, "customer", None)
        if customer is None:
            raise PermissionDenied(gettext("Ce compte n'est pas rattaché à un dossier client."))
        request.customer = customer
        return view(request, *args, **kwargs)

    return wrapper
