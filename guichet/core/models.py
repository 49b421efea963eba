"""Core models: pages staff edit in the admin, and the outbox of transactional e-mails."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy


class SitePage(models.Model):
    class Slug(models.TextChoices):
        PRIVACY = (
            "donnees-personnelles",
            gettext_lazy("Politique de protection des données personnelles"),
        )
        ACCESSIBILITY = "accessibilite", gettext_lazy("Déclaration d'accessibilité")

    slug = models.SlugField(gettext_lazy("page"), max_length=40, choices=Slug.choices)
    # One version of a page per language; where the page's language has none, the version
    # in the default language is shown, marked as such. No choices: the languages offered
    # are the catalogues installed (settings.LANGUAGES), and adding one needs no migration.
    language = models.CharField(
        gettext_lazy("langue"),
        max_length=10,
        default="fr",
        help_text=gettext_lazy("Code de la langue de ce texte : fr, en…"),
    )
    title = models.CharField(gettext_lazy("titre"), max_length=200)
    body = models.TextField(
        gettext_lazy("texte"),
        help_text=gettext_lazy("Texte brut ; une ligne vide sépare deux paragraphes."),
    )
    updated_at = models.DateTimeField(gettext_lazy("mise à jour"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("page éditable")
        verbose_name_plural = gettext_lazy("pages éditables")
        ordering = ["slug", "language"]
        constraints = [
            models.UniqueConstraint(
                fields=["slug", "language"],
                name="core_sitepage_one_per_language",
                violation_error_message=gettext_lazy("Cette page existe déjà dans cette langue."),
            ),
        ]

    def __str__(self) -> str:
        return self.title


class OutboxEmail(models.Model):
    """One e-mail, written in the same transaction as the change it reports, sent later."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("En attente")
        SENT = "sent", gettext_lazy("Envoyé")
        FAILED = "failed", gettext_lazy("Échec")

    to = models.EmailField(gettext_lazy("destinataire"))
    subject = models.CharField(pgettext_lazy("subject of an e-mail", "objet"), max_length=255)
    body_text = models.TextField(gettext_lazy("texte"))
    body_html = models.TextField(gettext_lazy("HTML"), blank=True)
    template = models.CharField(gettext_lazy("modèle"), max_length=100)
    # The bodies hold a placeholder for each secret link (reset, first access): what is
    # needed to make the link when the e-mail leaves, never the link itself.
    secret_links = models.JSONField(gettext_lazy("liens confidentiels"), default=dict, blank=True)
    # Where an answer goes when it is not for us (a contact request: the customer's address).
    # An EmailField, so no CR/LF can reach the Reply-To header.
    reply_to = models.EmailField(gettext_lazy("répondre à"), blank=True)
    # An e-mail queued by the thousand (a billing run's notices) is rendered when it leaves:
    # until then its subject and bodies are empty and this holds the non-secret arguments of
    # its template's context builder (an invoice id), and `language` the reader's language.
    render_args = models.JSONField(
        gettext_lazy("arguments du rendu à l'envoi"), default=dict, blank=True
    )
    language = models.CharField(gettext_lazy("langue"), max_length=10, blank=True)
    status = models.CharField(
        gettext_lazy("état"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(gettext_lazy("tentatives"), default=0)
    last_error = models.TextField(gettext_lazy("dernière erreur"), blank=True)
    created_at = models.DateTimeField(gettext_lazy("créé le"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(
        gettext_lazy("prochaine tentative"), default=timezone.now
    )
    sent_at = models.DateTimeField(gettext_lazy("envoyé le"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("e-mail (file d'envoi)")
        verbose_name_plural = gettext_lazy("e-mails (file d'envoi)")
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
        VIEW = "view", gettext_lazy("Consultation")
        SEARCH = "search", gettext_lazy("Recherche")
        ADD = "add", gettext_lazy("Création")
        CHANGE = "change", gettext_lazy("Modification")
        DELETE = "delete", gettext_lazy("Suppression")
        ACTION = "action", gettext_lazy("Action groupée")

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("membre du personnel"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    staff_username = models.CharField(gettext_lazy("identifiant du personnel"), max_length=150)
    action = models.CharField(gettext_lazy("action"), max_length=10, choices=Action.choices)
    model = models.CharField(gettext_lazy("type de données"), max_length=100)
    object_id = models.CharField(
        pgettext_lazy("a record in the back office", "objet"), max_length=64, blank=True
    )
    object_repr = models.CharField(gettext_lazy("description"), max_length=200, blank=True)
    detail = models.CharField(gettext_lazy("détail"), max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(gettext_lazy("adresse IP"), null=True, blank=True)
    created_at = models.DateTimeField(gettext_lazy("date"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = gettext_lazy("accès du personnel")
        verbose_name_plural = gettext_lazy("accès du personnel")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.staff_username} · {self.get_action_display()} · {self.model}"
