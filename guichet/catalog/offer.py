"""The customer's current offer, grouped the way « Mes services » shows it (B2, C1–C5)."""

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext_lazy

from guichet.core.prepared import PreparedQuery

from .models import Product, ProductKind, Subscription
from .termination import pending_termination_date


@dataclass(frozen=True)
class Section:
    """One part of the offer; its texts are lazy, shown in the language of the page."""

    slug: str
    title: str
    summary_label: str
    kind: str
    empty_text: str


SECTIONS: tuple[Section, ...] = (
    Section(
        "tv",
        gettext_lazy("Mon offre TV"),
        gettext_lazy("OFFRE TV"),
        ProductKind.TV,
        gettext_lazy("Vous n'avez pas d'offre TV."),
    ),
    Section(
        "options",
        gettext_lazy("Mes options"),
        gettext_lazy("OPTIONS"),
        ProductKind.TV_OPTION,
        gettext_lazy("Vous n'avez pas d'option TV."),
    ),
    Section(
        "internet",
        gettext_lazy("Mon offre Internet"),
        gettext_lazy("OFFRE INTERNET"),
        ProductKind.INTERNET,
        gettext_lazy("Vous n'avez pas d'offre Internet."),
    ),
    Section(
        "telephonie-fixe",
        gettext_lazy("Mon offre téléphonie fixe"),
        gettext_lazy("TÉLÉPHONIE FIXE"),
        ProductKind.FIXED,
        gettext_lazy("Vous n'avez pas d'offre de téléphonie fixe."),
    ),
    Section(
        "forfaits",
        gettext_lazy("Mes forfaits"),
        gettext_lazy("FORFAITS"),
        ProductKind.FIXED_PLAN,
        gettext_lazy("Vous n'avez pas de forfait de téléphonie fixe."),
    ),
    Section(
        "mobile",
        gettext_lazy("Mon offre mobile"),
        gettext_lazy("OFFRE MOBILE"),
        ProductKind.MOBILE,
        gettext_lazy("Vous n'avez pas d'offre mobile."),
    ),
)
SECTIONS_BY_SLUG = {section.slug: section for section in SECTIONS}


@dataclass
class Offer:
    bundles: list[Subscription] = field(default_factory=list)
    by_kind: dict[str, list[Subscription]] = field(default_factory=dict)

    def sections(self):
        """(section, subscriptions) pairs in menu order, empty ones included."""
        return [(section, self.by_kind.get(section.kind, [])) for section in SECTIONS]

    @property
    def is_empty(self) -> bool:
        return not self.bundles and not any(self.by_kind.values())


_SUBSCRIPTION_FIELDS = [field.attname for field in Subscription._meta.concrete_fields]
_PRODUCT_FIELDS = [field.attname for field in Product._meta.concrete_fields]


def _active_subscriptions(customer_id, day):
    """Each active subscription's fields, its product's, and its pending termination date."""
    return (
        Subscription.objects.filter(customer_id=customer_id)
        .active(day)
        # A subquery, not a query per service: « Résiliation demandée (effet le …) ».
        .annotate(termination_date=pending_termination_date())
        .order_by("start_date", "id")
        .values_list(
            *_SUBSCRIPTION_FIELDS,
            *(f"product__{name}" for name in _PRODUCT_FIELDS),
            "termination_date",
        )
    )


def _ended_subscriptions(customer_id, day):
    """The last 20 ended subscriptions' fields and their products'."""
    return (
        Subscription.objects.filter(customer_id=customer_id)
        .ended(day)
        .order_by("-end_date")
        .values_list(*_SUBSCRIPTION_FIELDS, *(f"product__{name}" for name in _PRODUCT_FIELDS))[:20]
    )


# Built and compiled once a day per process (guichet/core/prepared.py): building these
# queries took ten times as long as running them, on every page that shows the offer.
_ACTIVE_SUBSCRIPTIONS = PreparedQuery(_active_subscriptions)
_ENDED_SUBSCRIPTIONS = PreparedQuery(_ended_subscriptions)


def _subscription(row) -> Subscription:
    """As select_related("product") makes them: the subscription, its product loaded."""
    count = len(_SUBSCRIPTION_FIELDS)
    subscription = Subscription.from_db("default", _SUBSCRIPTION_FIELDS, row[:count])
    product_values = row[count : count + len(_PRODUCT_FIELDS)]
    subscription.product = Product.from_db("default", _PRODUCT_FIELDS, product_values)
    return subscription


def current_offer(customer) -> Offer:
    """One query, however many subscriptions the customer has (and their pending
    terminations)."""
    offer = Offer()
    for row in _ACTIVE_SUBSCRIPTIONS.rows(customer.pk, key=(timezone.localdate(),)):
        subscription = _subscription(row)
        subscription.termination_date = row[-1]
        if subscription.product.kind == ProductKind.BUNDLE:
            offer.bundles.append(subscription)
        else:
            offer.by_kind.setdefault(subscription.product.kind, []).append(subscription)
    return offer


def ended_subscriptions(customer) -> list[Subscription]:
    """The customer's last 20 ended services (with their products), the latest first."""
    rows = _ENDED_SUBSCRIPTIONS.rows(customer.pk, key=(timezone.localdate(),))
    return [_subscription(row) for row in rows]
