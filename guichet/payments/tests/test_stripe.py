"""The Stripe adapter against a local stand-in of its API (the stripe library pointed at it)."""

import socket
import time

import pytest

from guichet.core.tests.test_settings import PRODUCTION, _manage
from guichet.payments.models import Payment
from guichet.payments.providers import NotificationError, ProviderError, provider
from guichet.payments.providers.stripe import StripeProvider
from guichet.payments.services.ledger import payment_reference_new

from .stripe_standin import (
    API_KEY,
    WEBHOOK_SECRET,
    form_decode,
    stripe_signature,
    stripe_standin_for,
)


@pytest.fixture
def standin(settings):
    with stripe_standin_for(settings) as server:
        yield server


@pytest.fixture
def payment(customer):
    return Payment.objects.create(
        customer=customer,
        reference=payment_reference_new(),
        method=Payment.Method.CARD,
        amount_cents=6290,
        provider="stripe",
    )


def _start(payment, **overrides):
    arguments = {
        "payment": payment,
        "success_url": f"https://espaceclient.example.fr/payer-en-ligne/retour/{payment.reference}/",
        "cancel_url": f"https://espaceclient.example.fr/payer-en-ligne/retour/{payment.reference}/",
        "customer_email": "claire.muller@example.fr",
    }
    return provider("stripe").checkout_start(**(arguments | overrides))


def _posts(standin):
    return [request for request in standin.requests if request["method"] == "POST"]


# --- Checkout Session ---


def test_the_session_is_created_for_our_amount_currency_and_reference(standin, payment):
    checkout = _start(payment)

    assert checkout.provider_reference.startswith("cs_test_")
    assert checkout.redirect_url == f"{standin.url}/c/pay/{checkout.provider_reference}"
    [request] = _posts(standin)
    assert request["path"] == "/v1/checkout/sessions"
    assert request["headers"]["Authorization"] == f"Bearer {API_KEY}"
    assert request["headers"]["Idempotency-Key"] == f"guichet-checkout-{payment.reference}"
    form = request["form"]
    assert form["mode"] == "payment"
    assert form["line_items"] == [
        {
            "quantity": "1",
            "price_data": {
                "currency": "eur",
                "unit_amount": "6290",
                "product_data": {"name": f"Paiement {payment.reference}"},
            },
        }
    ]
    assert form["client_reference_id"] == payment.reference
    assert form["metadata"] == {"payment_reference": payment.reference}
    assert form["customer_email"] == "claire.muller@example.fr"
    assert form["success_url"].endswith(f"/payer-en-ligne/retour/{payment.reference}/")
    assert form["cancel_url"].endswith(f"/payer-en-ligne/retour/{payment.reference}/")
    assert form["locale"] == "fr"
    session = standin.sessions[checkout.provider_reference]
    assert (session["amount_total"], session["currency"]) == (6290, "eur")


def test_stripes_page_follows_the_customers_saved_language_not_the_request(standin, payment):
    payment.customer.language = "en"
    payment.customer.save(update_fields=["language"])

    _start(payment)

    [request] = _posts(standin)
    assert request["form"]["locale"] == "en"


def test_a_retried_checkout_gives_back_the_same_session(standin, payment):
    first = _start(payment)
    again = _start(payment)

    assert again == first
    assert len(standin.sessions) == 1
    keys = {request["headers"]["Idempotency-Key"] for request in _posts(standin)}
    assert keys == {f"guichet-checkout-{payment.reference}"}


def test_an_answer_lost_on_the_network_is_retried_without_a_second_session(standin, payment):
    # Stripe created the session but the answer never came back: the library tries again
    # with the same key and gets the same session.
    standin.drop_next_answers = 1

    checkout = _start(payment)

    assert len(_posts(standin)) == 2
    assert list(standin.sessions) == [checkout.provider_reference]


def test_two_payments_get_two_sessions(standin, payment, customer):
    other = Payment.objects.create(
        customer=customer,
        reference=payment_reference_new(),
        method=Payment.Method.CARD,
        amount_cents=1250,
        provider="stripe",
    )

    assert _start(payment).provider_reference != _start(other).provider_reference
    assert sorted(s["amount_total"] for s in standin.sessions.values()) == [1250, 6290]


def test_a_session_for_another_amount_is_never_offered(standin, payment):
    checkout = _start(payment)
    standin.sessions[checkout.provider_reference]["amount_total"] = 100

    with pytest.raises(ProviderError, match="not 6290 EUR"):
        _start(payment)


def test_a_refused_key_is_a_provider_error(standin, payment, settings):
    settings.STRIPE_SECRET_KEY = "sk_test_revoked"

    with pytest.raises(ProviderError, match="AuthenticationError"):
        _start(payment)
    assert standin.sessions == {}


def test_stripe_unreachable_is_a_provider_error(settings, payment):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings.STRIPE_SECRET_KEY = API_KEY
    settings.STRIPE_API_BASE = f"http://127.0.0.1:{port}"

    with pytest.raises(ProviderError, match="APIConnectionError"):
        _start(payment)


