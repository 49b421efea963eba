"""The personal data policy page (I1), whose text staff edit in the admin."""

from guichet.core.models import SitePage
from guichet.core.views import site_page


def policy(request):
    return site_page(request, SitePage.Slug.PRIVACY)
