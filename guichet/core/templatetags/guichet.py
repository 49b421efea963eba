"""Template filters for French formatting."""

from django import template

from guichet.core import formatting

register = template.Library()


@register.filter
def euros(cents):
    if cents in (None, ""):
        return ""
    return formatting.format_cents(cents)


@register.filter
def phone(e164):
    return formatting.format_phone(e164)


@register.filter
def lines(text):
    """Split a text field into its non-empty lines."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]
