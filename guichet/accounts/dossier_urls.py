"""« Mon dossier » pages. They live in accounts, which may re-check the password and send
security notices, but keep the customers namespace that other pages link to."""

from django.urls import path

from . import dossier_views

app_name = "customers"
urlpatterns = [
    path("mon-dossier/mes-donnees-personnelles/", dossier_views.contact, name="contact"),
    path(
        "mon-dossier/confirmer-mon-adresse-e-mail/<str:token>/",
        dossier_views.email_confirm,
        name="email_confirm",
    ),
]
