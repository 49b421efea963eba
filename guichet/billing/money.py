"""Exact invoice arithmetic on integer cents, rounded the way French invoices are.

Consumer prices are set including VAT (« TTC »), so a line's amount incl. VAT is computed
first and its amount excl. VAT derived from it: HT = TTC / (1 + rate), rounded to the
nearest cent with halves away from zero (« arrondi commercial »), and VAT = TTC - HT. A line
therefore always adds up (HT + TVA = TTC) and an invoice's totals are the sums of its lines.
"""

from django.utils import formats
from django.utils.translation import pgettext

BP = 10_000  # VAT rates are stored in basis points: 2000 = 20 %.


def div_round(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, halves away from zero."""
    if denominator <= 0:
        raise ValueError("denominator must be positive")
    quotient = (2 * abs(numerator) + denominator) // (2 * denominator)
    return -quotient if numerator < 0 else quotient


def prorate(monthly_cents: int, days: int, days_in_month: int) -> int:
    """The part of a monthly price for `days` days of service in a month of `days_in_month`."""
    if not 0 <= days <= days_in_month:
        raise ValueError("days must be between 0 and the length of the month")
    return div_round(monthly_cents * days, days_in_month)


def excl_vat(incl_vat_cents: int, vat_rate_bp: int) -> int:
    """The amount excluding VAT of an amount including VAT."""
    return div_round(incl_vat_cents * BP, BP + vat_rate_bp)


def split_vat(incl_vat_cents: int, vat_rate_bp: int) -> tuple[int, int]:
    """(amount excl. VAT, VAT) of an amount incl. VAT; they add up to it exactly."""
    excl = excl_vat(incl_vat_cents, vat_rate_bp)
    return excl, incl_vat_cents - excl


def vat_of(excl_vat_cents: int, vat_rate_bp: int) -> int:
    """The VAT on an amount excluding VAT."""
    return div_round(excl_vat_cents * vat_rate_bp, BP)


def format_rate(vat_rate_bp: int) -> str:
    """2000 -> « 20 % », 550 -> « 5,5 % » in French; « 20% », « 5.5% » in English."""
    whole, rest = divmod(vat_rate_bp, 100)
    rate = str(whole)
    if rest:
        rate = f"{whole}{formats.get_format('DECIMAL_SEPARATOR')}{rest:02d}".rstrip("0")
    # French writes a space before « % », English none: the catalogue says which. A no-break
    # space keeps the rate and its sign on one line.
    return (pgettext("VAT rate", "%(rate)s %%") % {"rate": rate}).replace(" ", "\u00a0")
