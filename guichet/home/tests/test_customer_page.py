"""The back office's « Fiche client » (issue 11, item 2): everything about one customer on one
page, for the staff allowed to see each part, in a constant number of queries; its three
actions, each with its permission, audited; the search by IBAN end and invoice number."""

import datetime

import pytest
from django.contrib.auth.models import Group, Permission
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from guichet.accounts.models import SecurityEvent, User
from guichet.accounts.services import security_event_record, staff_member_create
from guichet.accounts.tests.factories import CustomerUserFactory
from guichet.accounts.tests.test_reset_outbox import (
    NEW_PASSWORD,
    assert_row_holds_no_link,
    sent_link,
    set_password_with,
)
from guichet.billing.periods import add_months
from guichet.billing.tests.factories import InvoiceFactory
from guichet.catalog.models import TerminationRequest
from guichet.catalog.tests.factories import SubscriptionFactory
from guichet.core.models import OutboxEmail, StaffAccess
from guichet.customers.tests.factories import CustomerFactory
from guichet.payments.models import Mandate, Payment
from guichet.support.models import ContactRequest, RequestType

pytestmark = pytest.mark.django_db

STAFF_PASSWORD = "Un-Agent-Bien-Protege-2026"
FULL_IBAN = "FR7630006000011234567890189"
LOGIN = "/connexion/"


def page_url(customer) -> str:
    return reverse("admin:customers_customer_page", args=[customer.pk])


def member(role):
    user, _code = staff_member_create(
        username=f"agent-{role}", email=f"{role}@example.fr", password=STAFF_PASSWORD, role=role
    )
    return user


def mandate(customer, *, last4="0189", status=Mandate.Status.ACTIVE) -> Mandate:
    return Mandate.objects.create(
        customer=customer,
        rum=f"RUM-{customer.reference}-{Mandate.objects.count()}",
        status=status,
        signed_at=timezone.now(),
        # What a leak would show: the page never reads this column.
        iban_encrypted=FULL_IBAN,
        iban_last4=last4,
        account_holder="Claire Muller",
        debit_day=5,
        revoked_at=timezone.now() if status == Mandate.Status.REVOKED else None,
    )


def history(customer, n: int, *, offset: int = 0):
    """n of everything the page lists, for this customer."""
    request_type = RequestType.objects.first()
    today = timezone.localdate()
    for i in range(offset, offset + n):
        subscription = SubscriptionFactory(customer=customer, line_number="")
        InvoiceFactory(customer=customer, period=add_months(datetime.date(2020, 1, 1), i))
        Payment.objects.create(
            customer=customer,
            reference=f"P-{customer.reference}-{i}",
            method=Payment.Method.CARD,
            amount_cents=1000 + i,
            provider="sandbox",
        )
        ContactRequest.objects.create(
            reference=f"DEM-{customer.reference[-4:]}-{i:06d}",
            customer=customer,
            request_type=request_type,
            department=request_type.department,
            message="Une demande de la fiche client.",
        )
        TerminationRequest.objects.create(
            customer=customer,
            subscription=subscription,
            reference=f"RES-{customer.reference}-{i}",
            effective_date=today + datetime.timedelta(days=10),
        )
        mandate(customer, last4=f"{i:04d}", status=Mandate.Status.REVOKED)
        if hasattr(customer, "user"):
            security_event_record(user=customer.user, kind=SecurityEvent.Kind.LOGIN_FAILED)


def test_the_page_shows_everything_to_administration(client, staff_login, customer):
    history(customer, 2)
    mandate(customer, last4="0189")
    staff_login(client, member("administration"))

    response = client.get(page_url(customer))

    assert response.status_code == 200
    html = response.content.decode()
    assert "Fiche client 01776108" in html
    assert "Mme Claire MULLER" in html
    for heading in [
        "Titulaires", "Adresses", "Coordonnées", "Compte Espace Client", "Abonnements",
        "Factures", "Paiements", "Mandat de prélèvement SEPA", "Demandes de contact",
        "Demandes de résiliation", "Sécurité du compte", "Actions",
    ]:  # fmt: skip
        assert f">{heading}</h2>" in html, heading
    assert "•••• 0189" in html
    assert FULL_IBAN not in html and "FR76" not in html
    assert "no-store" in response["Cache-Control"]
    assert StaffAccess.objects.filter(detail="fiche client", object_id=str(customer.pk)).exists()


