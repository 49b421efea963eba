"""Write the API's OpenAPI description (`make openapi` -> docs/api/openapi.json)."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand

from guichet.api.api import api


def openapi_text() -> str:
    return json.dumps(api.get_openapi_schema(), indent=2, ensure_ascii=False) + "\n"


class Command(BaseCommand):
    help = "Écrit la description OpenAPI de l'API (docs/api/openapi.json)."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="fichier (sinon la sortie standard)")

    def handle(self, *args, output=None, **options):
        text = openapi_text()
        if output is None:
            self.stdout.write(text, ending="")
        else:
            output.write_text(text, encoding="utf-8")
