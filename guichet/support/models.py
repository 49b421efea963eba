"""Departments and request types staff manage, customers' contact requests and staff's answers,
and the partner points a customer can visit."""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext, gettext_lazy, gettext_noop, pgettext_lazy

from guichet.customers.models import Customer


class Department(models.Model):
    """A team that answers requests, reached at its own address."""

    name = models.CharField(gettext_lazy("nom"), max_length=100, unique=True)
    email = models.EmailField(gettext_lazy("adresse e-mail"))

    class Meta:
        verbose_name = pgettext_lazy("team of the operator", "service")
        verbose_name_plural = pgettext_lazy("teams of the operator", "services")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


# The labels the first migration gives the request types (support/migrations/0002), marked
# for translation here so that the catalogue holds them.
DEFAULT_REQUEST_TYPES = (
    gettext_noop("Mise à jour données client"),
    gettext_noop("Facturation et paiement"),
    gettext_noop("Télévision"),
    gettext_noop("Internet"),
    gettext_noop("Téléphonie"),
    gettext_noop("Déménagement"),
    gettext_noop("Résiliation"),
    gettext_noop("Autre demande"),
)


class RequestTypeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True).order_by("order", "label")


class RequestType(models.Model):
    """What a customer picks in « Votre demande »; it says which department receives it."""

    label = models.CharField(gettext_lazy("libellé"), max_length=100, unique=True)
    department = models.ForeignKey(
        Department,
        verbose_name=gettext_lazy("service destinataire"),
        on_delete=models.PROTECT,
        related_name="request_types",
    )
    active = models.BooleanField(gettext_lazy("proposé aux clients"), default=True)
    order = models.PositiveSmallIntegerField(gettext_lazy("ordre"), default=0)

    objects = RequestTypeQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("type de demande")
        verbose_name_plural = gettext_lazy("types de demande")
        ordering = ["order", "label"]

    def __str__(self) -> str:
        return self.display_label

    @property
    def display_label(self) -> str:
        """The label in the page's language when it is one of ours (DEFAULT_REQUEST_TYPES);
        a label staff wrote themselves is shown as written."""
        return gettext(self.label)


class ContactRequestQuerySet(models.QuerySet):
    def for_customer(self, customer: Customer):
        return self.filter(customer=customer)


class ContactRequest(models.Model):
    """One message sent from « Contactez-nous », with its reference and where it stands."""

    class Status(models.TextChoices):
        NEW = "new", gettext_lazy("Nouvelle")
        IN_PROGRESS = "in_progress", gettext_lazy("En cours")
        ANSWERED = "answered", gettext_lazy("Répondue")
        CLOSED = "closed", gettext_lazy("Close")

    reference = models.CharField(gettext_lazy("référence"), max_length=20, unique=True)
    customer = models.ForeignKey(
        Customer,
        verbose_name=gettext_lazy("client"),
        on_delete=models.CASCADE,
        related_name="contact_requests",
    )
    request_type = models.ForeignKey(
        RequestType, verbose_name=gettext_lazy("type de demande"), on_delete=models.PROTECT
    )
    # The department and address as they were when the request was sent: staff may move a
    # type to another department later, the request stays where it went.
    department = models.ForeignKey(
        Department,
        verbose_name=pgettext_lazy("team of the operator", "service"),
        on_delete=models.PROTECT,
    )
    message = models.TextField(gettext_lazy("message"))
    reply_email = models.EmailField(gettext_lazy("e-mail de réponse"), blank=True)
    status = models.CharField(
        gettext_lazy("état"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    created_at = models.DateTimeField(gettext_lazy("envoyée le"), auto_now_add=True)
    updated_at = models.DateTimeField(gettext_lazy("modifiée le"), auto_now=True)

    objects = ContactRequestQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("demande de contact")
        verbose_name_plural = gettext_lazy("demandes de contact")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=["new", "in_progress", "answered", "closed"]),
                name="support_contactrequest_status_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ContactAnswer(models.Model):
    """What staff answered to a request; the customer reads it in « Mes demandes »."""

    contact_request = models.ForeignKey(
        ContactRequest,
        verbose_name=gettext_lazy("demande"),
        on_delete=models.CASCADE,
        related_name="answers",
    )
    body = models.TextField(gettext_lazy("réponse"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("auteur"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(gettext_lazy("répondue le"), auto_now_add=True)

    class Meta:
        verbose_name = gettext_lazy("réponse")
        verbose_name_plural = gettext_lazy("réponses")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.contact_request} · {self.created_at:%Y-%m-%d}"


class PartnerPointQuerySet(models.QuerySet):
    def active(self):
        return self.filter(active=True)


class PartnerPoint(models.Model):
    """A shop or office of a partner where customers are welcomed (H3)."""

    name = models.CharField(gettext_lazy("nom"), max_length=100)
    street = models.CharField(gettext_lazy("adresse"), max_length=200)
    postal_code = models.CharField(gettext_lazy("code postal"), max_length=10)
    city = models.CharField(gettext_lazy("ville"), max_length=100)
    phone = models.CharField(gettext_lazy("téléphone"), max_length=30, blank=True)
    opening_hours = models.TextField(gettext_lazy("horaires d'ouverture"), blank=True)
    latitude = models.DecimalField(
        gettext_lazy("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        gettext_lazy("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    active = models.BooleanField(gettext_lazy("affiché aux clients"), default=True)

    objects = PartnerPointQuerySet.as_manager()

    class Meta:
        verbose_name = gettext_lazy("point d'accueil partenaire")
        verbose_name_plural = gettext_lazy("points d'accueil partenaires")
        ordering = ["postal_code", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.city})"
