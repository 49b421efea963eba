"""Back office: the catalogue adds the subscriptions to the customer's page (customers never
import the catalogue)."""

from django.contrib import admin

from guichet.catalog.admin import CustomerWithSubscriptionsAdmin
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.core.models import StaffAccess
from guichet.core.staff_audit import StaffAuditMixin
from guichet.customers.models import Customer
from guichet.customers.tests.factories import CustomerFactory


def test_the_customer_admin_is_the_catalogues_and_keeps_the_audit():
    model_admin = admin.site._registry[Customer]
    # Home builds the « Fiche client » on top of it (docs/decisions/0010).
    assert isinstance(model_admin, CustomerWithSubscriptionsAdmin)
    assert isinstance(model_admin, StaffAuditMixin)


def test_staff_find_a_customer_by_a_line_number_and_see_the_subscriptions(admin_client):
    subscription = SubscriptionFactory(
        customer=CustomerFactory(reference="01776557"), line_number="+33389123456"
    )
    CustomerFactory(reference="01776558")
    html = admin_client.get("/back-office/customers/customer/", {"q": "03 89 12 34 56"})
    assert "01776557" in html.content.decode()
    assert "01776558" not in html.content.decode()

    page = admin_client.get(
        f"/back-office/customers/customer/{subscription.customer_id}/change/"
    ).content.decode()
    assert 'name="subscriptions-0-line_number"' in page
    assert 'value="+33389123456"' in page
    assert 'name="holders-0-last_name"' in page
    assert StaffAccess.objects.filter(object_id=str(subscription.customer_id)).exists()
