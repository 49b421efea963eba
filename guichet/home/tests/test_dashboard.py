"""The operator's dashboard on the back office's home (issue 11): figures linking to their
lists, a constant number of queries, only what the staff member may see."""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from guichet.billing.tests.factories import InvoiceFactory
from guichet.catalog.models import TerminationRequest
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.core.emails import email_queue
from guichet.core.models import OutboxEmail
from guichet.payments.models import Payment
from guichet.support.models import ContactRequest, RequestType

pytestmark = pytest.mark.django_db


def _data(n: int, offset: int = 0):
    today = timezone.localdate()
    request_type = RequestType.objects.first()
    for i in range(offset, offset + n):
        subscription = SubscriptionFactory(start_date=today - datetime.timedelta(days=40))
        customer = subscription.customer
        InvoiceFactory(customer=customer, period=today.replace(day=1), issue_date=today)
        Payment.objects.create(
            customer=customer,
            reference=f"P-DASH-{i}",
            method=Payment.Method.CARD,
            amount_cents=1000,
            provider="sandbox",
            status=Payment.Status.CONFIRMED,
            confirmed_at=timezone.now(),
        )
        ContactRequest.objects.create(
            reference=f"DEM-DASH-{i:06d}",
            customer=customer,
            request_type=request_type,
            department=request_type.department,
            message="Une demande du tableau de bord.",
        )
        TerminationRequest.objects.create(
            customer=customer,
            reference=f"RES-DASH-{i}",
            effective_date=today + datetime.timedelta(days=10),
        )
        email_queue(to=f"c{i}@example.fr", template="security_notice", context={"message": "T"})


def _count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/back-office/")
    assert response.status_code == 200
    return len(queries), response


def test_the_superuser_sees_every_figure_linking_to_its_list(admin_client):
    _data(2)
    OutboxEmail.objects.filter(pk=OutboxEmail.objects.first().pk).update(
        status=OutboxEmail.Status.FAILED
    )
    response = admin_client.get("/back-office/")
    dashboard = {tile["label"]: tile for tile in response.context["dashboard"]}
    assert dashboard["Clients actifs"]["value"] == 2
    assert dashboard["Factures émises ce mois-ci"]["value"] == 2
    assert dashboard["Montant impayé"]["value"] == "59,80\xa0€"
    assert dashboard["Paiements du jour"]["value"] == "2 (20,00\xa0€)"
    assert dashboard["Demandes de contact ouvertes"]["value"] == 2
    assert dashboard["Demandes de résiliation à traiter"]["value"] == 2
    assert dashboard["E-mails en attente d'envoi"]["value"] == 1
    assert dashboard["E-mails en échec"]["value"] == 1
    html = response.content.decode()
    assert "Tableau de bord" in html
    assert " style=" not in html.split('id="guichet-dashboard-title"')[1].split("</section>")[0]
    # Every link opens its filtered list, which counts the same.
    for tile in dashboard.values():
        assert tile["url"] in html.replace("&amp;", "&")
        page = admin_client.get(tile["url"])
        assert page.status_code == 200, tile
        assert "?e=1" not in page.get("Location", "")
        count = page.context["cl"].result_count
        value = tile["value"]
        expected = value if isinstance(value, int) else 2
        assert count == expected, (tile["label"], count)


def test_a_constant_number_of_queries(admin_client):
    _data(1)
    admin_client.get("/back-office/")
    few, _ = _count_queries(admin_client)
    _data(4, offset=1)
    many, _ = _count_queries(admin_client)
    assert many == few


def test_support_without_invoice_permission_does_not_see_the_amounts(client, staff, staff_login):
    _data(1)
    staff.user_permissions.add(
        Permission.objects.get(codename="view_contactrequest"),
        Permission.objects.get(codename="view_customer"),
    )
    staff_login(client, staff)
    response = client.get("/back-office/")
    labels = [tile["label"] for tile in response.context["dashboard"]]
    assert labels == ["Clients actifs", "Demandes de contact ouvertes"]
    html = response.content.decode()
    assert "Montant impayé" not in html
    assert "Paiements du jour" not in html
    assert "€" not in html


def test_staff_without_any_permission_see_no_dashboard(client, staff, staff_login):
    staff_login(client, staff)
    response = client.get("/back-office/")
    assert response.context["dashboard"] == []
    assert "Tableau de bord" not in response.content.decode()
