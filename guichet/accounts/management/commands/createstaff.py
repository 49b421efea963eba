"""`manage.py createstaff USERNAME --email … --role support|billing|administration`.

The password is asked twice (or read from the first line of `--password-file`) and must meet
the CNIL criteria; the command prints one single-use backup code for the first login, after
which the back office makes the staff member enrol an authenticator app (TOTP) and shows
ten new backup codes (staff_otp_views).
"""

import getpass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.utils.translation import gettext

from guichet.accounts.models import User
from guichet.accounts.passwords import password_problems
from guichet.accounts.roles import ROLE_GROUPS
from guichet.accounts.services import staff_member_create


class Command(BaseCommand):
    help = "Create a back-office staff member in a role (support, billing, administration)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--email", required=True)
        parser.add_argument("--role", required=True, choices=sorted(ROLE_GROUPS))
        parser.add_argument(
            "--password-file", help="read the password from the first line of this file"
        )

    def handle(self, *args, username, email, role, password_file=None, **options):
        username = username.strip()
        try:
            User.username_validator(username)
            validate_email(email)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if User.objects.filter(username__iexact=username).exists():
            raise CommandError(
                gettext("Le compte « %(username)s » existe déjà.") % {"username": username}
            )
        password = self._password(password_file)
        problems = password_problems(password, User(username=username, email=email))
        if problems:
            raise CommandError(" ".join(message for p in problems for message in p.messages))
        user, code = staff_member_create(
            username=username, email=email, password=password, role=role
        )
        self.stdout.write(
            gettext("Compte « %(username)s » créé (rôle « %(group)s »).")
            % {"username": user.username, "group": ROLE_GROUPS[role]}
        )
        self.stdout.write(
            gettext(
                "Code de secours à usage unique pour la première connexion : %(code)s\n"
                "À la première connexion au back office, une page demande d'associer une "
                "application d'authentification (QR code) puis affiche vos codes de secours."
            )
            % {"code": code}
        )

    def _password(self, password_file):
        if password_file:
            try:
                lines = Path(password_file).read_text(encoding="utf-8").splitlines()
            except OSError as error:
                raise CommandError(str(error)) from None
            return lines[0] if lines else ""
        try:
            password = getpass.getpass(gettext("Mot de passe : "))
            again = getpass.getpass(gettext("Mot de passe (encore) : "))
        except (EOFError, KeyboardInterrupt):
            # Nothing to read (no terminal, input closed) or Ctrl-C: nothing was created.
            raise CommandError(
                gettext(
                    "Aucun mot de passe saisi : rien n'a été créé. Sans terminal, donnez-le "
                    "dans un fichier avec --password-file."
                )
            ) from None
        if again != password:
            raise CommandError(gettext("Les deux mots de passe ne sont pas identiques."))
        return password
