"""Admin for users: staff accounts and the accounts tied to customers."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "customer", "is_staff", "is_active", "last_login"]
    list_select_related = ["customer"]
    search_fields = ["username", "email", "customer__reference", "customer__contact_email"]
    raw_id_fields = ["customer"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        ("Dossier client", {"fields": ["customer"]}),
    ]