def forms_of(html: str) -> set[str]:
    return {
        name
        for name, label in [
            ("first_access", "Envoyer le lien de premier accès"),
            ("lift", "Lever le blocage"),
            ("resend", "avis de facture</button>"),
        ]
        if label in html
    }


def test_support_sees_the_account_and_requests_and_may_do_every_action(
    client, staff_login, customer
):
    history(customer, 1)
    staff_login(client, member("support"))

    html = client.get(page_url(customer)).content.decode()

    for heading in ["Compte Espace Client", "Demandes de contact", "Sécurité du compte"]:
        assert f">{heading}</h2>" in html
    assert forms_of(html) == {"first_access", "lift", "resend"}
    assert "•••• 0000" in html and FULL_IBAN not in html


def test_billing_sees_invoices_payments_and_mandate_but_no_security_or_requests(
    client, staff_login, customer
):
    history(customer, 1)
    staff_login(client, member("billing"))

    response = client.get(page_url(customer))

    html = response.content.decode()
    assert response.status_code == 200
    for heading in ["Factures", "Paiements", "Mandat de prélèvement SEPA", "Abonnements"]:
        assert f">{heading}</h2>" in html
    for heading in [
        "Compte Espace Client",
        "Demandes de contact",
        "Demandes de résiliation",
        "Sécurité du compte",
    ]:
        assert f">{heading}</h2>" not in html
    assert forms_of(html) == {"resend"}
    for action in ["first_access", "lift_throttle"]:
        url = reverse(f"admin:customers_customer_{action}", args=[customer.pk])
        assert client.post(url).status_code == 403
    assert not User.objects.filter(customer=customer).exclude(pk=customer.user.pk).exists()


def test_staff_without_the_customer_permission_get_403(client, staff, staff_login, customer):
    staff_login(client, staff)
    assert client.get(page_url(customer)).status_code == 403
    invoice = InvoiceFactory(customer=customer)
    staff.user_permissions.add(Permission.objects.get(codename="view_customer"))
    staff = User.objects.get(pk=staff.pk)  # permissions are cached on the instance
    assert client.get(page_url(customer)).status_code == 200
    for action, data in [
        ("first_access", {}),
        ("lift_throttle", {}),
        ("resend_invoice", {"invoice": invoice.pk}),
    ]:
        url = reverse(f"admin:customers_customer_{action}", args=[customer.pk])
        assert client.post(url, data).status_code == 403, action
    assert not OutboxEmail.objects.exists()


def test_a_customer_never_reaches_it(customer_client, customer):
    response = customer_client.get(page_url(customer))
    assert response.status_code == 302
    assert response.url.startswith("/back-office/login/")
    url = reverse("admin:customers_customer_first_access", args=[customer.pk])
    assert customer_client.post(url).status_code == 302
    assert not OutboxEmail.objects.exists()


def test_an_unknown_customer_is_a_404(admin_client):
    assert admin_client.get("/back-office/customers/customer/999999/fiche/").status_code == 404
    url = "/back-office/customers/customer/99999999999999999999999/fiche/"
    assert admin_client.get(url).status_code == 404


