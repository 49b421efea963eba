"""manage.py import_customers (J3): customers, holders, subscriptions and products."""

import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.catalog.imports import import_customers, read_csv, read_json
from guichet.catalog.models import Product, Subscription
from guichet.customers.models import Customer, Holder

pytestmark = pytest.mark.django_db

HEADER = (
    "reference;contract_postal_code;installation_street;installation_postal_code;"
    "installation_city;contact_email;phone_mobile;holder1_civility;holder1_first_name;"
    "holder1_last_name;holder2_civility;holder2_first_name;holder2_last_name;product_code;"
    "product_kind;product_name;product_monthly_price_cents;product_vat_rate;start_date;"
    "end_date;line_number;price_cents"
)
GOOD = [
    "01900001;68000;3 rue des Clefs;68000;Colmar;anne@example.org;06 12 34 56 78;Mme;Anne;"
    "Meyer;M.;Paul;Meyer;fibre-1g;internet;Fibre 1 Gbit/s;2990;20;01/02/2025;;;",
    "01900001;68000;3 rue des Clefs;68000;Colmar;anne@example.org;06 12 34 56 78;Mme;Anne;"
    "Meyer;M.;Paul;Meyer;mobile-20;mobile;Mobile 20 Go;999;20;2025-03-01;;+33612345678;",
    "01900002;67000;1 place Kléber;67000;Strasbourg;;;M.;Luc;Weiss;;;;fibre-1g;;;;;2024-06-15;;;0",
]


def write(tmp_path, lines, name="clients.csv", encoding="utf-8-sig"):
    path = tmp_path / name
    path.write_text("\r\n".join(lines) + "\r\n", encoding=encoding)
    return path


def run(path, *options):
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(
            "import_customers", str(path), "--no-progress", *options, stdout=out, stderr=err
        )
    except CommandError as error:
        return out.getvalue(), err.getvalue(), error
    return out.getvalue(), err.getvalue(), None


def snapshot():
    return (
        list(Customer.objects.order_by("pk").values()),
        list(Subscription.objects.order_by("pk").values()),
        list(Product.objects.order_by("pk").values()),
    )


def test_a_french_spreadsheet_csv_imports_customers_holders_and_subscriptions(tmp_path):
    out, err, error = run(write(tmp_path, [HEADER, *GOOD]))
    assert error is None, err
    assert "2 créés" in out
    anne = Customer.objects.get(reference="01900001")
    assert anne.display_name == "Mme Anne MEYER et M. Paul MEYER"
    assert anne.phone_mobile == "+33612345678"
    assert anne.billing_city == "Colmar"
    assert sorted(anne.subscriptions.values_list("product__code", flat=True)) == [
        "fibre-1g",
        "mobile-20",
    ]
    luc = Customer.objects.get(reference="01900002")
    assert luc.subscriptions.get().price_cents == 0
    assert Product.objects.get(code="fibre-1g").vat_rate_bp == 2000


def test_the_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, [HEADER, *GOOD])
    run(path)
    before = snapshot()
    out, _, error = run(path)
    assert error is None
    assert "0 créés, 0 mis à jour, 2 inchangés" in out
    assert snapshot() == before


def test_updates_are_applied_by_reference_and_subscriptions_by_product_and_start(tmp_path):
    run(write(tmp_path, [HEADER, *GOOD]))
    moved = [
        GOOD[0].replace("3 rue des Clefs;68000;Colmar", "8 rue Vauban;68100;Mulhouse"),
        GOOD[1]
        .replace("3 rue des Clefs;68000;Colmar", "8 rue Vauban;68100;Mulhouse")
        .replace("2025-03-01;;", "2025-03-01;2026-01-31;"),
    ]
    out, err, error = run(write(tmp_path, [HEADER, *moved], name="v2.csv"))
    assert error is None, err
    assert "1 mis à jour" in out
    anne = Customer.objects.get(reference="01900001")
    assert anne.installation_city == "Mulhouse"
    assert anne.billing_street == "8 rue Vauban"
    assert Customer.objects.filter(reference="01900001").count() == 1
    mobile = anne.subscriptions.get(product__code="mobile-20")
    assert str(mobile.end_date) == "2026-01-31"
    assert anne.subscriptions.count() == 2


