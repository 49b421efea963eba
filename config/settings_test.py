"""Test settings: the production settings file with fast hashing and no outside services."""

import os

os.environ.setdefault("DEBUG", "1")

from .settings import *  # noqa: E402, F403

# Argon2 is slow on purpose; tests hash many passwords.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # noqa: S303
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
WHITENOISE_AUTOREFRESH = True
# Unit tests send any non-empty anti-robot payload; the browser tests solve the real one.
ALTCHA_TEST_MODE = True
