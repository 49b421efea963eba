"""Brute-force protection on the cache (A8), after the CNIL figures.

Per account: 5 free failures, then each further try waits longer (2 minutes, doubling, up to
an hour), and at most 25 failures in any 24 hours. Nothing is locked for ever: old failures
simply age out. Per source address: a cap on failures over a short window, so one machine
cannot spray many accounts (an IPv6 client counts by its /64). Every check happens, and the
try is counted, before any password is hashed; and one account takes one try at a time, so
parallel requests cannot slip extra tries in while a hash is computed.

Counters that many requests share (per address, per reset scope) are atomic: a try is counted
with the cache's `incr` first, and the total it then reads includes itself and every try
counted before it, so however many arrive at once, at most the cap get through. The window
slides in slices (a fifteenth of it each), so old tries age out a slice at a time. A portal
and a back office each have their own counters (`scope`), so a customer cannot lock staff out.
"""

import contextlib
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext, ngettext

from guichet.core.net import address_group, client_ip

__all__ = [
    "Decision",
    "Status",
    "client_ip",
    "hit",
    "login_begin",
    "login_failed",
    "login_lift",
    "login_reset",
    "login_status",
    "login_succeeded",
]

DAY = 24 * 3600
SLICES_PER_WINDOW = 15
# How long one account's try may hold its turn (a password hash takes well under a second).
INFLIGHT_SECONDS = 30


def _key(scope: str, value: str) -> str:
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"guichet:throttle:{scope}:{digest}"


@dataclass(frozen=True)
class Counted:
    """A try counted in a sliding window: the total it saw, and where it was counted."""

    total: int
    slot: str
    retry_at: float


def _slice_length(window: int) -> int:
    return max(1, math.ceil(window / SLICES_PER_WINDOW))


def _count(scope: str, value: str, *, window: int, limit: int) -> Counted:
    """Count one try now and return the window's total including it (atomic, see above)."""
    length = _slice_length(window)
    slices = math.ceil(window / length)
    current = int(time.time()) // length
    base = _key(scope, value)
    slot = f"{base}:{current}"
    timeout = window + length
    while True:
        cache.add(slot, 0, timeout=timeout)
        try:
            mine = cache.incr(slot)
            break
        except ValueError:
            # The slice expired between add and incr (only at the very end of its life).
            continue
    older_keys = [f"{base}:{index}" for index in range(current - slices + 1, current)]
    older = cache.get_many(older_keys)
    counts = [
        (index, older.get(f"{base}:{index}", 0)) for index in range(current - slices + 1, current)
    ]
    total = mine + sum(count for _, count in counts)
    # A refused try is given back: then one more fits once `total - limit` tries age out,
    # oldest slice first (the current slice leaves the window last).
    retry_at = (current + slices) * length
    excess = total - limit
    for index, count in counts:
        excess -= count
        if excess <= 0:
            retry_at = (index + slices) * length
            break
    return Counted(total=total, slot=slot, retry_at=float(retry_at))


def _uncount(slot: str) -> None:
    """Give back a try counted in `slot` (refused, or a success that should not count)."""
    with contextlib.suppress(ValueError):  # the slice has already aged out
        cache.decr(slot)


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_at: float = 0.0
    reason: str = ""
    # What login_begin counted, for login_failed / login_succeeded to settle.
    account: str = ""
    slot: str = ""

    @property
    def wait_seconds(self) -> int:
        return max(0, math.ceil(self.retry_at - time.time()))

    @property
    def message(self) -> str:
        # Built when read, in the language of the page that shows it.
        minutes = max(1, math.ceil(self.wait_seconds / 60))
        when = ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
        if self.reason == "daily":
            hours = max(1, round(self.wait_seconds / 3600))
            if minutes > 90:
                when = ngettext("%(count)s heure", "%(count)s heures", hours) % {"count": hours}
            return gettext(
                "Trop d'essais infructueux aujourd'hui : par sécurité, la connexion à ce compte "
                "est suspendue. Réessayez dans %(when)s, ou réinitialisez votre mot de passe "
                "avec « Mot de passe oublié »."
            ) % {"when": when}
        if self.reason == "busy":
            return gettext(
                "Une connexion à ce compte est déjà en cours : réessayez dans quelques secondes."
            )
        if self.reason == "address":
            return gettext(
                "Trop de tentatives depuis votre connexion Internet. "
                "Merci de patienter %(when)s avant de réessayer."
            ) % {"when": when}
        return gettext(
            "Plusieurs essais infructueux : par sécurité, merci de patienter "
            "%(when)s avant de réessayer. Vous pouvez aussi utiliser « Mot de passe oublié »."
        ) % {"when": when}


