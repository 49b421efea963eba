"""`manage.py purge [--dry-run]`: apply the retention limits now (beat runs it nightly)."""

from django.core.management.base import BaseCommand

from guichet.privacy.services.purge import purge_run

LABELS = {
    "security_events": "security events older than the retention",
    "staff_accesses": "staff access records older than the retention",
    "data_exports": "data archives past their time",
    "outbox_emails": "sent or failed e-mails older than the retention",
    "customers_anonymised": "ended contracts anonymised",
    "invoices": "invoices past their legal retention (with their lines and PDF)",
}


class Command(BaseCommand):
    help = "Delete or anonymise personal data kept past its retention (PRIVACY_* settings)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go, change nothing."
        )

    def handle(self, *args, dry_run: bool = False, **options):
        report = purge_run(dry_run=dry_run)
        verb = "would be purged" if dry_run else "purged"
        for key, count in report.as_dict().items():
            self.stdout.write(f"{count} {LABELS[key]} {verb}")
        if report.anonymised_references:
            self.stdout.write("Contracts: " + ", ".join(report.anonymised_references))