def test_the_standin_reads_stripes_form_encoding():
    assert form_decode("a[b][0][c]=1&a[b][1][c]=2&d=x") == {
        "a": {"b": [{"c": "1"}, {"c": "2"}]},
        "d": "x",
    }


# --- Webhooks ---


@pytest.mark.parametrize(
    ("event_type", "complete_as", "outcome"),
    [
        ("checkout.session.completed", "paid", "succeeded"),
        ("checkout.session.async_payment_succeeded", "paid", "succeeded"),
        ("checkout.session.async_payment_failed", "unpaid", "refused"),
        ("checkout.session.expired", None, "cancelled"),
        # Completed with a delayed method: nothing is paid yet.
        ("checkout.session.completed", "unpaid", "other"),
        ("payment_intent.created", None, "other"),
        ("customer.created", None, "other"),
    ],
)
def test_a_signed_webhook_becomes_a_provider_event(
    standin, payment, event_type, complete_as, outcome
):
    session_id = _start(payment).provider_reference
    if complete_as:
        standin.complete(session_id, payment_status=complete_as)
    elif outcome == "cancelled":
        standin.expire(session_id)
    body, headers = standin.event(event_type, session_id)

    event = provider("stripe").notification_parse(body=body, headers=headers)

    assert event.event_id.startswith("evt_")
    assert event.event_type == event_type
    assert event.outcome == outcome
    assert event.payment_reference == payment.reference
    assert event.provider_reference == session_id
    assert (event.amount_cents, event.currency) == (6290, "EUR")


def test_the_signature_header_is_found_whatever_its_case(standin, payment):
    session_id = _start(payment).provider_reference
    standin.complete(session_id)
    body, headers = standin.event("checkout.session.completed", session_id)

    event = StripeProvider().notification_parse(
        body=body, headers={"stripe-signature": headers["Stripe-Signature"]}
    )

    assert event.outcome == "succeeded"


def test_an_event_about_another_object_carries_no_amount(standin):
    body = (
        b'{"id": "evt_1", "object": "event", "type": "charge.refunded", "data": '
        b'{"object": {"id": "ch_1", "object": "charge", "amount": 6290, "currency": "eur", '
        b'"metadata": {"payment_reference": "P-2026-ABCDEFGH"}}}}'
    )
    headers = {"Stripe-Signature": _sign(body)}

    event = StripeProvider().notification_parse(body=body, headers=headers)

    assert (event.outcome, event.payment_reference) == ("other", "P-2026-ABCDEFGH")
    assert (event.provider_reference, event.amount_cents, event.currency) == ("", None, "")


def _sign(body: bytes, *, secret: str = WEBHOOK_SECRET, age: int = 0) -> str:
    return stripe_signature(body.decode(), secret, int(time.time()) - age)


def _completed(standin, payment, **event_options):
    session_id = _start(payment).provider_reference
    standin.complete(session_id)
    return standin.event("checkout.session.completed", session_id, **event_options)


def test_fields_of_an_unexpected_shape_are_left_out_not_a_crash(standin):
    body = (
        b'{"id": "evt_2", "object": "event", "type": "checkout.session.completed", "data": '
        b'{"object": {"id": 7, "object": "checkout.session", "payment_status": "paid", '
        b'"amount_total": "6290", "currency": 978, "client_reference_id": ["P"], '
        b'"metadata": "P-2026-ABCDEFGH"}}}'
    )

    event = StripeProvider().notification_parse(
        body=body, headers={"Stripe-Signature": _sign(body)}
    )

    assert event.outcome == "succeeded"
    assert (event.payment_reference, event.provider_reference) == ("", "")
    assert (event.amount_cents, event.currency) == (None, "")


def test_a_tampered_body_is_refused(standin, payment):
    body, headers = _completed(standin, payment)
    tampered = body.replace(b'"amount_total": 6290', b'"amount_total": 1')
    assert tampered != body

    with pytest.raises(NotificationError, match="signature"):
        StripeProvider().notification_parse(body=tampered, headers=headers)


def test_a_body_signed_with_another_secret_is_refused(standin, payment):
    body, headers = _completed(standin, payment, secret="whsec_someone_else")

    with pytest.raises(NotificationError, match="signature"):
        StripeProvider().notification_parse(body=body, headers=headers)


def test_a_signature_older_than_300_seconds_is_refused(standin, payment):
    body, headers = _completed(standin, payment, timestamp=int(time.time()) - 301)

    with pytest.raises(NotificationError, match="tolerance"):
        StripeProvider().notification_parse(body=body, headers=headers)


def test_a_signature_within_300_seconds_is_accepted(standin, payment):
    body, headers = _completed(standin, payment, timestamp=int(time.time()) - 290)

    assert StripeProvider().notification_parse(body=body, headers=headers).outcome == "succeeded"


@pytest.mark.parametrize(
    "headers",
    [{}, {"Stripe-Signature": ""}, {"Stripe-Signature": "garbage"}, {"Stripe-Signature": "t=1"}],
)
def test_a_missing_or_malformed_signature_is_refused(standin, payment, headers):
    body, _ = _completed(standin, payment)

    with pytest.raises(NotificationError):
        StripeProvider().notification_parse(body=body, headers=headers)


