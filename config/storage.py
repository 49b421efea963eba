"""Where invoice PDFs and data archives live: a local folder, or an S3-compatible bucket.

Read from the environment by config/settings.py; an incomplete S3 configuration stops
start-up naming what is missing. Objects stay private: no public ACL, and Guichet never
hands out a bucket URL (its views read the file and serve it to the customer it belongs to).
"""

import re

from django.core.exceptions import ImproperlyConfigured

from .env import env_secret, env_str

LOCAL = {"BACKEND": "django.core.files.storage.FileSystemStorage"}
S3_BACKEND = "storages.backends.s3.S3Storage"
# S3's bucket naming rules (AWS; MinIO, Garage, Scaleway and OVH follow them).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ADDRESSING_STYLES = ("auto", "path", "virtual")


def default_storage_from_env() -> dict:
    """STORAGES["default"] as the environment describes it (STORAGE_BACKEND, S3_*)."""
    backend = (env_str("STORAGE_BACKEND") or "local").lower()
    if backend == "local":
        return dict(LOCAL)
    if backend == "s3":
        return {"BACKEND": S3_BACKEND, "OPTIONS": s3_options_from_env()}
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be local or s3, got {backend!r}.")


def s3_options_from_env() -> dict:
    bucket = env_str("S3_BUCKET")
    access_key = env_secret("S3_ACCESS_KEY_ID")
    secret_key = env_secret("S3_SECRET_ACCESS_KEY")
    endpoint_url = env_str("S3_ENDPOINT_URL").rstrip("/")
    region = env_str("S3_REGION")
    prefix = env_str("S3_PREFIX").strip("/")
    problems = []
    if not bucket:
        problems.append("S3_BUCKET (the bucket's name)")
    elif not _BUCKET.match(bucket) or ".." in bucket:
        problems.append(
            f"S3_BUCKET as a bucket name (3 to 63 lower-case letters, digits, dots or hyphens), "
            f"not {bucket!r}"
        )
    if not access_key:
        problems.append("S3_ACCESS_KEY_ID (or S3_ACCESS_KEY_ID_FILE)")
    if not secret_key:
        problems.append("S3_SECRET_ACCESS_KEY (or S3_SECRET_ACCESS_KEY_FILE)")
    if endpoint_url and not endpoint_url.startswith(("https://", "http://")):
        problems.append(
            f"S3_ENDPOINT_URL as an http(s):// address (empty for Amazon S3), not {endpoint_url!r}"
        )
    # Path-style requests (https://host/bucket/key) work with every S3-compatible server
    # (MinIO, Garage need it unless set up for bucket sub-domains); Amazon S3 picks its own.
    style = (env_str("S3_ADDRESSING_STYLE") or ("path" if endpoint_url else "auto")).lower()
    if style not in _ADDRESSING_STYLES:
        problems.append(f"S3_ADDRESSING_STYLE as auto, path or virtual, not {style!r}")
    if ".." in prefix.split("/"):
        problems.append(f"S3_PREFIX without '..', not {prefix!r}")
    if problems:
        raise ImproperlyConfigured(
            "STORAGE_BACKEND=s3 needs: " + "; ".join(problems) + ". (STORAGE_BACKEND=local, the "
            "default, keeps the files in MEDIA_ROOT.)"
        )
    from botocore.config import Config

    return {
        "bucket_name": bucket,
        "access_key": access_key,
        "secret_key": secret_key,
        "endpoint_url": endpoint_url or None,
        "region_name": region or None,
        "location": prefix,
        # Private objects: no ACL sent (the bucket's own policy, private, applies), no public
        # URL built (url() would only ever be a short-lived signed one, and no view uses it).
        "default_acl": None,
        "querystring_auth": True,
        "querystring_expire": 300,
        # A second file of the same name gets a new name, never replaces an issued PDF.
        "file_overwrite": False,
        "client_config": Config(
            s3={"addressing_style": style},
            signature_version="s3v4",
            # A storage that does not answer fails a request in seconds, not minutes: the
            # customer sees « document indisponible », /healthz says « down ».
            connect_timeout=5,
            read_timeout=30,
            retries={"max_attempts": 3, "mode": "standard"},
            # Checksums only where S3 requires them: several S3-compatible servers refuse the
            # newer default ones. Our own SHA-256 of each PDF and archive is checked on read.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        ),
    }
