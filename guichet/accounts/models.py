"""The user: staff members, or a subscriber tied to one customer record."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy


class User(AbstractUser):
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name=gettext_lazy("dossier client"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="user",
        help_text=gettext_lazy("Vide pour le personnel de l'opérateur."),
    )
    identifier = models.CharField(
        gettext_lazy("identifiant personnalisé"),
        max_length=40,
        blank=True,
        help_text=gettext_lazy("Utilisable à la place de la référence client pour se connecter."),
    )
    password_changed_at = models.DateTimeField(
        gettext_lazy("mot de passe changé le"), null=True, blank=True
    )

    class Meta:
        verbose_name = gettext_lazy("utilisateur")
        verbose_name_plural = gettext_lazy("utilisateurs")
        # Actions of the back office's « Fiche client » (issue 11), given to roles by 0008.
        permissions = [
            ("send_first_access_link", "Peut envoyer le lien de premier accès à un client"),
            ("lift_login_throttle", "Peut lever le blocage de connexion d'un client"),
        ]
        constraints = [
            models.UniqueConstraint(
                Lower("identifier"),
                condition=~models.Q(identifier=""),
                name="accounts_user_identifier_unique_ci",
                violation_error_message=gettext_lazy("Cet identifiant est déjà utilisé."),
            ),
            models.CheckConstraint(
                condition=models.Q(customer__isnull=True)
                | models.Q(is_staff=False, is_superuser=False),
                name="accounts_user_customer_not_staff",
                violation_error_message=gettext_lazy(
                    "Un compte client ne peut pas être un compte du personnel."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.username


class SecurityEvent(models.Model):
    """What happened to an account, for the customer (« Mon profil ») and for staff (J2)."""

    class Kind(models.TextChoices):
        LOGIN_SUCCEEDED = "login_succeeded", gettext_lazy("Connexion réussie")
        LOGIN_FAILED = "login_failed", gettext_lazy("Échec de connexion")
        LOGIN_THROTTLED = "login_throttled", gettext_lazy("Connexion suspendue (trop d'essais)")
        RESET_REQUESTED = "reset_requested", gettext_lazy("Lien de réinitialisation envoyé")
        RESET_LINK_SENT_BY_STAFF = (
            "reset_sent_by_staff",
            gettext_lazy("Lien de première connexion envoyé par le personnel"),
        )
        RESET_USED = "reset_used", gettext_lazy("Mot de passe réinitialisé")
        RESET_LINK_INVALID = "reset_link_invalid", gettext_lazy("Lien de réinitialisation refusé")
        PASSWORD_CHANGED = "password_changed", gettext_lazy("Mot de passe modifié")
        PASSWORD_UPGRADE_REQUIRED = (
            "password_upgrade_required",
            gettext_lazy("Mot de passe à renforcer"),
        )
        IDENTIFIER_CHANGED = "identifier_changed", gettext_lazy("Identifiant modifié")
        CURRENT_PASSWORD_WRONG = (
            "current_password_wrong",
            gettext_lazy("Mot de passe actuel erroné"),
        )
        # F5: the bank details of a SEPA mandate (written by payments through
        # security_event_record; the detail holds the mandate's reference, never an IBAN).
        MANDATE_SIGNED = "mandate_signed", gettext_lazy("Mandat de prélèvement signé")
        BANK_DETAILS_CHANGED = (
            "bank_details_changed",
            gettext_lazy("Coordonnées bancaires modifiées"),
        )
        MANDATE_REVOKED = "mandate_revoked", gettext_lazy("Mandat de prélèvement révoqué")
        # I2: « Télécharger mes données » (written by privacy through security_event_record).
        DATA_EXPORT_REQUESTED = (
            "data_export_requested",
            gettext_lazy("Archive de mes données demandée"),
        )
        # D2: a new contact e-mail address, asked for and then confirmed from that address.
        EMAIL_CHANGE_REQUESTED = (
            "email_change_requested",
            gettext_lazy("Changement d'adresse e-mail demandé"),
        )
        EMAIL_CHANGED = "email_changed", gettext_lazy("Adresse e-mail de contact modifiée")
        # Issue 11: staff lifted the wait after failed logins (« Fiche client »).
        THROTTLE_LIFTED = (
            "throttle_lifted",
            gettext_lazy("Blocage de connexion levé par le personnel"),
        )
        # Issue 11: the back office's second factor, enrolled at first login and renewed.
        SECOND_FACTOR_ENROLLED = (
            "second_factor_enrolled",
            gettext_lazy("Double authentification activée"),
        )
        BACKUP_CODES_RENEWED = "backup_codes_renewed", gettext_lazy("Codes de secours renouvelés")
        SECOND_FACTOR_RESET = (
            "second_factor_reset",
            gettext_lazy("Double authentification réinitialisée"),
        )

    user = models.ForeignKey(
        User,
        verbose_name=gettext_lazy("compte"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="security_events",
    )
    kind = models.CharField(gettext_lazy("événement"), max_length=40, choices=Kind.choices)
    created_at = models.DateTimeField(gettext_lazy("date"), auto_now_add=True, db_index=True)
    ip_address = models.GenericIPAddressField(gettext_lazy("adresse IP"), null=True, blank=True)
    user_agent = models.CharField(gettext_lazy("navigateur"), max_length=300, blank=True)
    detail = models.CharField(gettext_lazy("détail"), max_length=300, blank=True)

    class Meta:
        verbose_name = gettext_lazy("événement de sécurité")
        verbose_name_plural = gettext_lazy("événements de sécurité")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.created_at:%d/%m/%Y %H:%M}"


class EmailChange(models.Model):
    """D2: a new contact address waiting for its owner to follow the link sent to it.

    Only the token's hash is kept, minted when the e-mail leaves the outbox: neither the
    outbox nor the back office ever holds a working link.
    """

    user = models.ForeignKey(
        User,
        verbose_name=gettext_lazy("compte"),
        on_delete=models.CASCADE,
        related_name="email_changes",
    )
    new_email = models.EmailField(gettext_lazy("nouvelle adresse"))
    token_hash = models.CharField(gettext_lazy("empreinte du jeton"), max_length=64, blank=True)
    created_at = models.DateTimeField(gettext_lazy("demandé le"), auto_now_add=True)
    expires_at = models.DateTimeField(gettext_lazy("expire le"))
    used_at = models.DateTimeField(gettext_lazy("confirmé le"), null=True, blank=True)
    cancelled_at = models.DateTimeField(gettext_lazy("annulé le"), null=True, blank=True)

    class Meta:
        verbose_name = gettext_lazy("changement d'adresse e-mail")
        verbose_name_plural = gettext_lazy("changements d'adresse e-mail")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["token_hash"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%d/%m/%Y %H:%M}"
