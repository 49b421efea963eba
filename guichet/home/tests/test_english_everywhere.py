"""Issue 8's check: every customer page, the e-mails and an invoice PDF in English have no
French left, and in French they are still French.

Each page is fetched twice, with `Accept-Language: en` and `fr`. The English one must hold
none of the catalogue's French sentences (a string shown and not marked, or marked and not
translated, is caught); the French one must hold some, so the check cannot pass by accident.
"""

import datetime
import html
import io
import re

import pytest
from django.core import mail
from django.test import Client
from pypdf import PdfReader

from guichet.accounts.middleware import MUST_UPGRADE
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.catalog.models import ProductKind
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory
from guichet.core.models import SitePage
from guichet.core.tests.english_catalogue import catalogue_entries, french_left, install_english

pytestmark = pytest.mark.django_db(transaction=True)


def visible_text(page: str) -> str:
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    # What assistive technologies read counts too.
    attributes = " ".join(re.findall(r'(?:aria-label|title|alt|placeholder)="([^"]*)"', page))
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page) + " " + attributes).split())


def text_nodes(page: str) -> set[str]:
    """The texts between tags of the page's body, with at least one word in them."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", page.split("<body", 1)[-1], flags=re.S)
    nodes = (" ".join(html.unescape(node).split()) for node in re.split(r"<[^>]+>", body))
    return {node for node in nodes if re.search(r"[^\W\d_]{3,}", node)}


def data_strings(*objects) -> set[str]:
    """What the operator and the customer wrote: shown as it is in every language."""
    from django.conf import settings

    values = {*settings.GUICHET_BRAND.values(), *settings.BILLING_OPERATOR["address_lines"]}
    values |= {value for value in settings.BILLING_OPERATOR.values() if isinstance(value, str)}
    values |= {name for _, name in settings.LANGUAGES}
    values |= {
        str(getattr(settings, name))
        for name in dir(settings)
        if name.startswith("PAYMENTS_CREDITOR")
    }
    for obj in objects:
        values |= {
            str(getattr(obj, field.attname))
            for field in obj._meta.concrete_fields
            if isinstance(getattr(obj, field.attname), str)
        }
        values.add(str(obj))
    return {value for value in values if isinstance(value, str) and value.strip()}


def unmarked(page_en: str, page_fr: str, data: set[str]) -> list[str]:
    """Texts the English and the French page share that are neither data nor a string the
    catalogue translates as itself (« Internet »): strings shown and never marked."""
    same_in_english = {
        key
        for key, english in catalogue_entries().items()
        if isinstance(key, str) and key == english
    }
    left = []
    for node in text_nodes(page_fr) & text_nodes(page_en):
        if node in same_in_english:
            continue
        rest = node
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        if re.search(r"[^\W\d_]{3,}", rest):
            left.append(node)
    return sorted(left)


def without_data(text: str, data) -> str:
    """`text` without the data in it: each value, and each line of it, as whole words."""
    pieces = set()
    for value in data:
        for part in [value, *value.splitlines()]:
            part = " ".join(part.split())
            if len(part) >= 3:
                pieces.add(part)
    for piece in sorted(pieces, key=len, reverse=True):
        text = re.sub(rf"(?<!\w){re.escape(piece)}(?!\w)", " ", text)
    return text


def check_both_languages(pages_en: dict, pages_fr: dict, data: set[str] = frozenset()) -> None:
    for url, response in pages_en.items():
        if url in pages_fr:
            found = unmarked(response.content.decode(), pages_fr[url].content.decode(), data)
            assert not found, f"on {url}, the same text in French and English: {found}"
    for url, response in pages_en.items():
        assert response.status_code in (200, 404), (url, response.status_code)
        page = response.content.decode()
        assert '<html lang="en">' in page, url
        # The operator's own texts (the editable pages: « Défenseur des droits » is a name)
        # are data, shown as written.
        left = french_left(without_data(visible_text(page), data))
        assert not left, f"French left on {url} in English: {left}"
    for url, response in pages_fr.items():
        page = response.content.decode()
        assert '<html lang="fr">' in page, url
        assert french_left(visible_text(page)), f"{url} in French shows no French sentence"


@pytest.fixture
def english(settings):
    install_english(settings)


@pytest.fixture
def full_customer(customer):
    for kind in ProductKind:
        SubscriptionFactory(
            customer=customer,
            product=ProductFactory(kind=kind),
            line_number="+33389000000" if kind in ("fixed", "mobile") else "",
        )
    InvoiceFactory(customer=customer)
    return customer


def logged_in(language: str, user) -> Client:
    client = Client(headers={"accept-language": language})
    client.force_login(user, backend="guichet.accounts.backends.CustomerBackend")
    return client


def test_every_customer_page_is_english_in_english_and_french_in_french(
    english, full_customer, customer_user, settings
):
    settings.GUICHET_DEMO = True  # the demo mailbox is a page too
    urls = [
        "/accueil/",
        "/mes-services/",
        *(
            f"/mes-services/{section}/"
            for section in ("tv", "options", "internet", "telephonie-fixe", "forfaits", "mobile")
        ),
        "/mes-factures/",
        "/payer-en-ligne/",
        "/mon-dossier/mode-de-paiement/",
        "/mon-dossier/mes-donnees-personnelles/",
        "/mes-services/resilier/",
        "/contactez-nous/",
        "/contactez-nous/mes-demandes/",
        "/mes-donnees/mes-donnees-personnelles/telecharger/",
        "/mes-donnees/mon-profil/",
        "/donnees-personnelles/",
        "/accessibilite/",
        "/boite-de-demonstration/",
        "/page-qui-n-existe-pas/",
    ]
    anonymous_urls = ["/connexion/", "/mot-de-passe-oublie/", "/mot-de-passe/termine/"]
    pages = {}
    for language in ("en", "fr"):
        client = logged_in(language, customer_user)
        pages[language] = {url: client.get(url) for url in urls}
        anonymous = Client(headers={"accept-language": language})
        pages[language].update({url: anonymous.get(url) for url in anonymous_urls})
        # The password upgrade page, shown right after a login with a weak password.
        session = client.session
        session[MUST_UPGRADE] = True
        session.save()
        pages[language]["/mes-donnees/nouveau-mot-de-passe/"] = client.get(
            "/mes-donnees/nouveau-mot-de-passe/"
        )
        # A form with errors: the messages are the page's language too.
        pages[language]["/connexion/ (errors)"] = anonymous.post(
            "/connexion/", {"login": "01776108", "password": "pas-le-bon"}
        )
        pages[language]["/mot-de-passe-oublie/ (errors)"] = anonymous.post(
            "/mot-de-passe-oublie/", {"reference": "", "postal_code": "", "captcha": ""}
        )
    data = data_strings(
        full_customer,
        customer_user,
        *full_customer.holders.all(),
        *full_customer.subscriptions.all(),
        *(subscription.product for subscription in full_customer.subscriptions.all()),
        *full_customer.invoices.all(),
        *SitePage.objects.all(),
    )
    check_both_languages(pages["en"], pages["fr"], data)
    # Links to pages some sections do not have lead to a real page, in both languages.
    existing = {url for url, response in pages["en"].items() if response.status_code == 200}
    assert "/mes-factures/" in existing and "/accueil/" in existing


def test_the_reset_journey_and_its_email_in_english(english, customer, customer_user):
    customer.language = "en"
    customer.save(update_fields=["language"])
    client = Client(headers={"accept-language": "en"})
    sent = client.post(
        "/mot-de-passe-oublie/",
        {"reference": "01776108", "postal_code": customer.contract_postal_code, "captcha": "ok"},
    )
    [email] = mail.outbox
    link = re.search(r"https?://[^/\s]+(/mot-de-passe/\S+/)", email.body).group(1)
    form = client.get(client.get(link).url)
    pages = {"reset sent": sent, "reset form": form}
    check_both_languages(pages, {})
    assert not french_left(email.subject + " " + email.body)
    assert not french_left(visible_text(email.alternatives[0][0]))


def test_a_security_email_and_the_invoice_email_and_pdf_in_english(english, customer_user):
    from guichet.accounts import services as account_services

    customer = customer_user.customer
    customer.language = "en"
    customer.invoice_email = "claire.factures@example.fr"
    customer.invoice_email_opt_in = True
    customer.save(update_fields=["language", "invoice_email", "invoice_email_opt_in"])
    account_services.password_set(user=customer_user, password="Girafe#Nuage7Lac-2026")
    period = datetime.date(2026, 11, 1)
    # A product name is the operator's data: one that is no French word of ours.
    invoice = InvoiceFactory(
        customer=customer,
        period=period,
        lines=[line_draft(label="Fibre 1 Gbit/s", period=period)],
        notify=True,
        render_pdf=True,
    )
    assert len(mail.outbox) == 2
    for email in mail.outbox:
        assert not french_left(email.subject + " " + email.body), email.subject
        assert not french_left(visible_text(email.alternatives[0][0])), email.subject
    invoice.refresh_from_db()
    with invoice.pdf.open("rb") as pdf:
        text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.read())).pages)
    assert not french_left(" ".join(text.split()))
    assert "Invoice" in text
