"""Back office of personal data: which archives were asked for and when (never their content:
an archive is for its customer only), and which ended contracts the purge anonymised."""

from django.contrib import admin

from guichet.core.admin_site import ReadOnlyAdminMixin
from guichet.core.staff_audit import StaffAuditMixin

from .models import CustomerErasure, DataExport


@admin.register(DataExport)
class DataExportAdmin(StaffAuditMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["customer", "status", "created_at", "ready_at", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["customer"]
    search_fields = ["customer__reference"]
    # No file field: staff see that an archive exists, not what it holds.
    fields = ["customer", "status", "sha256", "size", "created_at", "ready_at", "expires_at"]


@admin.register(CustomerErasure)
class CustomerErasureAdmin(StaffAuditMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["customer", "erased_at"]
    list_select_related = ["customer"]
    search_fields = ["customer__reference"]
