"""Template filters for money, dates and phone numbers in the active language; `{% memo %}`,
`{% form_field %}`."""

from django import template
from django.conf import settings
from django.template.base import token_kwargs
from django.utils import translation
from django.utils.safestring import SafeString

from guichet.core import formatting
from guichet.core.html_values import value_html

register = template.Library()


@register.filter
def euros(cents):
    if cents in (None, ""):
        return ""
    return formatting.format_cents(cents)


@register.filter
def phone(e164):
    return formatting.format_phone(e164)


@register.filter(expects_localtime=True)
def short_date(value):
    """« 05/03/2026 » in French, « 5 Mar 2026 » in English."""
    return formatting.format_date(value)


@register.filter(expects_localtime=True)
def short_datetime(value):
    """« 05/03/2026 14:30 » in French, « 5 Mar 2026, 14:30 » in English, in local time."""
    return formatting.format_datetime(value)


@register.simple_tag
def languages_offered():
    """settings.LANGUAGES as they are, each name in its own language (« English », never
    translated into the page's language as {% get_available_languages %} does)."""
    return settings.LANGUAGES


@register.filter
def lines(text):
    """Split a text field into its non-empty lines."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


class MemoNode(template.Node):
    """A block rendered once per process for each language and set of values, then reused.

    The block sees nothing but the values named in the tag and `brand` (the operator's, fixed
    for the process): it is rendered in a context of its own, so it cannot show anything the
    key does not hold, a customer's data or a CSRF token least of all (such a variable renders
    empty there, which the page tests see). The key is the language and those values.
    """

    # Enough for every language × page × menu state; past it the memo starts again.
    MAX_ENTRIES = 512

    def __init__(self, nodelist, values):
        self.nodelist = nodelist
        self.values = values
        self.rendered = {}

    def render(self, context):
        values = {name: value.resolve(context) for name, value in self.values.items()}
        key = (translation.get_language(), *sorted(values.items()))
        html = self.rendered.get(key)
        if html is None:
            isolated = template.Context(
                {**values, "brand": settings.GUICHET_BRAND},
                autoescape=context.autoescape,
                use_l10n=context.use_l10n,
                use_tz=context.use_tz,
            )
            isolated.template = context.template
            html = self.nodelist.render(isolated)
            if len(self.rendered) >= self.MAX_ENTRIES:
                self.rendered.clear()
            self.rendered[key] = html
        return html


@register.tag
def memo(parser, token):
    """`{% memo name=value ... %}…{% endmemo %}`: the same HTML for the same language and values.

    For the parts of every page that depend on no one (the menu, the footer's links): only
    the named values (hashable: strings, booleans) and `brand` are visible inside.
    """
    bits = token.split_contents()[1:]
    values = token_kwargs(bits, parser, support_legacy=False)
    if bits:
        raise template.TemplateSyntaxError("memo takes only name=value arguments")
    nodelist = parser.parse(("endmemo",))
    parser.delete_first_token()
    return MemoNode(nodelist, values)


@register.simple_tag
def form_field(field):
    """`{% form_field form.name %}`: what `{% include "includes/field.html" with field=... %}`
    writes, byte for byte (test_form_field.py compares them), in a tenth of the time: the
    label, help text and errors around the widget of a bound field."""
    errors = field.errors
    auto_id = value_html(field.auto_id)
    parts = [
        '<div class="field field-invalid">\n  <label for="'
        if errors
        else '<div class="field">\n  <label for="',
        value_html(field.id_for_label),
        '">',
        value_html(field.label),
        '<span class="required" aria-hidden="true"> *</span></label>\n  '
        if field.field.required
        else "</label>\n  ",
    ]
    if help_text := field.help_text:
        parts += ['<p class="help" id="', auto_id, '_helptext">', value_html(help_text), "</p>"]
    parts.append("\n  ")
    if errors:
        parts += ['<p class="field-error" id="', auto_id, '_error">']
        parts += [value_html(error) + " " for error in errors]
        parts.append("</p>")
    parts += ["\n  ", str(field), "\n</div>\n"]
    return SafeString("".join(parts))


@register.simple_tag
def form_errors(form):
    """`{% form_errors form %}`: what `{% include "includes/form_errors.html" with form=... %}`
    writes, byte for byte (test_form_field.py compares them): the form's own errors."""
    errors = form.non_field_errors()
    if not errors:
        return "\n"
    items = "".join(f"<p>{value_html(error)}</p>" for error in errors)
    return SafeString(
        '\n<div class="alert alert-error" role="alert" tabindex="-1" id="erreurs">\n  '
        f"{items}\n</div>\n\n"
    )
