"""Sizing Argon2id for this server: OWASP's five configurations of equal defence, measured.

    .venv/bin/python bench/argon2_bench.py
    .venv/bin/python bench/argon2_bench.py --rounds 20 --hashes 10

OWASP's Password Storage Cheat Sheet gives five Argon2id configurations (memory in KiB,
passes, one lane) that defend equally well; which one is cheapest to compute depends on the
server (its caches, how its C library hands out large blocks of memory). The script hashes
with each in turn, interleaved so that a machine busy with other work weighs on all alike,
through argon2-cffi as Django's hasher does, and prints the median CPU time per hash, the
memory each hash holds and, for a burst of logins served by --workers sync workers on
--cores cores, the hashing time alone before the last login can answer. The cheapest goes in
the environment file (ARGON2_MEMORY_KIB, ARGON2_TIME_COST; README, « Passwords »).
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from guichet.accounts.hashers import OWASP_CONFIGURATIONS  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="interleaved rounds")
    parser.add_argument("--hashes", type=int, default=10, help="hashes per round and setting")
    parser.add_argument("--logins", type=int, default=50, help="logins of the burst")
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--workers", type=int, default=5, help="sync workers hashing at once")
    args = parser.parse_args()

    from argon2.low_level import Type, hash_secret_raw

    samples = {configuration: [] for configuration in OWASP_CONFIGURATIONS}
    for _ in range(args.rounds):
        for memory_kib, passes in OWASP_CONFIGURATIONS:
            started = time.process_time()
            for number in range(args.hashes):
                hash_secret_raw(
                    f"Une phrase de passe {number}".encode(),
                    os.urandom(16),
                    time_cost=passes,
                    memory_cost=memory_kib,
                    parallelism=1,
                    hash_len=32,
                    type=Type.ID,
                )
            samples[(memory_kib, passes)].append(
                (time.process_time() - started) / args.hashes * 1000
            )

    parallel = min(args.cores, args.workers)
    print(
        f"Argon2id, 1 lane, {args.rounds} rounds of {args.hashes} hashes each "
        f"(load average {os.getloadavg()[0]:.2f}, {os.cpu_count()} cores):"
    )
    print(
        f"  {'KiB':>6} {'passes':>6} {'CPU/hash':>9} {'memory/hash':>12}"
        f"   {args.logins} logins on {parallel} cores: hashing alone"
    )
    medians = {}
    for (memory_kib, passes), values in samples.items():
        median = medians[(memory_kib, passes)] = statistics.median(values)
        burst = median * args.logins / parallel
        print(
            f"  {memory_kib:>6} {passes:>6} {median:>7.1f}ms {memory_kib / 1024:>9.1f} MiB"
            f"   {burst:>6.0f} ms, {memory_kib / 1024 * args.workers:.0f} MiB at most"
        )
    memory_kib, passes = min(medians, key=medians.get)
    print(f"cheapest here: ARGON2_MEMORY_KIB={memory_kib} ARGON2_TIME_COST={passes}")


if __name__ == "__main__":
    main()
