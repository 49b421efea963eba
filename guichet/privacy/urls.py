from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("donnees-personnelles/", views.policy, name="policy"),
    path(
        "mes-donnees/mes-donnees-personnelles/telecharger/",
        views.export,
        name="export",
    ),
    path(
        "mes-donnees/mes-donnees-personnelles/telecharger/<int:export_id>/",
        views.export_download,
        name="export_download",
    ),
]
