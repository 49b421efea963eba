"""Guichet settings: one file, every value from the environment (see .env.example)."""

import base64
import os
import tempfile
from pathlib import Path

import dj_database_url
from django.conf.locale import LANG_INFO
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.crypto import salted_hmac
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy

from .env import env_bool, env_color, env_int, env_list, env_secret, env_str
from .storage import default_storage_from_env

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", False)
# Demo mode: demo data, and (later) the in-browser demo mailbox. Never on in production.
GUICHET_DEMO = env_bool("GUICHET_DEMO", False)
if GUICHET_DEMO and not DEBUG:
    # The demo mailbox shows every e-mail, reset links included, to anyone.
    raise ImproperlyConfigured("GUICHET_DEMO is for demonstrations only: it needs DEBUG=1.")

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production-0123456789abcdefghij"
SECRET_KEY = env_secret("SECRET_KEY")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
if DEBUG:
    SECRET_KEY = SECRET_KEY or _DEV_SECRET_KEY
    ALLOWED_HOSTS = ALLOWED_HOSTS or ["127.0.0.1", "localhost", "[::1]", "testserver"]
else:
    missing = []
    if not SECRET_KEY or SECRET_KEY == _DEV_SECRET_KEY or len(SECRET_KEY) < 50:
        missing.append("SECRET_KEY (at least 50 random characters, or SECRET_KEY_FILE)")
    if not ALLOWED_HOSTS:
        missing.append("ALLOWED_HOSTS (comma-separated host names)")
    if not env_str("GUICHET_SITE_URL").startswith("https://"):
        missing.append("GUICHET_SITE_URL (the portal's public https:// address, used in e-mails)")
    if missing:
        raise ImproperlyConfigured(
            "Guichet runs in production mode (DEBUG is off) and needs: "
            + "; ".join(missing)
            + ". (On a development machine, set DEBUG=1.)"
        )

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "altcha_django",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django.contrib.staticfiles",
    "guichet.core",
    "guichet.accounts",
    "guichet.customers",
    "guichet.catalog",
    "guichet.privacy",
    "guichet.billing",
    "guichet.payments",
    "guichet.support",
    "guichet.home",
    "guichet.api",
    # Last: the demo data of every app; nothing imports it.
    "guichet.demo",
]

MIDDLEWARE = [
    # First: its request id is on every log record of the request, its line times it all.
    "guichet.core.logs.RequestLogMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Before WhiteNoise, so that static files get the security headers too.
    "csp.middleware.CSPMiddleware",
    "guichet.core.middleware.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    # Under /api/ only: records every call (refused ones too) and answers every error there
    # as problem details, in the language LocaleMiddleware just chose.
    "guichet.api.middleware.ApiCallMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "guichet.accounts.middleware.SessionTimeoutMiddleware",
    "guichet.accounts.middleware.PasswordUpgradeMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "guichet.core.context_processors.brand",
            ],
        },
    },
]

# Django's form renderer, the <input> widgets written in Python (same HTML, a third of the
# time of a page with a form): guichet/core/form_renderer.py.
FORM_RENDERER = "guichet.core.form_renderer.FastInputRenderer"

# Database: SQLite by default, PostgreSQL (or any engine) through DATABASE_URL.
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = (
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache (sessions, rate limits): local memory by default, Redis through REDIS_URL.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, with its redis-py client made once (guichet/core/cache.py).
            "BACKEND": "guichet.core.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "guichet",
        }
    }
elif DEBUG:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # One development process: a per-process anti-robot replay cache is enough.
    SILENCED_SYSTEM_CHECKS = ["altcha.W001"]
else:
    # Without Redis, the database holds the cache, so every web worker shares the rate limits
    # and the anti-robot replay protection (its table is created by a migration).
    CACHES = {
        "default": {
            "BACKEND": "guichet.core.cache.DatabaseCache",
            "LOCATION": "guichet_cache",
        }
    }

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "guichet.accounts.backends.CustomerBackend",
    # Staff only, by username: Django's ModelBackend would also take customers (J2, A8).
    "guichet.accounts.backends.StaffBackend",
]
# Argon2id sized for the server (guichet/accounts/hashers.py): every login holds this much
# memory while its hash runs (7 MiB by default, 100 MiB and 8 threads with Django's), times
# the hashes running at once: one per sync gunicorn worker. Hashes made with other
# parameters are verified, then stored again with these at the next login.
from guichet.accounts.hashers import argon2_parameters_problem  # noqa: E402

