"""The payments app's models, one module per part: the ledger (payments and what they settle),
the provider's events, SEPA mandates, and debit files."""

from .debits import Debit, DebitBatch
from .events import PaymentEvent
from .ledger import Allocation, Payment
from .mandates import Mandate, MandateAmendment

__all__ = [
    "Allocation",
    "Debit",
    "DebitBatch",
    "Mandate",
    "MandateAmendment",
    "Payment",
    "PaymentEvent",
]
