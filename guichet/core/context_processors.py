"""Template context shared by every page: the operator's brand."""

from django.conf import settings


def brand(request):
    return {"brand": settings.GUICHET_BRAND, "demo_mode": settings.GUICHET_DEMO}
