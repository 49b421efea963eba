"""`{% partner_points %}` writes exactly what support/partner_points.html writes."""

import pytest
from django.template import engines
from django.utils import translation

from guichet.support.models import PartnerPoint


def points():
    full = PartnerPoint(
        name='Boutique <Centre> & "Gare"',
        street="1 rue de l'Église",
        postal_code="68000",
        city="Colmar",
        phone="03 89 00 00 00",
        opening_hours="Lundi–vendredi : 9 h – 18 h\nSamedi <matin>\r\nFermé le dimanche",
    )
    bare = PartnerPoint(name="Relais", street="2 place", postal_code="68100", city="Mulhouse")
    return [(full, 2.5), (bare, None), (full, 12.49), (bare, 0.0), (full, 1234.5)]


@pytest.mark.parametrize("language", ["fr", "en"])
def test_it_writes_what_the_template_writes(language):
    engine = engines["django"]
    context = {"partner_points": points()}
    with translation.override(language):
        expected = engine.from_string('{% include "support/partner_points.html" %}').render(context)
        written = engine.from_string("{% load support %}{% partner_points partner_points %}")
        assert written.render(context) + "\n" == expected
    assert "&lt;Centre&gt;" in expected and 'href="tel:0389000000"' in expected
    assert "<br>" in expected and "&lt;matin&gt;" in expected
