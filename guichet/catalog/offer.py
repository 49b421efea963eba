"""The customer's current offer, grouped the way « Mes services » shows it (B2, C1–C5)."""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy

from .models import ProductKind, Subscription
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


def current_offer(customer) -> Offer:
    """One query, however many subscriptions the customer has (and their pending
    terminations)."""
    offer = Offer()
    subscriptions = (
        Subscription.objects.for_customer(customer)
        .active()
        .select_related("product")
        # A subquery, not a query per service: « Résiliation demandée (effet le …) ».
        .annotate(termination_date=pending_termination_date())
        .order_by("start_date", "id")
    )
    for subscription in subscriptions:
        if subscription.product.kind == ProductKind.BUNDLE:
            offer.bundles.append(subscription)
        else:
            offer.by_kind.setdefault(subscription.product.kind, []).append(subscription)
    return offer