def _account_delay(failures: int) -> int:
    extra = failures - settings.GUICHET_LOGIN_FREE_FAILURES
    if extra < 0:
        return 0
    return min(settings.GUICHET_LOGIN_BASE_DELAY * 2**extra, settings.GUICHET_LOGIN_MAX_DELAY)


def _inflight_key(account: str) -> str:
    return _key("inflight", account)


def _failures_key(account: str) -> str:
    return _key("account", account)


def _recent_failures(account: str, now: float) -> list[float]:
    return [stamp for stamp in cache.get(_failures_key(account), []) if now - stamp < DAY]


def login_begin(*, account: str, ip: str, scope: str = "portal") -> Decision:
    """May this try go on? If so it is counted now, and settled by failed/succeeded.

    `account` names the counter of what was typed; `scope` keeps the back office's address
    counters apart from the portal's.
    """
    if not cache.add(_inflight_key(account), 1, timeout=INFLIGHT_SECONDS):
        return Decision(False, time.time() + 5, "busy")
    # The account's own failures are read and written only while it holds its turn.
    now = time.time()
    fails = _recent_failures(account, now)
    refusal = None
    if len(fails) >= settings.GUICHET_LOGIN_DAILY_MAX:
        # The oldest failure of the window must age out before one more try.
        refusal = Decision(False, fails[-settings.GUICHET_LOGIN_DAILY_MAX] + DAY, "daily")
    else:
        delay = _account_delay(len(fails))
        if delay and now < fails[-1] + delay:
            refusal = Decision(False, fails[-1] + delay, "account")
    if refusal is None:
        counted = _count(
            f"{scope}-ip",
            address_group(ip),
            window=settings.GUICHET_IP_WINDOW,
            limit=settings.GUICHET_IP_MAX_FAILURES,
        )
        if counted.total > settings.GUICHET_IP_MAX_FAILURES:
            _uncount(counted.slot)
            refusal = Decision(False, counted.retry_at, "address")
    if refusal is not None:
        cache.delete(_inflight_key(account))
        return refusal
    fails.append(now)
    cache.set(_failures_key(account), fails[-500:], timeout=DAY)
    return Decision(True, account=account, slot=counted.slot)


def login_failed(decision: Decision) -> None:
    """The try counted by login_begin was a failure: it stays counted."""
    cache.delete(_inflight_key(decision.account))


def login_succeeded(decision: Decision) -> None:
    """A success clears the account's failures and gives the address its try back."""
    login_reset(account=decision.account)
    _uncount(decision.slot)
    cache.delete(_inflight_key(decision.account))


def login_reset(*, account: str) -> None:
    """After a successful login or password reset the account starts afresh."""
    cache.delete(_failures_key(account))


def login_lift(*, account: str) -> None:
    """Staff lift an account's wait (issue 11): its failures are forgotten and a try left
    hanging gives its turn back. Per-address counters stay: they protect every account."""
    cache.delete_many([_failures_key(account), _inflight_key(account)])


@dataclass(frozen=True)
class Status:
    """Where an account stands, for staff: recent failures, and until when it must wait."""

    failures: int
    retry_at: float = 0.0

    @property
    def blocked(self) -> bool:
        return self.retry_at > time.time()


def login_status(*, account: str) -> Status:
    """Read only: the account's failures of the last 24 hours and the wait they impose now."""
    now = time.time()
    fails = _recent_failures(account, now)
    retry_at = 0.0
    if len(fails) >= settings.GUICHET_LOGIN_DAILY_MAX:
        retry_at = fails[-settings.GUICHET_LOGIN_DAILY_MAX] + DAY
    else:
        delay = _account_delay(len(fails))
        if delay:
            retry_at = fails[-1] + delay
    return Status(failures=len(fails), retry_at=retry_at if retry_at > now else 0.0)


def hit(*, scope: str, value: str, limit: int, window: int) -> Decision:
    """A plain sliding-window limit (e.g. reset requests per reference and per address)."""
    counted = _count(scope, value, window=window, limit=limit)
    if counted.total > limit:
        _uncount(counted.slot)
        return Decision(False, counted.retry_at, "address")
    return Decision(True, slot=counted.slot)
