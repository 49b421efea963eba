"""Brute-force protection on the cache (A8), after the CNIL figures.

Per account: 5 free failures, then each further try waits longer (2 minutes, doubling, up to
an hour), and at most 25 failures in any 24 hours. Nothing is locked for ever: old failures
simply age out. Per source address: a cap on failures over a short window, so one machine
cannot spray many accounts (an IPv6 client counts by its /64). Every check happens, and the
try is counted, before any password is hashed; and one account takes one try at a time, so
parallel requests cannot slip extra tries in while a hash is computed.
"""

import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache

from guichet.core.net import address_group, client_ip

__all__ = ["client_ip", "login_begin", "login_failed", "login_succeeded", "login_reset", "hit"]

DAY = 24 * 3600


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
        if self.reason == "busy":
            return "Une connexion à ce compte est déjà en cours : réessayez dans quelques secondes."
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


def _inflight_key(account: str) -> str:
    return _key("inflight", account)


def login_begin(*, account: str, ip: str) -> Decision:
    """May this try go on? If so it is counted now, and settled by failed/succeeded."""
    if not cache.add(_inflight_key(account), 1, timeout=30):
        return Decision(False, time.time() + 5, "busy")
    decision = _login_decision(account=account, ip=ip)
    if not decision.allowed:
        cache.delete(_inflight_key(account))
        return decision
    now = time.time()
    _record(_key("account", account), DAY, now)
    _record(_key("ip", address_group(ip)), settings.GUICHET_IP_WINDOW, now)
    return decision


def _login_decision(*, account: str, ip: str) -> Decision:
    now = time.time()
    fails = _recent(_key("account", account), DAY, now)
    if len(fails) >= settings.GUICHET_LOGIN_DAILY_MAX:
        # The oldest failure of the window must age out before one more try.
        return Decision(False, fails[-settings.GUICHET_LOGIN_DAILY_MAX] + DAY, "daily")
    delay = _account_delay(len(fails))
    if delay and now < fails[-1] + delay:
        return Decision(False, fails[-1] + delay, "account")
    window = settings.GUICHET_IP_WINDOW
    ip_fails = _recent(_key("ip", address_group(ip)), window, now)
    if len(ip_fails) >= settings.GUICHET_IP_MAX_FAILURES:
        return Decision(False, ip_fails[-settings.GUICHET_IP_MAX_FAILURES] + window, "address")
    return Decision(True)


def login_failed(*, account: str, ip: str) -> None:
    """The try counted by login_begin was a failure: it stays counted."""
    cache.delete(_inflight_key(account))


def login_succeeded(*, account: str, ip: str) -> None:
    """A success clears the account's failures and gives the address its try back."""
    login_reset(account=account)
    key, now = _key("ip", address_group(ip)), time.time()
    stamps = _recent(key, settings.GUICHET_IP_WINDOW, now)
    if stamps:
        cache.set(key, stamps[:-1], timeout=settings.GUICHET_IP_WINDOW)
    cache.delete(_inflight_key(account))


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
