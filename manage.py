#!/usr/bin/env python
"""Django's command-line utility for Guichet."""

import os
import sys


def main() -> None:
    # The mode comes from the environment only, never from a file in the checkout: a `.env`
    # with DEBUG=1 left by development would turn a production `collectstatic` or `migrate`
    # run in the same checkout into development mode (docs/decisions/0001-no-dotenv.md).
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
