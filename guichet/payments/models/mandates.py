"""SEPA direct debit mandates (F1, F2, F5): the customer's bank details, encrypted at rest.

A debit customer has one active mandate, whose reference (RUM) never changes; a change of
bank details is an amendment of it (the original IBAN kept, encrypted, for the next debit
file's amendment information). Revoking it returns the customer to card payment; switching
back to direct debit creates a new mandate.
"""

from django.db import models
from django.utils.translation import gettext_lazy


class MandateQuerySet(models.QuerySet):
    def active(self):
        return self.filter(status=Mandate.Status.ACTIVE)

    def for_customer(self, customer):
        return self.filter(customer=customer)


class Mandate(models.Model):
    class Status(models.TextChoices):
        ACTIVE = "active", gettext_lazy("Actif")
        REVOKED = "revoked", gettext_lazy("Révoqué")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=gettext_lazy("client"),
        on_delete=models.PROTECT,
        related_name="mandates",
    )
    # Référence unique du mandat (RUM): at most 35 characters, kept across amendments.
    rum = models.CharField(
        gettext_lazy("référence unique du mandat (RUM)"), max_length=35, unique=True
    )
    status = models.CharField(
        gettext_lazy("état"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    signed_at = models.DateTimeField(gettext_lazy("signé le"))
    # The IBAN, encrypted with the key from the environment (never stored readable); its last
    # four characters for display and for staff searching by them.
    iban_encrypted = models.TextField(gettext_lazy("IBAN (chiffré)"))
    iban_last4 = models.CharField(gettext_lazy("fin de l'IBAN"), max_length=4, db_index=True)
    bic = models.CharField(gettext_lazy("BIC"), max_length=11, blank=True)
    account_holder = models.CharField(gettext_lazy("titulaire du compte"), max_length=140)
    debit_day = models.PositiveSmallIntegerField(gettext_lazy("jour de prélèvement"))
    # FRST until a first debit has been exported under this mandate, RCUR after.
    first_debit_done = models.BooleanField(
        gettext_lazy("premier prélèvement effectué"), default=False
    )
    revoked_at = models.DateTimeField(gettext_lazy("révoqué le"), null=True, blank=True)
    created_at = models.DateTimeField(gettext_lazy("créé le"), auto_now_add=True)

    objects = MandateQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("mandat de prélèvement SEPA")
        verbose_name_plural = gettext_lazy("mandats de prélèvement SEPA")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="active"),
                name="payments_mandate_one_active_per_customer",
            ),
            models.CheckConstraint(
                condition=models.Q(debit_day__gte=1, debit_day__lte=28),
                name="payments_mandate_debit_day_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["active", "revoked"]),
                name="payments_mandate_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.rum

    @property
    def iban_masked(self) -> str:
        return f"•••• {self.iban_last4}"


class MandateAmendment(models.Model):
    """A change of bank details under the same RUM, reported in the next debit file."""

    mandate = models.ForeignKey(
        Mandate,
        verbose_name=gettext_lazy("mandat"),
        on_delete=models.PROTECT,
        related_name="amendments",
    )
    original_iban_encrypted = models.TextField(gettext_lazy("IBAN d'origine (chiffré)"))
    original_iban_last4 = models.CharField(gettext_lazy("fin de l'IBAN d'origine"), max_length=4)
    original_bic = models.CharField(gettext_lazy("BIC d'origine"), max_length=11, blank=True)
    created_at = models.DateTimeField(gettext_lazy("modifié le"), auto_now_add=True)
    # Set when a debit file first carried this amendment.
    reported_in = models.ForeignKey(
        "payments.DebitBatch",
        verbose_name=gettext_lazy("déclaré dans le fichier"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="amendments_reported",
    )

    class Meta:
        verbose_name = gettext_lazy("modification de mandat")
        verbose_name_plural = gettext_lazy("modifications de mandat")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.mandate} ({self.created_at:%Y-%m-%d})"
