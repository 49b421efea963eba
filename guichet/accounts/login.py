"""How what a customer types in the login field is understood."""

import re

_REFERENCE = re.compile(r"^[Vv]?(\d{8})$")


def parse_reference(raw: str) -> str | None:
    """« 01776108 », « V01776108 », « v01776108 » and spaces around -> « 01776108 »; else None."""
    match = _REFERENCE.match((raw or "").strip())
    return match.group(1) if match else None
