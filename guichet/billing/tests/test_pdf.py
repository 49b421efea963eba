"""The invoice PDF (E3): a French invoice, PDF/A-3b and tagged, stored once with its SHA-256."""

import datetime
import gc
import hashlib
import io
import itertools
from xml.etree import ElementTree
from xml.parsers import expat

import pytest
from django.core.files.storage import default_storage
from pypdf import PdfReader

from guichet.billing.models import Invoice, LineGroup
from guichet.billing.services import (
    DocumentUnavailable,
    invoice_pdf_bytes,
    invoice_pdf_content,
    invoice_render_pdf,
)
from guichet.billing.services.pdf import (
    PDF_VARIANT,
    _renderer,
    _xml_root,
    invoice_html,
    invoice_pdf_from_html,
    user_agent_css,
)
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

NOVEMBER = datetime.date(2026, 11, 1)


@pytest.fixture
def invoice(settings):
    settings.BILLING_OPERATOR = {
        **settings.BILLING_OPERATOR,
        "name": "Vialis",
        "address_lines": ["10 rue des Bonnes Gens", "68000 COLMAR"],
        "siren": "123456782",
        "vat_number": "FR45123456782",
        "legal": "SAEML au capital de 1 000 000 €",
    }
    customer = CustomerFactory(
        reference="01776108",
        holder__first_name="Claire",
        holder__last_name="Muller",
        billing_street="12 rue des Clefs",
        billing_postal_code="68000",
        billing_city="Colmar",
    )
    return InvoiceFactory(
        customer=customer,
        period=NOVEMBER,
        issue_date=datetime.date(2026, 11, 25),
        payment_method=Invoice.PaymentMethod.DIRECT_DEBIT,
        due_date=datetime.date(2026, 12, 10),
        lines=[
            line_draft(label="Offre Confort", price_incl_vat_cents=5990),
            line_draft(label="TV EMOTION", price_incl_vat_cents=2490, vat_rate_bp=1000),
            line_draft(label="Mobile 10 Go", price_incl_vat_cents=990, prorata=(16, 30)),
            line_draft(
                label="Appels vers l'international",
                price_incl_vat_cents=1200,
                group=LineGroup.COMMUNICATIONS,
            ),
            line_draft(
                label="Achat de vidéo à la demande",
                price_incl_vat_cents=499,
                group=LineGroup.THIRD_PARTY,
            ),
        ],
    )


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.replace("\u00a0", " ").split())


def test_the_pdf_holds_what_a_french_invoice_must_say(invoice):
    text = pdf_text(invoice_pdf_bytes(invoice))

    for expected in (
        "Facture",
        "T0000001",  # number
        "25/11/2026",  # date
        "01776108",  # client reference
        "Mme Claire MULLER",
        "12 rue des Clefs",
        "68000 COLMAR",
        "Novembre 2026",  # period
        "Vialis",
        "10 rue des Bonnes Gens",
        "SIREN 123456782",
        "FR45123456782",
        # The groups French telecom invoices show apart (E7).
        "Abonnements, forfaits et options",
        "Communications",
        "Services de tiers",
        # Every line, with its VAT rate and amounts.
        "Offre Confort",
        "TV EMOTION",
        "Mobile 10 Go",
        "16 jours sur 30",
        "Appels vers l'international",
        "Achat de vidéo à la demande",
        "59,90 €",
        "24,90 €",
        "5,28 €",  # 9,90 × 16 / 30
        "10 %",
        "20 %",
        # Totals excl. VAT, VAT, incl. VAT, and the debit date.
        # HT: 49,92 + 22,64 + 4,40 + 10,00 + 4,16; TVA: 9,98 + 2,26 + 0,88 + 2,00 + 0,83.
        "Total HT 91,12 €",
        "Total TVA 15,95 €",
        "Total TTC 107,07 €",
        "prélevé le 10/12/2026",
    ):
        assert expected in text, expected
    assert invoice.total_incl_vat_cents == 5990 + 2490 + 528 + 1200 + 499
    assert invoice.total_excl_vat_cents == 9112


