"""Pages shared by the whole site: editable pages, theme, health check, errors, demo mailbox."""

import logging
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from functools import wraps

import kombu
from django.conf import settings
from django.core.cache import caches
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import JavaScriptCatalog

from .emails import SecretLinkUnavailable, outbox_bodies, outbox_render
from .models import OutboxEmail, SitePage

DEMO_MAILBOX_SIZE = 50
logger = logging.getLogger(__name__)


def site_page(
    request, slug: str, *, template_name: str = "core/site_page.html", extra_context=None
):
    """A page staff edit, in the page's language if staff wrote it, else in the default one.

    An app may show more under the staff's text (`template_name` extending core/site_page.html,
    `extra_context`), e.g. numbers read from settings that staff must not be able to get wrong.
    """
    language = translation.get_language() or settings.LANGUAGE_CODE
    versions = {
        page.language: page
        for page in SitePage.objects.filter(
            slug=slug, language__in={language, settings.LANGUAGE_CODE}
        )
    }
    page = versions.get(language) or versions.get(settings.LANGUAGE_CODE)
    if page is None:
        raise Http404
    return render(
        request,
        template_name,
        {
            **(extra_context or {}),
            "page": page,
            "page_in_other_language": page.language != language,
            "page_language_name": translation.get_language_info(page.language)["name_translated"],
            # Around the text, the page's own words: its name in the page's language.
            "page_name": page.get_slug_display() if page.language != language else page.title,
            "breadcrumbs": [
                (page.get_slug_display() if page.language != language else page.title, None)
            ],
        },
    )


def accessibility(request):
    return site_page(request, SitePage.Slug.ACCESSIBILITY)


@require_GET
@cache_control(public=True, max_age=3600)
def brand_css(request):
    """The operator's colours as CSS custom properties, so no inline style is needed."""
    brand = settings.GUICHET_BRAND
    css = f":root{{--brand:{brand['primary']};--accent:{brand['accent']};}}\n"
    return HttpResponse(css, content_type="text/css; charset=utf-8")


@require_GET
@cache_control(public=True, max_age=86400)
def javascript_catalog(request, language: str):
    """The translations guichet.js uses (Django's JavaScript catalog) for one language.

    The language is in the URL, not taken from the cookie or the browser, so each language is
    its own cacheable file: it holds no personal data, only the catalogue's strings.
    """
    if language not in dict(settings.LANGUAGES):
        raise Http404(gettext("Langue inconnue."))
    with translation.override(language):
        return JavaScriptCatalog.as_view()(request)


HEALTH_TIMEOUT_SECONDS = 2


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return "ok"


def _check_cache():
    try:
        key = f"guichet-healthz-{uuid.uuid4().hex}"
        caches["default"].set(key, "1", timeout=10)
        if caches["default"].get(key) != "1":
            raise RuntimeError("the cache did not give back what it was given")
        caches["default"].delete(key)
        return "ok"
    finally:
        # This runs in a thread of its own: a database cache opened a connection here.
        connections.close_all()


def _check_broker():
    url = settings.CELERY_BROKER_URL
    if getattr(settings, "CELERY_TASK_ALWAYS_EAGER", False) or url.startswith("memory://"):
        return "not used"  # no broker: tasks run inline
    with kombu.Connection(url, connect_timeout=HEALTH_TIMEOUT_SECONDS) as broker:
        broker.ensure_connection(max_retries=1, timeout=HEALTH_TIMEOUT_SECONDS)
    return "ok"


