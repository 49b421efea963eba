"""Response headers every page carries: Permissions-Policy, and no-store on what Django renders."""

from django.conf import settings
from django.utils.cache import add_never_cache_headers

# Browser features the portal never uses, switched off so that injected or third-party code
# cannot use them either. Only features Chromium recognises: an unknown name makes it log an
# error on every page (« Unrecognized feature »), which hides real problems.
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "encrypted-media",
        "geolocation",
        "gyroscope",
        "hid",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "picture-in-picture",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
)


class SecurityHeadersMiddleware:
    """Permissions-Policy on every response; no-store on every response a view renders.

    The portal's pages show personal data as soon as someone is logged in, and so do the
    reset pages, the demo mailbox and the back office; some anonymous pages carry a CSRF token
    or echo what was typed. Telling them apart page by page would be a list to keep up to
    date, and one page forgotten is one page a shared computer or proxy keeps. So nothing a
    view renders is stored, unless the view opted into caching with `Cache-Control: public`
    (the brand stylesheet); static files, which carry no personal data, keep their long cache.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.setdefault("Permissions-Policy", PERMISSIONS_POLICY)
        if not self._is_public(request, response):
            add_never_cache_headers(response)
        return response

    @staticmethod
    def _is_public(request, response) -> bool:
        if request.path_info.startswith(settings.STATIC_URL):
            return True
        directives = {
            part.strip().split("=", 1)[0].lower()
            for part in response.get("Cache-Control", "").split(",")
        }
        return "public" in directives
