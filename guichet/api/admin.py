"""Back office: API clients (revoke, never the token nor its hash) and the calls, read only.
Only the administration role (superusers) sees them; clients are created by
`manage.py apitoken create`, which shows the token once."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy, ngettext

from guichet.core.models import StaffAccess
from guichet.core.staff_audit import staff_access_record

from .models import ApiCall, ApiClient
from .services import api_client_revoke


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiClient)
class ApiClientAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = [
        "name",
        "token_prefix",
        "scopes",
        "active",
        "created_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = ["active"]
    search_fields = ["name", "token_prefix"]
    # Never token_hash: the hash of a token stays out of sight too.
    fields = [
        "name",
        "token_prefix",
        "scopes",
        "active",
        "created_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_change_permission(self, request, obj=None):
        # The revoke action needs it; the form itself has no editable field.
        return request.user.is_active and request.user.is_superuser

    @admin.action(description=gettext_lazy("Révoquer le jeton"))
    def revoke(self, request, queryset):
        revoked = 0
        for client in queryset:
            if api_client_revoke(client=client):
                revoked += 1
                staff_access_record(
                    request=request,
                    action=StaffAccess.Action.ACTION,
                    model=ApiClient,
                    obj=client,
                    detail="révocation du jeton",
                )
        self.message_user(
            request,
            ngettext("%(count)s jeton révoqué.", "%(count)s jetons révoqués.", revoked)
            % {"count": revoked},
            messages.SUCCESS,
        )


@admin.register(ApiCall)
class ApiCallAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = [
        "created_at",
        "client",
        "method",
        "path",
        "status",
        "duration_ms",
        "remote_address",
    ]
    list_filter = ["status", "method", "client"]
    search_fields = ["path"]
    date_hierarchy = "created_at"
    list_select_related = ["client"]
    readonly_fields = [f.name for f in ApiCall._meta.fields]
