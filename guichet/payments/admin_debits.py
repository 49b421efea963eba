"""Back office of debit files (F6): export a date's file, download it, record a bank's reject.

Staff call the same services as `manage.py sepa_export` / `sepa_reject`. Exporting needs the
permission to add a debit file (payments.add_debitbatch), recording a reject the permission
to change a debit (payments.change_debit); the files and debits themselves are read only.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, gettext_lazy, ngettext

from guichet.core.admin_site import ReadOnlyAdminMixin
from guichet.core.formatting import format_cents, format_date
from guichet.core.models import StaffAccess
from guichet.core.staff_audit import StaffAuditMixin, staff_access_record

from .models import Debit, DebitBatch
from .sepa import SepaFileInvalid
from .services.debits import REJECT_REASONS, debit_export, debit_file_content, debit_reject


class DebitExportForm(forms.Form):
    debit_date = forms.DateField(
        label=gettext_lazy("Date de prélèvement"),
        help_text=gettext_lazy("Format : JJ/MM/AAAA, par exemple 05/12/2026."),
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": gettext_lazy("Indiquez la date de prélèvement."),
            "invalid": gettext_lazy("Date invalide : écrivez-la JJ/MM/AAAA (05/12/2026)."),
        },
    )


class DebitRejectForm(forms.Form):
    reason = forms.ChoiceField(
        label=gettext_lazy("Motif de rejet (code R)"),
        choices=[("", "—")]
        + [(code, f"{code} — {label}") for code, label in REJECT_REASONS.items()],
        error_messages={
            "required": gettext_lazy("Choisissez le code de rejet donné par la banque."),
            "invalid_choice": gettext_lazy("Ce code de rejet n'existe pas."),
        },
    )


class DebitInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = Debit
    extra = 0
    can_delete = False
    fields = ["end_to_end_id", "invoice", "amount_cents", "sequence_type", "status"]
    readonly_fields = fields
    show_change_link = True


@admin.register(DebitBatch)
class DebitBatchAdmin(StaffAuditMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["message_id", "debit_date", "count", "total", "created_by", "created_at"]
    list_filter = ["debit_date"]
    search_fields = ["message_id"]
    date_hierarchy = "debit_date"
    fields = [
        "message_id",
        "debit_date",
        "count",
        "total",
        "file_link",
        "sha256",
        "created_by",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [DebitInline]
    change_list_template = "admin/payments/debitbatch/change_list.html"

    @admin.display(description=gettext_lazy("montant total"), ordering="total_cents")
    def total(self, batch):
        return format_cents(batch.total_cents)

    @admin.display(description=gettext_lazy("fichier pain.008"))
    def file_link(self, batch):
        url = reverse("admin:payments_debitbatch_file", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, f"{batch.message_id}.xml")

    def has_export_permission(self, request) -> bool:
        return request.user.has_perm("payments.add_debitbatch")

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_export": self.has_export_permission(request)}
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "exporter/",
                self.admin_site.admin_view(self.export_view),
                name="payments_debitbatch_export",
            ),
            path(
                "<int:batch_id>/fichier/",
                self.admin_site.admin_view(self.file_view),
                name="payments_debitbatch_file",
            ),
            *super().get_urls(),
        ]

    def export_view(self, request):
        if not self.has_export_permission(request):
            raise PermissionDenied
        form = DebitExportForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            debit_date = form.cleaned_data["debit_date"]
            try:
                result = debit_export(debit_date=debit_date, created_by=request.user.get_username())
            except ValidationError as error:
                form.add_error("debit_date", error.messages)
            except SepaFileInvalid as error:
                form.add_error(
                    None,
                    gettext(
                        "Le fichier ne respecte pas le schéma pain.008.001.08 : rien n'est "
                        "exporté. %(errors)s"
                    )
                    % {"errors": "; ".join(error.errors[:3])},
                )
            else:
                for excluded in result.excluded:
                    messages.warning(
                        request,
                        gettext("Facture %(number)s non prélevée : %(reason)s.")
                        % {"number": excluded.number, "reason": excluded.reason},
                    )
                if result.batch is None:
                    messages.info(
                        request,
                        gettext("Aucun prélèvement à émettre le %(date)s.")
                        % {"date": format_date(debit_date)},
                    )
                    return redirect("admin:payments_debitbatch_changelist")
                batch = result.batch
                self.log_addition(request, batch, [{"added": {}}])
                messages.success(
                    request,
                    ngettext(
                        "%(count)s prélèvement exporté pour le %(date)s (%(total)s).",
                        "%(count)s prélèvements exportés pour le %(date)s (%(total)s).",
                        batch.count,
                    )
                    % {
                        "count": batch.count,
                        "date": format_date(debit_date),
                        "total": format_cents(batch.total_cents),
                    },
                )
                return redirect("admin:payments_debitbatch_change", batch.pk)
        if not form.is_bound:
            form.initial["debit_date"] = timezone.localdate() + datetime.timedelta(days=1)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Exporter les prélèvements d'une date"),
            "form": form,
        }
        return TemplateResponse(request, "admin/payments/debitbatch/export.html", context)

    def file_view(self, request, batch_id: int):
        if not self.has_view_permission(request):
            raise Http404
        batch = get_object_or_404(DebitBatch, pk=batch_id)
        staff_access_record(
            request=request,
            action=StaffAccess.Action.VIEW,
            model=DebitBatch,
            obj=batch,
            detail="pain.008",
        )
        content = debit_file_content(batch=batch)
        if content is None:
            return HttpResponse(
                gettext("Ce fichier ne correspond plus à son empreinte : voir les journaux."),
                status=503,
                content_type="text/plain; charset=utf-8",
            )
        response = HttpResponse(content, content_type="application/xml")
        response["Content-Disposition"] = content_disposition_header(
            True, f"{batch.message_id}.xml"
        )
        response["Cache-Control"] = "no-store, private"
        return response


@admin.register(Debit)
class DebitAdmin(StaffAuditMixin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "end_to_end_id",
        "invoice",
        "amount",
        "sequence_type",
        "status",
        "reject_reason",
        "batch",
    ]
    list_filter = ["status", "sequence_type", "batch__debit_date"]
    search_fields = ["end_to_end_id", "invoice__number", "invoice__customer_reference"]
    list_select_related = ["invoice", "batch"]
    fields = [
        "end_to_end_id",
        "batch",
        "invoice",
        "mandate",
        "payment",
        "amount_cents",
        "sequence_type",
        "status",
        "reject_reason",
        "rejected_at",
        "reject_link",
    ]
    readonly_fields = fields

    @admin.display(description=gettext_lazy("montant"), ordering="amount_cents")
    def amount(self, debit):
        return format_cents(debit.amount_cents)

    @admin.display(description=gettext_lazy("rejet"))
    def reject_link(self, debit):
        if debit.status != Debit.Status.EXPORTED:
            return "—"
        url = reverse("admin:payments_debit_reject", args=[debit.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("Enregistrer un rejet de la banque"))

    def has_reject_permission(self, request) -> bool:
        return request.user.has_perm("payments.change_debit")

    def get_urls(self):
        return [
            path(
                "<int:debit_id>/rejet/",
                self.admin_site.admin_view(self.reject_view),
                name="payments_debit_reject",
            ),
            *super().get_urls(),
        ]

    def reject_view(self, request, debit_id: int):
        if not self.has_reject_permission(request):
            raise PermissionDenied
        debit = get_object_or_404(Debit.objects.select_related("invoice", "batch"), pk=debit_id)
        form = DebitRejectForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                debit = debit_reject(debit_id=debit.pk, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                form.add_error("reason", error.messages)
            else:
                self.log_change(
                    request, debit, gettext("Rejet %(code)s") % {"code": debit.reject_reason}
                )
                messages.success(
                    request,
                    gettext(
                        "Rejet enregistré : la facture %(number)s est de nouveau à payer et le "
                        "client est prévenu."
                    )
                    % {"number": debit.invoice.number},
                )
                return redirect("admin:payments_debit_change", debit.pk)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": gettext("Rejet du prélèvement %(reference)s")
            % {"reference": debit.end_to_end_id},
            "debit": debit,
            "form": form,
        }
        return TemplateResponse(request, "admin/payments/debit/reject.html", context)
