from django.urls import path

from . import views

app_name = "home"
urlpatterns = [
    path("", views.root, name="root"),
    path("accueil/", views.home, name="home"),
]
