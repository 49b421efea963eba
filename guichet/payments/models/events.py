"""What payment providers tell us: every notification stored first, then applied once."""

from django.db import models
from django.utils.translation import gettext_lazy


class PaymentEvent(models.Model):
    """One notification as received (raw body kept), unique per provider and event id.

    The endpoint stores it and answers 2xx at once; a task then applies it under a row lock,
    so however many times and in whatever order it comes, it is applied once.
    """

    class Status(models.TextChoices):
        RECEIVED = "received", gettext_lazy("Reçu")
        APPLIED = "applied", gettext_lazy("Appliqué")
        IGNORED = "ignored", gettext_lazy("Sans effet")
        FAILED = "failed", gettext_lazy("Refusé")

    provider = models.CharField(gettext_lazy("prestataire"), max_length=20)
    event_id = models.CharField(gettext_lazy("identifiant de l'événement"), max_length=255)
    event_type = models.CharField(gettext_lazy("type"), max_length=100, blank=True)
    payment = models.ForeignKey(
        "payments.Payment",
        verbose_name=gettext_lazy("paiement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
    )
    raw_body = models.TextField(gettext_lazy("contenu reçu"))
    # What the verified notification says, in our terms (ProviderEvent), kept so that the task
    # applying it later never reads the raw body again (its signature would be stale by then).
    outcome = models.CharField(gettext_lazy("issue"), max_length=20, blank=True)
    amount_cents = models.BigIntegerField(
        gettext_lazy("montant annoncé (centimes)"), null=True, blank=True
    )
    currency = models.CharField(gettext_lazy("devise annoncée"), max_length=3, blank=True)
    signature_valid = models.BooleanField(gettext_lazy("signature valable"), default=False)
    status = models.CharField(
        gettext_lazy("état"), max_length=20, choices=Status.choices, default=Status.RECEIVED
    )
    error = models.TextField(gettext_lazy("erreur"), blank=True)
    received_at = models.DateTimeField(gettext_lazy("reçu le"), auto_now_add=True)
    processed_at = models.DateTimeField(gettext_lazy("traité le"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("notification de paiement")
        verbose_name_plural = gettext_lazy("notifications de paiement")
        ordering = ["-received_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "event_id"], name="payments_event_unique_per_provider"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["received", "applied", "ignored", "failed"]),
                name="payments_event_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_id}"
