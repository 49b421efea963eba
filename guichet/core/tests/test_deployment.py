"""The production path: proxy settings, manage.py's mode, demo refusal, cache table, beat."""

import os
import shutil
import sqlite3
import subprocess
import sys

from .test_settings import PRODUCTION, ROOT, _manage

SHOW = "from django.conf import settings as s; print({})"


def _show(expression: str, **env) -> str:
    result = _manage("shell", "-c", SHOW.format(expression), **env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_behind_proxy_without_a_proxy_count_is_refused():
    # The old README's line: X-Forwarded-Proto trusted, X-Forwarded-For ignored, so every
    # client had the proxy's address and shared one per-address login limit.
    result = _manage("check", **PRODUCTION, BEHIND_PROXY="1", TRUSTED_PROXY_COUNT="0")
    assert result.returncode != 0
    assert "BEHIND_PROXY" in result.stderr
    assert "TRUSTED_PROXY_COUNT" in result.stderr


def test_behind_proxy_contradicting_the_proxy_count_is_refused():
    result = _manage("check", **PRODUCTION, BEHIND_PROXY="0", TRUSTED_PROXY_COUNT="1")
    assert result.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in result.stderr


def test_the_proxy_count_alone_trusts_both_forwarded_headers():
    expression = "s.SECURE_PROXY_SSL_HEADER, s.GUICHET_TRUSTED_PROXY_COUNT"
    assert _show(expression, **PRODUCTION, TRUSTED_PROXY_COUNT="1") == (
        "('HTTP_X_FORWARDED_PROTO', 'https') 1"
    )
    assert _show(expression, **PRODUCTION, TRUSTED_PROXY_COUNT="0") == "None 0"
    # The old spelling still works where it agrees.
    assert _show(expression, **PRODUCTION, BEHIND_PROXY="1", TRUSTED_PROXY_COUNT="2") == (
        "('HTTP_X_FORWARDED_PROTO', 'https') 2"
    )


def test_manage_py_ignores_a_dotenv_left_by_development(tmp_path):
    # `make demo` used to write DEBUG=1 to .env, and manage.py read it: a production
    # collectstatic in that checkout then wrote no manifest and every page answered 500.
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    (tmp_path / ".env").write_text("DEBUG=1\nGUICHET_DEMO=1\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "GUICHET_DEMO")}
    env.update({k: v for k, v in PRODUCTION.items() if k != "DEBUG"}, PYTHONPATH=str(ROOT))
    env.pop("DJANGO_SETTINGS_MODULE", None)
    code = SHOW.format("s.DEBUG, s.GUICHET_DEMO, s.STORAGES['staticfiles']['BACKEND']")
    result = subprocess.run(
        [sys.executable, str(tmp_path / "manage.py"), "shell", "-c", code],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "False False whitenoise.storage.CompressedManifestStaticFilesStorage"
    )


def test_load_demo_is_refused_in_production():
    result = _manage("load_demo", **PRODUCTION)
    assert result.returncode != 0
    assert "mode démonstration" in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_in_development_mode_creates_the_database_cache_table(tmp_path):
    # Production without Redis uses the database cache; the table must exist even when the
    # database was migrated with development settings (local-memory cache).
    database = tmp_path / "db.sqlite3"
    result = _manage(
        "migrate", "--noinput", "-v0", DEBUG="1", DATABASE_URL=f"sqlite:///{database}", REDIS_URL=""
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(database) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert "guichet_cache" in tables


def test_celery_beat_keeps_its_schedule_outside_the_checkout():
    code = "from config.celery import app; print(app.conf.beat_schedule_filename)"
    result = _manage("shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "/var/lib/guichet/celerybeat-schedule"
    result = _manage(
        "shell", "-c", code, **PRODUCTION, CELERY_BEAT_SCHEDULE_FILENAME="/srv/beat/schedule"
    )
    assert result.stdout.strip().splitlines()[-1] == "/srv/beat/schedule"
