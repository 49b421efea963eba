"""Back office: API clients and calls, for the administration role only; revoking is audited."""

import pytest
from django.contrib.auth.models import Permission

from guichet.api.models import ApiCall, ApiClient
from guichet.core.models import StaffAccess

pytestmark = pytest.mark.django_db


def test_the_administration_lists_clients_without_their_hash(admin_client, token, api):
    api("GET", "/payments", token)
    api_client = ApiClient.objects.get(name="erp")
    page = admin_client.get("/back-office/api/apiclient/").content.decode()
    assert "erp" in page and api_client.token_prefix in page
    assert api_client.token_hash not in page and token not in page
    detail = admin_client.get(f"/back-office/api/apiclient/{api_client.pk}/change/")
    assert detail.status_code == 200
    assert api_client.token_hash not in detail.content.decode()
    calls = admin_client.get("/back-office/api/apicall/")
    assert calls.status_code == 200 and "/api/v1/payments" in calls.content.decode()
    assert admin_client.get("/back-office/api/apiclient/add/").status_code == 403


def test_revoking_from_the_back_office_is_audited_and_immediate(admin_client, token, api):
    api_client = ApiClient.objects.get(name="erp")
    response = admin_client.post(
        "/back-office/api/apiclient/",
        {"action": "revoke", "_selected_action": [api_client.pk]},
    )
    assert response.status_code == 302
    api_client.refresh_from_db()
    assert api_client.revoked_at and not api_client.active
    assert StaffAccess.objects.filter(
        model="api.apiclient", object_id=str(api_client.pk), detail="révocation du jeton"
    ).exists()
    assert api("GET", "/payments", token).status_code == 401


def test_calls_are_read_only(admin_client, token, api):
    api("GET", "/payments", token)
    call = ApiCall.objects.get()
    assert admin_client.get(f"/back-office/api/apicall/{call.pk}/delete/").status_code == 403
    page = admin_client.get(f"/back-office/api/apicall/{call.pk}/change/").content.decode()
    assert 'type="submit"' not in page or "_save" not in page


def test_other_staff_never_see_them_even_with_every_permission(client, staff, staff_login, token):
    # Support and billing roles: tokens are the administration's (superusers) alone.
    staff.user_permissions.set(Permission.objects.all())
    staff_login(client, staff)
    assert client.get("/back-office/api/apiclient/").status_code == 403
    assert client.get("/back-office/api/apicall/").status_code == 403
