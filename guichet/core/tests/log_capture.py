"""What the production log handler would write, captured for a test: JSON lines."""

import io
import json
import logging
from contextlib import contextmanager

from guichet.core.logs import RequestIdFilter, json_formatter


class CapturedLines(list):
    """The JSON objects written, and the raw text (to search for what must never appear)."""

    text = ""

    def of(self, logger: str) -> list[dict]:
        return [line for line in self if line["logger"] == logger]


@contextmanager
def json_log_lines():
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(json_formatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    lines = CapturedLines()
    try:
        yield lines
    finally:
        root.removeHandler(handler)
        lines.text = stream.getvalue()
        lines.extend(json.loads(line) for line in lines.text.splitlines() if line.strip())
