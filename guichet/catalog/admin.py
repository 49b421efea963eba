"""Admin for the catalogue and subscriptions."""

from django.contrib import admin

from guichet.core.staff_audit import StaffAuditMixin
from guichet.customers.admin import CustomerAdmin
from guichet.customers.models import Customer

from .models import Product, Subscription


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


class CustomerWithSubscriptionsAdmin(CustomerAdmin):
    """The customer's page with their subscriptions, found by a line number too. Registered
    from here because the catalogue depends on customers, never the reverse."""

    inlines = [*CustomerAdmin.inlines, SubscriptionInline]
    phone_fields = (*CustomerAdmin.phone_fields, "subscriptions__line_number")


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerWithSubscriptionsAdmin)
