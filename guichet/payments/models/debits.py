"""Debit files (F6): one pain.008 file per export, one debit per invoice it collects."""

from django.db import models
from django.utils.translation import gettext_lazy


class DebitBatch(models.Model):
    """An exported pain.008 file, validated against the XSD before it is offered."""

    debit_date = models.DateField(gettext_lazy("date de prélèvement"))
    message_id = models.CharField(
        gettext_lazy("identifiant du message"), max_length=35, unique=True
    )
    file = models.FileField(gettext_lazy("fichier pain.008"), max_length=200, blank=True)
    sha256 = models.CharField(gettext_lazy("empreinte SHA-256"), max_length=64, blank=True)
    count = models.PositiveIntegerField(gettext_lazy("nombre de prélèvements"), default=0)
    total_cents = models.BigIntegerField(gettext_lazy("montant total (centimes)"), default=0)
    created_by = models.CharField(gettext_lazy("exporté par"), max_length=150, blank=True)
    created_at = models.DateTimeField(gettext_lazy("exporté le"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("fichier de prélèvements")
        verbose_name_plural = gettext_lazy("fichiers de prélèvements")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.message_id} ({self.debit_date:%Y-%m-%d})"


class Debit(models.Model):
    """One invoice collected by direct debit in a file; rejected later with an R-code."""

    class SequenceType(models.TextChoices):
        FIRST = "FRST", gettext_lazy("Premier")
        RECURRENT = "RCUR", gettext_lazy("Récurrent")

    class Status(models.TextChoices):
        EXPORTED = "exported", gettext_lazy("Prélèvement émis")
        REJECTED = "rejected", gettext_lazy("Rejeté")

    batch = models.ForeignKey(
        DebitBatch,
        verbose_name=gettext_lazy("fichier"),
        on_delete=models.PROTECT,
        related_name="debits",
    )
    invoice = models.ForeignKey(
        "billing.Invoice",
        verbose_name=gettext_lazy("facture"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    mandate = models.ForeignKey(
        "payments.Mandate",
        verbose_name=gettext_lazy("mandat"),
        on_delete=models.PROTECT,
        related_name="debits",
    )
    payment = models.OneToOneField(
        "payments.Payment",
        verbose_name=gettext_lazy("paiement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="debit",
    )
    amount_cents = models.BigIntegerField(gettext_lazy("montant (centimes)"))
    sequence_type = models.CharField(
        gettext_lazy("séquence"), max_length=4, choices=SequenceType.choices
    )
    end_to_end_id = models.CharField(
        gettext_lazy("référence de bout en bout"), max_length=35, unique=True
    )
    status = models.CharField(
        gettext_lazy("état"), max_length=10, choices=Status.choices, default=Status.EXPORTED
    )
    reject_reason = models.CharField(
        gettext_lazy("motif de rejet (code R)"), max_length=4, blank=True
    )
    rejected_at = models.DateTimeField(gettext_lazy("rejeté le"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("prélèvement")
        verbose_name_plural = gettext_lazy("prélèvements")
        ordering = ["batch", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(amount_cents__gt=0), name="payments_debit_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(sequence_type__in=["FRST", "RCUR"]),
                name="payments_debit_sequence_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["exported", "rejected"]),
                name="payments_debit_status_valid",
            ),
            # An invoice is collected by one live debit at a time (a rejected one may be
            # presented again in a later file).
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(status="exported"),
                name="payments_debit_one_live_per_invoice",
            ),
        ]

    def __str__(self) -> str:
        return self.end_to_end_id
