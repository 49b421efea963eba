"""The data archives customers ask for (I2) and the record of contracts anonymised (I3)."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy


class DataExportQuerySet(models.QuerySet):
    def for_customer(self, customer):
        return self.filter(customer=customer)

    def in_progress(self):
        return self.filter(status__in=[DataExport.Status.PENDING, DataExport.Status.BUILDING])

    def downloadable(self, now=None):
        return self.filter(status=DataExport.Status.READY, expires_at__gt=now or timezone.now())


class DataExport(models.Model):
    """One « Télécharger mes données » request and its archive, private to its customer."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("Demandée")
        BUILDING = "building", gettext_lazy("En préparation")
        READY = "ready", gettext_lazy("Prête")
        FAILED = "failed", gettext_lazy("Échec")
        EXPIRED = "expired", gettext_lazy("Expirée")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=gettext_lazy("client"),
        on_delete=models.CASCADE,
        related_name="data_exports",
    )
    status = models.CharField(
        gettext_lazy("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    file = models.FileField(gettext_lazy("archive"), max_length=200, blank=True)
    sha256 = models.CharField(gettext_lazy("empreinte SHA-256"), max_length=64, blank=True)
    size = models.PositiveBigIntegerField(gettext_lazy("taille (octets)"), default=0)
    created_at = models.DateTimeField(gettext_lazy("demandée le"), default=timezone.now)
    ready_at = models.DateTimeField(gettext_lazy("prête le"), null=True, blank=True)
    expires_at = models.DateTimeField(gettext_lazy("disponible jusqu'au"), null=True, blank=True)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("export de données personnelles")
        verbose_name_plural = gettext_lazy("exports de données personnelles")
        ordering = ["-created_at", "-pk"]
        constraints = [
            # « At most one in progress » holds even when two requests race.
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status__in=["pending", "building"]),
                name="privacy_dataexport_one_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} · {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def filename(self) -> str:
        return f"mes-donnees-{self.created_at:%Y-%m-%d}.zip"


class CustomerErasure(models.Model):
    """A contract whose personal data the purge anonymised, so it is never counted again."""

    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=gettext_lazy("client"),
        on_delete=models.CASCADE,
        related_name="erasure",
    )
    erased_at = models.DateTimeField(gettext_lazy("anonymisé le"), default=timezone.now)

    class Meta:
        verbose_name = gettext_lazy("dossier anonymisé")
        verbose_name_plural = gettext_lazy("dossiers anonymisés")

    def __str__(self) -> str:
        return str(self.customer_id)
