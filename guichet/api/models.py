"""The operator's API (J3): its clients, each with one token stored hashed, and every call."""

from django.db import models
from django.utils.translation import gettext_lazy


class Scope(models.TextChoices):
    CUSTOMERS_WRITE = "customers:write", gettext_lazy("Envoyer des clients")
    SUBSCRIPTIONS_WRITE = "subscriptions:write", gettext_lazy("Envoyer des abonnements")
    INVOICES_WRITE = "invoices:write", gettext_lazy("Envoyer des factures")
    PAYMENTS_READ = "payments:read", gettext_lazy("Lire les paiements")
    MANDATES_READ = "mandates:read", gettext_lazy("Lire les mandats (IBAN masqués)")
    REQUESTS_READ = "requests:read", gettext_lazy("Lire les demandes de contact et de résiliation")


class ApiClientQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True, revoked_at__isnull=True)


class ApiClient(models.Model):
    """One of the operator's systems (ERP, CRM, billing) and the one token it calls with.

    The token is `gch_<prefix>_<secret>`: the prefix is stored in clear to find the client
    and to name the token in lists; of the whole token only its SHA-256 is kept. The secret
    is 256 random bits, so a plain hash is enough (no password to stretch)."""

    name = models.CharField(gettext_lazy("nom"), max_length=100, unique=True)
    scopes = models.JSONField(gettext_lazy("droits"), default=list)
    active = models.BooleanField(gettext_lazy("actif"), default=True)
    token_prefix = models.CharField(gettext_lazy("préfixe du jeton"), max_length=16, unique=True)
    token_hash = models.CharField(gettext_lazy("empreinte du jeton"), max_length=64)
    created_at = models.DateTimeField(gettext_lazy("créé le"), auto_now_add=True)
    revoked_at = models.DateTimeField(gettext_lazy("révoqué le"), null=True, blank=True)
    last_used_at = models.DateTimeField(gettext_lazy("dernier appel le"), null=True, blank=True)

    objects = ApiClientQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("client de l'API")
        verbose_name_plural = gettext_lazy("clients de l'API")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True) | models.Q(active=False),
                name="api_client_revoked_is_inactive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class ApiCall(models.Model):
    """One call to the API, refused ones included; never its body, never its token."""

    client = models.ForeignKey(
        ApiClient,
        verbose_name=gettext_lazy("client de l'API"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
    )
    method = models.CharField(gettext_lazy("méthode"), max_length=10)
    path = models.CharField(gettext_lazy("chemin"), max_length=200)
    status = models.PositiveSmallIntegerField(gettext_lazy("statut HTTP"))
    duration_ms = models.PositiveIntegerField(gettext_lazy("durée (ms)"))
    remote_address = models.GenericIPAddressField(
        gettext_lazy("adresse d'origine"), null=True, blank=True
    )
    created_at = models.DateTimeField(gettext_lazy("appelé le"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("appel de l'API")
        verbose_name_plural = gettext_lazy("appels de l'API")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"