ACCOUNTS_ARGON2_MEMORY_KIB = env_int("ARGON2_MEMORY_KIB", 7168, minimum=8)
ACCOUNTS_ARGON2_TIME_COST = env_int("ARGON2_TIME_COST", 5, minimum=1)
ACCOUNTS_ARGON2_PARALLELISM = env_int("ARGON2_PARALLELISM", 1, minimum=1)
if problem := argon2_parameters_problem(
    memory_kib=ACCOUNTS_ARGON2_MEMORY_KIB,
    time_cost=ACCOUNTS_ARGON2_TIME_COST,
    parallelism=ACCOUNTS_ARGON2_PARALLELISM,
):
    raise ImproperlyConfigured(
        f"{problem}, got ARGON2_MEMORY_KIB={ACCOUNTS_ARGON2_MEMORY_KIB}, "
        f"ARGON2_TIME_COST={ACCOUNTS_ARGON2_TIME_COST}, "
        f"ARGON2_PARALLELISM={ACCOUNTS_ARGON2_PARALLELISM}."
    )
PASSWORD_HASHERS = [
    "guichet.accounts.hashers.ServerArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# A4: the CNIL 2022 criteria (guichet/accounts/passwords.py) replace Django's defaults.
AUTH_PASSWORD_VALIDATORS = [{"NAME": "guichet.accounts.passwords.CnilPasswordValidator"}]
# zxcvbn's estimate of guesses needed, as a power of ten (10 = ten billion guesses).
GUICHET_PASSWORD_MIN_GUESSES_LOG10 = env_int("PASSWORD_MIN_GUESSES_LOG10", 10, minimum=0)
# A3: reset and first-access links live 15 minutes.
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_MINUTES", 15, minimum=1) * 60

# A8: brute force. Free failures per account, then a growing wait, a daily cap; per address.
GUICHET_LOGIN_FREE_FAILURES = env_int("LOGIN_FREE_FAILURES", 5, minimum=1)
GUICHET_LOGIN_BASE_DELAY = env_int("LOGIN_BASE_DELAY_SECONDS", 120, minimum=61)
GUICHET_LOGIN_MAX_DELAY = env_int("LOGIN_MAX_DELAY_SECONDS", 3600, minimum=61)
GUICHET_LOGIN_DAILY_MAX = env_int("LOGIN_DAILY_MAX_FAILURES", 25, minimum=1)
GUICHET_IP_MAX_FAILURES = env_int("LOGIN_IP_MAX_FAILURES", 50, minimum=1)
GUICHET_IP_WINDOW = env_int("LOGIN_IP_WINDOW_SECONDS", 900, minimum=60)
GUICHET_RESET_MAX_PER_REFERENCE = env_int("RESET_MAX_PER_REFERENCE_PER_HOUR", 5, minimum=1)
GUICHET_RESET_MAX_PER_IP = env_int("RESET_MAX_PER_IP_PER_HOUR", 30, minimum=1)
# D3: a billing address changed from the portal waits for staff approval (1) or applies at once.
CUSTOMERS_BILLING_ADDRESS_APPROVAL = env_bool("CUSTOMERS_BILLING_ADDRESS_APPROVAL", True)
# D2: how long the link confirming a new contact e-mail address works.
ACCOUNTS_EMAIL_CHANGE_HOURS = env_int("ACCOUNTS_EMAIL_CHANGE_HOURS", 24, minimum=1)
# How many reverse proxies of ours add to X-Forwarded-For (0: use the socket's address). It
# also says whether we are behind a TLS proxy at all (see SECURE_PROXY_SSL_HEADER below): one
# setting, so the proxy's scheme is never trusted while every client is seen as the proxy.
GUICHET_TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# BEHIND_PROXY was the old switch for X-Forwarded-Proto; set alone it made the per-address
# login cap a lockout of every client at once, so it may only agree with TRUSTED_PROXY_COUNT.
if "BEHIND_PROXY" in os.environ and env_bool("BEHIND_PROXY") != (GUICHET_TRUSTED_PROXY_COUNT > 0):
    raise ImproperlyConfigured(
        "BEHIND_PROXY is replaced by TRUSTED_PROXY_COUNT: remove BEHIND_PROXY and set "
        "TRUSTED_PROXY_COUNT to the number of your reverse proxies that append to "
        "X-Forwarded-For (1 for one nginx; 0 with no proxy). With BEHIND_PROXY=1 and "
        "TRUSTED_PROXY_COUNT=0, every client would share the proxy's address and the "
        "per-address login limit would lock everyone out."
    )

# Anti-robot check (A2): ALTCHA proof of work, verified here, no third party involved.
ALTCHA_HMAC_SECRET = (
    env_secret("ALTCHA_HMAC_SECRET")
    or salted_hmac("guichet.altcha", "hmac-secret", secret=SECRET_KEY).hexdigest()
)
ALTCHA_WIDGET_I18N = True


def _altcha_language() -> str:
    """The widget's language, the page's: its catalogue says « fr-fr » (a bare « fr » would get
    « fr-ca », listed first) and « en »."""
    from django.utils.translation import get_language

    language = get_language() or LANGUAGE_CODE
    return {"fr": "fr-fr"}.get(language, language)


# Lazy: the widget renders the attribute at each page, in the language of that page.
ALTCHA_WIDGET_DEFAULTS = {
    "type": "checkbox",
    "display": "standard",
    "language": lazy(_altcha_language, str)(),
}
ALTCHA_WIDGET_CONFIGURATION = {"hideFooter": False}
ALTCHA_TEST_MODE = False

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home:home"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions (A9): a new id at login (Django does it), an idle and an absolute time-out.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
GUICHET_SESSION_IDLE_SECONDS = env_int("SESSION_IDLE_MINUTES", 30, minimum=1) * 60
GUICHET_SESSION_ABSOLUTE_SECONDS = env_int("SESSION_ABSOLUTE_HOURS", 12, minimum=1) * 3600
SESSION_COOKIE_AGE = GUICHET_SESSION_ABSOLUTE_SECONDS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
CSRF_FAILURE_VIEW = "guichet.core.views.csrf_failure"
if not DEBUG:
    # The __Host- prefix makes the browser refuse the cookie unless it is Secure, path /, no domain.
    SESSION_COOKIE_NAME = "__Host-guichet-session"
    CSRF_COOKIE_NAME = "__Host-guichet-csrf"
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
    if not SECURE_HSTS_PRELOAD:
        # Joining the browsers' preload list is hard to undo: the operator opts in knowingly.
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind our TLS-terminating proxy, which sets (overwrites) X-Forwarded-Proto.
if GUICHET_TRUSTED_PROXY_COUNT > 0:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): our own origin only, no inline script or style
# anywhere (templates use static/guichet/*.css and *.js), no framing, forms post only here.
# worker-src blob: is for the anti-robot widget, which starts its proof-of-work workers from
# a blob: URL made by its own script (only script already allowed here can create one).
# Permissions-Policy and no-store: guichet/core/middleware.py.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "worker-src": ["'self'", "blob:"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
    }
}

