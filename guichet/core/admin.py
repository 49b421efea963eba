"""Admin for the editable pages and the e-mail outbox."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.utils.translation import gettext, gettext_lazy, ngettext

from .admin_site import ReadOnlyAdminMixin
from .emails import outbox_resend
from .models import OutboxEmail, SitePage, StaffAccess
from .staff_audit import StaffAuditMixin


class SitePageForm(forms.ModelForm):
    """The language is one of those the portal offers (settings.LANGUAGES)."""

    language = forms.ChoiceField(label=gettext_lazy("langue"), choices=())

    class Meta:
        model = SitePage
        fields = ["slug", "language", "title", "body"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = settings.LANGUAGES


@admin.register(SitePage)
class SitePageAdmin(admin.ModelAdmin):
    form = SitePageForm
    list_display = ["title", "slug", "language", "updated_at"]
    list_filter = ["slug", "language"]
    readonly_fields = ["updated_at"]


@admin.register(OutboxEmail)
class OutboxEmailAdmin(StaffAuditMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: an e-mail is written by the portal; staff can only send a failed one again."""

    list_display = ["created_at", "to", "subject_shown", "status", "attempts", "sent_at"]
    list_filter = ["status", "template"]
    search_fields = ["to", "subject"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = [
        "to",
        "subject_shown",
        "template",
        "status",
        "attempts",
        "last_error",
        "created_at",
        "next_attempt_at",
        "sent_at",
        "body_text",
        "body_html",
    ]
    readonly_fields = fields

    def has_resend_permission(self, request):
        return request.user.has_perm("core.change_outboxemail")

    @admin.display(
        description=OutboxEmail._meta.get_field("subject").verbose_name, ordering="subject"
    )
    def subject_shown(self, email):
        # A billing run's notices are written when they leave (decision 0018): say so rather
        # than show an empty subject.
        if email.subject or not email.render_args:
            return email.subject
        return gettext("(rédigé à l'envoi : %(template)s)") % {"template": email.template}

    @admin.action(description=gettext_lazy("Renvoyer"), permissions=["resend"])
    def resend(self, request, queryset):
        count = outbox_resend(email_ids=list(queryset.values_list("pk", flat=True)))
        if count:
            self.message_user(
                request,
                ngettext(
                    "%(count)s e-mail en échec remis en file d'envoi.",
                    "%(count)s e-mails en échec remis en file d'envoi.",
                    count,
                )
                % {"count": count},
                messages.SUCCESS,
            )
        else:
            self.message_user(
                request,
                gettext("Aucun e-mail en échec dans la sélection : rien n'a été renvoyé."),
                messages.WARNING,
            )


@admin.register(StaffAccess)
class StaffAccessAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The log of what staff viewed and changed: read-only, for superusers."""

    list_display = ["created_at", "staff_username", "action", "model", "object_repr", "detail"]
    list_filter = ["action", "model"]
    search_fields = ["staff_username", "object_repr", "object_id", "detail"]
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_superuser
