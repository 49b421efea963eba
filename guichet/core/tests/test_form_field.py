"""`{% form_field %}` writes exactly what `{% include "includes/field.html" %}` writes."""

import pytest
from django import forms
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

INCLUDE = '{% include "includes/field.html" with field=form.champ %}'
TAG = "{% load guichet %}{% form_field form.champ %}"


def field_form(**options):
    class Form(forms.Form):
        champ = forms.CharField(**options)

    return Form


FORMS = [
    field_form(label="Nom"),
    field_form(label='Nom <b>"gras"</b> & cie', required=False),
    field_form(label=gettext_lazy("Adresse"), help_text="Par exemple 1 rue de l'Église"),
    field_form(label=mark_safe("<abbr>IBAN</abbr>"), help_text=mark_safe("<em>sûr</em>")),
    field_form(label="Mot de passe", widget=forms.PasswordInput, min_length=12),
]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("form_class", FORMS)
@pytest.mark.parametrize("data", [None, {"champ": ""}, {"champ": "<x>&y"}, {"champ": "court"}])
def test_it_writes_what_the_include_writes(form_class, data, language):
    engine = engines["django"]
    with translation.override(language):
        form = form_class(data, auto_id="id_%s")
        if data is not None:
            form.is_valid()
        expected = engine.from_string(INCLUDE).render({"form": form})
        assert engine.from_string(TAG).render({"form": form}) == expected


def test_several_errors_and_an_error_with_markup_are_written_as_the_include_writes():
    engine = engines["django"]
    form = field_form(label="Nom")({"champ": "x"})
    form.is_valid()
    form.add_error("champ", "Deuxième <erreur> & « autre »")
    form.add_error("champ", mark_safe("<strong>sûre</strong>"))
    expected = engine.from_string(INCLUDE).render({"form": form})
    assert engine.from_string(TAG).render({"form": form}) == expected
    assert "field-invalid" in expected and expected.count("&lt;erreur&gt;") == 1


@pytest.mark.parametrize(
    "errors", [[], ["Une erreur"], ["Première <erreur> & « autre »", mark_safe("<b>sûre</b>")]]
)
def test_form_errors_writes_what_its_include_writes(errors):
    engine = engines["django"]
    form = field_form(label="Nom")({"champ": "valeur"})
    form.is_valid()
    for error in errors:
        form.add_error(None, error)
    include = '{% include "includes/form_errors.html" with form=form %}'
    tag = "{% load guichet %}{% form_errors form %}"

    expected = engine.from_string(include).render({"form": form})

    assert engine.from_string(tag).render({"form": form}) == expected
    assert ('role="alert"' in expected) == bool(errors)
