from django.urls import path

from . import views

app_name = "catalog"
urlpatterns = [
    path("mes-services/", views.services, name="services"),
    path("mes-services/<slug:section>/", views.services, name="section"),
]
