"""Shared storage (several machines): STORAGE_BACKEND and S3_* read at start-up, /healthz on S3."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.storage import default_storage_from_env

from .s3server import S3Server
from .test_settings import PRODUCTION, _manage

ROOT = Path(__file__).resolve().parents[3]
S3_VARIABLES = (
    "STORAGE_BACKEND",
    "S3_BUCKET",
    "S3_ENDPOINT_URL",
    "S3_REGION",
    "S3_ACCESS_KEY_ID",
    "S3_SECRET_ACCESS_KEY",
    "S3_PREFIX",
    "S3_ADDRESSING_STYLE",
)
COMPLETE = {
    "STORAGE_BACKEND": "s3",
    "S3_BUCKET": "guichet-factures",
    "S3_ENDPOINT_URL": "https://s3.fr-par.scw.cloud",
    "S3_REGION": "fr-par",
    "S3_ACCESS_KEY_ID": "SCWTESTACCESSKEY0000",
    "S3_SECRET_ACCESS_KEY": "0123456789abcdef0123456789abcdef",
    "S3_PREFIX": "/espace-client/",
}


@pytest.fixture
def env(monkeypatch):
    for name in S3_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(f"{name}_FILE", raising=False)

    def set_env(**values):
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_env


def test_the_default_is_the_local_folder(env):
    assert default_storage_from_env() == {"BACKEND": "django.core.files.storage.FileSystemStorage"}


def test_variables_left_empty_take_their_defaults(env):
    # As in .env.example, where every variable is listed, some with no value.
    env(STORAGE_BACKEND="")
    assert default_storage_from_env()["BACKEND"].endswith("FileSystemStorage")
    env(**{**COMPLETE, "S3_ADDRESSING_STYLE": "", "S3_REGION": "", "S3_PREFIX": ""})
    options = default_storage_from_env()["OPTIONS"]
    assert options["client_config"].s3 == {"addressing_style": "path"}
    assert (options["region_name"], options["location"]) == (None, "")


def test_s3_objects_are_private_and_never_overwritten(env):
    env(**COMPLETE)
    storage = default_storage_from_env()
    options = storage["OPTIONS"]
    assert storage["BACKEND"] == "storages.backends.s3.S3Storage"
    assert options["bucket_name"] == "guichet-factures"
    assert options["endpoint_url"] == "https://s3.fr-par.scw.cloud"
    assert options["region_name"] == "fr-par"
    assert options["location"] == "espace-client"
    assert options["default_acl"] is None
    assert options["querystring_auth"] is True
    assert options["file_overwrite"] is False
    assert options["client_config"].s3 == {"addressing_style": "path"}
    assert options["client_config"].connect_timeout == 5


def test_the_secret_key_may_come_from_a_file(env, tmp_path):
    secret = tmp_path / "s3_secret"
    secret.write_text("from-the-file\n")
    env(**{**COMPLETE, "S3_SECRET_ACCESS_KEY": "", "S3_SECRET_ACCESS_KEY_FILE": str(secret)})
    assert default_storage_from_env()["OPTIONS"]["secret_key"] == "from-the-file"


def test_amazon_s3_needs_no_endpoint(env):
    env(**{**COMPLETE, "S3_ENDPOINT_URL": "", "S3_REGION": "eu-west-3"})
    options = default_storage_from_env()["OPTIONS"]
    assert options["endpoint_url"] is None
    assert options["client_config"].s3 == {"addressing_style": "auto"}


def test_an_incomplete_s3_configuration_names_every_missing_variable(env):
    env(STORAGE_BACKEND="s3", S3_ENDPOINT_URL="minio:9000")
    with pytest.raises(ImproperlyConfigured) as error:
        default_storage_from_env()
    message = str(error.value)
    for name in ("S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY", "S3_ENDPOINT_URL"):
        assert name in message
    assert "STORAGE_BACKEND=s3 needs" in message


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("S3_BUCKET", "Mes_Factures"),
        ("S3_BUCKET", "ab"),
        ("S3_ADDRESSING_STYLE", "sideways"),
        ("S3_PREFIX", "factures/../autre"),
    ],
)
def test_a_bad_s3_value_is_refused_naming_it(env, name, value):
    env(**{**COMPLETE, name: value})
    with pytest.raises(ImproperlyConfigured, match=name):
        default_storage_from_env()


def test_an_unknown_backend_is_refused(env):
    env(STORAGE_BACKEND="ftp")
    with pytest.raises(ImproperlyConfigured, match="STORAGE_BACKEND must be local or s3"):
        default_storage_from_env()


def test_production_refuses_to_start_with_an_incomplete_s3_configuration():
    result = _manage("check", **PRODUCTION, STORAGE_BACKEND="s3", S3_BUCKET="guichet-factures")
    assert result.returncode != 0
    assert "S3_ACCESS_KEY_ID" in result.stderr
    assert "S3_SECRET_ACCESS_KEY" in result.stderr


def test_production_starts_with_a_complete_s3_configuration():
    code = "from django.conf import settings as s; print(s.STORAGES['default']['BACKEND'])"
    result = _manage("shell", "-c", code, **PRODUCTION, **COMPLETE)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "storages.backends.s3.S3Storage"


@pytest.mark.django_db
def test_healthz_checks_the_bucket_and_answers_503_when_it_is_gone(client, settings, monkeypatch):
    server = S3Server()
    try:
        bucket = server.new_bucket()
        for name, value in server.environment(bucket).items():
            monkeypatch.setenv(name, value)
        settings.STORAGES = {**settings.STORAGES, "default": default_storage_from_env()}

        response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json()["storage"] == "ok"
        assert server.keys(bucket) == []  # the probe leaves nothing behind
    finally:
        server.stop()

    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["storage"] == "down"
    assert response.json()["down"] == ["storage"]


def test_stored_files_are_reached_only_through_the_storage_api():
    # A bucket has no path and a public URL would skip the customer's access check: PDFs,
    # archives and debit files are read with storage.open() and served by our views.
    direct = re.compile(r"MEDIA_ROOT|\.(?:pdf|file)\.(?:path|url)\b|FileSystemStorage\(")
    offenders = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in sorted((ROOT / "guichet").rglob("*.py"))
        if "tests" not in path.parts and "migrations" not in path.parts
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if direct.search(line)
    ]
    assert offenders == []
