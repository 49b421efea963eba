"""Issue 11 in a real browser: the first back-office login leads to the enrolment page (QR
code as an image of its own address, under the strict CSP), then to the backup codes."""

import re

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from guichet.accounts.services import staff_backup_codes_create, staff_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Un-Agent-Bien-Protege-2026"


def test_first_login_enrols_the_app_and_shows_the_backup_codes(live_server, page, axe_check):
    # As createstaff makes it (the roles' groups are gone from a flushed database).
    user = staff_create(username="marie", email="marie@example.fr", password=PASSWORD)
    (code,) = staff_backup_codes_create(user=user, name="Code de première connexion", count=1)
    page.goto(f"{live_server.url}/back-office/login/")
    page.locator("#id_username").fill("marie")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("#id_otp_token").fill(code)
    page.locator("#login-form [type=submit]").click()
    page.wait_for_url("**/back-office/double-authentification/")
    expect(page.get_by_role("heading", name="Activer la double authentification")).to_be_visible()
    qr = page.get_by_role("img", name=re.compile("QR code"))
    expect(qr).to_be_visible()
    # The SVG loaded (an image that failed has no natural width).
    assert qr.evaluate("img => img.naturalWidth") > 0
    axe_check(page)

    device = TOTPDevice.objects.get(user__username="marie")
    page.get_by_label("Code à 6 chiffres").fill("12345")
    page.get_by_role("button", name="Activer").click()
    expect(page.locator(".errornote")).to_be_visible()
    page.wait_for_timeout(1200)  # django-otp makes the device wait 1 s after a wrong code
    now = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    page.get_by_label("Code à 6 chiffres").fill(f"{now:06d}")
    page.get_by_role("button", name="Activer").click()
    expect(page.get_by_role("heading", name="Vos codes de secours")).to_be_visible()
    expect(page.locator(".guichet-otp-codes li")).to_have_count(10)
    axe_check(page)
    page.get_by_role("link", name=re.compile("continuer")).click()
    page.wait_for_url(f"{live_server.url}/back-office/")
    expect(page.get_by_role("link", name="Nouveaux codes de secours")).to_be_visible()
