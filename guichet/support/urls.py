from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("contactez-nous/", views.contact, name="contact"),
    path("contactez-nous/mes-demandes/", views.requests, name="requests"),
    path("contactez-nous/mes-demandes/<str:reference>/", views.request_detail, name="request"),
]
