#!/usr/bin/env python
"""Django's command-line utility for Guichet."""

import os
import sys
from pathlib import Path


def main() -> None:
    # A developer's settings (`make demo` writes DEBUG=1 there) for commands typed by hand;
    # variables already set in the environment win. Servers set their environment instead.
    from dotenv import load_dotenv

    load_dotenv(Path(__file__).resolve().parent / ".env", override=False)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
