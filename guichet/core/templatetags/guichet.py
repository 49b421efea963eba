"""Template filters for money, dates and phone numbers in the active language."""

from django import template
from django.conf import settings

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
