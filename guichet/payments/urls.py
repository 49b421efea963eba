"""Payments pages: French paths matching the menu labels."""

from django.urls import path

from .views import mandates, pay

app_name = "payments"
urlpatterns = [
    path("payer-en-ligne/", pay.pay, name="pay"),
    path("payer-en-ligne/retour/<str:reference>/", pay.payment_return, name="return"),
    path("paiement/notification/<str:provider_name>/", pay.notify, name="notify"),
    path("bac-a-sable-paiement/<str:token>/", pay.sandbox_page, name="sandbox"),
    path("mon-dossier/mode-de-paiement/", mandates.payment_method, name="method"),
]
