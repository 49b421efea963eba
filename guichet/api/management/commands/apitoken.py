"""API clients and their tokens: `manage.py apitoken create|revoke|list`.

The token is printed once, at creation; only its SHA-256 is kept, so it can never be shown
again (a lost token is revoked and a new client created)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Q
from django.utils.translation import gettext as _

from guichet.api.models import ApiClient, Scope
from guichet.api.services import api_client_create, api_client_revoke


class Command(BaseCommand):
    help = "Crée, révoque ou liste les clients de l'API et leurs jetons (docs/api.md)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="nouveau client ; son jeton est affiché une fois")
        create.add_argument("--name", required=True, help="nom du système (erp, crm…)")
        create.add_argument(
            "--scope",
            action="append",
            required=True,
            choices=Scope.values,
            help="droit accordé (plusieurs --scope possibles)",
        )
        revoke = sub.add_parser("revoke", help="révoque le jeton d'un client, à l'instant")
        revoke.add_argument("client", help="nom du client ou préfixe de son jeton")
        sub.add_parser("list", help="les clients, leurs droits et leur dernier appel")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _create(self, *, name, scope, **options):
        try:
            client, token = api_client_create(name=name, scopes=scope)
        except ValidationError as error:
            raise CommandError("; ".join(error.messages)) from None
        self.stderr.write(
            _(
                "Client « %(name)s » créé, droits : %(scopes)s.\n"
                "Son jeton, affiché cette seule fois (seule son empreinte est gardée) :"
            )
            % {"name": client.name, "scopes": ", ".join(client.scopes)}
        )
        self.stdout.write(token)

    def _revoke(self, *, client, **options):
        found = ApiClient.objects.filter(Q(name=client) | Q(token_prefix=client)).first()
        if found is None:
            raise CommandError(
                _("aucun client de l'API nommé ou préfixé « %(client)s »") % {"client": client}
            )
        if api_client_revoke(client=found):
            self.stdout.write(
                _("Jeton de « %(name)s » (%(prefix)s…) révoqué.")
                % {"name": found.name, "prefix": f"gch_{found.token_prefix}_"}
            )
        else:
            self.stdout.write(
                _("Le jeton de « %(name)s » était déjà révoqué.") % {"name": found.name}
            )

    def _list(self, **options):
        for client in ApiClient.objects.all():
            if client.revoked_at:
                state = _("révoqué")
            else:
                state = _("actif") if client.active else _("inactif")
            last = client.last_used_at.isoformat(timespec="seconds") if client.last_used_at else "-"
            self.stdout.write(
                f"{client.name}\tgch_{client.token_prefix}_…\t{state}\t"
                f"{','.join(client.scopes)}\t" + _("dernier appel : %(when)s") % {"when": last}
            )
