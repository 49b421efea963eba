"""Admin for users and their security events (J2)."""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext, gettext_lazy, ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.core.admin_site import ReadOnlyAdminMixin
from guichet.core.models import StaffAccess
from guichet.core.staff_audit import StaffAuditMixin, staff_access_record

from . import services
from .models import SecurityEvent, User

# django-otp's own pages would show every staff member's app secret and QR code, and take
# backup codes typed in clear (stored here as keyed hashes, so they would never work): each
# staff member manages their own second factor (« Double authentification »), and a lost one
# is reset with `manage.py staffresetotp`, which records it.
for _model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)


class SecurityEventInline(admin.TabularInline):
    model = SecurityEvent
    extra = 0
    max_num = 0
    can_delete = False
    fields = ["created_at", "kind", "ip_address", "user_agent", "detail"]
    readonly_fields = fields
    ordering = ["-created_at"]
    show_change_link = False

    def get_queryset(self, request):
        return super().get_queryset(request).order_by("-created_at")


@admin.register(User)
class UserAdmin(StaffAuditMixin, BaseUserAdmin):
    list_display = ["username", "identifier", "customer", "is_staff", "is_active", "last_login"]
    list_select_related = ["customer"]
    search_fields = [
        "username",
        "identifier",
        "email",
        "customer__reference",
        "customer__contact_email",
    ]
    raw_id_fields = ["customer"]
    readonly_fields = ["password_changed_at", "last_login", "date_joined"]
    fieldsets = [
        *BaseUserAdmin.fieldsets,
        (
            gettext_lazy("Dossier client"),
            {"fields": ["customer", "identifier", "password_changed_at"]},
        ),
    ]
    inlines = [SecurityEventInline]
    actions = ["send_first_access_link"]

    def has_send_first_access_link_permission(self, request) -> bool:
        # The permission of the « Fiche client » action too (issue 11, migration 0008).
        return request.user.has_perm("accounts.send_first_access_link")

    def user_change_password(self, request, id, form_url=""):
        """Staff setting a password is logged and notified like any other change (A10, J2)."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            user = self.get_object(request, id)
            staff_access_record(
                request=request,
                action=StaffAccess.Action.CHANGE,
                model=User,
                obj=user,
                detail="mot de passe",
            )
            services.password_changed_by_staff(user=user, request=request)
        return response

    @admin.action(
        description=gettext_lazy("Envoyer le lien de première connexion / réinitialisation"),
        permissions=["send_first_access_link"],
    )
    def send_first_access_link(self, request, queryset):
        sent, skipped = 0, []
        for user in queryset.select_related("customer"):
            if user.customer_id is None or not user.customer.contact_email or not user.is_active:
                skipped.append(user.username)
                continue
            services.password_reset_send(user=user, request=request, by_staff=True)
            sent += 1
        if sent:
            self.message_user(
                request,
                ngettext(
                    "Lien envoyé à %(count)s client.", "Lien envoyé à %(count)s clients.", sent
                )
                % {"count": sent},
                messages.SUCCESS,
            )
        if skipped:
            self.message_user(
                request,
                gettext(
                    "Pas de lien pour %(usernames)s : compte du personnel, inactif ou sans "
                    "e-mail de contact."
                )
                % {"usernames": ", ".join(skipped)},
                messages.WARNING,
            )


@admin.register(SecurityEvent)
class SecurityEventAdmin(StaffAuditMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "kind", "user", "ip_address"]
    list_filter = ["kind"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__customer__reference", "ip_address"]
    date_hierarchy = "created_at"
