"""Argon2id sized for the server: its memory, passes and lanes come from settings (ARGON2_*).

Django's own Argon2 hasher asks 100 MiB and 8 threads per hash, so 50 logins at once want
5 GB and 400 threads. OWASP's configurations for Argon2id defend equally well with one lane
and far less memory (7 MiB and 5 passes by default here, the cheapest of OWASP's five on
our 2-core server: bench/argon2_bench.py). The algorithm name stays
« argon2 », so hashes made with other parameters (Django's) are still verified, and Django
stores the password again with these ones at the next successful login (`must_update`).
"""

from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher

# OWASP Password Storage Cheat Sheet: five Argon2id configurations (memory in KiB, passes),
# each with one lane, giving an equal defence; a trade of memory against time.
OWASP_CONFIGURATIONS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


def argon2_parameters_problem(*, memory_kib: int, time_cost: int, parallelism: int) -> str:
    """Why these parameters are refused, or '' when they match one of OWASP's or exceed it."""
    if parallelism < 1 or time_cost < 1:
        return "ARGON2_TIME_COST and ARGON2_PARALLELISM must be at least 1"
    if memory_kib < 8 * parallelism:
        return "ARGON2_MEMORY_KIB must be at least 8 KiB per lane (8 × ARGON2_PARALLELISM)"
    if not any(memory_kib >= m and time_cost >= t for m, t in OWASP_CONFIGURATIONS):
        return (
            "ARGON2_MEMORY_KIB and ARGON2_TIME_COST are weaker than every configuration "
            "OWASP recommends for Argon2id (KiB/passes: "
            + ", ".join(f"{m}/{t}" for m, t in OWASP_CONFIGURATIONS)
            + "); use one of them or more of both"
        )
    return ""


class ServerArgon2PasswordHasher(Argon2PasswordHasher):
    """Django's Argon2id hasher with the parameters of settings, read at each use."""

    @property
    def memory_cost(self) -> int:
        return settings.ACCOUNTS_ARGON2_MEMORY_KIB

    @property
    def time_cost(self) -> int:
        return settings.ACCOUNTS_ARGON2_TIME_COST

    @property
    def parallelism(self) -> int:
        return settings.ACCOUNTS_ARGON2_PARALLELISM
