"""« Mes factures » in a real browser: the demo customer sees 12 invoices, opens and saves one."""

import pytest

from guichet.demo.loader import DEMO_PASSWORD, DEMO_REFERENCE, load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_demo_customer_opens_and_downloads_invoices(live_server, page, axe_check):
    load_demo()
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Référence client").fill(DEMO_REFERENCE)
    page.get_by_label("Mot de passe").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil/")

    page.get_by_role("link", name="Mes factures").click()
    page.wait_for_url("**/mes-factures/")
    assert page.title().startswith("Mes factures")
    rows = page.locator("table.invoice-table tbody tr")
    assert rows.count() == 12
    first = rows.first.inner_text()
    assert "Facture du" in first and "€" in first
    axe_check(page)
    # Usable on a phone: nothing is wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")

    # The PDF icon opens the invoice in the browser (inline).
    href = rows.nth(0).get_by_role("link", name="PDF").get_attribute("href")
    response = page.request.get(f"{live_server.url}{href}")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("inline;")
    assert response.body().startswith(b"%PDF-")

    # « Télécharger » saves another one under its number.
    number = rows.nth(1).locator("td").first.inner_text().strip()
    with page.expect_download() as download_info:
        rows.nth(1).get_by_role("link", name="Télécharger").click()
    download = download_info.value
    assert download.suggested_filename == f"{number}.pdf"
    with open(download.path(), "rb") as saved:
        assert saved.read(5) == b"%PDF-"
