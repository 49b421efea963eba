"""Settings of the benchmark's ceiling server: production settings, one more URL in front.

`bench/pages.py` serves the portal with `config.settings` and, beside it, this module, so the
ceiling page goes through the very same middleware, sessions, cache, database and logging.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.ceiling_urls"
