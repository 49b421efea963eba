"""« Mon dossier » › « Mes données personnelles » (D1 phones, D2 contact e-mail, D3 billing
address), and the page the e-mail confirmation link opens."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.debug import sensitive_post_parameters

from guichet.core.decorators import customer_required
from guichet.core.formatting import format_phone
from guichet.core.prepared import PreparedQuery, first_of
from guichet.customers.models import AddressChangeRequest
from guichet.customers.services import (
    PHONE_FIELDS,
    address_change_submit,
    billing_address_approval_required,
    customer_phones_set,
)

from . import services
from .contact_email import ConfirmOutcome, email_change_confirm, email_change_request
from .dossier_forms import AddressForm, EmailChangeForm, PhonesForm
from .models import EmailChange


def _phones_initial(customer) -> dict:
    return {name: format_phone(getattr(customer, name)) for name in PHONE_FIELDS}


def _address_initial(customer) -> dict:
    return {
        "street": customer.billing_street,
        "street2": customer.billing_street2,
        "postal_code": customer.billing_postal_code,
        "city": customer.billing_city,
        "country": customer.billing_country,
    }


# Built and compiled once per process (guichet/core/prepared.py), run on every visit.
_PENDING_EMAIL = PreparedQuery(
    lambda user_id: first_of(
        EmailChange.objects.filter(user=user_id, used_at=None, cancelled_at=None).only(
            "new_email", "expires_at"
        )
    )
)
_PENDING_ADDRESS = PreparedQuery(
    lambda customer_id: first_of(
        AddressChangeRequest.objects.filter(
            customer=customer_id, status=AddressChangeRequest.Status.PENDING
        )
    )
)


@customer_required
@sensitive_post_parameters("password")
def contact(request):
    customer = request.customer
    user = request.user
    action = request.POST.get("action") if request.method == "POST" else None
    phones_form = PhonesForm(initial=_phones_initial(customer))
    email_form = EmailChangeForm(current_email=customer.contact_email)
    address_form = AddressForm(initial=_address_initial(customer))
    if action == "phones":
        phones_form = PhonesForm(request.POST)
        if phones_form.is_valid():
            try:
                customer_phones_set(customer=customer, **phones_form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    phones_form.add_error(field, errors)
            else:
                messages.success(request, gettext("Vos numéros de téléphone sont enregistrés."))
                return redirect("customers:contact")
    elif action == "email":
        email_form = EmailChangeForm(request.POST, current_email=customer.contact_email)
        if email_form.is_valid():
            problem = services.current_password_check(
                request=request, user=user, password=email_form.cleaned_data["password"]
            )
            if problem == gettext(services.WRONG_CURRENT_PASSWORD):
                # The shared wording speaks of an « ancien » password: here nothing replaces it.
                problem = gettext("Ce n'est pas votre mot de passe actuel.")
            if problem:
                email_form.add_error("password", problem)
            else:
                new_email = email_form.cleaned_data["new_email"]
                email_change_request(user=user, new_email=new_email, request=request)
                messages.success(
                    request,
                    gettext(
                        "Un lien de confirmation vient d'être envoyé à %(email)s. Votre adresse "
                        "de contact changera quand vous l'aurez suivi."
                    )
                    % {"email": new_email},
                )
                return redirect("customers:contact")
    elif action == "address":
        address_form = AddressForm(request.POST)
        if address_form.is_valid():
            try:
                change = address_change_submit(customer=customer, **address_form.cleaned_data)
            except ValidationError as error:
                for field, errors in error.message_dict.items():
                    address_form.add_error(field if field in address_form.fields else None, errors)
            else:
                if change.status == AddressChangeRequest.Status.PENDING:
                    text = gettext(
                        "Votre demande de changement d'adresse de facturation est enregistrée. "
                        "Elle sera appliquée après validation par notre service client ; vous "
                        "serez prévenu par e-mail."
                    )
                else:
                    text = gettext("Votre adresse de facturation est modifiée.")
                messages.success(request, text)
                return redirect("customers:contact")
    pending_email = _PENDING_EMAIL.first(user.pk)
    pending_address = _PENDING_ADDRESS.first(customer.pk)
    if pending_address is not None:
        pending_address.customer = customer
    return render(
        request,
        "customers/contact.html",
        {
            "customer": customer,
            "phones_form": phones_form,
            "email_form": email_form,
            "address_form": address_form,
            "pending_email": pending_email,
            "pending_address": pending_address,
            "approval_required": billing_address_approval_required(),
            "breadcrumbs": [
                (gettext("Mon dossier"), None),
                (gettext("Mes données personnelles"), None),
            ],
            "nav": "account",
        },
    )


@customer_required
def email_confirm(request, token):
    outcome = email_change_confirm(user=request.user, token=token, request=request)
    if outcome is ConfirmOutcome.CONFIRMED:
        messages.success(
            request, gettext("Votre nouvelle adresse e-mail de contact est enregistrée.")
        )
        return redirect("customers:contact")
    response = render(
        request,
        "customers/email_confirm_invalid.html",
        {"outcome": outcome.value},
        status=400,
    )
    # The address holds the token: never let it leak to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response