def test_the_pdf_is_pdf_a_3b_and_tagged(invoice):
    reader = PdfReader(io.BytesIO(invoice_pdf_bytes(invoice)))
    root = reader.trailer["/Root"]

    assert bool(root["/MarkInfo"]["/Marked"])
    assert "/StructTreeRoot" in root
    assert root["/Lang"] == "fr"
    assert "/OutputIntents" in root
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert "<pdfaid:part>3</pdfaid:part>" in xmp or 'pdfaid:part="3"' in xmp
    assert "B" in xmp.split("conformance")[1][:5]
    assert reader.metadata.title == "Facture T0000001"


def test_rendering_is_reproducible(invoice):
    assert invoice_pdf_bytes(invoice) == invoice_pdf_bytes(invoice)


def test_the_pdf_is_rendered_once_and_stored_with_its_checksum(invoice):
    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    with default_storage.open(rendered.pdf.name, "rb") as stored:
        content = stored.read()

    assert rendered.pdf_sha256 == hashlib.sha256(content).hexdigest()
    assert content.startswith(b"%PDF-1.7")
    again = invoice_render_pdf(invoice_id=invoice.pk)
    assert (again.pdf.name, again.pdf_sha256) == (rendered.pdf.name, rendered.pdf_sha256)
    assert default_storage.listdir("factures/2026/11")[1] == ["T0000001.pdf"]


def test_a_lost_file_is_rendered_again_when_it_is_identical(invoice):
    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    default_storage.delete(rendered.pdf.name)

    content = invoice_pdf_content(invoice=rendered)

    assert hashlib.sha256(content).hexdigest() == rendered.pdf_sha256
    assert default_storage.exists(rendered.pdf.name)


def test_an_altered_file_is_never_served(invoice, caplog):
    rendered = invoice_render_pdf(invoice_id=invoice.pk)
    default_storage.delete(rendered.pdf.name)
    default_storage.save(rendered.pdf.name, io.BytesIO(b"%PDF-1.7 altered"))

    with pytest.raises(DocumentUnavailable):
        invoice_pdf_content(invoice=rendered)
    assert "does not match its SHA-256" in caplog.text
    assert caplog.records[-1].levelname == "ERROR"


def test_rendering_pauses_the_garbage_collector_and_frees_its_cycles(invoice):
    # The collector is off while WeasyPrint renders, on again afterwards, and the rendering's
    # reference cycles are freed by one collection, not left for later.
    html = invoice_html(invoice, language="fr")
    invoice_pdf_from_html(html, number=invoice.number)
    collections = []
    gc.callbacks.append(lambda phase, info: collections.append((phase, info)))
    try:
        invoice_pdf_from_html(html, number=invoice.number)
    finally:
        gc.callbacks.pop()

    assert gc.isenabled()
    stops = [info for phase, info in collections if phase == "stop"]
    assert [info["generation"] for info in stops] == [0]
    assert stops[0]["collected"] > 1000


def test_rendering_leaves_a_paused_collector_paused(invoice):
    html = invoice_html(invoice, language="fr")
    gc.disable()
    try:
        content = invoice_pdf_from_html(html, number=invoice.number)
        assert not gc.isenabled()
    finally:
        gc.enable()

    assert content == invoice_pdf_from_html(html, number=invoice.number)


def text_positions(content: bytes) -> dict[str, tuple[float, float]]:
    """Where each piece of text of the first page starts: (x, y), y upwards, in points."""
    positions = {}

    def visit(text, cm, tm, font, size):
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            positions.setdefault(" ".join(text.replace("\u00a0", " ").split()), (x, y))

    PdfReader(io.BytesIO(content)).pages[0].extract_text(visitor_text=visit)
    return positions


