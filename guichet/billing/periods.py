"""Billing periods: calendar months, written « 2026-11 », stored as their first day."""

import calendar
import datetime
import re

from django.utils.translation import gettext as _

_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")


def parse_period(text: str) -> datetime.date:
    """« 2026-11 » -> 2026-11-01; ValueError for anything else."""
    match = _PERIOD.match((text or "").strip())
    if not match:
        raise ValueError(
            _("période « %(text)s » invalide (format attendu : AAAA-MM)") % {"text": text}
        )
    year, month = int(match[1]), int(match[2])
    if not 1 <= month <= 12 or year < 1900:
        raise ValueError(
            _("période « %(text)s » invalide (format attendu : AAAA-MM)") % {"text": text}
        )
    return datetime.date(year, month, 1)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def month_end(day: datetime.date) -> datetime.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def days_in_month(day: datetime.date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later (or earlier), kept within the target month's length."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def format_period(period: datetime.date) -> str:
    """2026-11-01 -> « 2026-11 »."""
    return f"{period:%Y-%m}"
