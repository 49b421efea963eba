"""Security headers on every page (issue 7, item 6): a strict Content-Security-Policy, a
restrictive Permissions-Policy, and no-store wherever personal data may show."""

import datetime
import re
from pathlib import Path

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from guichet.billing.services import invoice_render_pdf
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.core.models import OutboxEmail

ALTCHA_JS = Path(__import__("altcha_django").__file__).parent / "static/altcha_django/altcha.min.js"
ALTCHA_CSS = Path(__file__).resolve().parents[3] / "static/guichet/altcha.css"


@pytest.fixture(autouse=True)
def production_like(settings):
    # django-csp leaves Django's debug 404 and 500 pages alone: test as production runs.
    settings.DEBUG = False


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    parsed = {}
    for part in policy.split(";"):
        name, *sources = part.split()
        parsed[name] = sources
    return parsed


def assert_strict_csp(response):
    csp = directives(response)
    assert "'unsafe-inline'" not in response["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response["Content-Security-Policy"]
    assert csp["default-src"] == ["'self'"]
    assert csp["script-src"] == ["'self'"]
    assert csp["style-src"][0] == "'self'" and "'unsafe-hashes'" not in csp["style-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'none'"]


def assert_permissions_policy(response):
    policy = response["Permissions-Policy"]
    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def assert_no_store(response):
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert {"no-store", "no-cache", "must-revalidate", "private", "max-age=0"} <= cache_control
    assert "Expires" in response


def check_page(client, url, status=200):
    response = client.get(url)
    assert response.status_code == status, url
    assert_strict_csp(response)
    assert_permissions_policy(response)
    assert_no_store(response)
    return response


@pytest.mark.parametrize(
    "url",
    [
        "/connexion/",
        "/mot-de-passe-oublie/",
        "/mot-de-passe/termine/",
        "/accessibilite/",
        "/donnees-personnelles/",
        "/back-office/login/",
    ],
)
def test_public_pages_have_the_headers(client, db, url):
    check_page(client, url)


def test_errors_have_the_headers(client, db):
    check_page(client, "/page-qui-n-existe-pas/", status=404)
    check_page(client, "/mot-de-passe/MQ/abc-0123456789abcdef/", status=400)
    check_page(client, "/accueil/", status=302)


def test_every_page_of_a_logged_in_customer_has_the_headers(customer_client, customer):
    SubscriptionFactory(customer=customer)
    period = datetime.date(2026, 10, 1)
    invoice = InvoiceFactory(
        customer=customer,
        period=period,
        issue_date=datetime.date.today(),
        lines=[line_draft(period=period, price_incl_vat_cents=4290)],
    )
    invoice_render_pdf(invoice_id=invoice.pk)
    for url in (
        "/accueil/",
        "/mes-services/",
        "/mes-services/internet/",
        "/mes-factures/",
        "/mes-donnees/mon-profil/",
        "/accessibilite/",
        "/donnees-personnelles/",
    ):
        check_page(customer_client, url)
    check_page(customer_client, "/", status=302)
    for url in (
        f"/mes-factures/{invoice.number}.pdf",
        f"/mes-factures/telecharger/{invoice.number}.pdf",
    ):
        assert check_page(customer_client, url)["Content-Type"] == "application/pdf"


def test_the_reset_pages_have_the_headers(client, customer_user):
    sent = client.post(
        "/mot-de-passe-oublie/", {"reference": "01776108", "postal_code": "68000", "captcha": "x"}
    )
    assert sent.status_code == 200 and "consulter vos spams" in sent.content.decode()
    assert_strict_csp(sent)
    assert_no_store(sent)

    uid = urlsafe_base64_encode(force_bytes(customer_user.pk))
    token = default_token_generator.make_token(customer_user)
    first = check_page(client, f"/mot-de-passe/{uid}/{token}/", status=302)
    check_page(client, first.url)


def test_the_demo_mailbox_has_the_headers(client, customer, settings):
    settings.GUICHET_DEMO = True
    client.post(
        "/mot-de-passe-oublie/", {"reference": "01776108", "postal_code": "68000", "captcha": "x"}
    )
    email = OutboxEmail.objects.latest("pk")
    check_page(client, "/boite-de-demonstration/")
    check_page(client, f"/boite-de-demonstration/{email.pk}/")


def test_every_back_office_page_has_the_headers(admin_client, customer):
    subscription = SubscriptionFactory(customer=customer)
    for url in (
        "/back-office/",
        "/back-office/customers/customer/",
        "/back-office/customers/customer/?q=01776108",
        f"/back-office/customers/customer/{customer.pk}/change/",
        "/back-office/customers/customer/add/",
        f"/back-office/catalog/subscription/{subscription.pk}/change/",
        "/back-office/catalog/subscription/?_popup=1&_to_field=id",
        "/back-office/jsi18n/",
    ):
        check_page(admin_client, url)


def test_a_page_that_asks_to_be_cached_publicly_keeps_its_cache(client, db):
    """The brand stylesheet is the same for everyone: no personal data, so it stays cached."""
    response = client.get("/theme.css")
    assert response.status_code == 200
    assert "no-store" not in response["Cache-Control"]
    assert "public" in response["Cache-Control"]
    assert_permissions_policy(response)


def test_the_altcha_stylesheet_is_the_one_the_widget_would_inject():
    """The widget's CSS is served as our static file (the CSP forbids the <style> it would add,
    and it adds none when it finds id="altcha-css"): after an upgrade of altcha-django, copy
    the new CSS (the string the widget passes to document.head.appendChild) into the file."""
    source = ALTCHA_JS.read_text(encoding="utf-8")
    assert 't="altcha-css"' in source and "document.getElementById(t)" in source
    match = re.search(r"document\.head\.appendChild\(n\)\}\}\('((?:[^'\\]|\\.)*)'\)", source)
    assert match, "the widget no longer injects its CSS the way static/guichet/altcha.css assumes"
    css = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), match[1])
    assert ALTCHA_CSS.read_text(encoding="utf-8") == css


def test_the_reset_page_links_the_altcha_stylesheet_under_the_id_the_widget_checks(client, db):
    html = client.get("/mot-de-passe-oublie/").content.decode()
    assert re.search(
        r'<link rel="stylesheet" id="altcha-css" href="/static/guichet/altcha\.css">', html
    )
    assert html.index('id="altcha-css"') < html.index("altcha.min.js")


TEMPLATES = Path(__file__).resolve().parents[3] / "templates"


def test_no_page_template_has_inline_script_or_style():
    """E-mails are not pages (mail clients need inline styles), and the invoice PDF template is
    drawn by WeasyPrint on the server, never by a browser."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        relative = template.relative_to(TEMPLATES).as_posix()
        if relative.startswith("emails/") or relative == "billing/invoice_pdf.html":
            continue
        text = template.read_text(encoding="utf-8")
        if re.search(r"<style|\sstyle=|<script(?![^>]*\ssrc=)|\son[a-z]+=", text, re.IGNORECASE):
            offenders.append(relative)
    assert not offenders


def test_static_files_keep_their_cache(client, db, settings):
    """Served by WhiteNoise, which answers before any view: the same files for everyone."""
    settings.WHITENOISE_USE_FINDERS = True  # no collectstatic in tests
    response = client.get("/static/guichet/guichet.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert_permissions_policy(response)
    response.close()
