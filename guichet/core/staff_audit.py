"""J2: every back-office view and change of customer data is written to StaffAccess."""

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from .models import StaffAccess
from .net import client_ip, valid_ip


def staff_access_record(*, request, action: str, model, obj=None, object_id="", detail=""):
    return StaffAccess.objects.create(
        staff=request.user if request.user.is_authenticated else None,
        staff_username=request.user.get_username() if request.user.is_authenticated else "",
        action=action,
        model=model._meta.label_lower,
        object_id=str(obj.pk if obj is not None else object_id)[:64],
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=detail[:300],
        ip_address=valid_ip(client_ip(request)),
    )


class StaffAuditMixin:
    """Mix into a ModelAdmin holding customer data; writes come from the admin's own views."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "POST" and request.POST.get("action"):
            ids = ",".join(request.POST.getlist(ACTION_CHECKBOX_NAME))
            staff_access_record(
                request=request,
                action=StaffAccess.Action.ACTION,
                model=self.model,
                detail=f"{request.POST['action']} : {ids}",
            )
        elif request.method == "GET" and response.status_code == 200:
            term = request.GET.get(admin.views.main.SEARCH_VAR, "")
            staff_access_record(
                request=request,
                action=StaffAccess.Action.SEARCH if term else StaffAccess.Action.VIEW,
                model=self.model,
                detail=f"recherche « {term} »" if term else "liste",
            )
        return response

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = self.get_object(request, object_id)
        if request.method == "GET" and response.status_code == 200:
            staff_access_record(
                request=request,
                action=StaffAccess.Action.VIEW,
                model=self.model,
                obj=obj,
                object_id=object_id,
            )
        elif request.method == "POST" and response.status_code == 302:
            staff_access_record(
                request=request,
                action=StaffAccess.Action.CHANGE,
                model=self.model,
                obj=obj,
                object_id=object_id,
            )
        return response

    def log_addition(self, request, obj, message):
        staff_access_record(
            request=request, action=StaffAccess.Action.ADD, model=self.model, obj=obj
        )
        return super().log_addition(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            staff_access_record(
                request=request, action=StaffAccess.Action.DELETE, model=self.model, obj=obj
            )
        return super().log_deletions(request, queryset)
