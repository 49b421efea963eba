"""One write path: the login form only reads what was typed (the view calls the login
service), and both « Mot de passe oublié » limits are the service's."""

import pytest
from django.test import RequestFactory

from guichet.accounts import services
from guichet.accounts.forms import LoginForm
from guichet.accounts.models import SecurityEvent

pytestmark = pytest.mark.django_db


def test_the_login_form_checks_no_password_and_counts_no_failure(customer_user):
    form = LoginForm(data={"login": "01776108", "password": "pas-le-bon"})
    assert form.is_valid()
    assert not SecurityEvent.objects.exists()


def test_the_view_puts_the_services_answer_on_the_form(client, customer_user):
    response = client.post("/connexion/", {"login": "01776108", "password": "pas-le-bon"})
    form = response.context["form"]
    assert form.non_field_errors() == [services.LOGIN_FAILED]
    assert form.errors.as_data()["__all__"][0].code == "invalid_login"
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.LOGIN_FAILED).count() == 1


def test_the_address_cap_is_the_services_and_counts_every_request(settings):
    settings.GUICHET_RESET_MAX_PER_IP = 2
    request = RequestFactory().post("/", REMOTE_ADDR="203.0.113.9")
    assert services.reset_request_allowed(request=request).wait_seconds == 0
    assert services.reset_request_allowed(request=request).wait_seconds == 0
    assert services.reset_request_allowed(request=request).wait_seconds > 0
    other = RequestFactory().post("/", REMOTE_ADDR="203.0.113.10")
    assert services.reset_request_allowed(request=other).wait_seconds == 0