@pytest.mark.parametrize(
    "body",
    [b"{not json", b"\xff\xfe", b"[]", b'{"object": "event", "data": {}}', b'"event"'],
)
def test_a_correctly_signed_but_unreadable_body_is_refused(standin, body):
    # Only Stripe knows the secret, but a bad body must still never become a 500.
    try:
        headers = {"Stripe-Signature": _sign(body)}
    except UnicodeDecodeError:
        headers = {"Stripe-Signature": "t=1,v1=00"}

    with pytest.raises(NotificationError):
        StripeProvider().notification_parse(body=body, headers=headers)


def test_without_a_webhook_secret_nothing_is_trusted(standin, payment, settings):
    body, headers = _completed(standin, payment)
    settings.STRIPE_WEBHOOK_SECRET = ""

    with pytest.raises(NotificationError):
        StripeProvider().notification_parse(body=body, headers=headers)


# --- Where a pending payment stands ---


def test_an_open_session_has_no_outcome_yet(standin, payment):
    payment.provider_reference = _start(payment).provider_reference

    assert StripeProvider().payment_outcome(payment=payment) is None
    assert standin.requests[-1]["method"] == "GET"
    assert standin.requests[-1]["path"] == f"/v1/checkout/sessions/{payment.provider_reference}"


def test_a_paid_session_is_a_success(standin, payment):
    payment.provider_reference = _start(payment).provider_reference
    standin.complete(payment.provider_reference)

    event = StripeProvider().payment_outcome(payment=payment)

    assert event.outcome == "succeeded"
    assert event.payment_reference == payment.reference
    assert event.provider_reference == payment.provider_reference
    assert (event.amount_cents, event.currency) == (6290, "EUR")
    # Asked twice, the same answer is the same event (stored once).
    assert StripeProvider().payment_outcome(payment=payment).event_id == event.event_id


def test_an_expired_session_is_a_cancellation(standin, payment):
    payment.provider_reference = _start(payment).provider_reference
    standin.expire(payment.provider_reference)

    event = StripeProvider().payment_outcome(payment=payment)

    assert event.outcome == "cancelled"
    assert event.event_id != f"poll:{payment.provider_reference}:succeeded"


def test_a_completed_session_still_unpaid_has_no_outcome_yet(standin, payment):
    payment.provider_reference = _start(payment).provider_reference
    standin.complete(payment.provider_reference, payment_status="unpaid")

    assert StripeProvider().payment_outcome(payment=payment) is None


def test_a_payment_that_never_reached_stripe_is_not_asked_about(standin, payment):
    assert StripeProvider().payment_outcome(payment=payment) is None
    assert standin.requests == []


def test_a_session_stripe_does_not_know_is_a_provider_error(standin, payment):
    payment.provider_reference = "cs_test_unknown"

    with pytest.raises(ProviderError, match="InvalidRequestError"):
        StripeProvider().payment_outcome(payment=payment)


# --- Settings ---

# Production's test environment already names Stripe, with its two secrets.
STRIPE_ENV = PRODUCTION
assert STRIPE_ENV["PAYMENTS_PROVIDER"] == "stripe"


def test_production_with_stripe_refuses_to_start_without_its_secrets():
    result = _manage(
        "check", **{**STRIPE_ENV, "STRIPE_SECRET_KEY": "", "STRIPE_WEBHOOK_SECRET": ""}
    )

    assert result.returncode != 0
    assert "STRIPE_SECRET_KEY" in result.stderr
    assert "STRIPE_WEBHOOK_SECRET" in result.stderr


def test_production_with_stripe_refuses_a_publishable_key_for_the_secret_one():
    result = _manage("check", **{**STRIPE_ENV, "STRIPE_SECRET_KEY": "pk_live_" + "x" * 24})

    assert result.returncode != 0
    assert "STRIPE_SECRET_KEY" in result.stderr
    assert "STRIPE_WEBHOOK_SECRET" not in result.stderr


def test_production_never_talks_to_another_stripe_address():
    result = _manage("check", **STRIPE_ENV, STRIPE_API_BASE="http://127.0.0.1:9")

    assert result.returncode != 0
    assert "STRIPE_API_BASE" in result.stderr


def test_production_with_stripe_starts_with_its_secrets_from_files(tmp_path):
    key, hook = tmp_path / "stripe_key", tmp_path / "stripe_webhook"
    key.write_text("sk_live_" + "x" * 24 + "\n")
    hook.write_text("whsec_" + "y" * 32 + "\n")
    environment = {
        **STRIPE_ENV,
        "STRIPE_SECRET_KEY": "",
        "STRIPE_WEBHOOK_SECRET": "",
        "STRIPE_SECRET_KEY_FILE": str(key),
        "STRIPE_WEBHOOK_SECRET_FILE": str(hook),
    }
    code = (
        "from django.conf import settings as s; "
        "print(s.PAYMENTS_PROVIDER, s.STRIPE_SECRET_KEY[:8], s.STRIPE_API_BASE)"
    )

    result = _manage("shell", "-c", code, **environment)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "stripe sk_live_ https://api.stripe.com"
