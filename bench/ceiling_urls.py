"""The ceiling of `bench/pages.py`: the least a logged-in Django page can cost here.

Session, user, one query and a small template (with the context processors), then the
portal's own URLs behind it, so the login page and the error handlers are the portal's.
"""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.template import engines
from django.urls import path

from config.urls import handler403  # noqa: F401
from config.urls import urlpatterns as portal_urlpatterns
from guichet.customers.models import Customer

TEMPLATE = engines["django"].from_string(
    '<!DOCTYPE html>\n<html lang="fr">\n<head><meta charset="utf-8"><title>Plafond</title></head>'
    "\n<body><main><h1>{{ customer.reference }}</h1><p>{{ user.get_username }}</p></main>"
    "</body>\n</html>\n"
)


@login_required
def ceiling(request):
    customer = Customer.objects.only("reference").get(pk=request.user.customer_id)
    return HttpResponse(TEMPLATE.render({"customer": customer}, request))


urlpatterns = [path("plafond/", ceiling, name="bench_ceiling"), *portal_urlpatterns]
