"""IBAN, BIC and creditor identifier checks, and IBANs encrypted at rest (F1, F2, F5)."""

import base64

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from guichet.core.tests.test_settings import PRODUCTION, _manage
from guichet.payments.forms_mandate import MandateForm
from guichet.payments.iban import (
    BIC_MESSAGES,
    IBAN_MESSAGES,
    IbanKeyError,
    bic_check,
    creditor_id_problem,
    fernet_keys_parse,
    iban_check,
    iban_decrypt,
    iban_encrypt,
    iban_mask,
    iban_reencrypt,
)
from guichet.payments.services.mandates import bank_details_check

FRENCH = "FR7630006000011234567890189"
GERMAN = "DE89370400440532013000"
ITALIAN = "IT60X0542811101000000123456"


@pytest.mark.parametrize(
    ("typed", "compact", "bic"),
    [
        ("FR76 3000 6000 0112 3456 7890 189", FRENCH, "AGRIFRPPXXX"),
        ("DE89 3704 0044 0532 0130 00", GERMAN, "COBADEFFXXX"),
        ("IT60 X054 2811 1010 0000 0123 456", ITALIAN, "BLOPIT22"),
        # Lower case, no spaces, spaces anywhere, a non-breaking space pasted from a PDF.
        ("fr7630006000011234567890189", FRENCH, "AGRIFRPPXXX"),
        ("  de89 3704\u00a00044 05320130 00 ", GERMAN, "COBADEFFXXX"),
        ("it60x0542811101000000123456", ITALIAN, "BLOPIT22"),
    ],
)
def test_it_accepts_french_german_and_italian_ibans_however_typed(typed, compact, bic):
    checked = iban_check(typed)
    assert checked.iban == compact
    assert checked.bic == bic


@pytest.mark.parametrize("iban", [FRENCH, GERMAN, ITALIAN])
def test_it_refuses_one_changed_digit(iban):
    # Every single digit changed, each way: ISO 13616's mod 97 catches them all.
    for position in range(4, len(iban)):
        if not iban[position].isdigit():
            continue
        for digit in "0123456789":
            if digit == iban[position]:
                continue
            changed = iban[:position] + digit + iban[position + 1 :]
            with pytest.raises(ValidationError) as caught:
                iban_check(changed)
            assert caught.value.code == "checksum", changed


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("", "required"),
        ("FR76 3000 6000 0112 3456 7890 18", "length"),
        ("FR76 3000 6000 0112 3456 7890 1899", "length"),
        ("XX76 3000 6000 0112 3456 7890 189", "country"),
        ("FR76-3000-6000-0112-3456-7890-189é", "characters"),
        ("FR٧٦30006000011234567890189", "characters"),
        ("F" * 40, "too_long"),
        ("FR", "length"),
        # Valid, but outside the SEPA area (Turkey, Brazil).
        ("TR33 0006 1005 1978 6457 8413 26", "not_sepa"),
        ("BR15 0000 0000 0000 1093 2840 814P 2", "not_sepa"),
    ],
)
def test_it_refuses_what_is_not_a_sepa_iban_with_a_french_message(typed, code):
    with pytest.raises(ValidationError) as caught:
        iban_check(typed)
    assert caught.value.code == code
    assert caught.value.messages[0] == str(IBAN_MESSAGES[code])


def test_the_bic_is_filled_from_the_iban_when_left_empty():
    details = bank_details_check(
        iban="de89 3704 0044 0532 0130 00", bic="", account_holder="Max Muster", debit_day=5
    )
    assert details.bic == "COBADEFFXXX"
    # A BIC typed by the customer wins, normalised.
    details = bank_details_check(
        iban=GERMAN, bic="deut de ff", account_holder="Max Muster", debit_day="5"
    )
    assert details.bic == "DEUTDEFF"


def test_a_bic_is_required_outside_the_eea_when_the_bank_is_unknown():
    with pytest.raises(ValidationError) as caught:
        bank_details_check(
            iban="GB82 WEST 1234 5698 7654 32", bic="", account_holder="J. Smith", debit_day=5
        )
    assert caught.value.message_dict == {"bic": [str(BIC_MESSAGES["required"])]}
    details = bank_details_check(
        iban="GB82 WEST 1234 5698 7654 32",
        bic="NWBKGB2L",
        account_holder="J. Smith",
        debit_day=5,
    )
    assert (details.iban, details.bic) == ("GB82WEST12345698765432", "NWBKGB2L")


@pytest.mark.parametrize("bic", ["AGRIFRP", "AGRIFRPP1", "ZZZZZZZZ", "AGRI FR PP ÉÉ", "12345678"])
def test_it_refuses_a_malformed_bic(bic):
    with pytest.raises(ValidationError) as caught:
        bic_check(bic)
    assert caught.value.messages == [str(BIC_MESSAGES["invalid"])]


def test_only_the_offered_debit_days_and_a_holder_are_accepted(settings):
    settings.PAYMENTS_DEBIT_DAYS = [5, 15]
    with pytest.raises(ValidationError) as caught:
        bank_details_check(iban=FRENCH, bic="", account_holder="  ", debit_day="10")
    assert set(caught.value.message_dict) == {"account_holder", "debit_day"}
    details = bank_details_check(
        iban=FRENCH, bic="", account_holder="  Claire   Muller ", debit_day="15"
    )
    assert (details.account_holder, details.debit_day) == ("Claire Muller", 15)


def test_the_mask_shows_the_country_and_the_last_four_characters_only():
    assert iban_mask(FRENCH) == "FR76 •••• •••• 0189"
    assert "3000" not in iban_mask(FRENCH)


