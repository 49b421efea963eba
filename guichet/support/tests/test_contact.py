"""« Contactez-nous » (H1) and « Mes demandes » (H2): the request, its e-mails, its limits."""

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.core.models import OutboxEmail
from guichet.support.models import ContactRequest, Department, RequestType
from guichet.support.services import contact_request_answer

pytestmark = pytest.mark.django_db

URL = "/contactez-nous/"
MESSAGE = "Bonjour, mon nom de famille a changé : merci de mettre à jour mon dossier."


@pytest.fixture
def data_update():
    return RequestType.objects.get(label="Mise à jour données client")


def _send(client, request_type, message=MESSAGE, follow=False):
    return client.post(
        URL, {"request_type": str(request_type.pk), "message": message}, follow=follow
    )


def test_the_guides_request_types_are_seeded_with_departments():
    labels = list(RequestType.objects.active().values_list("label", flat=True))
    assert labels[0] == "Mise à jour données client"
    for label in ("Facturation et paiement", "Télévision", "Internet", "Téléphonie"):
        assert label in labels
    for label in ("Déménagement", "Résiliation", "Autre demande"):
        assert label in labels
    assert all(d.email.endswith("@example.fr") for d in Department.objects.all())


def test_the_page_shows_the_form(customer_client):
    html = customer_client.get(URL).content.decode()
    assert "Votre demande" in html
    assert "Merci de saisir votre message" in html
    assert "Mise à jour données client" in html
    assert "Valider" in html
    assert "Vous cherchez un point d'accueil partenaire ?" in html


def test_a_request_reaches_its_department_with_reply_to_the_customer(
    customer_client, customer, data_update, django_capture_on_commit_callbacks
):
    department = data_update.department
    department.email = "donnees@example.fr"
    department.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = _send(customer_client, data_update)
    contact_request = ContactRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/contactez-nous/mes-demandes/{contact_request.reference}/"
    assert contact_request.customer == customer
    assert contact_request.message == MESSAGE
    assert contact_request.status == ContactRequest.Status.NEW
    assert contact_request.reference.startswith("DEM-")

    to_department, acknowledgement = sorted(
        mail.outbox, key=lambda m: m.to[0] != "donnees@example.fr"
    )
    assert to_department.to == ["donnees@example.fr"]
    assert to_department.reply_to == [customer.contact_email]
    assert to_department.message()["Reply-To"] == customer.contact_email
    assert contact_request.reference in to_department.subject
    assert "01776108" in to_department.subject
    assert MESSAGE in to_department.body
    assert acknowledgement.to == [customer.contact_email]
    assert acknowledgement.reply_to == []
    assert contact_request.reference in acknowledgement.subject
    assert "Nous avons bien reçu votre demande" in acknowledgement.subject


def test_the_acknowledgement_is_in_the_customers_language(customer_client, customer, data_update):
    customer.language = "en"
    customer.save()
    _send(customer_client, data_update)
    acknowledgement = OutboxEmail.objects.get(template="support_request_received")
    department = OutboxEmail.objects.get(template="support_request_department")
    # The department reads the operator's language whatever the customer's.
    assert department.subject.startswith("Demande ")
    assert acknowledgement.to == customer.contact_email


def test_the_page_confirms_and_the_request_is_listed_for_its_customer_only(
    customer_client, customer, other_customer, data_update, client
):
    response = _send(customer_client, data_update, follow=True)
    reference = ContactRequest.objects.get().reference
    html = response.content.decode()
    assert f"Votre demande {reference} est envoyée" in html
    assert MESSAGE in html
    listing = customer_client.get("/contactez-nous/mes-demandes/").content.decode()
    assert reference in listing and "Nouvelle" in listing

    client.force_login(other_customer.user, backend="guichet.accounts.backends.CustomerBackend")
    assert reference not in client.get("/contactez-nous/mes-demandes/").content.decode()
    assert client.get(f"/contactez-nous/mes-demandes/{reference}/").status_code == 404


