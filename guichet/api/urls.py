from django.urls import path, re_path
from django.views.decorators.csrf import csrf_exempt

from .api import api
from .problems import problem


@csrf_exempt
def not_found(request, rest=""):
    return problem(404)


urlpatterns = [
    path("api/v1/", api.urls),
    # Anything else under /api/ is a 404 as problem details, not the portal's page.
    re_path(r"^api/(?P<rest>.*)$", not_found),
]
