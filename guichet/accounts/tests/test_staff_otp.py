"""Issue 11: the second factor enrolled at first login (QR code, first code, backup codes
shown once and stored hashed) and backup codes renewed later."""

import base64
import re
from html import unescape

import pytest
from django.test import Client
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.models import SecurityEvent
from guichet.accounts.services import backup_code_digest, staff_member_create
from guichet.core.models import StaffAccess

LOGIN = "/back-office/login/"
ENROL = "/back-office/double-authentification/"
QR = "/back-office/double-authentification/qr-code.svg"
RENEW = "/back-office/double-authentification/codes-de-secours/"
PASSWORD = "Un-Agent-Bien-Protege-2026"


@pytest.fixture
def newcomer(db):
    """A staff member just made by createstaff, and the single-use code it printed."""
    return staff_member_create(
        username="marie", email="marie@example.fr", password=PASSWORD, role="administration"
    )


def log_in(client, code):
    return client.post(LOGIN, {"username": "marie", "password": PASSWORD, "otp_token": code})


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def shown_codes(response) -> list[str]:
    return re.findall(r"<li><code>([^<]+)</code></li>", response.content.decode())


def enrol(client) -> tuple[TOTPDevice, list[str]]:
    client.get(ENROL)
    device = TOTPDevice.objects.get(user__username="marie", confirmed=False)
    response = client.post(ENROL, {"token": current_code(device)})
    assert response.status_code == 200
    device.refresh_from_db()
    return device, shown_codes(response)


@pytest.mark.parametrize(
    "path", ["/back-office/", "/back-office/accounts/user/", "/back-office/core/staffaccess/"]
)
def test_a_newcomer_is_sent_to_the_enrolment_from_every_page(client, newcomer, path):
    _, code = newcomer
    assert log_in(client, code).status_code == 302
    response = client.get(path)
    assert response.status_code == 302
    assert response["Location"] == ENROL


def test_the_enrolment_page_shows_the_qr_code_and_the_secret(client, newcomer):
    _, code = newcomer
    log_in(client, code)
    response = client.get(ENROL)
    html = unescape(response.content.decode())
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert "Activer la double authentification" in html
    assert f'src="{QR}"' in html
    device = TOTPDevice.objects.get(user__username="marie")
    secret = re.search(r'class="guichet-otp-secret">([A-Z2-7 ]+)<', html).group(1)
    assert all(len(group) == 4 for group in secret.split()[:-1])
    assert secret.replace(" ", "") == base64.b32encode(device.bin_key).decode().rstrip("=")
    assert 'name="csrfmiddlewaretoken"' in html
    assert "Code à 6 chiffres" in html


def test_the_qr_code_is_an_svg_never_stored(client, newcomer):
    _, code = newcomer
    log_in(client, code)
    client.get(ENROL)
    response = client.get(QR)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"<svg")


def test_the_qr_code_is_only_for_the_logged_in_staff_member(client, newcomer, customer_user):
    _, code = newcomer
    assert client.get(QR).status_code == 302  # nobody logged in: to the login
    client.force_login(customer_user)
    assert client.get(QR).status_code == 302
    assert client.get(ENROL).status_code == 302
    # Each staff member gets the QR code of their own device, never another's.
    marie = Client()
    log_in(marie, code)
    assert marie.get(QR).status_code == 404  # no device is being enrolled yet
    marie.get(ENROL)
    _, paul_code = staff_member_create(
        username="paul", email="paul@example.fr", password=PASSWORD, role="support"
    )
    paul = Client()
    paul.post(LOGIN, {"username": "paul", "password": PASSWORD, "otp_token": paul_code})
    paul.get(ENROL)
    assert paul.get(QR).content != marie.get(QR).content
    assert TOTPDevice.objects.filter(user__username="paul").count() == 1


def test_a_wrong_code_is_refused_and_the_device_stays_unconfirmed(client, newcomer):
    _, code = newcomer
    log_in(client, code)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user__username="marie")
    wrong = f"{(int(current_code(device)) + 1) % 1000000:06d}"
    response = client.post(ENROL, {"token": wrong})
    assert response.status_code == 200
    assert "Ce code n&#x27;est pas le bon." in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert client.get("/back-office/").status_code == 302


