"""Django's form renderer, with the `<input>` widgets written in Python: the same HTML, faster.

Every customer page with a form renders a dozen widgets, each through three small templates
(`text.html` includes `input.html`, which includes `attrs.html`): about a third of the time of
« Mode de paiement ». For the widgets that are exactly `input.html`, this renderer writes the
same markup, escaped the same way; any other template, or one an installed app overrides, goes
through Django's templates as before. `test_form_renderer.py` compares both, widget by widget.
"""

from pathlib import Path

import django.forms
from django.forms.renderers import DjangoTemplates
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData

# Django's widget templates that hold nothing but {% include "django/forms/widgets/input.html" %}
# (input.html itself is added below).
INPUT_WIDGETS = (
    "checkbox",
    "color",
    "date",
    "datetime",
    "email",
    "file",
    "hidden",
    "number",
    "password",
    "search",
    "tel",
    "text",
    "time",
    "url",
)
_DJANGO_WIDGETS = Path(django.forms.__file__).parent / "templates" / "django" / "forms" / "widgets"


def _as_text(value) -> str:
    """`{{ value|stringformat:'s' }}` with autoescaping: escaped unless already safe."""
    text = "%s" % value  # noqa: UP031 (what stringformat:'s' does, SafeString included)
    return text if isinstance(value, SafeData) else conditional_escape(text)


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html and attrs.html, in Python."""
    parts = [
        f'<input type="{conditional_escape(widget["type"])}" '
        f'name="{conditional_escape(widget["name"])}"'
    ]
    if widget["value"] is not None:
        parts.append(f' value="{_as_text(widget["value"])}"')
    for name, value in widget["attrs"].items():
        if value is False:
            continue
        parts.append(f" {conditional_escape(name)}")
        if value is not True:
            parts.append(f'="{_as_text(value)}"')
    parts.append(">")
    return "".join(parts)


class FastInputRenderer(DjangoTemplates):
    @cached_property
    def _python_templates(self) -> frozenset[str]:
        """The input widgets' templates, unless an installed app overrides one of them."""
        names = set()
        for kind in ("input", "attrs", *INPUT_WIDGETS):
            name = f"django/forms/widgets/{kind}.html"
            if Path(self.engine.get_template(name).origin.name).parent != _DJANGO_WIDGETS:
                return frozenset()
            if kind != "attrs":
                names.add(name)
        return frozenset(names)

    def render(self, template_name, context, request=None):
        if template_name in self._python_templates and "widget" in context:
            return input_html(context["widget"])
        return super().render(template_name, context, request=request)
