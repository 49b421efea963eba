"""Admin for customers, searchable by reference, name, e-mail and phone (J1)."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy, ngettext

from guichet.core.formatting import normalize_phone
from guichet.core.staff_audit import StaffAuditMixin

from .models import AddressChangeRequest, Customer, Holder
from .services import address_change_decide


class HolderInline(admin.TabularInline):
    model = Holder
    extra = 0
    min_num = 1


@admin.register(Customer)
class CustomerAdmin(StaffAuditMixin, admin.ModelAdmin):
    list_display = ["reference", "holder_names", "installation_city", "contact_email"]
    search_fields = [
        "reference",
        "holders__last_name",
        "holders__first_name",
        "contact_email",
        "invoice_email",
    ]
    # The catalogue adds its subscriptions (inline and line numbers) from its own admin module:
    # customers never import the catalogue, which depends on them.
    inlines = [HolderInline]
    phone_fields = ("phone_mobile", "phone_home", "phone_other")
    readonly_fields = ["created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["reference", "contract_postal_code"]}),
        (
            gettext_lazy("Adresse d'installation"),
            {
                "fields": [
                    "installation_street",
                    "installation_street2",
                    "installation_postal_code",
                    "installation_city",
                ]
            },
        ),
        (
            gettext_lazy("Adresse de facturation"),
            {
                "fields": [
                    "billing_street",
                    "billing_street2",
                    "billing_postal_code",
                    "billing_city",
                    "billing_country",
                ]
            },
        ),
        (
            gettext_lazy("Contact"),
            {"fields": ["contact_email", "phone_mobile", "phone_home", "phone_other"]},
        ),
        (gettext_lazy("Factures"), {"fields": ["invoice_email", "invoice_email_opt_in"]}),
        (gettext_lazy("Suivi"), {"fields": ["created_at", "updated_at"]}),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("holders")

    @admin.display(description=gettext_lazy("titulaires"))
    def holder_names(self, obj):
        return obj.display_name

    def get_search_results(self, request, queryset, search_term):
        """Also find a phone number typed the French way (« 03 89 … ») though it is stored +33…."""
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            e164 = normalize_phone(search_term)
        except ValidationError:
            return results, may_have_duplicates
        if e164:
            match = Q()
            for name in self.phone_fields:
                match |= Q(**{name: e164})
            results = results | queryset.filter(match)
            may_have_duplicates = True
        return results, may_have_duplicates


@admin.register(AddressChangeRequest)
class AddressChangeRequestAdmin(StaffAuditMixin, admin.ModelAdmin):
    """D3: staff approve or refuse the billing addresses customers asked for."""

    list_display = ["customer", "requested_address", "status", "created_at", "decided_by"]
    list_filter = ["status"]
    search_fields = ["customer__reference", "city", "postal_code"]
    list_select_related = ["customer"]
    actions = ["approve", "refuse"]
    readonly_fields = [
        "customer",
        "street",
        "street2",
        "postal_code",
        "city",
        "country",
        "status",
        "created_at",
        "decided_at",
        "decided_by",
    ]

    def has_add_permission(self, request):
        return False  # customers ask from the portal; staff change Customer directly

    def has_delete_permission(self, request, obj=None):
        return False  # the history of decisions stays

    @admin.display(description=gettext_lazy("adresse demandée"))
    def requested_address(self, obj):
        return ", ".join(obj.address_lines)

    def _decide(self, request, queryset, *, approve: bool):
        done = sum(
            address_change_decide(
                request=change, approve=approve, staff_name=request.user.get_username()
            )
            for change in queryset.filter(status=AddressChangeRequest.Status.PENDING)
        )
        self.message_user(
            request,
            ngettext(
                "%(count)d demande traitée, le client est prévenu par e-mail.",
                "%(count)d demandes traitées, les clients sont prévenus par e-mail.",
                done,
            )
            % {"count": done},
            messages.SUCCESS if done else messages.WARNING,
        )

    @admin.action(
        description=gettext_lazy("Valider et appliquer les adresses sélectionnées"),
        permissions=["change"],
    )
    def approve(self, request, queryset):
        self._decide(request, queryset, approve=True)

    @admin.action(
        description=gettext_lazy("Refuser les demandes sélectionnées"), permissions=["change"]
    )
    def refuse(self, request, queryset):
        self._decide(request, queryset, approve=False)
