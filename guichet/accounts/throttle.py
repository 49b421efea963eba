"""Brute-force protection on the cache (A8), after the CNIL figures.

Per account: 5 free failures, then each further try waits longer (2 minutes, doubling, up to
an hour), and at most 25 failures in any 24 hours. Nothing is locked for ever: old failures
simply age out. Per source address: a cap on failures over a short window, so one machine
cannot spray many accounts. Every check happens before any password is hashed.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

DAY = 24 * 3600


def client_ip(request) -> str:
    """The client's address: REMOTE_ADDR, or the one our own proxies saw.

    With N trusted proxies in front, the last N entries of X-Forwarded-For were written by
    them; anything further left was sent by the client and can be forged.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = settings.GUICHET_TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    forwarded = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(forwarded) >= proxies:
        return forwarded[-proxies]
    return remote


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"guichet:throttle:{scope}:{digest}"


def _recent(key: str, window: int, now: float) -> list[float]:
    return [t for t in cache.get(key, []) if now - t < window]


def _record(key: str, window: int, now: float) -> None:
    stamps = _recent(key, window, now)
    stamps.append(now)
    cache.set(key, stamps[-500:], timeout=window)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_at: float = 0.0
    reason: str = ""

    @property
    def wait_seconds(self) -> int:
        return max(0, math.ceil(self.retry_at - time.time()))

    @property
    def message(self) -> str:
        minutes = max(1, math.ceil(self.wait_seconds / 60))
        when = f"{minutes} minute{'s' if minutes > 1 else ''}"
        if self.reason == "daily":
            hours = max(1, round(self.wait_seconds / 3600))
            when = f"{hours} heure{'s' if hours > 1 else ''}" if minutes > 90 else when
            return (
                "Trop d'essais infructueux aujourd'hui : par sécurité, la connexion à ce compte "
                f"est suspendue. Réessayez dans {when}, ou réinitialisez votre mot de passe "
                "avec « Mot de passe oublié »."
            )
        if self.reason == "address":
            return (
                "Trop de tentatives depuis votre connexion Internet. "
                f"Merci de patienter {when} avant de réessayer."
            )
        return (
            "Plusieurs essais infructueux : par sécurité, merci de patienter "
            f"{when} avant de réessayer. Vous pouvez aussi utiliser « Mot de passe oublié »."
        )


def _account_delay(failures: int) -> int:
    extra = failures - settings.GUICHET_LOGIN_FREE_FAILURES
    if extra < 0:
        return 0
    return min(settings.GUICHET_LOGIN_BASE_DELAY * 2**extra, settings.GUICHET_LOGIN_MAX_DELAY)


def login_check(*, account: str, ip: str) -> Decision:
    now = time.time()
    fails = _recent(_key("account", account), DAY, now)
    if len(fails) >= settings.GUICHET_LOGIN_DAILY_MAX:
        # The oldest failure of the window must age out before one more try.
        return Decision(False, fails[-settings.GUICHET_LOGIN_DAILY_MAX] + DAY, "daily")
    delay = _account_delay(len(fails))
    if delay and now < fails[-1] + delay:
        return Decision(False, fails[-1] + delay, "account")
    window = settings.GUICHET_IP_WINDOW
    ip_fails = _recent(_key("ip", ip), window, now)
    if len(ip_fails) >= settings.GUICHET_IP_MAX_FAILURES:
        return Decision(False, ip_fails[-settings.GUICHET_IP_MAX_FAILURES] + window, "address")
    return Decision(True)


def login_failed(*, account: str, ip: str) -> None:
    now = time.time()
    _record(_key("account", account), DAY, now)
    _record(_key("ip", ip), settings.GUICHET_IP_WINDOW, now)


def login_reset(*, account: str) -> None:
    """After a successful login or password reset the account starts afresh."""
    cache.delete(_key("account", account))


def hit(*, scope: str, value: str, limit: int, window: int) -> Decision:
    """A plain sliding-window limit (e.g. reset requests per reference and per address)."""
    now = time.time()
    key = _key(scope, value)
    stamps = _recent(key, window, now)
    if len(stamps) >= limit:
        return Decision(False, stamps[-limit] + window, "address")
    _record(key, window, now)
    return Decision(True)
