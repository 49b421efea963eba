"""The customer's admin as the back office uses it (issue 11): the « Fiche client » page and
its actions, a link to it from the list and the change form, and a search that also finds
a customer by the last characters of an IBAN or by an invoice number.

Registered over the catalogue's customer admin (itself over the customers app's): customers
imports neither payments nor billing, home may import every app
(docs/decisions/0010-customer-page-in-home.md).
"""

import re

from django.contrib import admin
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.html import format_html
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from guichet.billing.models import Invoice
from guichet.catalog.admin import CustomerWithSubscriptionsAdmin
from guichet.customers.models import Customer
from guichet.payments.models import Mandate

from . import customer_page

# « iban:1234 », « IBAN 1234 », « iban 89 »: only customers whose IBAN ends so.
IBAN_TERM = re.compile(r"^iban\s*[:\s]\s*([0-9a-z]{1,4})$", re.IGNORECASE)
# 2 to 4 digits alone may be the end of an IBAN too (besides a reference or a phone number).
IBAN_DIGITS = re.compile(r"^\d{2,4}$")
# What an invoice number may look like (billing's own rule: letters, digits, - and _).
INVOICE_NUMBER = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$")
# Longer searches are cut: dozens of words would make one enormous query.
SEARCH_MAX_LENGTH = 200
SEARCH_MAX_WORDS = 8


def _iban_ends_with(characters: str):
    characters = characters.upper()
    mandates = Mandate.objects.all()
    if len(characters) == 4:
        mandates = mandates.filter(iban_last4=characters)  # the indexed column
    else:
        mandates = mandates.filter(iban_last4__endswith=characters)
    return mandates.values("customer_id")


def _search_term_bounded(term: str) -> str:
    words = term[:SEARCH_MAX_LENGTH].split()
    return " ".join(words[:SEARCH_MAX_WORDS])


class CustomerPageAdmin(CustomerWithSubscriptionsAdmin):
    list_display = [*CustomerWithSubscriptionsAdmin.list_display, "page_link"]
    change_form_template = "admin/customers/customer/change_form_with_page.html"

    @admin.display(description=gettext_lazy("fiche client"))
    def page_link(self, customer):
        return format_html(
            '<a href="{}">{}</a>',
            reverse("admin:customers_customer_page", args=[customer.pk]),
            gettext("Fiche client"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:customer_id>/fiche/",
                view(self.page_view),
                name="customers_customer_page",
            ),
            path(
                "<int:customer_id>/fiche/premier-acces/",
                view(self.send_first_access_view),
                name="customers_customer_first_access",
            ),
            path(
                "<int:customer_id>/fiche/lever-blocage/",
                view(self.lift_throttle_view),
                name="customers_customer_lift_throttle",
            ),
            path(
                "<int:customer_id>/fiche/avis-facture/",
                view(self.resend_invoice_view),
                name="customers_customer_resend_invoice",
            ),
            *super().get_urls(),
        ]

    @staticmethod
    def _with_page_link(extra_context, object_id):
        return {
            **(extra_context or {}),
            "customer_page_url": reverse("admin:customers_customer_page", args=[object_id])
            if str(object_id).isdigit()
            else "",
        }

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return super().change_view(
            request, object_id, form_url, self._with_page_link(extra_context, object_id)
        )

    def get_search_results(self, request, queryset, search_term):
        """Also by the end of an IBAN (« iban:1234 », or 2 to 4 digits) and by invoice number."""
        term = _search_term_bounded(search_term)
        # Only staff who may see mandates, or invoices, find customers through them.
        by_iban = request.user.has_perm("payments.view_mandate")
        by_invoice = request.user.has_perm("billing.view_invoice")
        iban = IBAN_TERM.match(term)
        if iban:
            if not by_iban:
                return queryset.none(), False
            return queryset.filter(pk__in=_iban_ends_with(iban[1])), False
        results, may_have_duplicates = super().get_search_results(request, queryset, term)
        if by_iban and IBAN_DIGITS.match(term):
            results = results | queryset.filter(pk__in=_iban_ends_with(term))
            may_have_duplicates = True
        if by_invoice and INVOICE_NUMBER.match(term):
            numbers = Invoice.objects.filter(number__in={term, term.upper()})
            results = results | queryset.filter(pk__in=numbers.values("customer_id"))
            may_have_duplicates = True
        return results, may_have_duplicates

    @method_decorator(require_GET)
    def page_view(self, request, customer_id: int):
        return customer_page.page(request, customer_id, model_admin=self)

    @method_decorator(require_POST)
    def send_first_access_view(self, request, customer_id: int):
        return customer_page.send_first_access(request, customer_id)

    @method_decorator(require_POST)
    def lift_throttle_view(self, request, customer_id: int):
        return customer_page.lift_throttle(request, customer_id)

    @method_decorator(require_POST)
    def resend_invoice_view(self, request, customer_id: int):
        return customer_page.resend_invoice(request, customer_id)


admin.site.unregister(Customer)
admin.site.register(Customer, CustomerPageAdmin)
