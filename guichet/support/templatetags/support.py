"""`{% partner_points %}`: « Contactez-nous »'s nearest partner points, written in Python."""

from django import template
from django.template.defaultfilters import cut, floatformat, linebreaksbr
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from guichet.core.html_values import value_html

register = template.Library()


@register.simple_tag
def partner_points(points):
    """What support/partner_points.html writes for (point, distance) pairs, byte for byte
    (support/tests/test_partner_points_html.py compares them), with the same filters."""
    parts = []
    for point, distance in points:
        near = ""
        if distance is not None:
            km = gettext("à %(km)s km environ") % {"km": value_html(floatformat(distance, "0"))}
            near = f' <span class="small">· {km}</span>'
        parts += [
            '\n    <li class="partner-point">\n      <h3>',
            value_html(point.name),
            near,
            "</h3>\n      <p>",
            value_html(point.street),
            "<br>",
            value_html(point.postal_code),
            " ",
            value_html(point.city),
            "</p>\n      ",
        ]
        if point.phone:
            parts += [
                "<p>",
                gettext("Téléphone :"),
                ' <a href="tel:',
                value_html(cut(point.phone, " ")),
                '">',
                value_html(point.phone),
                "</a></p>",
            ]
        parts.append("\n      ")
        if point.opening_hours:
            hours = linebreaksbr(point.opening_hours, autoescape=True)
            parts += ['<p class="small">', value_html(hours), "</p>"]
        parts.append("\n    </li>\n    ")
    return SafeString("".join(parts))
