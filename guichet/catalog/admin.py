"""Admin for the catalogue and subscriptions."""

from django.contrib import admin

from guichet.core.staff_audit import StaffAuditMixin

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