def test_each_part_of_the_page_comes_below_the_one_before(invoice):
    # The page's parts in reading order, each one entirely below the previous one's last line.
    at = text_positions(invoice_pdf_bytes(invoice))
    line = 10  # points: more than the height of any line of text on the page

    header = [at["Vialis"], at["Facture"], at["N° T0000001"]]
    facts = [at["N° facture"], at["Date de prélèvement"], at["10/12/2026"]]
    recipient = [at["Mme Claire MULLER"], at["12 rue des Clefs"]]
    details = [at["Détail de votre facture"], at["Sous-total services de tiers"]]
    summary = [at["Récapitulatif de la TVA"], at["Total HT"], at["Total TTC"]]
    payment = [at["Montant de 107,07 € prélevé le 10/12/2026"]]
    parts = [header, facts + recipient, details, summary, payment]
    for above, below in itertools.pairwise(parts):
        assert min(y for _x, y in above) - line > max(y for _x, y in below), (above, below)
    # Side by side: the facts left of the recipient, the VAT summary left of the totals.
    assert max(x for x, _y in facts) + 50 < min(x for x, _y in recipient)
    assert at["Récapitulatif de la TVA"][0] + 200 < at["Total HT"][0]
    assert at["Vialis"][0] + 200 < at["Facture"][0]


def test_the_user_agent_stylesheet_loses_only_the_rules_of_every_elements_pseudo_elements():
    from weasyprint import html as weasyprint_html

    stock = weasyprint_html.UA.splitlines(keepends=True)
    trimmed = user_agent_css(weasyprint_html.UA).splitlines(keepends=True)

    removed = [line for line in stock if line not in trimmed]
    assert [line.split(" {")[0] for line in removed] == [
        "::marker",
        "::footnote-call",
        "::footnote-marker",
        "::note-call",
        "::note-marker",
        "::note-callback",
    ]
    assert [line for line in stock if line in trimmed] == trimmed


def test_the_trimmed_user_agent_stylesheet_and_the_xml_parser_draw_the_same_bytes(invoice):
    from weasyprint import HTML

    html = invoice_html(invoice, language="fr")
    renderer = _renderer()
    options = {
        "stylesheets": [renderer.stylesheet],
        "font_config": renderer.font_config,
        "pdf_variant": PDF_VARIANT,
        "pdf_tags": True,
        "pdf_identifier": "0" * 32,
    }
    stock = HTML(string=html, url_fetcher=renderer.url_fetcher).write_pdf(**options)
    ours = renderer.html_class.parse(html, url_fetcher=renderer.url_fetcher).write_pdf(**options)

    assert renderer.html_class is not HTML
    assert ours == stock


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_xml_parser_reads_the_template_into_the_html5_parsers_tree(invoice, language):
    import tinyhtml5

    html = invoice_html(invoice, language=language)

    ours = ElementTree.tostring(_xml_root(html))
    html5 = ElementTree.tostring(tinyhtml5.parse(html, namespace_html_elements=False))
    assert ours == html5
    assert b"<br />" in ours and b"Mme Claire MULLER" in ours


def test_what_the_xml_parser_cannot_read_goes_through_the_html5_parser():
    renderer = _renderer()
    bare = "<!DOCTYPE html><html><head><title>A & B</title></head><body><p>x</p></body></html>"
    bomb = (
        '<!DOCTYPE html [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
        "<html><head><title>&b;</title></head><body><p>x</p></body></html>"
    )

    with pytest.raises(expat.ExpatError):
        _xml_root(bare)
    with pytest.raises(ValueError, match="entity declarations"):
        _xml_root(bomb)
    for html in (bare, bomb):
        document = renderer.html_class.parse(html, url_fetcher=renderer.url_fetcher)
        assert document.etree_element.find("body/p").text == "x"
    title = renderer.html_class.parse(bare, url_fetcher=renderer.url_fetcher)
    assert title.etree_element.find("head/title").text == "A & B"