def test_actions_take_only_post_and_every_form_carries_a_token(client, staff_login, customer):
    invoice = InvoiceFactory(customer=customer)
    staff = member("support")
    staff_login(client, staff)
    html = client.get(page_url(customer)).content.decode()
    assert html.count('name="csrfmiddlewaretoken"') >= 3
    for action in ["first_access", "lift_throttle", "resend_invoice"]:
        url = reverse(f"admin:customers_customer_{action}", args=[customer.pk])
        assert client.get(url).status_code == 405

    strict = staff_login(Client(enforce_csrf_checks=True), staff)
    for action, data in [
        ("first_access", {}),
        ("lift_throttle", {}),
        ("resend_invoice", {"invoice": invoice.pk}),
    ]:
        url = reverse(f"admin:customers_customer_{action}", args=[customer.pk])
        assert strict.post(url, data).status_code == 403, action
    assert not OutboxEmail.objects.exists()
    assert not StaffAccess.objects.filter(action=StaffAccess.Action.ACTION).exists()


def test_the_page_runs_a_constant_number_of_queries(client, staff_login, customer):
    small = customer
    large = CustomerFactory()
    CustomerUserFactory(customer=large)
    history(small, 1)
    history(large, 30, offset=1)
    mandate(large)
    staff_login(client, member("administration"))
    client.get(page_url(small))

    def count(target):
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page_url(target))
        assert response.status_code == 200
        return len(queries), response

    few, _ = count(small)
    many, response = count(large)
    assert many == few, (few, many)
    assert few <= 30
    html = response.content.decode()
    # 24 of 30 invoices, with the way to all of them.
    assert html.count("/pdf/") == 24
    assert "Les plus récentes sont affichées : voir toutes les factures" in html
    link = f"/back-office/billing/invoice/?customer__id__exact={large.pk}"
    assert link in html.replace("&amp;", "&")
    listing = client.get(link)
    assert listing.status_code == 200 and listing.context["cl"].result_count == 30


def test_every_filtered_list_it_links_to_opens(client, staff_login, customer):
    history(customer, 1)
    staff_login(client, member("administration"))
    response = client.get(page_url(customer))
    for key in [
        "subscriptions_url",
        "invoices_url",
        "payments_url",
        "mandates_url",
        "contact_requests_url",
        "terminations_url",
        "security_events_url",
    ]:
        url = response.context[key]
        listing = client.get(url)
        assert listing.status_code == 200, url
        assert listing.context["cl"].result_count >= 1, url


def test_the_list_and_the_change_form_link_to_the_page(client, staff_login, customer):
    staff_login(client, member("support"))
    url = page_url(customer)
    assert url in client.get("/back-office/customers/customer/").content.decode()
    change = client.get(reverse("admin:customers_customer_change", args=[customer.pk]))
    assert url in change.content.decode()


# --- actions ------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_customer_added_by_staff_gets_a_first_access_link(client, staff_login):
    customer = CustomerFactory(reference="04444444", contact_email="nouveau@example.fr")
    assert not User.objects.filter(customer=customer).exists()
    # Transactional tests empty the database, the roles' groups too: the permission itself.
    staff = User.objects.create_user("agent-support", is_staff=True)
    staff.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_customer", "send_first_access_link"])
    )
    staff_login(client, staff)

    response = client.post(
        reverse("admin:customers_customer_first_access", args=[customer.pk]), follow=True
    )

    assert response.redirect_chain[-1][0] == page_url(customer)
    assert "Le lien de premier accès est envoyé à nouveau@example.fr" in response.content.decode()
    user = User.objects.get(customer=customer)
    assert not user.has_usable_password()
    row = OutboxEmail.objects.get(template="password_reset")
    assert row.to == "nouveau@example.fr"
    assert "première connexion" in row.body_text
    # No password exists yet, and the customer asked for nothing: not the reset's last words.
    assert "personne ne peut se connecter à votre compte" in row.body_text
    assert "votre mot de passe actuel reste valable" not in row.body_text
    link = sent_link(mail.outbox[-1])
    assert_row_holds_no_link(row, link["token"])
    set_password_with(link.group(0))
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert SecurityEvent.objects.filter(
        user=user, kind=SecurityEvent.Kind.RESET_LINK_SENT_BY_STAFF
    ).exists()
    audit = StaffAccess.objects.get(action=StaffAccess.Action.ACTION)
    assert audit.staff_username == "agent-support"
    assert audit.detail == "fiche client : lien de premier accès envoyé"
    assert audit.object_id == str(customer.pk)


