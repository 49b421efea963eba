"""Back office of SEPA mandates: read only, the IBAN never shown (masked, from its last four
characters); bank details change only through the customer's own confirmed request."""

from django.contrib import admin
from django.utils.translation import gettext, gettext_lazy

from guichet.core.admin_site import ReadOnlyAdminMixin
from guichet.core.staff_audit import StaffAuditMixin

from .iban import IbanKeyError
from .models import Mandate, MandateAmendment
from .services.mandates import mandate_iban_masked


class MandateAmendmentInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = MandateAmendment
    extra = 0
    can_delete = False
    fields = ["original_iban", "original_bic", "created_at", "reported_in"]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("IBAN d'origine"))
    def original_iban(self, amendment):
        return f"•••• {amendment.original_iban_last4}"


@admin.register(Mandate)
class MandateAdmin(ReadOnlyAdminMixin, StaffAuditMixin, admin.ModelAdmin):
    list_display = ["rum", "customer", "status", "iban", "debit_day", "signed_at"]
    list_filter = ["status", "debit_day"]
    # Staff find a mandate by its reference, the customer's, or the IBAN's last four characters.
    search_fields = ["rum", "customer__reference", "iban_last4"]
    list_select_related = ["customer"]
    raw_id_fields = ["customer"]
    # Everything but the encrypted IBAN, which means nothing to a reader.
    fields = [
        "customer",
        "rum",
        "status",
        "iban_detail",
        "bic",
        "account_holder",
        "debit_day",
        "signed_at",
        "first_debit_done",
        "revoked_at",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [MandateAmendmentInline]

    @admin.display(description=gettext_lazy("IBAN"), ordering="iban_last4")
    def iban(self, mandate):
        return mandate.iban_masked

    @admin.display(description=gettext_lazy("IBAN"))
    def iban_detail(self, mandate):
        try:
            return mandate_iban_masked(mandate)
        except IbanKeyError:
            # The page still opens: the key problem is the operator's to fix, not a 500.
            return gettext("%(masked)s (illisible avec la clé actuelle)") % {
                "masked": mandate.iban_masked
            }
