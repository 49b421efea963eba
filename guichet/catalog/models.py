"""Products of the catalogue and the customers' subscriptions to them."""

import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from guichet.core.formatting import validate_phone


class ProductKind(models.TextChoices):
    BUNDLE = "bundle", gettext_lazy("Offre groupée")
    TV = "tv", gettext_lazy("Offre TV")
    TV_OPTION = "tv_option", gettext_lazy("Option TV")
    INTERNET = "internet", gettext_lazy("Offre Internet")
    FIXED = "fixed", gettext_lazy("Téléphonie fixe")
    FIXED_PLAN = "fixed_plan", gettext_lazy("Forfait téléphonie fixe")
    MOBILE = "mobile", gettext_lazy("Offre mobile")


# Kinds whose subscriptions carry a phone line number.
LINE_KINDS = {ProductKind.FIXED, ProductKind.FIXED_PLAN, ProductKind.MOBILE}


class Product(models.Model):
    kind = models.CharField(gettext_lazy("type"), max_length=20, choices=ProductKind.choices)
    code = models.SlugField(gettext_lazy("code"), max_length=40, unique=True)
    name = models.CharField(pgettext_lazy("name of a product", "nom"), max_length=120)
    description = models.TextField(gettext_lazy("description"), blank=True)
    characteristics = models.TextField(
        gettext_lazy("caractéristiques"),
        blank=True,
        help_text=gettext_lazy("Une par ligne : débits, chaînes, appels inclus…"),
    )
    monthly_price_cents = models.BigIntegerField(
        gettext_lazy("prix mensuel TTC (centimes)"), default=0
    )
    vat_rate_bp = models.PositiveIntegerField(
        gettext_lazy("taux de TVA (points de base)"),
        default=2000,
        help_text=gettext_lazy("2000 = 20 %, 1000 = 10 %."),
    )
    is_active = models.BooleanField(gettext_lazy("commercialisé"), default=True)

    class Meta:
        verbose_name = gettext_lazy("produit")
        verbose_name_plural = gettext_lazy("produits")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_price_cents__gte=0),
                name="catalog_product_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(vat_rate_bp__lte=10000), name="catalog_product_vat_rate_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    @property
    def vat_rate_display(self) -> str:
        whole, rest = divmod(self.vat_rate_bp, 100)
        return f"{whole} %" if not rest else f"{whole},{rest:02d}".rstrip("0") + " %"


class SubscriptionQuerySet(models.QuerySet):
    def for_customer(self, customer):
        return self.filter(customer=customer)

    def active(self, on: datetime.date | None = None):
        day = on or timezone.localdate()
        return self.filter(start_date__lte=day).filter(
            models.Q(end_date__isnull=True) | models.Q(end_date__gte=day)
        )

    def ended(self, on: datetime.date | None = None):
        day = on or timezone.localdate()
        return self.filter(end_date__lt=day)


class Subscription(models.Model):
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=gettext_lazy("client"),
        on_delete=models.CASCADE,
        related_name="subscriptions",
    )
    product = models.ForeignKey(
        Product,
        verbose_name=gettext_lazy("produit"),
        on_delete=models.PROTECT,
        related_name="subscriptions",
    )
    start_date = models.DateField(gettext_lazy("date de début"))
    end_date = models.DateField(
        gettext_lazy("date de fin"),
        null=True,
        blank=True,
        help_text=gettext_lazy("Dernier jour de service, si résilié."),
    )
    line_number = models.CharField(
        gettext_lazy("numéro de ligne"), max_length=20, blank=True, validators=[validate_phone]
    )
    price_cents = models.BigIntegerField(
        gettext_lazy("prix mensuel TTC spécifique (centimes)"),
        null=True,
        blank=True,
        help_text=gettext_lazy(
            "Vide : le prix du catalogue. 0 pour un service inclus dans une offre groupée."
        ),
    )
    equipment = models.CharField(
        gettext_lazy("équipement"),
        max_length=200,
        blank=True,
        help_text=gettext_lazy("Box, décodeur, carte SIM…"),
    )
    created_at = models.DateTimeField(gettext_lazy("créé le"), auto_now_add=True)

    objects = SubscriptionQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("abonnement")
        verbose_name_plural = gettext_lazy("abonnements")
        ordering = ["start_date", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(price_cents__isnull=True) | models.Q(price_cents__gte=0),
                name="catalog_subscription_price_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="catalog_subscription_ends_after_start",
                violation_error_message=gettext_lazy("La date de fin précède la date de début."),
            ),
        ]
        indexes = [models.Index(fields=["customer", "start_date"])]

    def __str__(self) -> str:
        return f"{self.customer.reference} · {self.product.name}"

    @property
    def monthly_price_cents(self) -> int:
        return self.product.monthly_price_cents if self.price_cents is None else self.price_cents


class TerminationStatus(models.TextChoices):
    REQUESTED = "requested", gettext_lazy("Demandée")
    PROCESSED = "processed", gettext_lazy("Traitée")
    CANCELLED = "cancelled", gettext_lazy("Annulée")


class TerminationRequestQuerySet(models.QuerySet):
    def for_customer(self, customer):
        return self.filter(customer=customer)

    def pending(self):
        return self.filter(status=TerminationStatus.REQUESTED)


class TerminationRequest(models.Model):
    """C6: a customer's online termination of one service, or of the whole contract
    (``subscription`` empty), until staff end the services at ``effective_date``."""

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=gettext_lazy("client"),
        on_delete=models.CASCADE,
        related_name="termination_requests",
    )
    subscription = models.ForeignKey(
        Subscription,
        verbose_name=gettext_lazy("abonnement"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="termination_requests",
        help_text=gettext_lazy("Vide : tout le contrat."),
    )
    reference = models.CharField(gettext_lazy("référence"), max_length=40, unique=True)
    requested_at = models.DateTimeField(gettext_lazy("demandée le"), default=timezone.now)
    effective_date = models.DateField(gettext_lazy("date d'effet"))
    status = models.CharField(
        gettext_lazy("statut"),
        max_length=20,
        choices=TerminationStatus.choices,
        default=TerminationStatus.REQUESTED,
    )
    processed_at = models.DateTimeField(gettext_lazy("traitée le"), null=True, blank=True)

    objects = TerminationRequestQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("demande de résiliation")
        verbose_name_plural = gettext_lazy("demandes de résiliation")
        ordering = ["-requested_at", "-id"]
        constraints = [
            # One pending request per service, and one per customer for the whole contract:
            # the database refuses a double even when two requests race.
            models.UniqueConstraint(
                fields=["subscription"],
                condition=models.Q(status="requested", subscription__isnull=False),
                name="catalog_termination_one_pending_per_subscription",
            ),
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="requested", subscription__isnull=True),
                name="catalog_termination_one_pending_contract",
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"])]

    def __str__(self) -> str:
        return self.reference
