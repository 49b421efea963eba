"""`manage.py iban_keys_rotate`: re-encrypt every stored IBAN under the newest key.

Rotation: put the new key first in PAYMENTS_IBAN_KEY (« new,old »), restart, run this, then
remove the old key. An IBAN no key can read stops it with the error naming the variable.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import ngettext

from guichet.payments.iban import IbanKeyError
from guichet.payments.services.mandates import iban_keys_rotate


class Command(BaseCommand):
    help = "Re-encrypt every stored IBAN with the first key of PAYMENTS_IBAN_KEY."

    def handle(self, *args, **options):
        try:
            count = iban_keys_rotate()
        except IbanKeyError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            ngettext(
                "%(count)s IBAN chiffré à nouveau avec la première clé.",
                "%(count)s IBAN chiffrés à nouveau avec la première clé.",
                count,
            )
            % {"count": count}
        )
