"""`{% partner_points %}`: « Contactez-nous »'s nearest partner points, written in Python."""

from django import template
from django.template.defaultfilters import cut, floatformat, linebreaksbr
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


def _text(value) -> str:
    """A value as {{ value }} writes it: localized, text, escaped unless safe."""
    value = localize(value)
    return conditional_escape(value if isinstance(value, str) else str(value))


@register.simple_tag
def partner_points(points):
    """What support/partner_points.html writes for (point, distance) pairs, byte for byte
    (support/tests/test_partner_points_html.py compares them), with the same filters."""
    parts = []
    for point, distance in points:
        near = ""
        if distance is not None:
            km = gettext("à %(km)s km environ") % {"km": _text(floatformat(distance, "0"))}
            near = f' <span class="small">· {km}</span>'
        parts += [
            '\n    <li class="partner-point">\n      <h3>',
            _text(point.name),
            near,
            "</h3>\n      <p>",
            _text(point.street),
            "<br>",
            _text(point.postal_code),
            " ",
            _text(point.city),
            "</p>\n      ",
        ]
        if point.phone:
            parts += [
                "<p>",
                gettext("Téléphone :"),
                ' <a href="tel:',
                _text(cut(point.phone, " ")),
                '">',
                _text(point.phone),
                "</a></p>",
            ]
        parts.append("\n      ")
        if point.opening_hours:
            hours = linebreaksbr(point.opening_hours, autoescape=True)
            parts += ['<p class="small">', _text(hours), "</p>"]
        parts.append("\n    </li>\n    ")
    return SafeString("".join(parts))
