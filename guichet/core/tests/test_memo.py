"""{% memo %}: the same HTML per language and values, and nothing else from the page."""

from django.template import Context, engines
from django.utils import translation


def render(source: str, **context) -> str:
    template = engines["django"].from_string("{% load i18n guichet %}" + source)
    return template.render(context)


def test_it_sees_only_its_values_and_the_brand_never_the_page():
    template = engines["django"].from_string(
        "{% load guichet %}{% memo nav=nav %}{{ nav }}|{{ customer }}|{{ brand.name }}{% endmemo %}"
    )
    first = template.render({"nav": "home", "customer": "Claire Martin"})
    second = template.render({"nav": "home", "customer": "Paul Meyer"})
    assert first == second == "home||Vialis"
    assert template.render({"nav": "invoices", "customer": "x"}) == "invoices||Vialis"


def test_it_is_rendered_in_each_language():
    template = engines["django"].from_string(
        '{% load i18n guichet %}{% memo %}{% translate "Se déconnecter" %}{% endmemo %}'
    )
    with translation.override("fr"):
        assert template.render({}) == "Se déconnecter"
    with translation.override("en"):
        assert template.render({}) == "Log out"
    with translation.override("fr"):
        assert template.render({}) == "Se déconnecter"


def test_a_csrf_token_inside_would_render_empty():
    template = engines["django"].from_string(
        "{% load guichet %}{% memo %}[{% csrf_token %}]{% endmemo %}"
    )
    assert template.render(Context({"csrf_token": "secret"}).flatten()) == "[]"


def test_it_escapes_like_the_page():
    assert render("{% memo v=v %}{{ v }}{% endmemo %}", v="<b>") == "&lt;b&gt;"
