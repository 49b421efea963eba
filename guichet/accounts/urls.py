from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("connexion/", views.login_view, name="login"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("mot-de-passe-oublie/", views.password_reset_request, name="reset_request"),
    path("mot-de-passe/termine/", views.password_reset_done, name="reset_done"),
    path("mot-de-passe/criteres/", views.password_criteria, name="password_criteria"),
    path(
        "mot-de-passe/<str:uidb64>/<str:token>/", views.password_reset_confirm, name="reset_confirm"
    ),
    path("mes-donnees/mon-profil/", views.profile, name="profile"),
    path("mes-donnees/nouveau-mot-de-passe/", views.password_upgrade, name="password_upgrade"),
    path("langue/", views.language_choose, name="language"),
]