def test_an_unknown_reference_is_a_404(customer_client):
    assert customer_client.get("/contactez-nous/mes-demandes/DEM-0000-XXXXXX/").status_code == 404


@pytest.mark.parametrize(
    "message",
    [
        "Bonjour\r\nBcc: victime@example.org\r\nSubject: gratuit\r\n\r\nTexte du message",
        "Bonjour\nTo: victime@example.org\n\nTexte du message",
    ],
)
def test_line_breaks_in_the_message_never_reach_a_header(
    customer_client, customer, data_update, message, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        _send(customer_client, data_update, message=message)
    assert ContactRequest.objects.count() == 1
    assert len(mail.outbox) == 2
    for sent in mail.outbox:
        headers = sent.message()
        assert "victime@example.org" not in str(headers.get("Bcc", ""))
        assert headers.get_all("To") == [sent.to[0]]
        assert "\n" not in sent.subject and "\r" not in sent.subject
        assert "gratuit" not in sent.subject
        assert sent.bcc == []


def test_a_request_type_with_a_line_break_is_refused(customer_client, data_update):
    response = customer_client.post(
        URL, {"request_type": f"{data_update.pk}\r\nBcc: victime@example.org", "message": MESSAGE}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "choisissez-en un dans la liste" in html
    assert "mon nom de famille a changé" in html
    assert not ContactRequest.objects.exists()


def test_a_type_label_with_a_line_break_stays_on_one_subject_line(
    customer_client, data_update, django_capture_on_commit_callbacks
):
    data_update.label = "Données\r\nBcc: victime@example.org"
    data_update.save()
    with django_capture_on_commit_callbacks(execute=True):
        _send(customer_client, data_update)
    for sent in mail.outbox:
        assert "\n" not in sent.subject and "\r" not in sent.subject
        assert sent.bcc == []
        assert "Bcc" not in sent.message()


@pytest.mark.parametrize(
    ("message", "error"),
    [
        ("Trop court", None),
        ("  court  ", "trop court"),
        ("", "Saisissez votre message."),
        ("x" * 5001, "trop long : 5001 caractères pour 5000 au plus"),
    ],
)
def test_length_limits_say_why_and_keep_the_text(customer_client, data_update, message, error):
    response = _send(customer_client, data_update, message=message)
    if error is None:  # exactly 10 characters: accepted
        assert response.status_code == 302
        return
    assert response.status_code == 200
    html = response.content.decode()
    assert error in html
    assert message.strip()[:50] in html
    assert not ContactRequest.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_no_type_chosen_says_so(customer_client):
    response = customer_client.post(URL, {"request_type": "", "message": MESSAGE})
    html = response.content.decode()
    assert "Choisissez le type de votre demande." in html
    assert "mon nom de famille a changé" in html


def test_an_inactive_type_is_not_offered(customer_client, data_update):
    data_update.active = False
    data_update.save()
    assert "Mise à jour données client" not in customer_client.get(URL).content.decode()
    response = _send(customer_client, data_update)
    assert response.status_code == 200
    assert not ContactRequest.objects.exists()


def test_it_is_rate_limited_per_customer_in_french_keeping_the_text(
    customer_client, data_update, other_customer, client
):
    for n in range(5):
        assert _send(customer_client, data_update, message=f"{MESSAGE} {n}").status_code == 302
    response = _send(customer_client, data_update, message=f"{MESSAGE} sixième")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Vous avez envoyé beaucoup de demandes en peu de temps" in html
    assert f"{MESSAGE} sixième" in html
    assert ContactRequest.objects.count() == 5
    # Another customer is not held back by the first one's requests.
    client.force_login(other_customer.user, backend="guichet.accounts.backends.CustomerBackend")
    assert _send(client, data_update).status_code == 302


def test_staff_answer_tells_the_customer_and_changes_the_status(
    customer_client, customer, data_update, staff, django_capture_on_commit_callbacks
):
    _send(customer_client, data_update)
    contact_request = ContactRequest.objects.get()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        contact_request_answer(
            contact_request=contact_request,
            author=staff,
            body="C'est fait : votre nouveau nom figure sur votre prochaine facture.",
        )
    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequest.Status.ANSWERED
    (sent,) = mail.outbox
    assert sent.to == [customer.contact_email]
    assert contact_request.reference in sent.subject
    assert "votre nouveau nom figure" in sent.body
    detail = customer_client.get(f"/contactez-nous/mes-demandes/{contact_request.reference}/")
    html = detail.content.decode()
    assert "votre nouveau nom figure" in html
    assert "Répondue" in html
    assert (
        "1 réponse de nos services"
        in customer_client.get("/contactez-nous/mes-demandes/").content.decode()
    )


def test_staff_answer_from_the_back_office(
    customer_client, customer, data_update, admin_client_for_support
):
    _send(customer_client, data_update)
    contact_request = ContactRequest.objects.get()
    url = f"/back-office/support/contactrequest/{contact_request.pk}/change/"
    assert admin_client_for_support.get(url).status_code == 200
    response = admin_client_for_support.post(
        url, {"answer": "Votre dossier est à jour.", "close": "on", **_empty_inline()}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    contact_request.refresh_from_db()
    assert contact_request.status == ContactRequest.Status.CLOSED
    assert contact_request.answers.get().body == "Votre dossier est à jour."
    assert OutboxEmail.objects.filter(template="support_request_answered").count() == 1


def _empty_inline():
    prefix = "answers"
    return {
        f"{prefix}-TOTAL_FORMS": "0",
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


@pytest.fixture
def admin_client_for_support(client, django_user_model, staff_login):
    from django.test import Client

    admin = django_user_model.objects.create_superuser("chef", "chef@example.fr", "x")
    return staff_login(Client(), admin)


def _count(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_query_budget_of_my_requests_does_not_grow(customer_client, customer, data_update, staff):
    url = "/contactez-nous/mes-demandes/"
    _send(customer_client, data_update)
    customer_client.get(url)
    one = _count(customer_client, url)
    detail_url = f"/contactez-nous/mes-demandes/{ContactRequest.objects.get().reference}/"
    detail_one = _count(customer_client, detail_url)
    for n in range(29):
        contact_request = ContactRequest.objects.create(
            reference=f"DEM-TEST-{n:06d}",
            customer=customer,
            request_type=data_update,
            department=data_update.department,
            message=MESSAGE,
        )
        contact_request_answer(contact_request=contact_request, author=staff, body="Réponse")
        contact_request_answer(
            contact_request=ContactRequest.objects.first(), author=staff, body="Encore"
        )
    assert _count(customer_client, url) == one
    assert _count(customer_client, detail_url) == detail_one


def test_query_budget_of_the_contact_page_does_not_grow(customer_client):
    from guichet.support.models import PartnerPoint

    PartnerPoint.objects.create(name="P0", street="1 rue", postal_code="68000", city="Colmar")
    customer_client.get(URL)
    one = _count(customer_client, URL)
    for n in range(29):
        PartnerPoint.objects.create(
            name=f"P{n + 1}", street="1 rue", postal_code="68000", city="Colmar"
        )
    assert _count(customer_client, URL) == one


def test_anonymous_visitors_go_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert "/connexion/" in response["Location"]


def test_an_empty_services_section_points_to_contact_us(customer_client):
    """C5: nothing subscribed in a section of « Mes services »: « Contactez-nous » is a link."""
    html = customer_client.get("/mes-services/").content.decode()
    assert '<a href="/contactez-nous/">contactez votre service client</a>' in html
    html = customer_client.get("/mes-services/mobile/").content.decode()
    assert '<a href="/contactez-nous/">contactez votre service client</a>' in html
