"""`{% service_details %}` writes exactly what `{% include "catalog/service_details.html" %}`
writes, for services of every shape, in French and in English."""

import datetime

import pytest
from django.template import engines
from django.utils import translation

from guichet.catalog.models import ProductKind
from guichet.catalog.offer import SECTIONS, Offer
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory

INCLUDE = '{% include "catalog/service_details.html" %}'
TAG = "{% load catalog %}{% service_details subscription %}"


def shapes(customer):
    plain = SubscriptionFactory(customer=customer)
    rich = SubscriptionFactory(
        customer=customer,
        product=ProductFactory(
            name='Box <Fibre> & "TV"',
            description="Tout compris : l'Internet <rapide> & la TV",
            characteristics="  Débit 1 Gbit/s \n\n<b>Wi-Fi 7</b>\n  Appels illimités  ",
            monthly_price_cents=123456,
        ),
        line_number="+33389000000",
        equipment="Box <v2> & décodeur",
        end_date=datetime.date(2030, 1, 31),
    )
    included = SubscriptionFactory(
        customer=customer,
        product=ProductFactory(description="", characteristics="", monthly_price_cents=0),
        line_number="+41210000000",
    )
    terminated = SubscriptionFactory(customer=customer)
    terminated.termination_date = datetime.date(2026, 12, 24)
    return [plain, rich, included, terminated]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_writes_what_the_include_writes(customer, language):
    engine = engines["django"]
    subscriptions = shapes(customer)
    pages = []
    with translation.override(language):
        for subscription in subscriptions:
            expected = engine.from_string(INCLUDE).render({"subscription": subscription})
            written = engine.from_string(TAG).render({"subscription": subscription})
            assert written == expected, subscription
            pages.append(expected)
    # Every branch was taken: escaped values, a line, an end, a termination, « Inclus ».
    for piece in ("&lt;Fibre&gt;", "<li>&lt;b&gt;Wi-Fi 7&lt;/b&gt;</li>", "31", "24"):
        assert any(piece in page for page in pages), piece


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_offer_summary_writes_what_the_include_writes(customer, language):
    engine = engines["django"]
    plain, rich, included, terminated = shapes(customer)
    bundle = SubscriptionFactory(
        customer=customer, product=ProductFactory(kind=ProductKind.BUNDLE, name="Box & TV")
    )
    bundle.termination_date = datetime.date(2027, 1, 5)
    offers = [
        Offer(),
        Offer(by_kind={ProductKind.INTERNET: [plain, rich]}),
        Offer(
            bundles=[bundle, included],
            by_kind={ProductKind.INTERNET: [terminated], ProductKind.MOBILE: [included]},
        ),
    ]
    include = '{% include "includes/offer_summary.html" %}'
    tag = "{% load catalog %}{% offer_summary offer %}"
    with translation.override(language):
        for offer in offers:
            expected = engine.from_string(include).render({"offer": offer})
            assert engine.from_string(tag).render({"offer": offer}) == expected
    assert "Box &amp; TV" in expected and "termination-status" in expected


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("selected", [None, SECTIONS[2]])
def test_the_sections_write_what_their_template_writes(customer, language, selected):
    engine = engines["django"]
    plain, rich, included, terminated = shapes(customer)
    offer = Offer(by_kind={ProductKind.INTERNET: [plain, rich], ProductKind.MOBILE: [included]})
    sections = offer.sections()
    if selected:
        sections = [pair for pair in sections if pair[0] == selected]
    include = '{% include "catalog/service_sections.html" %}'
    tag = "{% load catalog %}{% service_sections sections selected %}"
    context = {"sections": sections, "selected": selected}
    with translation.override(language):
        expected = engine.from_string(include).render(context)
        assert engine.from_string(tag).render(context) + "\n" == expected
    # Empty parts say how to subscribe, with the link to write to us.
    assert selected or 'class="empty"' in expected and "/contactez-nous/" in expected
