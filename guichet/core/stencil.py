"""A list row's template written once per language with stand-ins, then filled row by row.

A table of twelve invoices ran the same template nodes twelve times, each value through the
template engine's lookups and filters. A `Stencil` renders the row's template once per
language with a stand-in for each value ({{ row.name }}, no filter: the values come ready),
keeps the text between them, and fills it with each row's values escaped exactly as
{{ row.name }} escapes them. The template stays the one place the row's HTML is written;
only values named in the stencil can reach it, never anything from the page's context.
"""

from django.template.loader import get_template
from django.utils import translation
from django.utils.safestring import SafeString, mark_safe

from .html_values import value_html

# Private-use characters: nothing escapes them and no value of ours holds them.
_OPEN, _CLOSE = "\ue000", "\ue001"


class Stencil:
    # Languages are few: past this many, the stencils start again.
    MAX_ENTRIES = 64

    def __init__(self, template_name: str, names: tuple[str, ...], *, variable: str = "row"):
        self.template_name = template_name
        self.names = names
        self.variable = variable
        self._pieces: dict[str, list[str]] = {}

    def _cut(self, language: str) -> list[str]:
        stand_ins = {name: mark_safe(f"{_OPEN}{name}{_CLOSE}") for name in self.names}  # noqa: S308
        html = get_template(self.template_name).render({self.variable: stand_ins})
        # Text, name, text, name, ..., text.
        pieces = []
        for chunk in html.split(_OPEN):
            name, _, text = chunk.rpartition(_CLOSE)
            if name:
                pieces.append(name)
            pieces.append(text)
        names = pieces[1::2]
        if len(names) != html.count(_CLOSE) or not set(names) <= set(self.names):
            raise ValueError(f"{self.template_name}: a stand-in went through a filter")
        if len(self._pieces) >= self.MAX_ENTRIES:
            self._pieces.clear()
        self._pieces[language] = pieces
        return pieces

    def fill(self, rows, *, before: str = "", after: str = "") -> SafeString:
        """Each row (a dict holding every name) written, `before` and `after` it."""
        language = translation.get_language() or ""
        pieces = self._pieces.get(language) or self._cut(language)
        texts, names = pieces[::2], pieces[1::2]
        out = []
        for row in rows:
            out.append(before)
            for text, name in zip(texts, names, strict=False):
                out.append(text)
                out.append(value_html(row[name]))
            out.append(texts[-1])
            out.append(after)
        return SafeString("".join(out))
