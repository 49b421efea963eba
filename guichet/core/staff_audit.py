"""J2: every back-office view and change of customer data is written to StaffAccess."""

import logging

from django.contrib import admin
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME

from .models import StaffAccess
from .net import client_ip, valid_ip

audit_logger = logging.getLogger("guichet.staff_audit")


def staff_access_record(*, request, action: str, model, obj=None, object_id="", detail=""):
    entry = StaffAccess.objects.create(
        staff=request.user if request.user.is_authenticated else None,
        staff_username=request.user.get_username() if request.user.is_authenticated else "",
        action=action,
        model=model._meta.label_lower,
        object_id=str(obj.pk if obj is not None else object_id)[:64],
        object_repr=str(obj)[:200] if obj is not None else "",
        detail=detail[:300],
        ip_address=valid_ip(client_ip(request)),
    )
    # One log line per entry: who did what to which record; not the record's text nor the
    # search terms (a name, the end of an IBAN), which only the access log keeps.
    audit_logger.info(
        "staff %s %s %s %s",
        entry.staff_id,
        entry.action,
        entry.model,
        entry.object_id,
        extra={
            "event": "staff_access",
            "staff_id": entry.staff_id,
            "action": entry.action,
            "model": entry.model,
            "object_id": entry.object_id,
        },
    )
    return entry


# Parameters that say how the list is shown, not which customers: not criteria.
PRESENTATION_PARAMS = {"p", "o", "e", "_popup", "_to_field", "_changelist_filters"}
# A lookup on one of these would be a secret in the log; Django refuses most of them anyway.
SECRET_MARKERS = ("password", "token", "secret", "otp", "key")


def search_criteria(query) -> tuple[str, str]:
    """The search term and the field filters of a changelist address, shortened for the log."""
    term = query.get(admin.views.main.SEARCH_VAR, "")
    filters = []
    for name, values in sorted(query.lists()):
        if name == admin.views.main.SEARCH_VAR or name in PRESENTATION_PARAMS:
            continue
        if any(marker in name.lower() for marker in SECRET_MARKERS):
            filters.append(f"{name[:40]}=…")
            continue
        filters.extend(f"{name[:40]}={value[:40]}" for value in values)
    return term[:100], ", ".join(filters)


class StaffAuditMixin:
    """Mix into a ModelAdmin holding customer data; writes come from the admin's own views."""

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        if request.method == "POST" and request.POST.get("action"):
            ids = ",".join(request.POST.getlist(ACTION_CHECKBOX_NAME))
            if response.status_code == 200:
                # A page before the action is done (the bulk delete's confirmation) shows
                # the selected customers: a view, the action itself comes with its POST.
                staff_access_record(
                    request=request,
                    action=StaffAccess.Action.VIEW,
                    model=self.model,
                    detail=f"confirmation {request.POST['action']} : {ids}",
                )
            else:
                staff_access_record(
                    request=request,
                    action=StaffAccess.Action.ACTION,
                    model=self.model,
                    detail=f"{request.POST['action']} : {ids}",
                )
        elif request.method == "GET" and response.status_code == 200:
            term, filters = search_criteria(request.GET)
            parts = ([f"recherche « {term} »"] if term else []) + (
                [f"filtres {filters}"] if filters else []
            )
            staff_access_record(
                request=request,
                action=StaffAccess.Action.SEARCH if parts else StaffAccess.Action.VIEW,
                model=self.model,
                detail=" ; ".join(parts) or "liste",
            )
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            staff_access_record(
                request=request,
                action=StaffAccess.Action.VIEW,
                model=self.model,
                obj=self.get_object(request, object_id),
                object_id=object_id,
                detail="historique",
            )
        return response

    def delete_view(self, request, object_id, extra_context=None):
        response = super().delete_view(request, object_id, extra_context)
        if request.method == "GET" and response.status_code == 200:
            # The confirmation page lists the customer and what goes with them.
            staff_access_record(
                request=request,
                action=StaffAccess.Action.VIEW,
                model=self.model,
                obj=self.get_object(request, object_id),
                object_id=object_id,
                detail="confirmation de suppression",
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
