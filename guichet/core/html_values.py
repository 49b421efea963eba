"""What a template writes for a value, for the tags and stencils that write their HTML in
Python (decisions 0017): `{{ value }}` and `{% translate %}` / `{% blocktranslate %}`."""

from django.utils.formats import localize
from django.utils.html import conditional_escape


def value_html(value) -> str:
    """A value as {{ value }} writes it in an HTML template: localized, text, escaped unless
    safe."""
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


def translated_html(text: str, **values) -> str:
    """What {% translate %} / {% blocktranslate %} write: the translation (gettext() of a
    literal, for makemessages) as it is, the values in it escaped."""
    return text % {name: value_html(value) for name, value in values.items()} if values else text
