"""Back office (J1): customers are found by reference, name, e-mail and phone."""

import pytest

from guichet.core.models import SitePage
from guichet.customers.tests.factories import CustomerFactory


@pytest.mark.parametrize(
    "term",
    [
        "01776555",
        "Keller",
        "sophie.k@example.fr",
        "06 12 34 56 04",
        "+33612345604",
        "0033 6 12 34 56 04",
    ],
)
def test_staff_find_a_customer(admin_client, term):
    CustomerFactory(
        reference="01776555",
        contact_email="sophie.k@example.fr",
        phone_mobile="+33612345604",
        holder__last_name="Keller",
    )
    CustomerFactory(reference="01776556", holder__last_name="Autre")
    html = admin_client.get("/back-office/customers/customer/", {"q": term}).content.decode()
    assert "01776555" in html
    assert "01776556" not in html


def test_staff_edit_the_personal_data_policy(admin_client, client):
    page = SitePage.objects.get(slug=SitePage.Slug.PRIVACY, language="fr")
    response = admin_client.post(
        f"/back-office/core/sitepage/{page.pk}/change/",
        {
            "slug": page.slug,
            "language": "fr",
            "title": page.title,
            "body": "Article 26 : texte revu.\n\nSuite.",
        },
    )
    assert response.status_code == 302
    html = client.get("/donnees-personnelles/").content.decode()
    assert "Article 26 : texte revu." in html
    assert "<p>Suite.</p>" in html
