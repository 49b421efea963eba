"""Every write of the API app: clients and their tokens, the rate limit's counter, the audit."""

import hashlib
import hmac
import secrets
import time
from collections.abc import Sequence
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from guichet.core.net import valid_ip

from .models import ApiCall, ApiClient, Scope

TOKEN_PREFIX = "gch_"
# last_used_at is written at most once a minute per client, not on every call.
LAST_USED_PRECISION = timedelta(minutes=1)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_split(token: str) -> tuple[str, str] | None:
    """`gch_<prefix>_<secret>` -> (prefix, secret), or None for anything else."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    prefix, sep, secret = token.removeprefix(TOKEN_PREFIX).partition("_")
    if not sep or not prefix or not secret or len(prefix) > 16:
        return None
    return prefix, secret


@transaction.atomic
def api_client_create(*, name: str, scopes: Sequence[str]) -> tuple[ApiClient, str]:
    """A new client and its token, which is returned here once and never stored."""
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        raise ValidationError(
            {"scopes": _("droits inconnus : %(scopes)s") % {"scopes": ", ".join(unknown)}}
        )
    if not scopes:
        raise ValidationError({"scopes": _("au moins un droit est requis")})
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    client = ApiClient(
        name=name.strip(),
        scopes=sorted(set(scopes)),
        token_prefix=prefix,
        token_hash=token_hash(token),
    )
    client.full_clean()
    client.save()
    return client, token


@transaction.atomic
def api_client_revoke(*, client: ApiClient) -> bool:
    """Revoke the client's token at once; False when it already was."""
    updated = ApiClient.objects.filter(pk=client.pk, revoked_at__isnull=True).update(
        active=False, revoked_at=timezone.now()
    )
    client.refresh_from_db(fields=["active", "revoked_at"])
    return bool(updated)


def api_client_for_token(token: str) -> ApiClient | None:
    """The active client whose token this is, or None (unknown, malformed or revoked)."""
    parts = token_split(token)
    if parts is None:
        return None
    client = ApiClient.objects.active().filter(token_prefix=parts[0]).first()
    if client is None or not hmac.compare_digest(client.token_hash, token_hash(token)):
        return None
    return client


def api_client_touch(*, client: ApiClient) -> None:
    now = timezone.now()
    if client.last_used_at is None or client.last_used_at < now - LAST_USED_PRECISION:
        ApiClient.objects.filter(pk=client.pk).update(last_used_at=now)
        client.last_used_at = now


def api_rate_limit_hit(*, client: ApiClient) -> int | None:
    """Count one call of the client in the current minute; the seconds to wait when it goes
    over API_RATE_LIMIT_PER_MINUTE, else None. The count is the cache's atomic `incr`
    (Redis, or guichet.core.cache.DatabaseCache), so parallel calls never slip past it."""
    return _minute_count_over(f"client:{client.pk}", settings.API_RATE_LIMIT_PER_MINUTE)


def api_refused_hit(*, address: str) -> int | None:
    """Count one call from this address without a valid token; the seconds to wait when it goes
    over API_REFUSED_PER_MINUTE (guessing tokens, or filling the call log), else None."""
    limit = settings.API_REFUSED_PER_MINUTE
    return _minute_count_over(f"refused:{valid_ip(address) or '-'}", limit)


def _minute_count_over(name: str, limit: int) -> int | None:
    now = time.time()
    minute = int(now // 60)
    key = f"guichet:api:rate:{name}:{minute}"
    for _attempt in range(3):
        cache.add(key, 0, timeout=120)
        try:
            count = cache.incr(key)
            break
        except ValueError:
            continue  # expired between add and incr
    else:
        raise RuntimeError("the cache cannot count API calls (a dummy cache?)")
    if count > limit:
        return max(1, 60 - int(now % 60))
    return None


def api_call_record(
    *,
    client: ApiClient | None,
    method: str,
    path: str,
    status: int,
    duration_ms: int,
    remote_address: str,
) -> ApiCall:
    return ApiCall.objects.create(
        client=client,
        method=method[:10],
        path=path[:200],
        status=status,
        duration_ms=max(0, duration_ms),
        remote_address=valid_ip(remote_address),
    )


def api_calls_purge(*, now=None) -> int:
    """Delete the audit rows older than API_CALL_RETENTION_DAYS; how many went."""
    now = now or timezone.now()
    before = now - timedelta(days=settings.API_CALL_RETENTION_DAYS)
    deleted, _ = ApiCall.objects.filter(created_at__lt=before).delete()
    return deleted