def test_dry_run_writes_nothing(tmp_path):
    out, _, error = run(write(tmp_path, [HEADER, *GOOD]), "--dry-run")
    assert error is None
    assert "rien n'a été enregistré" in out
    assert "2 créés" in out
    assert not Customer.objects.exists()
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("replace", "reason"),
    [
        (("01900002;67000", "1900002;67000"), "8 chiffres"),
        (("67000;1 place Kléber;67000", "67000;1 place Kléber;6700"), "5 chiffres"),
        (("Strasbourg;;;M.", "Strasbourg;pas-un-email;;M."), "contact_email"),
        (("Strasbourg;;;M.", "Strasbourg;;12;M."), "phone_mobile"),
        (("M.;Luc;Weiss", ";Luc;"), "titulaire"),
        (("fibre-1g;;;;;", "inconnu-9;;;;;"), "produit « inconnu-9 » inconnu"),
        (("2024-06-15", "31/02/2024"), "date « 31/02/2024 » invalide"),
        (("2024-06-15;;;0", "2024-06-15;;;-5"), "centimes"),
        (("2024-06-15;;", "2024-06-15;2024-01-01;"), "fin"),
        (("2024-06-15", ""), "date de début est requise"),
    ],
)
def test_a_bad_line_is_reported_with_its_number_and_nothing_of_its_customer_is_kept(
    tmp_path, replace, reason
):
    bad = GOOD[2].replace(*replace)
    assert bad != GOOD[2]
    out, err, error = run(write(tmp_path, [HEADER, *GOOD[:2], bad]))
    assert error is not None
    assert "ligne 4" in err
    assert reason in err
    assert not Customer.objects.filter(reference__in=["01900002", "1900002"]).exists()
    assert Customer.objects.filter(reference="01900001").exists()


def test_a_bad_subscription_line_refuses_its_whole_customer(tmp_path):
    bad = GOOD[1].replace("2025-03-01", "2025-13-01")
    _, err, error = run(write(tmp_path, [HEADER, GOOD[0], bad, GOOD[2]]))
    assert error is not None
    assert "ligne 3, client 01900001" in err
    assert not Customer.objects.filter(reference="01900001").exists()
    assert not Subscription.objects.filter(customer__reference="01900001").exists()
    assert Customer.objects.filter(reference="01900002").exists()


def test_a_line_number_typed_as_a_french_number_is_stored_in_e164(tmp_path):
    typed = GOOD[1].replace("+33612345678", "06 98 76 54 32")
    out, err, error = run(write(tmp_path, [HEADER, GOOD[0], typed]))
    assert error is None, err
    mobile = Subscription.objects.get(customer__reference="01900001", product__code="mobile-20")
    assert mobile.line_number == "+33698765432"
    _, err, error = run(write(tmp_path, [HEADER, GOOD[0], typed.replace("06 98", "06 98 1")]))
    assert error is not None
    assert "ligne 3, client 01900001 : line_number : " in err


def test_rows_of_one_customer_that_disagree_and_short_rows_are_reported(tmp_path):
    other = GOOD[1].replace("anne@example.org", "autre@example.org")
    _, err, error = run(write(tmp_path, [HEADER, GOOD[0], other, "01900003;68000"]))
    assert error is not None
    assert "ligne 3, client 01900001 : le client diffère de la ligne 2" in err
    assert "ligne 4 : 2 colonnes au lieu de 22" in err
    assert not Customer.objects.exists()


