"""Admin for the catalogue and subscriptions."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy, ngettext

from guichet.core.staff_audit import StaffAuditMixin
from guichet.customers.admin import CustomerAdmin
from guichet.customers.models import Customer

from .models import Product, Subscription, TerminationRequest
from .termination import termination_request_process


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code", "monthly_price_cents", "vat_rate_bp", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "code", "description"]


@admin.register(Subscription)
class SubscriptionAdmin(StaffAuditMixin, admin.ModelAdmin):
    list_display = ["customer", "product", "start_date", "end_date", "line_number"]
    list_filter = ["product__kind", "product"]
    list_select_related = ["customer", "product"]
    search_fields = ["customer__reference", "line_number", "product__name"]
    raw_id_fields = ["customer"]
    date_hierarchy = "start_date"


class SubscriptionInline(admin.TabularInline):
    model = Subscription
    extra = 0
    fields = ["product", "start_date", "end_date", "line_number", "price_cents", "equipment"]
    autocomplete_fields = ["product"]


class ActiveSubscriptionFilter(admin.SimpleListFilter):
    """Customers with a subscription running today (« Clients actifs » of the dashboard)."""

    title = gettext_lazy("abonnement")
    parameter_name = "abonnement"

    def lookups(self, request, model_admin):
        return [("actif", gettext_lazy("En cours")), ("aucun", gettext_lazy("Aucun en cours"))]

    def queryset(self, request, queryset):
        active = Subscription.objects.active().values("customer_id")
        if self.value() == "actif":
            return queryset.filter(pk__in=active)
        if self.value() == "aucun":
            return queryset.exclude(pk__in=active)
        return queryset


class CustomerWithSubscriptionsAdmin(CustomerAdmin):
    """The customer's page with their subscriptions, found by a line number too. Registered
    from here because the catalogue depends on customers, never the reverse."""

    inlines = [*CustomerAdmin.inlines, SubscriptionInline]
    list_filter = [*CustomerAdmin.list_filter, ActiveSubscriptionFilter]
    phone_fields = (*CustomerAdmin.phone_fields, "subscriptions__line_number")


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerWithSubscriptionsAdmin)


@admin.register(TerminationRequest)
class TerminationRequestAdmin(StaffAuditMixin, admin.ModelAdmin):
    """C6: staff end the requested services at the effective date through the same service
    as any end of subscription; the customer is e-mailed."""

    list_display = ["reference", "customer", "subscription", "effective_date", "status"]
    list_filter = ["status"]
    list_select_related = ["customer", "subscription__product"]
    search_fields = ["reference", "customer__reference"]
    date_hierarchy = "effective_date"
    readonly_fields = [
        "reference",
        "customer",
        "subscription",
        "requested_at",
        "effective_date",
        "status",
        "processed_at",
    ]
    actions = ["process"]

    def has_add_permission(self, request):
        # Requests come from the customer's own journey, acknowledged to them by e-mail.
        return False

    @admin.action(
        description=gettext_lazy("Traiter : mettre fin aux services demandés à la date d'effet"),
        permissions=["change"],
    )
    def process(self, request, queryset):
        done = 0
        for termination in queryset:
            try:
                termination_request_process(termination=termination)
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.WARNING)
            else:
                done += 1
        if done:
            self.message_user(
                request,
                ngettext("%(count)d demande traitée.", "%(count)d demandes traitées.", done)
                % {"count": done},
                messages.SUCCESS,
            )
