from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("accessibilite/", views.accessibility, name="accessibility"),
    path("theme.css", views.brand_css, name="brand_css"),
    path("healthz", views.healthz, name="healthz"),
    path("jsi18n/<str:language>/", views.javascript_catalog, name="javascript_catalog"),
    path("boite-de-demonstration/", views.demo_mailbox, name="demo_mailbox"),
    path(
        "boite-de-demonstration/<int:email_id>/",
        views.demo_mailbox_detail,
        name="demo_mailbox_detail",
    ),
]