def test_a_bad_product_is_reported(tmp_path):
    bad = GOOD[0].replace("2990;20", "29,90;20")
    _, err, error = run(write(tmp_path, [HEADER, bad]))
    assert error is not None
    assert "ligne 2 : fibre-1g : monthly_price_cents" in err
    assert not Customer.objects.exists()


def test_comma_separated_utf8_without_bom(tmp_path):
    lines = [line.replace(";", ",") for line in (HEADER, GOOD[2])]
    lines[1] = lines[1].replace("1 place Kléber", "1 place Kléber")
    run(write(tmp_path, [HEADER, *GOOD[:1]]))
    out, err, error = run(write(tmp_path, lines, name="b.csv", encoding="utf-8"))
    assert error is None, err
    assert Customer.objects.get(reference="01900002").installation_street == "1 place Kléber"


def test_a_file_not_in_utf8_is_refused_whole(tmp_path):
    path = write(tmp_path, [HEADER, GOOD[2]], encoding="cp1252")
    with pytest.raises(CommandError, match="UTF-8"):
        call_command("import_customers", str(path), "--no-progress", stdout=io.StringIO())


def test_missing_columns_are_refused_whole(tmp_path):
    path = write(tmp_path, ["reference;contract_postal_code", "01900001;68000"])
    with pytest.raises(CommandError, match="installation_street"):
        call_command("import_customers", str(path), "--no-progress", stdout=io.StringIO())


def test_json(tmp_path):
    data = {
        "products": [
            {
                "code": "tv-base",
                "kind": "tv",
                "name": "TV",
                "monthly_price_cents": 1000,
                "vat_rate": "10",
            }
        ],
        "customers": [
            {
                "reference": "01900005",
                "contract_postal_code": "68000",
                "installation_street": "5 rue Rapp",
                "installation_postal_code": "68000",
                "installation_city": "Colmar",
                "billing_street": "BP 12",
                "billing_postal_code": "68001",
                "billing_city": "Colmar Cedex",
                "holders": [{"civility": "Mme", "first_name": "Éva", "last_name": "Klein"}],
                "subscriptions": [{"product_code": "tv-base", "start_date": "2025-01-01"}],
            },
            {"reference": "01900006", "holders": []},
        ],
    }
    path = tmp_path / "clients.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    out, err, error = run(path)
    assert error is not None
    assert "ligne 2, client 01900006" in err
    eva = Customer.objects.get(reference="01900005")
    assert eva.billing_city == "Colmar Cedex"
    assert eva.subscriptions.get().product.vat_rate_bp == 1000
    before = snapshot()
    run(path)
    assert snapshot() == before


