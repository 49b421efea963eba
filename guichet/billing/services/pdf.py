"""The invoice PDF (E3): rendered once by WeasyPrint, stored with its SHA-256, checked when read.

The PDF is in the customer's language (Customer.language; not chosen: the default one).
Rendering is deterministic (fixed dates in the document's metadata), so a PDF whose file was
lost is rendered again and served only if it is byte for byte the one issued.
"""

import base64
import contextlib
import functools
import gc
import hashlib
import logging
import mimetypes
import re
from dataclasses import dataclass
from itertools import groupby
from pathlib import Path
from xml.etree import ElementTree
from xml.parsers import expat

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils import translation

from ..models import Invoice, LineGroup
from ..money import format_rate

logger = logging.getLogger(__name__)

PDF_VARIANT = "pdf/a-3b"
STYLESHEET = Path(__file__).resolve().parent.parent / "templates" / "billing" / "invoice_pdf.css"


class DocumentUnavailable(Exception):
    """The stored PDF cannot be served as issued (missing and not reproducible, or altered)."""


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def invoice_language(invoice: Invoice) -> str:
    """The language the customer reads their documents in."""
    return invoice.customer.language or settings.LANGUAGE_CODE


def invoice_pdf_bytes(invoice: Invoice, *, language: str | None = None) -> bytes:
    """Render the invoice as a tagged PDF/A-3b document, in the customer's language.

    The same invoice gives the same bytes in any process, at any time: the document's dates
    are its issue date (the template's dcterms meta), its identifier comes from its number,
    and nothing else in it depends on the clock, the process or the machine's state.
    """
    html = invoice_html(invoice, language=language or invoice_language(invoice))
    return invoice_pdf_from_html(html, number=invoice.number)


def invoice_pdf_from_html(html: str, *, number: str) -> bytes:
    """WeasyPrint's part: the invoice's HTML drawn as a tagged PDF/A-3b document."""
    renderer = _renderer()
    with _one_collection():
        return renderer.html_class.parse(html, url_fetcher=renderer.url_fetcher).write_pdf(
            stylesheets=[renderer.stylesheet],
            font_config=renderer.font_config,
            cache=renderer.image_cache,
            pdf_variant=PDF_VARIANT,
            pdf_tags=True,
            # /ID: its first half is the document's permanent identifier (the second is a hash
            # of the content, by pydyf); without it pydyf uses the content hash for both.
            pdf_identifier=sha256(f"guichet invoice {number}".encode())[:32],
        )


