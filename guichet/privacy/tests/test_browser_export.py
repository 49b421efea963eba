"""« Télécharger mes données » in a real browser, desktop and phone: the menu, the request,
the download of the archive; axe-core on each step (the `page` fixture fails on any CSP
violation)."""

import json
import zipfile

import pytest
from playwright.sync_api import expect

from guichet.billing.tests.factories import InvoiceFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_requesting_and_downloading_the_archive(live_server, page, axe_check, customer, password):
    invoice = InvoiceFactory(customer=customer)
    page.goto(f"{live_server.url}/connexion/")
    page.get_by_label("Référence client").fill("01776108")
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url("**/accueil/")

    page.locator("summary", has_text="Mes données").click()
    page.get_by_role("link", name="Télécharger mes données").click()
    page.wait_for_url("**/mes-donnees/mes-donnees-personnelles/telecharger/")
    main = page.locator("main")
    expect(main).to_contain_text("Vous n'avez encore demandé aucune archive.")
    axe_check(page)

    page.get_by_role("button", name="Demander mon archive").click()
    expect(page.get_by_role("status")).to_contain_text("Votre demande est enregistrée")
    link = main.get_by_role("link", name="Télécharger l'archive")
    expect(link).to_be_visible()
    axe_check(page)

    with page.expect_download() as download_info:
        link.click()
    download = download_info.value
    assert download.suggested_filename.startswith("mes-donnees-")
    with zipfile.ZipFile(download.path()) as archive:
        data = json.loads(archive.read("mes-donnees.json"))
        assert data["customer"]["reference"] == "01776108"
        assert f"factures/{invoice.number}.pdf" in archive.namelist()