def test_progress_bar_goes_to_stderr(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_customers", str(write(tmp_path, [HEADER, *GOOD])), stdout=out, stderr=err)
    assert "clients:" in err.getvalue()
    assert "0/2" in err.getvalue()
    assert "clients:" not in out.getvalue()


# -- By chunks ---------------------------------------------------------------------------------
# The command goes by chunks of CHUNK_SIZE customers; these tests call the import with small
# chunks so that a few lines make several.


def customer_line(n, **changes):
    values = {
        "reference": f"0191{n:04d}",
        "postal_code": "68000",
        "street": f"{n} rue des Clefs",
        "email": f"client{n}@example.org",
        "end": "",
        "line": "",
    }
    values.update(changes)
    return (
        f"{values['reference']};{values['postal_code']};{values['street']};68000;Colmar;"
        f"{values['email']};;Mme;Anne;Meyer;;;;fibre-1g;internet;Fibre 1 Gbit/s;2990;20;"
        f"2025-01-01;{values['end']};{values['line']};"
    )


def import_text(lines, *, chunk_size, dry_run=False):
    return import_customers(
        read_csv("\r\n".join([HEADER, *lines]) + "\r\n"), chunk_size=chunk_size, dry_run=dry_run
    )


def writes(queries):
    return [
        q["sql"] for q in queries if q["sql"].lstrip().startswith(("INSERT", "UPDATE", "DELETE"))
    ]


def test_a_bad_record_in_the_middle_of_a_chunk_is_refused_whole_and_the_others_stored():
    lines = [customer_line(n) for n in range(1, 8)]
    lines[3] = customer_line(4, postal_code="6800")
    report = import_text(lines, chunk_size=5)
    assert [str(problem) for problem in report.problems] == [
        "ligne 5, client 01910004 : contract_postal_code : Le code postal compte 5 chiffres."
    ]
    assert report.refused == ["01910004"]
    assert len(report.created) == 6
    assert not Customer.objects.filter(reference="01910004").exists()
    assert Customer.objects.count() == 6
    assert Subscription.objects.count() == 6


def test_a_record_the_database_refuses_rolls_its_chunk_back_and_replays_it_one_by_one():
    # An end before the start passes the checks made in memory; the table's constraint refuses
    # the chunk, which is then stored customer by customer: its neighbours are kept.
    lines = [customer_line(n) for n in range(1, 8)]
    lines[2] = customer_line(3, end="2024-12-31")
    report = import_text(lines, chunk_size=5)
    assert [str(problem) for problem in report.problems] == [
        "ligne 4, client 01910003 : La date de fin précède la date de début."
    ]
    assert report.refused == ["01910003"]
    assert sorted(report.created) == [f"0191{n:04d}" for n in (1, 2, 4, 5, 6, 7)]
    assert not Customer.objects.filter(reference="01910003").exists()
    assert Subscription.objects.count() == 6
    assert Holder.objects.count() == 6


def test_a_reference_given_twice_in_a_csv_file_is_one_customer_and_refused_if_they_differ():
    first, other = customer_line(1), customer_line(2)
    again = first.replace(
        "fibre-1g;internet;Fibre 1 Gbit/s;2990;20;2025-01-01",
        "mobile-20;mobile;Mobile 20 Go;999;20;2025-02-01",
    )
    report = import_text([first, other, again], chunk_size=1)
    assert report.problems == []
    assert sorted(report.created) == ["01910001", "01910002"]
    assert Customer.objects.get(reference="01910001").subscriptions.count() == 2

    differs = again.replace("client1@", "autre@")
    report = import_text(
        [customer_line(3), customer_line(4), differs.replace("01910001", "01910003")], chunk_size=1
    )
    assert [str(problem) for problem in report.problems] == [
        "ligne 4, client 01910003 : le client diffère de la ligne 2 de la même référence"
    ]
    assert not Customer.objects.filter(reference="01910003").exists()
    assert Customer.objects.filter(reference="01910004").exists()


def test_a_reference_given_twice_in_a_json_file_keeps_the_first():
    customer = {
        "reference": "01910001",
        "contract_postal_code": "68000",
        "installation_street": "5 rue Rapp",
        "installation_postal_code": "68000",
        "installation_city": "Colmar",
        "holders": [{"last_name": "Klein"}],
    }
    data = read_json(json.dumps([customer, {**customer, "installation_city": "Colmar-Sud"}]))
    report = import_customers(data, chunk_size=5)
    assert [str(problem) for problem in report.problems] == [
        "ligne 2, client 01910001 : référence déjà présente au client 1 du fichier"
    ]
    assert Customer.objects.get(reference="01910001").installation_city == "Colmar"


def test_only_the_customers_that_changed_are_written(time_machine):
    time_machine.move_to("2026-11-27 08:00:00+01:00", tick=False)
    lines = [customer_line(n) for n in range(1, 13)]
    import_text(lines, chunk_size=5)
    before = dict(Customer.objects.values_list("reference", "updated_at"))
    lines[1] = customer_line(2, street="9 rue Vauban")
    lines[7] = customer_line(8, end="2026-12-31")
    time_machine.move_to("2026-11-28 08:00:00+01:00", tick=False)
    with CaptureQueriesContext(connection) as queries:
        report = import_text(lines, chunk_size=5)
    assert sorted(report.updated) == ["01910002", "01910008"]
    assert len(report.unchanged) == 10
    assert [sql.split()[0:2] for sql in writes(queries)] == [
        ["UPDATE", '"customers_customer"'],
        ["UPDATE", '"catalog_subscription"'],
    ]
    after = dict(Customer.objects.values_list("reference", "updated_at"))
    assert [ref for ref in after if after[ref] != before[ref]] == ["01910002"]
    assert Customer.objects.get(reference="01910002").installation_street == "9 rue Vauban"
    assert str(Subscription.objects.get(customer__reference="01910008").end_date) == "2026-12-31"


def test_the_same_file_again_only_reads_a_few_queries_per_chunk():
    lines = [customer_line(n) for n in range(1, 41)]
    import_text(lines, chunk_size=10)

    def rerun(count):
        with CaptureQueriesContext(connection) as queries:
            report = import_text(lines[:count], chunk_size=10)
        assert len(report.unchanged) == count
        assert writes(queries) == []
        return len(queries)

    # The file's product (its lookup, in two savepoints) and the catalogue: 6 queries; then
    # customers, their holders, their subscriptions: three reads a chunk, however many
    # customers it holds.
    assert rerun(20) == 6 + 2 * 3
    assert rerun(40) == 6 + 4 * 3


def test_a_dry_run_by_chunks_reports_like_a_real_import_and_writes_nothing():
    lines = [customer_line(n) for n in range(1, 8)]
    lines[2] = customer_line(3, end="2024-12-31")
    report = import_text(lines, chunk_size=5, dry_run=True)
    assert len(report.created) == 6
    assert report.refused == ["01910003"]
    assert not Customer.objects.exists()
    assert not Product.objects.exists()


def test_a_customer_stored_at_the_same_time_by_another_sender_is_refused_not_a_crash(
    monkeypatch,
):
    # Two senders (files or API calls) create the same new customer at once: the one whose
    # write comes second meets the unique reference; its chunk is replayed one by one, and
    # that customer is reported to send again while its neighbours are stored.
    from django.db import IntegrityError

    from guichet.catalog import imports

    real_create = imports.customer_create

    def racing_create(*, reference, **kwargs):
        if reference == "01910002":
            raise IntegrityError("duplicate key value violates unique constraint")
        return real_create(reference=reference, **kwargs)

    def racing_bulk_write(*args, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint")

    monkeypatch.setattr(imports, "customer_create", racing_create)
    monkeypatch.setattr(imports, "customers_import_write", racing_bulk_write)
    report = import_text([customer_line(n) for n in range(1, 4)], chunk_size=5)
    assert [str(problem) for problem in report.problems] == [
        "ligne 3, client 01910002 : enregistré au même moment par un autre envoi : "
        "renvoyez ce client"
    ]
    assert sorted(report.created) == ["01910001", "01910003"]
    assert not Customer.objects.filter(reference="01910002").exists()


def test_a_file_the_command_may_not_read_is_refused_with_a_reason_not_a_traceback(
    tmp_path, monkeypatch
):
    # guichet-manage runs the command as the services' user: a file under /root is refused
    # with what to do, not with a PermissionError traceback (the tests run as root, who reads
    # everything: the refusal is simulated).
    path = write(tmp_path, [HEADER, *GOOD])
    real_open = type(path).open

    def refused(self, *args, **kwargs):
        if self == path:
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(type(path), "open", refused)
    _, _, error = run(path)
    assert "lecture refusée à l'utilisateur" in str(error)
    assert "placez le fichier dans un dossier qu'il peut lire" in str(error)
    _, _, error = run(tmp_path / "absent.csv")
    assert "absent.csv : fichier introuvable" in str(error)
    assert not Customer.objects.exists()
