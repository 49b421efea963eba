"""`{% service_details %}`: « Mes services »'s block of one service, written in Python."""

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from guichet.core.formatting import format_cents, format_date, format_phone
from guichet.core.html_values import translated_html, value_html

register = template.Library()


def _fact(label: str, value) -> list[str]:
    """One « <dt>label</dt><dd>value</dd> » of a service's facts (the label translated)."""
    return ["<dt>", translated_html(label), "</dt><dd>", value_html(value), "</dd>"]


@register.simple_tag
def service_details(subscription):
    """What `{% include "catalog/service_details.html" %}` writes for `subscription`, byte for
    byte (catalog/tests/test_service_details.py compares them): the template's tags on each
    of a customer's services were a quarter of « Mes services »' time."""
    product = subscription.product
    parts = ["\n\n"]
    if product.description:
        parts += ["<p>", value_html(product.description), "</p>"]
    parts.append("\n")
    if product.characteristics:
        lines = (line.strip() for line in product.characteristics.splitlines())
        items = "".join(f"<li>{value_html(line)}</li>" for line in lines if line)
        parts += ['\n<ul class="characteristics">', items, "</ul>\n"]
    price = subscription.monthly_price_cents
    parts += [
        '\n<dl class="facts">\n  <dt>',
        translated_html(gettext("Prix mensuel")),
        "</dt><dd>",
        translated_html(gettext("%(price)s TTC / mois"), price=format_cents(price))
        if price
        else translated_html(gettext("Inclus dans votre offre")),
        "</dd>\n  <dt>",
        translated_html(gettext("Depuis le")),
        "</dt><dd>",
        value_html(format_date(subscription.start_date)),
        "</dd>\n  ",
    ]
    if subscription.line_number:
        parts += _fact(gettext("Numéro de ligne"), format_phone(subscription.line_number))
    parts.append("\n  ")
    if subscription.equipment:
        parts += _fact(gettext("Équipement"), subscription.equipment)
    parts.append("\n  ")
    if subscription.end_date:
        parts += _fact(gettext("Fin prévue le"), format_date(subscription.end_date))
    parts.append("\n</dl>\n")
    termination_date = getattr(subscription, "termination_date", None)
    if termination_date:
        parts += [
            '\n<p class="termination-status">',
            translated_html(
                gettext("Résiliation demandée (effet le %(date)s)"),
                date=format_date(termination_date),
            ),
            "</p>\n",
        ]
    else:
        parts += [
            '\n<p class="service-actions"><a href="',
            conditional_escape(reverse("catalog:terminate")),
            "?service=",
            value_html(subscription.pk),
            '">',
            translated_html(gettext("Résilier")),
            '<span class="visually-hidden"> ',
            value_html(product.name),
            "</span></a></p>\n",
        ]
    parts.append("\n\n")
    return SafeString("".join(parts))


def _termination_status(subscription) -> str:
    termination_date = getattr(subscription, "termination_date", None)
    if not termination_date:
        return ""
    status = translated_html(
        gettext("Résiliation demandée (effet le %(date)s)"), date=format_date(termination_date)
    )
    return f' <span class="termination-status">{status}</span>'


@register.simple_tag
def offer_summary(offer):
    """What `{% include "includes/offer_summary.html" %}` writes for `offer` (« Mon offre
    actuelle », beside « Accueil » and « Mes services »), byte for byte
    (catalog/tests/test_service_details.py compares them)."""
    parts = [
        '<aside class="card offer-summary" aria-labelledby="offre-actuelle">\n'
        '  <h2 id="offre-actuelle">',
        translated_html(gettext("Mon offre actuelle")),
        "</h2>\n  ",
    ]
    if offer.is_empty:
        parts += ["\n  <p>", translated_html(gettext("Aucun service en cours.")), "</p>\n  "]
    else:
        parts.append("\n  ")
        for subscription in offer.bundles:
            parts += [
                '<p class="offer-bundle">',
                value_html(subscription.product.name),
                _termination_status(subscription),
                "</p>",
            ]
        parts.append("\n  <dl>\n    ")
        for section, subscriptions in offer.sections():
            if subscriptions:
                parts += ["\n    <dt>", value_html(section.summary_label), "</dt>\n    "]
                for subscription in subscriptions:
                    parts += [
                        "<dd>",
                        value_html(subscription.product.name),
                        _termination_status(subscription),
                        "</dd>",
                    ]
                parts.append("\n    ")
        parts.append("\n  </dl>\n  ")
    parts.append("\n</aside>\n")
    return SafeString("".join(parts))


def _contact_url() -> str:
    """{% url 'support:contact' as contact_url %}: empty where there is no such page."""
    try:
        return reverse("support:contact")
    except NoReverseMatch:
        return ""


@register.simple_tag
def service_sections(sections, selected):
    """What catalog/service_sections.html writes (« Mes services », a section per part of the
    offer), byte for byte (catalog/tests/test_service_details.py compares them)."""
    parts = []
    contact_url = None
    for section, subscriptions in sections:
        slug = value_html(section.slug)
        title = value_html(section.title)
        hidden = ' class="visually-hidden"' if selected else ""
        parts += [
            f'\n    <section class="card service-section" id="{slug}" '
            f'aria-labelledby="titre-{slug}">\n      '
            f'<h2 id="titre-{slug}"{hidden}>{title}</h2>\n      '
        ]
        for subscription in subscriptions:
            line = ""
            if subscription.line_number:
                phone = value_html(format_phone(subscription.line_number))
                line = f' <span class="line-number">· {phone}</span>'
            parts += [
                '\n      <article class="service">\n        <h3>',
                value_html(subscription.product.name),
                line,
                "</h3>\n        ",
                service_details(subscription),
                "\n      </article>\n      ",
            ]
        if not subscriptions:
            if contact_url is None:
                contact_url = _contact_url()
            subscribe = (
                translated_html(
                    gettext(
                        'Pour souscrire, <a href="%(url)s">contactez votre service client</a>.'
                    ),
                    url=contact_url,
                )
                if contact_url
                else translated_html(gettext("Pour souscrire, contactez votre service client."))
            )
            parts += [
                '\n      \n      <p class="empty">',
                value_html(section.empty_text),
                " ",
                subscribe,
                "</p>\n      ",
            ]
        parts.append("\n    </section>\n    ")
    return SafeString("".join(parts))
