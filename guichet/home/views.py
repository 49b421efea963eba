"""The subscriber's home page (B1, B2): the contract, the holders and the offer together."""

from django.shortcuts import redirect, render

from guichet.catalog.offer import current_offer
from guichet.core.decorators import customer_required
from guichet.payments.balance import balance_for


def root(request):
    if request.user.is_authenticated and request.user.customer_id:
        return redirect("home:home")
    return redirect("accounts:login")


@customer_required
def home(request):
    customer = request.customer
    return render(
        request,
        "home/home.html",
        {
            "customer": customer,
            "holders": list(customer.holders.all()),
            "offer": current_offer(customer),
            "balance": balance_for(customer),
            "nav": "home",
        },
    )