# Internationalisation: French first.
LANGUAGE_CODE = "fr"
# French, the language the portal is written in, and every language with a catalogue in
# locale/: adding one (German for Alsace) is adding its locale/<code>/LC_MESSAGES/django.po
# and .mo. A browser asking for a language without a catalogue gets French, never a page half
# in that language (Django's own messages) and half in French.
LANGUAGES = [("fr", "Français")] + sorted(
    (code, LANG_INFO.get(code, {}).get("name_local", code))
    for code in {
        path.parent.parent.name for path in BASE_DIR.glob("locale/*/LC_MESSAGES/django.mo")
    }
    if code != "fr"
)
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language chosen in the footer (or saved on the account, set again at each login) is
# kept for a year in this browser, so it survives logout; only the server reads it.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
LANGUAGE_COOKIE_SECURE = not DEBUG
TIME_ZONE = env_str("TIME_ZONE", "Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
MEDIA_URL = "/media/"
# Invoice PDFs and data archives: MEDIA_ROOT by default; an S3-compatible bucket shared by
# every web and worker machine with STORAGE_BACKEND=s3 and S3_* (config/storage.py).
STORAGES = {
    "default": default_storage_from_env(),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# E-mail
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_secret("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Espace Client <espace-client@example.fr>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: with no broker configured, tasks run inline (eager).
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
if CELERY_TASK_ALWAYS_EAGER:
    # Nothing is sent to a broker; an explicit in-memory one keeps kombu from guessing a host.
    CELERY_BROKER_URL = "memory://"
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Beat's state file, outside the checkout (which may be read-only and is not backed up as data).
CELERY_BEAT_SCHEDULE_FILENAME = env_str(
    "CELERY_BEAT_SCHEDULE_FILENAME",
    str(Path(tempfile.gettempdir()) / "guichet-celerybeat-schedule")
    if DEBUG
    else "/var/lib/guichet/celerybeat-schedule",
)
CELERY_BEAT_SCHEDULE = {
    # Retries of e-mails whose sending failed, and any whose task was lost.
    "sweep-outbox": {"task": "guichet.core.tasks.sweep_outbox", "schedule": 60.0},
}

# The operator's brand, shown in the header and footer.
GUICHET_BRAND = {
    "name": env_str("GUICHET_OPERATOR_NAME", "Vialis"),
    "portal_name": env_str("GUICHET_PORTAL_NAME", "Espace Client"),
    "logo": env_str("GUICHET_LOGO", "guichet/logo.svg"),
    "primary": env_color("GUICHET_COLOR_PRIMARY", "#0b4f8a"),
    "accent": env_color("GUICHET_COLOR_ACCENT", "#c2410c"),
    # The operator's own wording when set, else ours, in the page's language.
    "accessibility_status": env_str("GUICHET_ACCESSIBILITY_STATUS")
    or gettext_lazy("Accessibilité : partiellement conforme"),
}
# J2: staff log in to the back office with a second factor (TOTP app, or backup codes).
OTP_TOTP_ISSUER = f"{GUICHET_BRAND['name']} back office"

# The address customers use, for links in e-mails (never taken from the request's Host).
GUICHET_SITE_URL = env_str("GUICHET_SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# Logs on stderr (journald keeps them): one JSON object per line in production, text on a
# development machine; every record carries the request id (guichet/core/logs.py).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json").lower()
if LOG_FORMAT not in ("json", "text"):
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, got {LOG_FORMAT!r}.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "guichet.core.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "guichet.core.logs.json_formatter"},
        "text": {"format": "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}

# Billing
# Invoice numbers: the prefix, then a gap-free counter on this many digits (« T0000123 »).
BILLING_INVOICE_PREFIX = env_str("BILLING_INVOICE_PREFIX", "T")
if len(BILLING_INVOICE_PREFIX) > 10 or not all(
    char.isascii() and (char.isalnum() or char in "-_") for char in BILLING_INVOICE_PREFIX
):
    raise ImproperlyConfigured(
        "BILLING_INVOICE_PREFIX must be at most 10 letters, digits, - or _, "
        f"got {BILLING_INVOICE_PREFIX!r}."
    )
# C6: days between an online termination request and the earliest date it may take effect
# (French telecom practice: 10 days; the customer may pick a later date).
CATALOG_TERMINATION_NOTICE_DAYS = env_int("TERMINATION_NOTICE_DAYS", 10, minimum=0)
BILLING_INVOICE_NUMBER_DIGITS = env_int("BILLING_INVOICE_NUMBER_DIGITS", 7, minimum=4)
# Days from the invoice date to its due date for customers who pay on receipt.
BILLING_PAYMENT_DAYS = env_int("BILLING_PAYMENT_DAYS", 15, minimum=0)
# Dotted path of the function giving each invoice its payment method and due or debit date:
# by default, direct debit for customers with an active SEPA mandate, else pay on receipt.
BILLING_PAYMENT_TERMS = env_str("BILLING_PAYMENT_TERMS", "guichet.payments.terms.by_mandate")
# Dotted path of the function called with (invoice_id, customer_id) once an invoice is issued:
# the payments ledger spends the customer's credit on it. Empty: nothing is called.
BILLING_INVOICE_ISSUED = env_str(
    "BILLING_INVOICE_ISSUED", "guichet.payments.services.ledger.ledger_invoice_issued"
)
# Dotted path of the function giving the query expression « how much of this invoice payments
# settled », for « reste 12,40 € » in « Mes factures ». Empty: never partly settled.
BILLING_SETTLED_CENTS = env_str(
    "BILLING_SETTLED_CENTS", "guichet.payments.balance.settled_cents_expression"
)
# Dotted path of the function giving the figures of the back office's home (the operator's
# dashboard), called with the request. Empty: no dashboard.
GUICHET_ADMIN_DASHBOARD = env_str("GUICHET_ADMIN_DASHBOARD", "guichet.home.dashboard.tiles")
# The seller printed on every invoice (E3). The defaults are fictional: set the operator's own.
BILLING_OPERATOR = {
    "name": env_str("BILLING_OPERATOR_NAME", GUICHET_BRAND["name"]),
    # Comma-separated lines.
    "address_lines": env_list("BILLING_OPERATOR_ADDRESS", ["1 rue de l'Exemple", "68000 COLMAR"]),
    "siren": env_str("BILLING_OPERATOR_SIREN", "000000000").replace(" ", ""),
    "vat_number": env_str("BILLING_OPERATOR_VAT_NUMBER", "FR12000000000").replace(" ", ""),
    "legal": env_str("BILLING_OPERATOR_LEGAL", "Opérateur de démonstration, données fictives"),
    "logo": env_str("BILLING_LOGO", GUICHET_BRAND["logo"]),
    "payment_terms": env_str(
        "BILLING_PAYMENT_TERMS_TEXT",
        "Paiement à réception, au plus tard à la date d'échéance indiquée. "
        "Pas d'escompte pour paiement anticipé.",
    ),
}
if not (len(BILLING_OPERATOR["siren"]) == 9 and BILLING_OPERATOR["siren"].isdigit()):
    raise ImproperlyConfigured(
        f"BILLING_OPERATOR_SIREN must be 9 digits, got {BILLING_OPERATOR['siren']!r}."
    )
# Card payments (G3). The provider: « sandbox » (a test payment page served by Guichet, for
# development, the demo and tests) or « stripe »; production must name it.
PAYMENTS_SANDBOX_ENABLED = env_bool("PAYMENTS_SANDBOX_ENABLED", DEBUG)
PAYMENTS_PROVIDER = env_str("PAYMENTS_PROVIDER", "sandbox" if DEBUG else "")
if PAYMENTS_SANDBOX_ENABLED and not DEBUG:
    # Its page confirms payments nobody made: never on a production server.
    raise ImproperlyConfigured(
        "PAYMENTS_SANDBOX_ENABLED is for development, the demo and tests only: it needs DEBUG=1."
    )
if not PAYMENTS_PROVIDER:
    raise ImproperlyConfigured(
        "PAYMENTS_PROVIDER must name the card payment provider in production (stripe)."
    )
if PAYMENTS_PROVIDER not in ("sandbox", "stripe"):
    raise ImproperlyConfigured(
        f"PAYMENTS_PROVIDER must be sandbox or stripe, got {PAYMENTS_PROVIDER!r}."
    )
if PAYMENTS_PROVIDER == "sandbox" and not PAYMENTS_SANDBOX_ENABLED:
    raise ImproperlyConfigured(
        "PAYMENTS_PROVIDER=sandbox needs PAYMENTS_SANDBOX_ENABLED=1 (and DEBUG=1)."
    )
# The key signing the sandbox's notifications (HMAC-SHA256), as a real provider's would.
PAYMENTS_SANDBOX_SECRET = (
    env_secret("PAYMENTS_SANDBOX_SECRET")
    or salted_hmac("guichet.payments.sandbox", "secret", secret=SECRET_KEY).hexdigest()
)
# The most a customer may pay at once when that is more than what they owe (a typing slip of
# « 6290 » for « 62,90 » is refused rather than charged).
PAYMENTS_MAX_AMOUNT_CENTS = env_int("PAYMENTS_MAX_AMOUNT_CENTS", 500000, minimum=100)
# A card payment still pending after this long is asked about (its notification may be lost).
PAYMENTS_PENDING_POLL_MINUTES = env_int("PAYMENTS_PENDING_POLL_MINUTES", 15, minimum=1)
CELERY_BEAT_SCHEDULE["poll-pending-card-payments"] = {
    "task": "guichet.payments.tasks.poll_pending_payments",
    "schedule": 300.0,
}
# Debits count as paid from their collection date (F6): checked hourly, so a restart or a
# late worker still confirms them that day.
CELERY_BEAT_SCHEDULE["confirm-debit-collections"] = {
    "task": "guichet.payments.tasks.confirm_debit_collections",
    "schedule": 3600.0,
}

# SEPA direct debit (F1, F5). IBANs are encrypted at rest with PAYMENTS_IBAN_KEY: one or more
# Fernet keys, newest first (commas or new lines); older keys still decrypt, so a key is
# rotated by putting a new one in front and running `manage.py iban_keys_rotate`.
from guichet.payments.iban import creditor_id_problem, fernet_keys_parse  # noqa: E402

try:
    PAYMENTS_IBAN_KEYS = fernet_keys_parse(env_secret("PAYMENTS_IBAN_KEY"))
except ValueError as exc:
    raise ImproperlyConfigured(f"PAYMENTS_IBAN_KEY: {exc}.") from None
if not PAYMENTS_IBAN_KEYS:
    if not DEBUG:
        raise ImproperlyConfigured(
            "Guichet runs in production mode (DEBUG is off) and needs PAYMENTS_IBAN_KEY (or "
            "PAYMENTS_IBAN_KEY_FILE), the key encrypting IBANs at rest: python3 -c 'import "
            "base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())'. Keep it "
            "safe and backed up: without it the stored IBANs cannot be read."
        )
    # Development and the demo only: a key derived from SECRET_KEY.
    PAYMENTS_IBAN_KEYS = [
        base64.urlsafe_b64encode(
            salted_hmac(
                "guichet.payments.iban", "key", secret=SECRET_KEY, algorithm="sha256"
            ).digest()
        )
    ]
# The creditor identifier (ICS, « FR72ZZZ123456 ») printed on mandates and debit files. Empty:
# direct debit is not offered (the fictional demo one is used with DEBUG).
PAYMENTS_CREDITOR_ID = env_str("PAYMENTS_CREDITOR_ID", "FR72ZZZ123456" if DEBUG else "")
PAYMENTS_CREDITOR_ID = PAYMENTS_CREDITOR_ID.replace(" ", "").upper()
if PAYMENTS_CREDITOR_ID and (problem := creditor_id_problem(PAYMENTS_CREDITOR_ID)):
    raise ImproperlyConfigured(f"PAYMENTS_CREDITOR_ID: {problem}, got {PAYMENTS_CREDITOR_ID!r}.")
# The creditor's name on the mandate (the seller of the invoices unless set).
PAYMENTS_CREDITOR_NAME = env_str("PAYMENTS_CREDITOR_NAME", BILLING_OPERATOR["name"])
# The account the debits are credited to (F6), named in every pain.008 file; empty: no debit
# file can be exported (the fictional demo account is used with DEBUG).
from guichet.payments.iban import bic_check, iban_check  # noqa: E402

PAYMENTS_CREDITOR_IBAN = env_str(
    "PAYMENTS_CREDITOR_IBAN", "FR7630006000011234567890189" if DEBUG else ""
)
PAYMENTS_CREDITOR_BIC = env_str("PAYMENTS_CREDITOR_BIC", "AGRIFRPP" if DEBUG else "")
try:
    PAYMENTS_CREDITOR_IBAN = (
        iban_check(PAYMENTS_CREDITOR_IBAN).iban if PAYMENTS_CREDITOR_IBAN else ""
    )
except ValidationError:
    raise ImproperlyConfigured(
        "PAYMENTS_CREDITOR_IBAN must be the IBAN of a SEPA account, "
        f"got {PAYMENTS_CREDITOR_IBAN!r}."
    ) from None
try:
    PAYMENTS_CREDITOR_BIC = bic_check(PAYMENTS_CREDITOR_BIC)
except ValidationError:
    raise ImproperlyConfigured(
        f"PAYMENTS_CREDITOR_BIC must be a BIC of 8 or 11 characters, got {PAYMENTS_CREDITOR_BIC!r}."
    ) from None
# The days of the month a customer may choose to be debited on (« Choix de la date de
# prélèvement »), each 1 to 28 so that every month has it.
PAYMENTS_DEBIT_DAYS = []
for _day in env_list("PAYMENTS_DEBIT_DAYS", ["5"]):
    if not _day.isdigit() or not 1 <= int(_day) <= 28:
        raise ImproperlyConfigured(
            f"PAYMENTS_DEBIT_DAYS must be days of the month from 1 to 28, comma-separated, "
            f"got {_day!r}."
        )
    PAYMENTS_DEBIT_DAYS.append(int(_day))
PAYMENTS_DEBIT_DAYS = sorted(set(PAYMENTS_DEBIT_DAYS))
if not PAYMENTS_DEBIT_DAYS:
    raise ImproperlyConfigured("PAYMENTS_DEBIT_DAYS must name at least one day, e.g. 5.")

# WeasyPrint reports each rendering step at INFO: keep its warnings only.
LOGGING.setdefault("loggers", {})["weasyprint.progress"] = {"level": "WARNING"}
if CELERY_TASK_ALWAYS_EAGER:
    # Inline tasks would log every success (failures are still logged), and kombu warns that
    # the in-memory broker has no host name.
    LOGGING["loggers"]["celery.app.trace"] = {"level": "WARNING"}
    LOGGING["loggers"]["kombu.connection"] = {"level": "ERROR"}

# Stripe (G3), when PAYMENTS_PROVIDER=stripe: the secret API key and the webhook endpoint's
# signing secret (Stripe's dashboard, « Développeurs »), each also from *_FILE.
STRIPE_SECRET_KEY = env_secret("STRIPE_SECRET_KEY")
STRIPE_WEBHOOK_SECRET = env_secret("STRIPE_WEBHOOK_SECRET")
# Stripe's API address. Only the tests change it (to a local stand-in of the API); production
# accepts no other https address than Stripe's, so card payments never go elsewhere.
STRIPE_API_BASE = env_str("STRIPE_API_BASE", "https://api.stripe.com").rstrip("/")
if PAYMENTS_PROVIDER == "stripe":
    problems = []
    if not STRIPE_SECRET_KEY.startswith(("sk_", "rk_")):
        problems.append("STRIPE_SECRET_KEY (the secret key sk_… or a restricted key rk_…)")
    if not STRIPE_WEBHOOK_SECRET.startswith("whsec_"):
        problems.append("STRIPE_WEBHOOK_SECRET (the webhook endpoint's signing secret whsec_…)")
    if not DEBUG and STRIPE_API_BASE != "https://api.stripe.com":
        problems.append("STRIPE_API_BASE left unset (it is for tests only)")
    if problems:
        raise ImproperlyConfigured(
            "PAYMENTS_PROVIDER=stripe needs: "
            + "; ".join(problems)
            + ". Each secret may be read from a file named by *_FILE."
        )

# Personal data (I2, I3). « Télécharger mes données »: the archive stays this many days, and a
# customer may ask this many times a day (each build reads every invoice PDF).
PRIVACY_EXPORT_DAYS = env_int("PRIVACY_EXPORT_DAYS", 7, minimum=1)
PRIVACY_EXPORT_DAILY_MAX = env_int("PRIVACY_EXPORT_DAILY_MAX", 3, minimum=1)
# Retention, applied every night by `manage.py purge` (the beat entry below); the policy page
# shows these same numbers, so what it promises is what the purge does.
PRIVACY_SECURITY_EVENT_RETENTION_DAYS = env_int(
    "PRIVACY_SECURITY_EVENT_RETENTION_DAYS", 365, minimum=1
)
PRIVACY_STAFF_ACCESS_RETENTION_DAYS = env_int("PRIVACY_STAFF_ACCESS_RETENTION_DAYS", 365, minimum=1)
# A contract whose last service ended this long ago, with nothing owed either way, has its
# personal data anonymised (its invoices stay: the law asks for them).
PRIVACY_ENDED_CONTRACT_RETENTION_DAYS = env_int(
    "PRIVACY_ENDED_CONTRACT_RETENTION_DAYS", 3 * 365, minimum=1
)
PRIVACY_OUTBOX_RETENTION_DAYS = env_int("PRIVACY_OUTBOX_RETENTION_DAYS", 90, minimum=1)
# Invoices are kept at least this long (French commercial law: 10 years); issued invoices are
# never deleted by the purge (the database refuses it), so this is a floor the policy states.
PRIVACY_INVOICE_RETENTION_YEARS = env_int("PRIVACY_INVOICE_RETENTION_YEARS", 10, minimum=10)
CELERY_BEAT_SCHEDULE["privacy-purge"] = {
    "task": "guichet.privacy.tasks.purge",
    "schedule": 86400.0,
}

# The operator's HTTP API (/api/v1/, docs/api.md): calls a client may make per minute.
API_RATE_LIMIT_PER_MINUTE = env_int("API_RATE_LIMIT_PER_MINUTE", 600, minimum=1)
# Calls without a valid token one address may make per minute (token guessing, log filling).
API_REFUSED_PER_MINUTE = env_int("API_REFUSED_PER_MINUTE", 30, minimum=1)
# Its audit (one row per call) is kept this many days, then deleted every night.
API_CALL_RETENTION_DAYS = env_int("API_CALL_RETENTION_DAYS", 365, minimum=1)
CELERY_BEAT_SCHEDULE["api-purge-calls"] = {
    "task": "guichet.api.tasks.purge_calls",
    "schedule": 86400.0,
}
