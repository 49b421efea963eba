"""Back office of « Contactez-nous »: departments, request types and partner points managed
by staff; requests read and answered through the same service as everywhere
(contact_request_answer), which tells the customer by e-mail."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

from guichet.core.admin_site import ReadOnlyAdminMixin
from guichet.core.staff_audit import StaffAuditMixin

from .models import ContactAnswer, ContactRequest, Department, PartnerPoint, RequestType
from .services import contact_request_answer, contact_request_status_set


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["name", "email"]
    search_fields = ["name", "email"]


@admin.register(RequestType)
class RequestTypeAdmin(admin.ModelAdmin):
    list_display = ["label", "department", "active", "order"]
    list_editable = ["active", "order"]
    list_filter = ["active", "department"]
    list_select_related = ["department"]


@admin.register(PartnerPoint)
class PartnerPointAdmin(admin.ModelAdmin):
    list_display = ["name", "postal_code", "city", "phone", "active"]
    list_filter = ["active"]
    search_fields = ["name", "postal_code", "city"]


class ContactAnswerInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = ContactAnswer
    extra = 0
    fields = ["created_at", "author", "body"]
    readonly_fields = fields


class ContactRequestAnswerForm(forms.ModelForm):
    """Nothing of the request is edited: staff write an answer, sent by the service."""

    answer = forms.CharField(
        label=gettext_lazy("Nouvelle réponse au client"),
        widget=forms.Textarea(attrs={"rows": 8}),
        required=False,
        help_text=gettext_lazy(
            "Enregistrée avec la demande, lue par le client dans « Mes demandes » et envoyée "
            "à son e-mail de contact."
        ),
    )
    close = forms.BooleanField(
        label=gettext_lazy("Clore la demande avec cette réponse"), required=False
    )

    class Meta:
        model = ContactRequest
        fields = []


@admin.register(ContactRequest)
class ContactRequestAdmin(StaffAuditMixin, admin.ModelAdmin):
    form = ContactRequestAnswerForm
    list_display = ["reference", "customer", "request_type", "department", "status", "created_at"]
    list_filter = ["status", "department", "request_type"]
    search_fields = ["reference", "customer__reference"]
    list_select_related = ["customer", "request_type", "department"]
    date_hierarchy = "created_at"
    inlines = [ContactAnswerInline]
    readonly_fields = [
        "reference",
        "customer",
        "request_type",
        "department",
        "reply_email",
        "status",
        "message",
        "created_at",
        "updated_at",
    ]
    fields = readonly_fields + ["answer", "close"]
    actions = ["mark_in_progress", "mark_closed"]

    def has_add_permission(self, request):
        return False  # customers send them from the portal

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        body = form.cleaned_data.get("answer", "").strip()
        if not body:
            if form.cleaned_data.get("close"):
                contact_request_status_set(contact_request=obj, status=ContactRequest.Status.CLOSED)
            return
        try:
            contact_request_answer(
                contact_request=obj,
                author=request.user,
                body=body,
                close=form.cleaned_data.get("close", False),
            )
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        else:
            self.message_user(request, gettext("Réponse envoyée au client."), messages.SUCCESS)

    def save_related(self, request, form, formsets, change):
        """The answers are written by the service only."""

    def construct_change_message(self, request, form, formsets, add=False):
        # The answer inline is never saved (read only): name what the service did instead.
        changed = [name for name in ("answer", "close") if form.cleaned_data.get(name)]
        return [{"changed": {"fields": changed}}] if changed else []

    @admin.action(description=gettext_lazy("Marquer « en cours »"))
    def mark_in_progress(self, request, queryset):
        for contact_request in queryset:
            contact_request_status_set(
                contact_request=contact_request, status=ContactRequest.Status.IN_PROGRESS
            )

    @admin.action(description=gettext_lazy("Clore"))
    def mark_closed(self, request, queryset):
        for contact_request in queryset:
            contact_request_status_set(
                contact_request=contact_request, status=ContactRequest.Status.CLOSED
            )