def _check_storage():
    name = default_storage.save(f"healthz/{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    try:
        with default_storage.open(name) as stored:
            if stored.read() != b"ok":
                raise RuntimeError("the storage did not give back what it was given")
    finally:
        default_storage.delete(name)
    return "ok"


@require_GET
@never_cache
def healthz(request):
    """For load balancers and monitoring: database, cache, broker and storage, as JSON.

    200 when every one answers, 503 naming those that do not; never a 500, and never more than
    about two seconds per check (the cache, broker and storage are tried side by side in
    threads, each given up after HEALTH_TIMEOUT_SECONDS). `status` is « ok » or « down ».
    No personal data: only the names of the parts and « ok », « down » or « not used ».
    """
    report = {}
    executor = ThreadPoolExecutor(max_workers=3, thread_name_prefix="healthz")
    futures = {
        "cache": executor.submit(_check_cache),
        "broker": executor.submit(_check_broker),
        "storage": executor.submit(_check_storage),
    }
    try:
        report["database"] = _check_database()
    except Exception:
        logger.warning("Health check: the database is down", exc_info=True)
        report["database"] = "down"
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    for name, future in futures.items():
        try:
            report[name] = future.result(timeout=max(0.0, deadline - time.monotonic()))
        except FutureTimeout:
            logger.warning("Health check: %s did not answer in time", name)
            report[name] = "down"
        except Exception:
            logger.warning("Health check: %s is down", name, exc_info=True)
            report[name] = "down"
    # A check that hangs is left to finish in its thread; the answer does not wait for it.
    executor.shutdown(wait=False, cancel_futures=True)
    down = sorted(name for name, state in report.items() if state == "down")
    body = {"status": "down" if down else "ok", **report}
    if down:
        body["down"] = down
    return JsonResponse(body, status=503 if down else 200)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def demo_mode_required(view):
    """The view exists only in demo mode: a 404 otherwise, decided at each request."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not settings.GUICHET_DEMO:
            raise Http404(gettext("Cette page n'existe qu'en mode démonstration."))
        response = view(request, *args, **kwargs)
        response["X-Robots-Tag"] = "noindex, nofollow"
        return response

    return wrapper


@demo_mode_required
@require_GET
@never_cache
def demo_mailbox(request):
    """« Boîte de démonstration »: every e-mail of the outbox, readable without a mail server."""
    emails = OutboxEmail.objects.only("to", "subject", "status", "created_at").order_by(
        "-created_at", "-pk"
    )[:DEMO_MAILBOX_SIZE]
    return render(
        request,
        "core/demo_mailbox.html",
        {
            "emails": emails,
            "mailbox_size": DEMO_MAILBOX_SIZE,
            "breadcrumbs": [(gettext("Boîte de démonstration"), None)],
        },
    )


@demo_mode_required
@require_GET
@never_cache
def demo_mailbox_detail(request, email_id: int):
    email = get_object_or_404(OutboxEmail, pk=email_id)
    # Queued to be rendered when it leaves and not sent yet: shown as it will leave, when what
    # it shows can be read now (its worker will retry what cannot, an invoice gone say).
    render_error = ""
    try:
        outbox_render(email=email)
    except Exception:  # noqa: BLE001 (whatever its context builder raises: shown, not a 500)
        logger.warning("Demo mailbox: e-mail %s cannot be written now", email.pk, exc_info=True)
        render_error = gettext(
            "Cet e-mail ne peut pas être rédigé maintenant ; il le sera à son envoi."
        )
    subject = email.subject or gettext("(rédigé à l'envoi : %(template)s)") % {
        "template": email.template
    }
    # The e-mail as it leaves: the stored copy has no secret link, so one is made now (demo
    # mode only, where a fictional customer must be able to follow it).
    link_error = ""
    try:
        body_text, _ = outbox_bodies(email=email)
    except SecretLinkUnavailable as exc:
        body_text, link_error = email.body_text, str(exc)
    return render(
        request,
        "core/demo_mailbox_detail.html",
        {
            "email": email,
            "subject": subject,
            "body_text": body_text,
            "link_error": link_error,
            "render_error": render_error,
            "breadcrumbs": [
                (gettext("Boîte de démonstration"), reverse("core:demo_mailbox")),
                (subject, None),
            ],
        },
    )


def csrf_failure(request, reason=""):
    """A French page instead of Django's English one, with a way forward."""
    return render(request, "403_csrf.html", status=403)
