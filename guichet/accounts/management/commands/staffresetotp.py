"""`manage.py staffresetotp USERNAME`: a staff member who lost both the phone and the backup
codes gets one single-use code; the next login asks them to enrol an app again."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from guichet.accounts.models import User
from guichet.accounts.services import staff_second_factor_reset


class Command(BaseCommand):
    help = "Remove a staff member's authenticator app and backup codes; print a single-use code."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = User.objects.filter(
            username=username.strip(), is_staff=True, customer__isnull=True
        ).first()
        if user is None:
            raise CommandError(
                gettext("Aucun membre du personnel « %(username)s ».") % {"username": username}
            )
        code = staff_second_factor_reset(user=user)
        self.stdout.write(
            gettext(
                "Code de secours à usage unique pour la prochaine connexion : %(code)s\n"
                "Le back office demandera d'associer à nouveau une application "
                "d'authentification."
            )
            % {"code": code}
        )
