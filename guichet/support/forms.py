"""The « Contactez-nous » form: the kind of request and the message."""

from django import forms
from django.utils.translation import gettext_lazy

from guichet.core.prepared import PreparedQuery

from .models import RequestType
from .services import MESSAGE_MAX_LENGTH, message_length_check

# The choices of every « Contactez-nous » page: built and compiled once per process
# (guichet/core/prepared.py), run on each page as the queryset would be.
_ACTIVE_REQUEST_TYPES = PreparedQuery(lambda: RequestType.objects.active(), marked=False)


class _ActiveRequestTypes(forms.models.ModelChoiceIterator):
    """ModelChoiceIterator's choices, from the prepared query of the same queryset."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for request_type in _ACTIVE_REQUEST_TYPES.objects():
            yield self.choice(request_type)


class RequestTypeField(forms.ModelChoiceField):
    iterator = _ActiveRequestTypes


class ContactForm(forms.Form):
    # Choices from RequestType.objects.active() (prepared); validation through the queryset.
    request_type = RequestTypeField(
        label=gettext_lazy("Votre demande"),
        queryset=RequestType.objects.active(),
        empty_label=gettext_lazy("Choisissez le type de votre demande"),
        error_messages={
            "required": gettext_lazy("Choisissez le type de votre demande."),
            "invalid_choice": gettext_lazy(
                "Ce type de demande n'est pas proposé : choisissez-en un dans la liste."
            ),
        },
    )
    message = forms.CharField(
        label=gettext_lazy("Merci de saisir votre message"),
        # No max_length here: the browser would cut what is pasted without a word; the check
        # below says how long it is instead, and keeps the text.
        widget=forms.Textarea(attrs={"rows": 8, "data-max-length": MESSAGE_MAX_LENGTH}),
        error_messages={"required": gettext_lazy("Saisissez votre message.")},
        help_text=gettext_lazy("Entre 10 et 5 000 caractères."),
    )

    def clean_message(self) -> str:
        message = self.cleaned_data["message"].strip()
        message_length_check(message)
        return message
