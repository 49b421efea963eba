"""Money, dates and phone numbers in the active language: French unchanged, English its own way."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template
from django.utils import translation

from guichet.core.formatting import format_cents, format_date, format_datetime, format_phone

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("cents", "french", "english"),
    [
        (0, f"0,00{NBSP}€", "€0.00"),
        (5, f"0,05{NBSP}€", "€0.05"),
        (12345, f"123,45{NBSP}€", "€123.45"),
        (123456, f"1{NBSP}234,56{NBSP}€", "€1,234.56"),
        (123456789, f"1{NBSP}234{NBSP}567,89{NBSP}€", "€1,234,567.89"),
        (-123456, f"-1{NBSP}234,56{NBSP}€", "-€1,234.56"),
    ],
)
def test_money_in_french_and_english(cents, french, english):
    with translation.override("fr"):
        assert format_cents(cents) == french
    with translation.override("en"):
        assert format_cents(cents) == english
    assert format_cents(cents, language="en-gb") == english


def test_money_outside_any_language_is_french(settings):
    # Management commands and workers may run with translations deactivated.
    with translation.override(None):
        assert format_cents(123456) == f"1{NBSP}234,56{NBSP}€"


def test_money_in_a_language_without_its_own_style_uses_djangos_separators():
    assert format_cents(123456, language="de") == f"1.234,56{NBSP}€"


def test_dates_in_french_and_english():
    day = datetime.date(2026, 3, 5)
    with translation.override("fr"):
        assert format_date(day) == "05/03/2026"
    with translation.override("en"):
        assert format_date(day) == "5 Mar 2026"
    assert format_date(None) == ""


def test_a_date_written_once_is_written_the_same_in_each_language_after():
    # Dates are kept once written (a dozen a page): each language keeps its own.
    day = datetime.date(2026, 7, 14)
    for _ in range(2):
        assert format_date(day, language="fr") == "14/07/2026"
        assert format_date(day, language="en") == "14 Jul 2026"
        assert format_date(day, language="de") == "14.07.2026"
        moment = datetime.datetime(2026, 7, 14, 23, 59)
        assert format_date(moment, language="fr") == "14/07/2026"


def test_datetimes_are_shown_in_local_time(settings):
    settings.TIME_ZONE = "Europe/Paris"
    moment = datetime.datetime(2026, 3, 5, 13, 30, tzinfo=zoneinfo.ZoneInfo("UTC"))
    with translation.override("fr"):
        assert format_datetime(moment) == "05/03/2026 14:30"
    with translation.override("en"):
        assert format_datetime(moment) == "5 Mar 2026, 14:30"


def test_phone_numbers_french_national_in_french_international_otherwise():
    with translation.override("fr"):
        assert format_phone("+33389000000") == "03 89 00 00 00"
        assert format_phone("+41612000000") == "+41 61 200 00 00"
    with translation.override("en"):
        assert format_phone("+33389000000") == "+33 3 89 00 00 00"
        assert format_phone("+41612000000") == "+41 61 200 00 00"
    assert format_phone("") == ""


def test_template_filters_follow_the_active_language(settings):
    settings.TIME_ZONE = "Europe/Paris"
    template = Template(
        "{% load guichet %}{{ cents|euros }}|{{ day|short_date }}|{{ moment|short_datetime }}"
        "|{{ number|phone }}"
    )
    context = Context(
        {
            "cents": 123456,
            "day": datetime.date(2026, 3, 5),
            "moment": datetime.datetime(2026, 3, 5, 13, 30, tzinfo=zoneinfo.ZoneInfo("UTC")),
            "number": "+33389000000",
        }
    )
    with translation.override("fr"):
        assert template.render(context) == (
            f"1{NBSP}234,56{NBSP}€|05/03/2026|05/03/2026 14:30|03 89 00 00 00"
        )
    with translation.override("en"):
        assert template.render(context) == (
            "€1,234.56|5 Mar 2026|5 Mar 2026, 14:30|+33 3 89 00 00 00"
        )
