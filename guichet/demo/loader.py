"""Loads every app's demo data in dependency order, through the apps' own services.

Everything is created only when missing, so loading twice changes nothing.
"""

from django.db import transaction

from guichet.accounts.demo import DEMO_PASSWORD, DEMO_STAFF_USERNAME, demo_staff_codes, demo_users
from guichet.billing.demo import demo_invoices
from guichet.catalog.demo import demo_products, demo_subscriptions
from guichet.customers.demo import DEMO_REFERENCE, demo_customers
from guichet.payments.demo import demo_mandates, demo_payments
from guichet.support.demo import demo_partner_points

__all__ = [
    "DEMO_PASSWORD",
    "DEMO_REFERENCE",
    "DEMO_STAFF_USERNAME",
    "demo_staff_codes",
    "load_demo",
]


@transaction.atomic
def load_demo() -> dict[str, int]:
    """Create what is missing; returns how many rows of each kind were created."""
    products, products_created = demo_products()
    customers, customers_created = demo_customers()
    return {
        "products": products_created,
        "customers": customers_created,
        "subscriptions": demo_subscriptions(customers=customers, products=products),
        "users": demo_users(customers=customers.values()),
        # Before the invoices: the guide's subscriber's mandate makes them debited on the 5th.
        "mandates": demo_mandates(),
        # 14 months of invoices from the monthly billing run (only the missing ones).
        "invoices": demo_invoices(),
        # The invoices already due, settled by recorded payments; the card payer's latest left due.
        "payments": demo_payments(),
        "partner_points": demo_partner_points(),
    }
