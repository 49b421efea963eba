"""Standing fixtures: a logged-in-able customer, another customer, a staff member."""

import os

import pytest

from guichet.accounts.tests.factories import PASSWORD, CustomerUserFactory, StaffUserFactory
from guichet.core.tests.s3server import S3Server


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits and sessions live in the cache: every test starts with an empty one."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _default_language(settings):
    """Each test starts in French: a request of another test with Accept-Language: en leaves
    English active in the thread (LocaleMiddleware activates, nothing deactivates in tests)."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Tests write files (invoice PDFs): each test gets its own media folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(scope="session")
def s3_server():
    server = S3Server()
    yield server
    server.stop()


@pytest.fixture
def s3_storage(s3_server, settings, monkeypatch):
    """STORAGES["default"] on a fresh bucket of the local S3 server, built from the same
    environment variables production reads (config/storage.py). Returns the bucket's name."""
    from config.storage import default_storage_from_env

    bucket = s3_server.new_bucket()
    for name, value in s3_server.environment(bucket).items():
        monkeypatch.setenv(name, value)
    # setting_changed resets django.core.files.storage.storages and default_storage.
    settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env()}
    return bucket


@pytest.fixture
def password():
    return PASSWORD


@pytest.fixture
def customer_user(db):
    return CustomerUserFactory(
        customer__reference="01776108",
        customer__holder__first_name="Claire",
        customer__holder__last_name="Muller",
    )


@pytest.fixture
def customer(customer_user):
    return customer_user.customer


@pytest.fixture
def other_customer(db):
    return CustomerUserFactory(
        customer__reference="09999999",
        customer__installation_street="99 rue Secrète",
        customer__installation_city="Mulhouse",
        customer__holder__first_name="Bruno",
        customer__holder__last_name="Autre",
    ).customer


@pytest.fixture
def staff(db):
    return StaffUserFactory()


@pytest.fixture
def staff_login():
    """Log a staff member in to the back office, second factor (J2) included: an enrolled
    authenticator app (issue 11: staff without one only see the enrolment page)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    def login(client, user):
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        client.force_login(user, backend="guichet.accounts.backends.StaffBackend")
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
        return client

    return login


@pytest.fixture
def admin_client(client, django_user_model, staff_login):
    admin = django_user_model.objects.create_superuser("chef", "chef@example.fr", "x")
    return staff_login(client, admin)


@pytest.fixture
def customer_client(client, customer_user):
    client.force_login(customer_user, backend="guichet.accounts.backends.CustomerBackend")
    return client


# Browser tests: Playwright driving Debian's Chromium (never a downloaded browser).
CHROMIUM = os.environ.get("GUICHET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 360, "height": 740}}


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"no Chromium at {CHROMIUM}: apt-get install chromium to run browser tests")
    # Playwright's sync API runs an event loop in this thread; the ORM calls made by the
    # test itself (fixtures, assertions) are still synchronous and safe.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# Chromium logs every Content-Security-Policy violation to the console; the event listener
# also reports those of pages whose console message is worded otherwise.
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", function (event) {
  console.error("Content Security Policy violation: " + event.violatedDirective + " blocked "
    + (event.blockedURI || "inline") + " at " + event.sourceFile + ":" + event.lineNumber);
});
"""


@pytest.fixture(params=list(VIEWPORTS))
def page(request, chromium):
    context = chromium.new_context(viewport=VIEWPORTS[request.param], locale="fr-FR")
    context.add_init_script(REPORT_CSP_VIOLATIONS)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.viewport_name = request.param
    # Every browser test fails on a CSP violation (or a malformed security header), whatever
    # page it visited: the strict policy must never break a page silently.
    page.csp_violations = violations = []

    def collect(message):
        text = message.text
        if "Content Security Policy" in text or "Permissions-Policy" in text:
            violations.append(f"{message.page.url if message.page else ''}: {text}")

    # On the context, so that pop-up windows (the back office's related-object look-ups) count.
    context.on("console", collect)
    yield page
    context.close()
    assert not violations, "the browser reported:\n" + "\n".join(dict.fromkeys(violations))


@pytest.fixture(scope="session")
def axe_check():
    """Run axe-core on the page; fail on any serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page):
        results = axe.run(page)
        bad = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in results.response["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert not bad, f"axe-core on {page.url}:\n" + "\n".join(bad)

    return check
