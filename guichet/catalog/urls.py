from django.urls import path

from . import views, views_termination

app_name = "catalog"
urlpatterns = [
    path("mes-services/", views.services, name="services"),
    # Before the sections: « resilier » would otherwise be taken for one.
    path("mes-services/resilier/", views_termination.terminate, name="terminate"),
    path(
        "mes-services/resilier/<slug:reference>/",
        views_termination.termination_done,
        name="termination_done",
    ),
    path("mes-services/<slug:section>/", views.services, name="section"),
]