def test_the_right_code_confirms_and_shows_ten_backup_codes_once(client, newcomer):
    user, first_code = newcomer
    log_in(client, first_code)
    device, codes = enrol(client)
    assert device.confirmed
    assert len(codes) == 10 and len(set(codes)) == 10
    # Stored hashed: none of the codes shown is in the database.
    stored = set(StaticToken.objects.filter(device__user=user).values_list("token", flat=True))
    assert stored == {backup_code_digest(c) for c in codes}
    assert not stored & set(codes)
    # The session goes on with the app: the back office opens.
    assert client.get("/back-office/").status_code == 200
    # Shown once: the page does not come back.
    again = client.get(ENROL)
    assert again.status_code == 302 and again["Location"] == "/back-office/"
    assert SecurityEvent.objects.filter(
        user=user, kind=SecurityEvent.Kind.SECOND_FACTOR_ENROLLED
    ).exists()
    assert StaffAccess.objects.filter(staff=user, model="otp_totp.totpdevice").exists()


def test_each_backup_code_works_once_and_the_first_code_no_more(newcomer):
    _, first_code = newcomer
    client = Client()
    log_in(client, first_code)
    _, codes = enrol(client)
    # A right code first: a wrong one makes django-otp's device wait before the next try.
    browser = Client()
    assert log_in(browser, codes[3]).status_code == 302
    assert browser.get("/back-office/").status_code == 200  # enrolled: never redirected
    assert log_in(Client(), codes[4].upper()).status_code == 302  # typed in capitals
    assert log_in(Client(), codes[3]).status_code == 200  # used up
    # The first-login code is gone.
    assert not StaticToken.objects.filter(token=backup_code_digest(first_code)).exists()


def test_an_enrolled_staff_member_is_never_redirected(admin_client):
    assert admin_client.get("/back-office/").status_code == 200
    assert admin_client.get("/back-office/accounts/user/").status_code == 200


def test_the_forms_need_csrf(newcomer):
    _, code = newcomer
    client = Client(enforce_csrf_checks=True)
    page = client.get(LOGIN)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())
    client.post(
        LOGIN,
        {
            "username": "marie",
            "password": PASSWORD,
            "otp_token": code,
            "csrfmiddlewaretoken": token.group(1),
        },
    )
    client.get(ENROL)
    device = TOTPDevice.objects.get(user__username="marie")
    assert client.post(ENROL, {"token": current_code(device)}).status_code == 403
    device.refresh_from_db()
    assert not device.confirmed


def test_new_backup_codes_after_the_password(client, newcomer):
    user, first_code = newcomer
    log_in(client, first_code)
    _, old = enrol(client)
    assert client.get(RENEW).status_code == 200
    refused = client.post(RENEW, {"password": "pas-le-bon"})
    assert refused.status_code == 200 and shown_codes(refused) == []
    response = client.post(RENEW, {"password": PASSWORD})
    new = shown_codes(response)
    assert len(new) == 10 and not set(new) & set(old)
    assert "no-store" in response["Cache-Control"]
    assert log_in(Client(), new[0]).status_code == 302
    assert log_in(Client(), old[0]).status_code == 200
    assert SecurityEvent.objects.filter(
        user=user, kind=SecurityEvent.Kind.BACKUP_CODES_RENEWED
    ).exists()


def test_a_newcomer_cannot_renew_codes_before_enrolling(client, newcomer):
    _, code = newcomer
    log_in(client, code)
    response = client.get(RENEW)
    assert response.status_code == 302 and response["Location"] == ENROL


def test_staffresetotp_gives_a_new_first_login_code(newcomer):
    from io import StringIO

    from django.core.management import call_command

    user, first_code = newcomer
    enrolled = Client()
    log_in(enrolled, first_code)
    _, codes = enrol(enrolled)
    out = StringIO()
    call_command("staffresetotp", "marie", stdout=out)
    code = re.search(r"connexion : (\S+)", out.getvalue()).group(1)
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not StaticToken.objects.filter(token__in=[backup_code_digest(c) for c in codes])
    browser = Client()
    assert log_in(browser, code).status_code == 302
    assert browser.get("/back-office/")["Location"] == ENROL
    assert SecurityEvent.objects.filter(
        user=user, kind=SecurityEvent.Kind.SECOND_FACTOR_RESET
    ).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/back-office/otp_totp/totpdevice/",
        "/back-office/otp_totp/totpdevice/add/",
        "/back-office/otp_static/staticdevice/",
        "/back-office/otp_static/staticdevice/add/",
    ],
)
def test_django_otps_own_pages_are_not_in_the_back_office(admin_client, path):
    # They would show the app secrets and take backup codes in clear.
    assert admin_client.get(path).status_code == 404
    index = admin_client.get("/back-office/").content.decode()
    assert "otp_totp" not in index and "otp_static" not in index
