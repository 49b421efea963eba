"""« Mes services »: the parts of the offer are named in the language of the page."""

from django.utils import translation

from guichet.catalog.models import Product, ProductKind
from guichet.catalog.offer import SECTIONS
from guichet.core.tests.english_catalogue import install_english


def test_sections_read_in_english_with_the_english_catalogue(settings, tmp_path):
    install_english(settings)

    with translation.override("en"):
        assert [str(section.title) for section in SECTIONS] == [
            "My TV package",
            "My options",
            "My Internet package",
            "My landline package",
            "My mobile plans",
            "My mobile package",
        ]
        assert str(SECTIONS[0].empty_text) == "You have no TV package."
        assert str(ProductKind.FIXED_PLAN.label) == "Landline plan"
        assert str(Product._meta.get_field("name").verbose_name) == "name"
    assert str(SECTIONS[0].title) == "Mon offre TV"
    assert str(Product._meta.get_field("name").verbose_name) == "nom"