def test_no_first_access_link_without_a_contact_email(client, staff_login):
    customer = CustomerFactory(contact_email="")
    staff_login(client, member("support"))

    response = client.post(
        reverse("admin:customers_customer_first_access", args=[customer.pk]), follow=True
    )

    assert "pas d&#x27;e-mail de contact" in response.content.decode()
    assert not User.objects.filter(customer=customer).exists()
    assert not OutboxEmail.objects.exists()
    assert not StaffAccess.objects.filter(action=StaffAccess.Action.ACTION).exists()


def test_lifting_the_throttle_lets_the_customer_log_in_again(
    client, staff_login, customer, customer_user, password
):
    browser = Client()
    for _ in range(5):
        assert (
            browser.post(LOGIN, {"login": "01776108", "password": "pas-le-bon"}).status_code == 200
        )
    assert browser.post(LOGIN, {"login": "01776108", "password": "pas-le-bon"}).status_code == 429
    assert browser.post(LOGIN, {"login": "01776108", "password": password}).status_code == 429
    staff_login(client, member("support"))
    page = client.get(page_url(customer)).content.decode()
    assert "Suspendue après 5 essais infructueux" in page

    response = client.post(
        reverse("admin:customers_customer_lift_throttle", args=[customer.pk]), follow=True
    )

    assert "Le blocage de connexion est levé" in response.content.decode()
    assert "Aucun essai infructueux récent" in response.content.decode()
    assert browser.post(LOGIN, {"login": "01776108", "password": password}).status_code == 302
    assert SecurityEvent.objects.filter(
        user=customer_user, kind=SecurityEvent.Kind.THROTTLE_LIFTED
    ).exists()
    assert StaffAccess.objects.get(action=StaffAccess.Action.ACTION).detail == (
        "fiche client : blocage de connexion levé"
    )
    notice = OutboxEmail.objects.get(template="security_notice")
    assert notice.to == customer.contact_email
    assert "a levé le blocage de la connexion" in notice.body_text


def test_no_throttle_to_lift_without_an_account(client, staff_login):
    customer = CustomerFactory()
    staff_login(client, member("support"))
    response = client.post(
        reverse("admin:customers_customer_lift_throttle", args=[customer.pk]), follow=True
    )
    assert "pas encore de compte" in response.content.decode()


def test_resending_an_invoice_notice_queues_it_for_that_invoice(
    client, staff_login, customer, other_customer
):
    mine = InvoiceFactory(customer=customer)
    InvoiceFactory(customer=customer)
    theirs = InvoiceFactory(customer=other_customer)
    staff_login(client, member("billing"))
    url = reverse("admin:customers_customer_resend_invoice", args=[customer.pk])

    response = client.post(url, {"invoice": mine.pk}, follow=True)

    assert f"L&#x27;avis de la facture {mine.number} est renvoyé à" in response.content.decode()
    row = OutboxEmail.objects.get(template="invoice_available")
    assert row.to == customer.contact_email
    assert mine.number in row.subject
    # Staff sent it: the e-mail does not claim the customer asked for these notices.
    assert "vous avez demandé à être notifié" not in row.body_html
    assert "Notre service client vous renvoie cet avis" in row.body_html
    assert StaffAccess.objects.get(action=StaffAccess.Action.ACTION).detail == (
        f"fiche client : avis de la facture {mine.number} renvoyé"
    )
    # Another customer's invoice, or no invoice at all, is not found.
    for bad in [theirs.pk, 999999, "abc", "", "9" * 30, "\x00"]:
        assert client.post(url, {"invoice": bad}).status_code == 404, bad
    assert OutboxEmail.objects.count() == 1