@contextlib.contextmanager
def _one_collection():
    """Python's cyclic garbage collector paused while WeasyPrint renders, then run once.

    A rendering leaves some 14,000 objects in reference cycles (boxes and their parents,
    styles): the collector ran twenty times during it, and every few invoices a full
    collection went over every object of the process (Django, WeasyPrint, fonts), some 15 % of
    the time. Paused, the rendering's objects stay in the youngest generation, and one
    collection of that generation afterwards frees its cycles. The bytes are the same; when
    the collector is already off (another thread rendering), nothing is changed.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


@dataclass(frozen=True)
class _Renderer:
    """What WeasyPrint would otherwise load again for every invoice, kept per process."""

    # weasyprint.HTML with the user agent stylesheet below, and its own parser.
    html_class: type
    url_fetcher: object
    stylesheet: object
    font_config: object
    # Images by URL (the logo, a data: URI): decoded once.
    image_cache: dict


@functools.cache
def _renderer() -> _Renderer:
    import cssselect2
    from weasyprint import CSS, HTML
    from weasyprint import html as weasyprint_html
    from weasyprint.css.counters import CounterStyle
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    font_config = FontConfiguration()
    with open(STYLESHEET, encoding="utf-8") as css:
        stylesheet = CSS(string=css.read(), font_config=font_config)
    # Its @counter-style rules go to a dictionary of their own: documents still count with
    # WeasyPrint's (the same rules, read when WeasyPrint was imported).
    user_agent = CSS(string=user_agent_css(weasyprint_html.UA), counter_style=CounterStyle())

    class InvoiceHTML(HTML):
        def _ua_stylesheets(self, forms=False):
            return [user_agent]

        @classmethod
        def parse(cls, html: str, *, url_fetcher) -> HTML:
            """The invoice's document, read by Python's XML parser (expat) when it can.

            The template is well-formed XML: expat reads it in a fraction of a millisecond
            where WeasyPrint's HTML5 parser, in Python, takes some 4 ms; both give the same
            tree, so the same bytes (test_pdf.py). What expat cannot read (a translation with
            a bare « & ») or refuses (an entity declaration) goes through WeasyPrint's parser.
            Only what HTML.__init__ sets is set.
            """
            try:
                root = _xml_root(html)
            except (expat.ExpatError, ValueError):
                return cls(string=html, url_fetcher=url_fetcher)
            document = cls.__new__(cls)
            document.base_url = None
            document.url_fetcher = url_fetcher
            document.media_type = "print"
            document.wrapper_element = cssselect2.ElementWrapper.from_html_root(
                root, content_language=None
            )
            document.etree_element = document.wrapper_element.etree_element
            return document

    return _Renderer(
        html_class=InvoiceHTML,
        # The template embeds everything it shows: nothing is fetched, from the network or disk.
        url_fetcher=URLFetcher(allowed_protocols={"data"}),
        stylesheet=stylesheet,
        font_config=font_config,
        image_cache={},
    )


def _xml_root(html: str) -> ElementTree.Element:
    """The document's tree, as ElementTree builds it, from expat; entity declarations refused.

    The HTML comes from the template, every value escaped by Django: no declaration can be in
    it, and none is expanded (no entity « bomb », nothing read from outside).
    """
    builder = ElementTree.TreeBuilder()
    parser = expat.ParserCreate()
    parser.buffer_text = True
    parser.StartElementHandler = builder.start
    parser.EndElementHandler = builder.end
    parser.CharacterDataHandler = builder.data
    parser.EntityDeclHandler = _refuse_entity
    parser.UnparsedEntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_entity
    parser.Parse(html, True)
    return builder.close()


def _refuse_entity(*args):
    raise ValueError("entity declarations are not read")


def user_agent_css(stock: str) -> str:
    """WeasyPrint's user agent stylesheet without its rules for every element's pseudo-elements.

    `::marker`, `::footnote-call`, `::footnote-marker`, `::note-call`, `::note-marker` and
    `::note-callback` match every element: WeasyPrint computes six styles more per element (a
    thousand an invoice, some 8 % of its time) for list markers and footnotes that an invoice
    does not have. The rest is WeasyPrint's, untouched; the invoice comes out byte for byte the
    same (test_pdf.py renders one with both). Decision 0019.
    """
    return _EVERY_ELEMENT_PSEUDO_RULE.sub("", stock)


# A whole line `::name { ... }`: a rule whose selector is a pseudo-element of any element.
_EVERY_ELEMENT_PSEUDO_RULE = re.compile(r"^::[a-z-]+ \{[^}\n]*\}\n", re.MULTILINE)


def invoice_html(invoice: Invoice, *, language: str) -> str:
    lines = list(invoice.lines.all())
    snapshot = invoice.snapshot or {}
    groups = []
    for group, members in groupby(
        sorted(lines, key=lambda line: (list(LineGroup.values).index(line.group), line.position)),
        key=lambda line: line.group,
    ):
        members = list(members)
        groups.append(
            {
                "label": LineGroup(group).label,
                "lines": members,
                "excl_vat_cents": sum(line.amount_excl_vat_cents for line in members),
                "incl_vat_cents": sum(line.amount_incl_vat_cents for line in members),
            }
        )
    with translation.override(language):
        vat_summary = []
        for rate in sorted({line.vat_rate_bp for line in lines}, reverse=True):
            at_rate = [line for line in lines if line.vat_rate_bp == rate]
            vat_summary.append(
                {
                    "rate": format_rate(rate),
                    "excl_vat_cents": sum(line.amount_excl_vat_cents for line in at_rate),
                    "vat_cents": sum(line.vat_cents for line in at_rate),
                    "incl_vat_cents": sum(line.amount_incl_vat_cents for line in at_rate),
                }
            )
        return render_to_string(
            "billing/invoice_pdf.html",
            {
                "invoice": invoice,
                "seller": invoice.seller,
                "groups": groups,
                "vat_summary": vat_summary,
                "address_lines": invoice.billing_address.splitlines(),
                # As issued (Invoice.snapshot); today's for invoices issued before it existed.
                "logo": snapshot["logo"]
                if "logo" in snapshot
                else logo_data_uri(settings.BILLING_OPERATOR["logo"]),
                "brand": snapshot.get("brand") or settings.GUICHET_BRAND,
                "language": language,
            },
        ).strip()  # Nothing after </html>: an HTML5 parser would move it into the body.


def invoice_render_pdf(*, invoice_id: int) -> Invoice:
    """Render and store the PDF of an invoice that has none; a stored one is never replaced."""
    invoice = Invoice.objects.select_related("customer").get(pk=invoice_id)
    if invoice.pdf_sha256:
        return invoice
    content = invoice_pdf_bytes(invoice)
    digest = sha256(content)
    name = default_storage.save(_storage_name(invoice), ContentFile(content))
    # Claimed by a conditional update: when two renderings race, the first one stays.
    if Invoice.objects.pdf_claim(invoice_id=invoice.pk, name=name, sha256=digest):
        invoice.pdf.name, invoice.pdf_sha256 = name, digest
    else:
        default_storage.delete(name)
        invoice.refresh_from_db()
    return invoice


def invoice_pdf_content(*, invoice: Invoice) -> bytes:
    """The stored PDF, checked against its SHA-256; rendered first if it never was.

    Raises DocumentUnavailable (and logs an error) when the stored file does not match its
    checksum, is lost and cannot be rendered again identically, or the storage fails. The
    same check holds whatever the storage (a local folder or an S3-compatible bucket).
    """
    try:
        if not invoice.pdf_sha256:
            invoice = invoice_render_pdf(invoice_id=invoice.pk)
        with default_storage.open(invoice.pdf.name, "rb") as stored:
            content = stored.read()
    except FileNotFoundError:
        content = _render_as_issued(invoice)
        if content is None:
            logger.error(
                "Invoice %s: PDF file %s is missing and renders differently now (SHA-256 %s)",
                invoice.number,
                invoice.pdf.name,
                invoice.pdf_sha256,
            )
            raise DocumentUnavailable(invoice.number) from None
        logger.warning("Invoice %s: missing PDF file %s restored", invoice.number, invoice.pdf.name)
        name = default_storage.save(invoice.pdf.name, ContentFile(content))
        if name != invoice.pdf.name:
            Invoice.objects.filter(pk=invoice.pk).update(pdf=name)
        return content
    except Exception:
        # The storage itself failed (a bucket that does not answer, a disk error): the
        # customer gets « temporairement indisponible », never an error page.
        logger.exception(
            "Invoice %s: the storage failed to give PDF file %s", invoice.number, invoice.pdf.name
        )
        raise DocumentUnavailable(invoice.number) from None
    if sha256(content) != invoice.pdf_sha256:
        logger.error(
            "Invoice %s: PDF file %s does not match its SHA-256 %s",
            invoice.number,
            invoice.pdf.name,
            invoice.pdf_sha256,
        )
        raise DocumentUnavailable(invoice.number)
    return content


def _render_as_issued(invoice: Invoice) -> bytes | None:
    """The PDF rendered again byte for byte as issued, or None.

    The customer may have changed language since: each language is tried, theirs first.
    """
    languages = [invoice_language(invoice), settings.LANGUAGE_CODE]
    languages += [code for code, _name in settings.LANGUAGES]
    for language in dict.fromkeys(languages):
        content = invoice_pdf_bytes(invoice, language=language)
        if sha256(content) == invoice.pdf_sha256:
            return content
    return None


def _storage_name(invoice: Invoice) -> str:
    return f"factures/{invoice.issue_date:%Y/%m}/{invoice.pdf_filename}"


@functools.lru_cache(maxsize=8)
def logo_data_uri(path: str) -> str:
    """The logo (a static file) as a data URI: what the PDF embeds and a snapshot keeps."""
    found = finders.find(path)
    if not found:
        return ""
    with open(found, "rb") as logo:
        data = base64.b64encode(logo.read()).decode("ascii")
    mime = mimetypes.guess_type(found)[0] or "application/octet-stream"
    return f"data:{mime};base64,{data}"
