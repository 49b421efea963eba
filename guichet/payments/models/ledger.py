"""The ledger (B4): what customers paid, and which invoices each payment settled.

The balance is what the customer's invoices say is owed minus what their confirmed payments
brought, all in integer cents; a payment settles the oldest open invoices first
(`Allocation` rows), and what it does not use stays as credit.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class PaymentQuerySet(models.QuerySet):
    def for_customer(self, customer):
        return self.filter(customer=customer)

    def confirmed(self):
        return self.filter(status=Payment.Status.CONFIRMED)


class Payment(models.Model):
    """Money received (or expected) from a customer: by card, by direct debit, or recorded by
    staff. A card payment exists from the moment the customer starts it (pending) and counts
    in the balance only once confirmed by the provider's notification."""

    class Method(models.TextChoices):
        CARD = "card", gettext_lazy("Carte bancaire")
        DIRECT_DEBIT = "direct_debit", gettext_lazy("Prélèvement")
        OTHER = "other", gettext_lazy("Autre (enregistré par le personnel)")

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("En cours de confirmation")
        CONFIRMED = "confirmed", gettext_lazy("Confirmé")
        REFUSED = "refused", gettext_lazy("Refusé")
        CANCELLED = "cancelled", gettext_lazy("Abandonné")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=gettext_lazy("client"),
        on_delete=models.PROTECT,
        related_name="payments",
    )
    # The reference the customer reads in the confirmation e-mail (« P2026-000123 »-like).
    reference = models.CharField(gettext_lazy("référence"), max_length=40, unique=True)
    method = models.CharField(gettext_lazy("moyen"), max_length=20, choices=Method.choices)
    status = models.CharField(
        gettext_lazy("état"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    amount_cents = models.BigIntegerField(gettext_lazy("montant (centimes)"))
    currency = models.CharField(gettext_lazy("devise"), max_length=3, default="EUR")
    # The provider that handles it (« sandbox », « stripe ») and its own id for it.
    provider = models.CharField(gettext_lazy("prestataire"), max_length=20, blank=True)
    provider_reference = models.CharField(
        gettext_lazy("référence chez le prestataire"), max_length=255, blank=True
    )
    created_at = models.DateTimeField(gettext_lazy("créé le"), auto_now_add=True)
    confirmed_at = models.DateTimeField(gettext_lazy("confirmé le"), null=True, blank=True)
    updated_at = models.DateTimeField(gettext_lazy("mis à jour le"), auto_now=True)

    objects = PaymentQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("paiement")
        verbose_name_plural = gettext_lazy("paiements")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="payments_payment_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "confirmed", "refused", "cancelled"]),
                name="payments_payment_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(method__in=["card", "direct_debit", "other"]),
                name="payments_payment_method_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="confirmed", confirmed_at__isnull=False)
                | (~models.Q(status="confirmed") & models.Q(confirmed_at__isnull=True)),
                name="payments_payment_confirmed_at_iff_confirmed",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_reference"],
                condition=~models.Q(provider_reference=""),
                name="payments_payment_provider_reference_unique",
            ),
        ]
        indexes = [models.Index(fields=["customer", "status"], name="payments_payment_cust_idx")]

    def __str__(self) -> str:
        return self.reference


class Allocation(models.Model):
    """The part of a confirmed payment that settled one invoice (oldest first)."""

    payment = models.ForeignKey(
        Payment,
        verbose_name=gettext_lazy("paiement"),
        on_delete=models.PROTECT,
        related_name="allocations",
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        verbose_name=gettext_lazy("facture"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    amount_cents = models.BigIntegerField(gettext_lazy("montant affecté (centimes)"))
    created_at = models.DateTimeField(gettext_lazy("affecté le"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("affectation de paiement")
        verbose_name_plural = gettext_lazy("affectations de paiement")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="payments_allocation_positive"
            ),
            models.UniqueConstraint(
                fields=["payment", "invoice"], name="payments_allocation_once_per_invoice"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.payment} → {self.invoice}"