def test_the_notice_goes_to_the_invoice_address_when_there_is_one(client, staff_login, customer):
    customer.invoice_email = "factures@example.fr"
    customer.save(update_fields=["invoice_email"])
    invoice = InvoiceFactory(customer=customer)
    staff_login(client, member("support"))
    client.post(
        reverse("admin:customers_customer_resend_invoice", args=[customer.pk]),
        {"invoice": invoice.pk},
    )
    assert OutboxEmail.objects.get(template="invoice_available").to == "factures@example.fr"


# --- search -------------------------------------------------------------------------------


def found(client, term) -> set[str]:
    response = client.get("/back-office/customers/customer/", {"q": term})
    assert response.status_code == 200, term
    return {c.reference for c in response.context["cl"].result_list}


def test_search_by_the_end_of_an_iban_and_by_invoice_number(
    client, staff_login, customer, other_customer
):
    mandate(customer, last4="0189")
    mandate(other_customer, last4="4521")
    invoice = InvoiceFactory(customer=other_customer)
    staff_login(client, member("support"))

    assert found(client, "iban:0189") == {"01776108"}
    assert found(client, "IBAN 89") == {"01776108"}
    assert found(client, "0189") == {"01776108"}
    assert found(client, "21") == {"09999999"}
    assert found(client, invoice.number) == {"09999999"}
    assert found(client, invoice.number.lower()) == {"09999999"}
    assert found(client, "iban:9999") == set()
    # What worked before still does.
    assert found(client, "Muller") == {"01776108"}
    assert found(client, "01776108") == {"01776108"}


@pytest.mark.parametrize(
    "term",
    [
        "x" * 5000,
        " ".join(["mot"] * 2000),
        "iban:",
        "iban:12345678",
        "iban:%_",
        "%",
        "_",
        "\\",
        "' OR 1=1 --",
        "Zoë 😀 \u202e",
        "T" + "9" * 40,
        "abc\x00def",
        '"unterminated',
    ],
)
def test_odd_searches_never_fail(client, staff_login, customer, term):
    mandate(customer)
    staff_login(client, member("support"))
    response = client.get("/back-office/customers/customer/", {"q": term})
    assert response.status_code in (200, 302), response.status_code


def test_staff_who_may_not_see_mandates_or_invoices_do_not_search_by_them(
    client, staff, staff_login, customer
):
    mandate(customer, last4="0189")
    invoice = InvoiceFactory(customer=customer)
    staff.user_permissions.add(Permission.objects.get(codename="view_customer"))
    staff_login(client, staff)
    assert found(client, "iban:0189") == set()
    assert found(client, "0189") == set()
    assert found(client, invoice.number) == set()
    assert found(client, "Muller") == {"01776108"}


def test_the_users_list_action_asks_for_the_same_permission(client, staff, staff_login):
    def actions():
        form = client.get("/back-office/accounts/user/").context["action_form"]
        return dict(form.fields["action"].choices) if form else {}

    staff.user_permissions.add(Permission.objects.get(codename="view_user"))
    staff_login(client, staff)
    assert "send_first_access_link" not in actions()
    staff_login(client, member("support"))
    assert "send_first_access_link" in actions()


@pytest.mark.parametrize(
    ("role", "first_access", "lift", "resend"),
    [
        ("support", True, True, True),
        ("billing", False, False, True),
        ("administration", True, True, True),
    ],
)
def test_each_role_has_the_actions_it_should(role, first_access, lift, resend):
    user = member(role)
    assert user.has_perm("accounts.send_first_access_link") is first_access
    assert user.has_perm("accounts.lift_login_throttle") is lift
    assert user.has_perm("billing.resend_invoice_notification") is resend
    if role != "administration":  # superusers have every permission anyway: the group too
        return
    codenames = set(
        Group.objects.get(name="Administration").permissions.values_list("codename", flat=True)
    )
    assert {"send_first_access_link", "lift_login_throttle", "resend_invoice_notification"} <= (
        codenames
    )
