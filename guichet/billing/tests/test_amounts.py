"""Pro rata and VAT against hand-computed examples; totals are the sums of the lines."""

import datetime

import pytest

from guichet.billing.models import Invoice
from guichet.billing.money import div_round, format_rate, split_vat
from guichet.billing.services import subscription_lines
from guichet.billing.tests.factories import InvoiceFactory, line_draft
from guichet.catalog.models import ProductKind
from guichet.catalog.tests.factories import ProductFactory, SubscriptionFactory

pytestmark = pytest.mark.django_db

D = datetime.date
NOVEMBER = D(2026, 11, 1)


def test_halves_round_away_from_zero_like_french_invoices():
    assert div_round(5, 2) == 3
    assert div_round(-5, 2) == -3
    assert div_round(14, 10) == 1
    assert div_round(15, 10) == 2
    assert div_round(-14, 10) == -1


def test_vat_is_derived_from_the_price_incl_vat():
    # 59,90 € TTC at 20 %: HT = 5990 / 1,2 = 4991,67 -> 49,92 €, TVA = 9,98 €.
    assert split_vat(5990, 2000) == (4992, 998)
    # 24,90 € TTC at 10 %: HT = 2490 / 1,1 = 2263,64 -> 22,64 €, TVA = 2,26 €.
    assert split_vat(2490, 1000) == (2264, 226)
    # 10,00 € TTC at 5,5 %: HT = 1000 / 1,055 = 947,87 -> 9,48 €, TVA = 0,52 €.
    assert split_vat(1000, 550) == (948, 52)
    # 3,00 € TTC at 2,1 %: HT = 300 / 1,021 = 293,83 -> 2,94 €, TVA = 0,06 €.
    assert split_vat(300, 210) == (294, 6)
    assert split_vat(0, 2000) == (0, 0)
    assert format_rate(550) == "5,5\u00a0%"


def test_it_prorates_a_service_begun_mid_month():
    product = ProductFactory(monthly_price_cents=2990, vat_rate_bp=2000)
    subscription = SubscriptionFactory(product=product, start_date=D(2026, 11, 15))

    [line] = subscription_lines([subscription], NOVEMBER)

    # 16 days of 30 (15 to 30 November): 29,90 × 16 / 30 = 15,9467 -> 15,95 € TTC;
    # HT = 1595 / 1,2 = 1329,17 -> 13,29 €; TVA = 2,66 €.
    assert (line.period_start, line.period_end) == (D(2026, 11, 15), D(2026, 11, 30))
    assert (line.prorata_days, line.prorata_base_days) == (16, 30)
    assert line.amount_incl_vat_cents == 1595
    assert line.amount_excl_vat_cents == 1329
    assert line.vat_cents == 266
    assert line.unit_price_excl_vat_cents == 2492  # the full month, 29,90 / 1,2
    assert line.quantity == 1


def test_it_prorates_a_service_ended_mid_month():
    product = ProductFactory(monthly_price_cents=3490, vat_rate_bp=2000)
    subscription = SubscriptionFactory(
        product=product, start_date=D(2024, 1, 15), end_date=D(2026, 2, 10)
    )

    [line] = subscription_lines([subscription], D(2026, 2, 1))

    # 10 days of 28: 34,90 × 10 / 28 = 12,4643 -> 12,46 €; HT = 1246 / 1,2 = 1038,33 -> 10,38 €.
    assert (line.prorata_days, line.prorata_base_days) == (10, 28)
    assert (line.amount_excl_vat_cents, line.vat_cents, line.amount_incl_vat_cents) == (
        1038,
        208,
        1246,
    )


def test_a_service_of_a_single_day_is_one_day_of_the_month():
    product = ProductFactory(monthly_price_cents=3100, vat_rate_bp=1000)
    subscription = SubscriptionFactory(
        product=product, start_date=D(2026, 10, 31), end_date=D(2026, 10, 31)
    )

    [line] = subscription_lines([subscription], D(2026, 10, 1))

    # 31,00 × 1 / 31 = 1,00 € TTC; HT = 100 / 1,1 = 90,91 -> 0,91 €; TVA = 0,09 €.
    assert (line.amount_excl_vat_cents, line.vat_cents, line.amount_incl_vat_cents) == (91, 9, 100)


def test_a_whole_month_is_not_prorated_and_other_months_are_not_billed():
    product = ProductFactory(monthly_price_cents=2990)
    whole = SubscriptionFactory(product=product, start_date=D(2026, 11, 1))
    ended_before = SubscriptionFactory(
        product=product, start_date=D(2025, 1, 1), end_date=D(2026, 10, 31)
    )
    begins_after = SubscriptionFactory(product=product, start_date=D(2026, 12, 1))

    lines = subscription_lines([whole, ended_before, begins_after], NOVEMBER)

    assert len(lines) == 1
    assert lines[0].amount_incl_vat_cents == 2990
    assert lines[0].prorata_days is None


def test_the_bundle_comes_first_then_the_services_in_menu_order():
    customer_subscriptions = [
        SubscriptionFactory(
            product=ProductFactory(kind=ProductKind.MOBILE, name="Mobile 10 Go"),
            line_number="+33612345678",
        ),
        SubscriptionFactory(product=ProductFactory(kind=ProductKind.TV, name="TV EMOTION")),
        SubscriptionFactory(product=ProductFactory(kind=ProductKind.BUNDLE, name="Offre Confort")),
    ]

    labels = [line.label for line in subscription_lines(customer_subscriptions, NOVEMBER)]

    assert labels == ["Offre Confort", "TV EMOTION", "Mobile 10 Go · ligne 06 12 34 56 78"]


def test_totals_equal_the_sum_of_the_lines():
    lines = [
        line_draft(label="Offre Confort", price_incl_vat_cents=5990),
        line_draft(label="TV EMOTION", price_incl_vat_cents=2490, vat_rate_bp=1000),
        line_draft(label="Option", price_incl_vat_cents=1001, prorata=(7, 30)),
    ]

    invoice = InvoiceFactory(lines=lines)

    stored = list(invoice.lines.all())
    assert invoice.total_excl_vat_cents == sum(line.amount_excl_vat_cents for line in stored)
    assert invoice.total_vat_cents == sum(line.vat_cents for line in stored)
    assert invoice.total_incl_vat_cents == sum(line.amount_incl_vat_cents for line in stored)
    assert invoice.total_incl_vat_cents == 5990 + 2490 + 234  # 10,01 × 7 / 30 = 2,3357
    for line in stored:
        assert line.amount_excl_vat_cents + line.vat_cents == line.amount_incl_vat_cents
    assert Invoice.objects.get().total_incl_vat_cents == invoice.total_incl_vat_cents
