"""The user: staff members, or a subscriber tied to one customer record."""

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    customer = models.OneToOneField(
        "customers.Customer",
        verbose_name="dossier client",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="user",
        help_text="Vide pour le personnel de l'opérateur.",
    )

    class Meta:
        verbose_name = "utilisateur"
        verbose_name_plural = "utilisateurs"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(customer__isnull=True)
                | models.Q(is_staff=False, is_superuser=False),
                name="accounts_user_customer_not_staff",
                violation_error_message="Un compte client ne peut pas être un compte du personnel.",
            ),
        ]

    def __str__(self) -> str:
        return self.username