# Every message the IBAN field can show: ours, and Django's own (in French) for a value longer
# than the field or holding a NUL character.
FRENCH_IBAN_MESSAGES = {str(message) for message in IBAN_MESSAGES.values()} | {
    "Le caractère nul n’est pas autorisé.",
}


def _iban_field_errors(iban: str) -> list[str]:
    form = MandateForm(
        data={
            "iban": iban,
            "bic": "",
            "account_holder": "Claire Muller",
            "debit_day": "5",
            "accept_mandate": "on",
            "password": "x",
        }
    )
    form.is_valid()
    return form.errors.get("iban", [])


@hypothesis_settings(max_examples=400, deadline=None)
@given(
    st.one_of(
        st.text(max_size=80),
        # IBAN-shaped: two letters, two digits, then letters, digits and separators.
        st.from_regex(r"[A-Za-z]{2}[0-9]{2}[A-Za-z0-9 \-]{0,40}", fullmatch=True),
        # A valid IBAN with one character replaced by anything.
        st.tuples(
            st.sampled_from([FRENCH, GERMAN, ITALIAN]), st.integers(0, 26), st.characters()
        ).map(lambda t: t[0][: t[1]] + t[2] + t[0][t[1] + 1 :]),
    )
)
def test_fuzzing_the_iban_field_always_gives_a_french_message_or_a_valid_iban(typed):
    errors = _iban_field_errors(typed)
    if errors:
        for message in errors:
            assert message in FRENCH_IBAN_MESSAGES or message.startswith(
                "Assurez-vous que cette valeur comporte au plus"
            ), message
    else:
        assert iban_check(typed).iban.isalnum()


# --- Creditor identifier (ICS) --------------------------------------------------------------


@pytest.mark.parametrize("ics", ["FR72ZZZ123456", "FR98ZZZ5C5FA9", "DE98ZZZ09999999999"])
def test_well_formed_creditor_identifiers_pass(ics):
    assert creditor_id_problem(ics) == ""


@pytest.mark.parametrize(
    "ics", ["FR73ZZZ123456", "FR72ZZZ12345", "FR72ZZZ1234567", "72ZZZ123456", "FR72ZZ", ""]
)
def test_malformed_creditor_identifiers_fail(ics):
    assert creditor_id_problem(ics)


# --- Encryption at rest ------------------------------------------------------------------------


def test_an_encrypted_iban_holds_nothing_readable_and_decrypts_back():
    token = iban_encrypt(FRENCH)
    assert FRENCH not in token and "0189" not in token and "30006" not in token
    assert iban_decrypt(token) == FRENCH
    # Two encryptions of one IBAN differ (random IV): equal IBANs cannot be spotted.
    assert iban_encrypt(FRENCH) != token


def test_a_wrong_key_fails_clearly(settings):
    token = iban_encrypt(FRENCH)
    settings.PAYMENTS_IBAN_KEYS = [Fernet.generate_key()]
    with pytest.raises(IbanKeyError, match="PAYMENTS_IBAN_KEY"):
        iban_decrypt(token)


def test_keys_rotate_newest_first(settings):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings.PAYMENTS_IBAN_KEYS = [old]
    token = iban_encrypt(GERMAN)
    settings.PAYMENTS_IBAN_KEYS = [new, old]
    assert iban_decrypt(token) == GERMAN
    rotated = iban_reencrypt(token)
    settings.PAYMENTS_IBAN_KEYS = [new]
    assert iban_decrypt(rotated) == GERMAN
    with pytest.raises(IbanKeyError):
        iban_decrypt(token)


def test_the_key_variable_is_parsed_and_a_bad_key_is_named():
    first, second = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    assert fernet_keys_parse(f"{first}, {second}\n") == [first.encode(), second.encode()]
    assert fernet_keys_parse("") == []
    with pytest.raises(ValueError, match="key #2"):
        fernet_keys_parse(f"{first},not-a-key")


# --- Production start-up ----------------------------------------------------------------------

# Everything production needs but the IBAN key.
PRODUCTION_WITH_PROVIDER = {
    key: value for key, value in PRODUCTION.items() if key != "PAYMENTS_IBAN_KEY"
}
SHOW_KEYS = "from django.conf import settings as s; print(len(s.PAYMENTS_IBAN_KEYS))"


def test_production_refuses_a_missing_or_invalid_key_and_takes_one_from_a_file(tmp_path):
    missing = _manage("check", **PRODUCTION_WITH_PROVIDER)
    assert missing.returncode != 0
    assert "needs PAYMENTS_IBAN_KEY (or PAYMENTS_IBAN_KEY_FILE)" in missing.stderr

    invalid = _manage("check", **PRODUCTION_WITH_PROVIDER, PAYMENTS_IBAN_KEY="too-short")
    assert invalid.returncode != 0
    assert "PAYMENTS_IBAN_KEY: key #1 is not a Fernet key" in invalid.stderr

    key_file = tmp_path / "iban_key"
    new_key = base64.urlsafe_b64encode(b"n" * 32).decode()
    key_file.write_text(f"{new_key}\n{Fernet.generate_key().decode()}\n")
    result = _manage(
        "shell", "-c", SHOW_KEYS, **PRODUCTION_WITH_PROVIDER, PAYMENTS_IBAN_KEY_FILE=str(key_file)
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "2"


def test_production_refuses_a_malformed_creditor_identifier():
    result = _manage(
        "check",
        **PRODUCTION_WITH_PROVIDER,
        PAYMENTS_IBAN_KEY=Fernet.generate_key().decode(),
        PAYMENTS_CREDITOR_ID="FR73ZZZ123456",
    )
    assert result.returncode != 0
    assert "PAYMENTS_CREDITOR_ID: its check digits are wrong" in result.stderr
