"""A customer record (one contract) and the people who hold it."""

from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy, pgettext

from guichet.core.formatting import validate_phone

reference_validator = RegexValidator(
    r"^\d{8}$", gettext_lazy("La référence client compte exactement 8 chiffres (sans le V).")
)
postal_code_validator = RegexValidator(
    r"^\d{5}$", gettext_lazy("Le code postal compte 5 chiffres.")
)


class Customer(models.Model):
    reference = models.CharField(
        gettext_lazy("référence client"),
        max_length=8,
        unique=True,
        validators=[reference_validator],
    )
    contract_postal_code = models.CharField(
        gettext_lazy("code postal de la ville du contrat"),
        max_length=5,
        validators=[postal_code_validator],
    )

    installation_street = models.CharField(gettext_lazy("adresse d'installation"), max_length=200)
    installation_street2 = models.CharField(gettext_lazy("complément"), max_length=200, blank=True)
    installation_postal_code = models.CharField(
        gettext_lazy("code postal d'installation"), max_length=5, validators=[postal_code_validator]
    )
    installation_city = models.CharField(gettext_lazy("ville d'installation"), max_length=100)

    billing_street = models.CharField(gettext_lazy("adresse de facturation"), max_length=200)
    billing_street2 = models.CharField(
        gettext_lazy("complément (facturation)"), max_length=200, blank=True
    )
    billing_postal_code = models.CharField(
        gettext_lazy("code postal de facturation"), max_length=10
    )
    billing_city = models.CharField(gettext_lazy("ville de facturation"), max_length=100)
    billing_country = models.CharField(
        gettext_lazy("pays de facturation"), max_length=100, default="France"
    )

    contact_email = models.EmailField(gettext_lazy("e-mail de contact"), blank=True)
    phone_mobile = models.CharField(
        gettext_lazy("téléphone mobile"), max_length=20, blank=True, validators=[validate_phone]
    )
    phone_home = models.CharField(
        gettext_lazy("téléphone domicile"), max_length=20, blank=True, validators=[validate_phone]
    )
    phone_other = models.CharField(
        gettext_lazy("autre téléphone / international"),
        max_length=20,
        blank=True,
        validators=[validate_phone],
    )

    invoice_email = models.EmailField(
        gettext_lazy("e-mail de notification des factures"), blank=True
    )
    invoice_email_opt_in = models.BooleanField(
        gettext_lazy("notifier la mise à disposition des factures"), default=False
    )
    # The language the customer chose in the portal's footer, for pages, e-mails and PDFs; empty
    # until they choose (pages follow the browser, e-mails and PDFs the default, French). No
    # choices here: the languages offered are the catalogues installed (settings.LANGUAGES),
    # and adding one must not need a migration.
    language = models.CharField(gettext_lazy("langue"), max_length=10, blank=True)

    created_at = models.DateTimeField(gettext_lazy("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("modifié le"), auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("client")
        verbose_name_plural = gettext_lazy("clients")
        ordering = ["reference"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(invoice_email_opt_in=False) | ~models.Q(invoice_email=""),
                name="customers_customer_opt_in_has_email",
                violation_error_message=gettext_lazy(
                    "Une adresse de notification est nécessaire pour notifier les factures."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.display_name}".strip()

    @property
    def display_name(self) -> str:
        """The holders' names, « Mme Claire MULLER » or « M. Jean et Mme Marie SCHMITT »."""
        separator = pgettext("between the names of a contract's holders", " et ")
        return separator.join(holder.full_name for holder in self.holders.all())

    @property
    def installation_address_lines(self) -> list[str]:
        return [
            line
            for line in (
                self.installation_street,
                self.installation_street2,
                f"{self.installation_postal_code} {self.installation_city.upper()}",
            )
            if line
        ]

    @property
    def billing_address_lines(self) -> list[str]:
        lines = [
            self.billing_street,
            self.billing_street2,
            f"{self.billing_postal_code} {self.billing_city.upper()}",
        ]
        if self.billing_country and self.billing_country.lower() != "france":
            lines.append(self.billing_country.upper())
        return [line for line in lines if line]


class Holder(models.Model):
    """A person named on the contract; a contract has one or several."""

    class Civility(models.TextChoices):
        MME = "Mme", gettext_lazy("Madame")
        M = "M.", gettext_lazy("Monsieur")
        NONE = "", gettext_lazy("Non précisée")

    customer = models.ForeignKey(
        Customer,
        verbose_name=gettext_lazy("client"),
        on_delete=models.CASCADE,
        related_name="holders",
    )
    civility = models.CharField(
        gettext_lazy("civilité"), max_length=4, choices=Civility.choices, blank=True
    )
    first_name = models.CharField(gettext_lazy("prénom"), max_length=100, blank=True)
    last_name = models.CharField(gettext_lazy("nom"), max_length=100)
    position = models.PositiveSmallIntegerField(gettext_lazy("ordre"), default=1)

    class Meta:
        verbose_name = gettext_lazy("titulaire")
        verbose_name_plural = gettext_lazy("titulaires")
        ordering = ["customer", "position", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "position"], name="customers_holder_unique_position"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.civility, self.first_name, self.last_name.upper()) if p)


class AddressChangeRequest(models.Model):
    """D3: a new billing address asked for from the portal, applied at once or after staff
    approve it (CUSTOMERS_BILLING_ADDRESS_APPROVAL)."""

    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("En attente de validation")
        APPROVED = "approved", gettext_lazy("Validée")
        REFUSED = "refused", gettext_lazy("Refusée")
        APPLIED = "applied", gettext_lazy("Appliquée immédiatement")
        REPLACED = "replaced", gettext_lazy("Remplacée par une demande plus récente")

    customer = models.ForeignKey(
        Customer,
        verbose_name=gettext_lazy("client"),
        on_delete=models.CASCADE,
        related_name="address_change_requests",
    )
    street = models.CharField(gettext_lazy("adresse"), max_length=200)
    street2 = models.CharField(gettext_lazy("complément"), max_length=200, blank=True)
    postal_code = models.CharField(gettext_lazy("code postal"), max_length=10)
    city = models.CharField(gettext_lazy("ville"), max_length=100)
    country = models.CharField(gettext_lazy("pays"), max_length=100, default="France")
    status = models.CharField(
        gettext_lazy("état"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(gettext_lazy("demandée le"), auto_now_add=True)
    decided_at = models.DateTimeField(gettext_lazy("traitée le"), null=True, blank=True)
    decided_by = models.CharField(gettext_lazy("traitée par"), max_length=150, blank=True)

    class Meta:
        verbose_name = gettext_lazy("demande de changement d'adresse")
        verbose_name_plural = gettext_lazy("demandes de changement d'adresse")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["customer"],
                condition=models.Q(status="pending"),
                name="customers_addresschange_one_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer.reference} · {self.get_status_display()}"

    @property
    def address_lines(self) -> list[str]:
        lines = [self.street, self.street2, f"{self.postal_code} {self.city.upper()}"]
        if self.country and self.country.lower() != "france":
            lines.append(self.country.upper())
        return [line for line in lines if line]
