"""Core models: pages staff edit in the admin, and the outbox of transactional e-mails."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class SitePage(models.Model):
    class Slug(models.TextChoices):
        PRIVACY = "donnees-personnelles", "Politique de protection des données personnelles"
        ACCESSIBILITY = "accessibilite", "Déclaration d'accessibilité"

    slug = models.SlugField("page", max_length=40, unique=True, choices=Slug.choices)
    title = models.CharField("titre", max_length=200)
    body = models.TextField(
        "texte", help_text="Texte brut ; une ligne vide sépare deux paragraphes."
    )
    updated_at = models.DateTimeField("mise à jour", auto_now=True)

    class Meta:
        verbose_name = "page éditable"
        verbose_name_plural = "pages éditables"
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.title


class OutboxEmail(models.Model):
    """One e-mail, written in the same transaction as the change it reports, sent later."""

    class Status(models.TextChoices):
        PENDING = "pending", "En attente"
        SENT = "sent", "Envoyé"
        FAILED = "failed", "Échec"

    to = models.EmailField("destinataire")
    subject = models.CharField("objet", max_length=255)
    body_text = models.TextField("texte")
    body_html = models.TextField("HTML", blank=True)
    template = models.CharField("modèle", max_length=100)
    # The bodies hold a placeholder for each secret link (reset, first access): what is
    # needed to make the link when the e-mail leaves, never the link itself.
    secret_links = models.JSONField("liens confidentiels", default=dict, blank=True)
    status = models.CharField("état", max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField("tentatives", default=0)
    last_error = models.TextField("dernière erreur", blank=True)
    created_at = models.DateTimeField("créé le", auto_now_add=True)
    next_attempt_at = models.DateTimeField("prochaine tentative", default=timezone.now)
    sent_at = models.DateTimeField("envoyé le", null=True, blank=True)

    class Meta:
        verbose_name = "e-mail (file d'envoi)"
        verbose_name_plural = "e-mails (file d'envoi)"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="core_outbox_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["pending", "sent", "failed"]),
                name="core_outboxemail_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(status="sent", sent_at__isnull=False)
                | (~models.Q(status="sent") & models.Q(sent_at__isnull=True)),
                name="core_outboxemail_sent_at_iff_sent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {self.to}"


class StaffAccess(models.Model):
    """What a staff member viewed or changed of customer data in the back office (J2)."""

    class Action(models.TextChoices):
        VIEW = "view", "Consultation"
        SEARCH = "search", "Recherche"
        ADD = "add", "Création"
        CHANGE = "change", "Modification"
        DELETE = "delete", "Suppression"
        ACTION = "action", "Action groupée"

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="membre du personnel",
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    staff_username = models.CharField("identifiant du personnel", max_length=150)
    action = models.CharField("action", max_length=10, choices=Action.choices)
    model = models.CharField("type de données", max_length=100)
    object_id = models.CharField("objet", max_length=64, blank=True)
    object_repr = models.CharField("description", max_length=200, blank=True)
    detail = models.CharField("détail", max_length=300, blank=True)
    ip_address = models.GenericIPAddressField("adresse IP", null=True, blank=True)
    created_at = models.DateTimeField("date", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "accès du personnel"
        verbose_name_plural = "accès du personnel"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.staff_username} · {self.get_action_display()} · {self.model}"
