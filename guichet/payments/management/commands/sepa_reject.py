"""Record a debit the bank rejected: `manage.py sepa_reject T0000123-1 AM04`."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from guichet.payments.models import Debit
from guichet.payments.services.debits import REJECT_REASONS, debit_reject


class Command(BaseCommand):
    help = (
        "Enregistre le rejet d'un prélèvement (R-transaction) : son paiement est annulé, la "
        "facture redevient à payer et le client est prévenu par e-mail. Codes : "
        + ", ".join(REJECT_REASONS)
        + "."
    )

    def add_arguments(self, parser):
        parser.add_argument("end_to_end_id", help="la référence de bout en bout du prélèvement")
        parser.add_argument("reason", help="le code de rejet de la banque, par exemple AM04")

    def handle(self, *args, **options):
        debit = Debit.objects.filter(end_to_end_id=options["end_to_end_id"].strip()).first()
        if debit is None:
            raise CommandError(
                _("Aucun prélèvement ne porte la référence « %(reference)s ».")
                % {"reference": options["end_to_end_id"]}
            )
        try:
            debit = debit_reject(debit_id=debit.pk, reason=options["reason"])
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        self.stdout.write(
            _(
                "Prélèvement %(reference)s rejeté (%(code)s : %(label)s) : la facture est de "
                "nouveau à payer."
            )
            % {
                "reference": debit.end_to_end_id,
                "code": debit.reject_reason,
                "label": REJECT_REASONS[debit.reject_reason],
            }
        )
