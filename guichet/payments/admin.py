"""Admin for payments (back office): the ledger read only; staff record money received
outside the portal through the same service as everything else (payment_record)."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from guichet.core.admin_site import ReadOnlyAdminMixin
from guichet.core.formatting import format_cents
from guichet.core.staff_audit import StaffAuditMixin

from .models import Allocation, Payment
from .services.ledger import payment_record


class AllocationInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Allocation
    extra = 0
    can_delete = False
    fields = ["invoice", "amount_cents", "created_at"]
    readonly_fields = fields


class PaymentRecordForm(forms.ModelForm):
    """What staff type for money received by transfer or at the counter."""

    class Meta:
        model = Payment
        fields = ["customer", "amount_cents", "method", "reference"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["amount_cents"].widget.attrs["min"] = 1
        self.fields["reference"].required = False
        self.fields["reference"].help_text = gettext_lazy(
            "Vide : une référence est attribuée (P-année-code)."
        )
        # Card payments and debits come from the provider and the debit files, never typed.
        self.fields["method"].choices = [(Payment.Method.OTHER, Payment.Method.OTHER.label)]
        self.fields["method"].initial = Payment.Method.OTHER

    def clean_amount_cents(self):
        amount = self.cleaned_data["amount_cents"]
        if amount is not None and amount <= 0:
            raise ValidationError(gettext("Le montant doit être un nombre de centimes positif."))
        return amount

    def clean_reference(self):
        reference = self.cleaned_data["reference"].strip()
        if reference and Payment.objects.filter(reference=reference).exists():
            raise ValidationError(gettext("Un paiement porte déjà cette référence."))
        return reference

    def validate_unique(self):
        """The reference is checked above and, for a race, by the service."""


@admin.register(Payment)
class PaymentAdmin(StaffAuditMixin, admin.ModelAdmin):
    list_display = ["reference", "customer", "method", "status", "amount", "confirmed_at"]
    list_filter = ["status", "method", "provider"]
    search_fields = ["reference", "customer__reference", "provider_reference"]
    date_hierarchy = "created_at"
    raw_id_fields = ["customer"]
    inlines = [AllocationInline]
    readonly_fields = [
        "customer",
        "reference",
        "method",
        "status",
        "amount_cents",
        "currency",
        "provider",
        "provider_reference",
        "created_at",
        "confirmed_at",
        "updated_at",
    ]

    @admin.display(description=gettext_lazy("montant"), ordering="amount_cents")
    def amount(self, payment):
        return format_cents(payment.amount_cents)

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = PaymentRecordForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else []

    def has_change_permission(self, request, obj=None):
        return False  # the ledger is written by its services only

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        """Recorded, confirmed and spent on the oldest invoices by the ledger's service."""
        payment = payment_record(
            customer=form.cleaned_data["customer"],
            amount_cents=form.cleaned_data["amount_cents"],
            method=form.cleaned_data["method"],
            reference=form.cleaned_data["reference"] or None,
        )
        # The admin's own messages and redirect need the row the service wrote.
        obj.pk = payment.pk
        obj.reference = payment.reference
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        """Nothing related is typed: the allocations are the ledger's."""


@admin.register(Allocation)
class AllocationAdmin(ReadOnlyAdminMixin, StaffAuditMixin, admin.ModelAdmin):
    list_display = ["payment", "invoice", "amount", "created_at"]
    search_fields = ["payment__reference", "invoice__number", "payment__customer__reference"]
    list_select_related = ["payment", "invoice"]

    @admin.display(description=gettext_lazy("montant affecté"), ordering="amount_cents")
    def amount(self, allocation):
        return format_cents(allocation.amount_cents)


# Debit files and debits (the export and reject views) and SEPA mandates (read only, IBAN
# masked): their own modules.
from . import admin_debits, admin_mandates  # noqa: E402, F401
