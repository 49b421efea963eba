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
from django.template import Context
from django.template.base import render_value_in_context
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


# What the form renderer's templates render in: a fresh context (autoescaped, the active
# language's formats). render_value_in_context() only reads it: one is enough.
_FRESH_CONTEXT = Context()


def _shown(value) -> str:
    """`{{ value }}` in the form renderer's templates (a fresh context: autoescaped)."""
    if type(value) is str:  # no date or number to localize: escaped, as it would be
        return conditional_escape(value)
    return render_value_in_context(value, _FRESH_CONTEXT)


def _attrs(attrs: dict) -> str:
    """django/forms/widgets/attrs.html."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {_shown(name)}")
        if value is not True:
            parts.append(f'="{_as_text(value)}"')
    return "".join(parts)


def input_html(widget: dict) -> str:
    """django/forms/widgets/input.html, in Python."""
    value = "" if widget["value"] is None else f' value="{_as_text(widget["value"])}"'
    return (
        f'<input type="{_shown(widget["type"])}" name="{_shown(widget["name"])}"'
        f"{value}{_attrs(widget['attrs'])}>"
    )


def option_html(option: dict) -> str:
    """django/forms/widgets/select_option.html, in Python."""
    return (
        f'<option value="{_as_text(option["value"])}"{_attrs(option["attrs"])}>'
        f"{_shown(option['label'])}</option>"
    )


def select_html(widget: dict) -> str:
    """django/forms/widgets/select.html, its options included (before the final strip())."""
    parts = [f'<select name="{_shown(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, group_choices, _ in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{_shown(group_name)}">')
        for option in group_choices:
            parts.append(f"\n  {option_html(option)}\n")
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def input_option_html(widget: dict) -> str:
    """django/forms/widgets/input_option.html (a radio or checkbox choice), in Python."""
    if not widget.get("wrap_label"):
        return input_html(widget)
    target = widget["attrs"].get("id")
    target = f' for="{_shown(target)}"' if target else ""
    # input.html ends with a new line, kept inside the label.
    return f"<label{target}>{input_html(widget)}\n {_shown(widget['label'])}</label>"


def textarea_html(widget: dict) -> str:
    """django/forms/widgets/textarea.html, in Python."""
    value = _shown(widget["value"]) if widget["value"] else ""
    name, attrs = _shown(widget["name"]), _attrs(widget["attrs"])
    return f'<textarea name="{name}"{attrs}>\n{value}</textarea>'


class FastInputRenderer(DjangoTemplates):
    @cached_property
    def _python_templates(self) -> dict:
        """Template name → its Python version, unless an installed app overrides a template."""
        kinds = (
            "attrs",
            "select_option",
            "input_option",
            "radio_option",
            "checkbox_option",
            "select",
            "textarea",
            "input",
            *INPUT_WIDGETS,
        )
        for kind in kinds:
            name = f"django/forms/widgets/{kind}.html"
            if Path(self.engine.get_template(name).origin.name).parent != _DJANGO_WIDGETS:
                return {}
        writers = {f"django/forms/widgets/{kind}.html": input_html for kind in kinds[7:]}
        for kind in ("input_option", "radio_option", "checkbox_option"):
            writers[f"django/forms/widgets/{kind}.html"] = input_option_html
        writers["django/forms/widgets/select.html"] = select_html
        writers["django/forms/widgets/textarea.html"] = textarea_html
        return writers

    def render(self, template_name, context, request=None):
        writer = self._python_templates.get(template_name)
        if writer is not None and "widget" in context and self._plain(context["widget"]):
            return writer(context["widget"])
        return super().render(template_name, context, request=request)

    @staticmethod
    def _plain(widget: dict) -> bool:
        """No option asks for a template of its own."""
        return all(
            option.get("template_name") == "django/forms/widgets/select_option.html"
            for _, options, _ in widget.get("optgroups", ())
            for option in options
        )
