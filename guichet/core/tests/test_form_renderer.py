"""The fast form renderer writes exactly what Django's widget templates write."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe

from guichet.core.form_renderer import FastInputRenderer, input_html

TRICKY = ['a<b>"c"&d\'e', mark_safe("<b>sûr</b>"), "", 0, 12.5, "  espaces  "]
WIDGETS = [
    forms.TextInput(attrs={"autocomplete": "username", "spellcheck": "false"}),
    forms.TextInput(attrs={"required": True, "disabled": False, "data-x": 'q"<>'}),
    forms.EmailInput(),
    forms.PasswordInput(render_value=True, attrs={"autocomplete": "current-password"}),
    forms.PasswordInput(),
    forms.HiddenInput(),
    forms.NumberInput(attrs={"min": 1, "max": 28, "step": 1}),
    forms.CheckboxInput(),
    forms.DateInput(),
    forms.URLInput(),
    forms.TimeInput(),
    forms.DateTimeInput(),
    forms.FileInput(),
]
VALUES = [None, True, False, datetime.date(2026, 11, 27), *TRICKY]


@pytest.mark.parametrize("widget", WIDGETS, ids=lambda widget: type(widget).__name__)
def test_it_writes_what_the_templates_write(widget):
    fast, django = FastInputRenderer(), DjangoTemplates()
    for value in VALUES:
        for attrs in (None, {"id": "id_champ", "aria-describedby": "id_champ_helptext"}):
            expected = widget.render("champ", value, attrs=attrs, renderer=django)
            assert widget.render("champ", value, attrs=attrs, renderer=fast) == expected


def test_selects_textareas_and_other_widgets_render_the_same():
    fast, django = FastInputRenderer(), DjangoTemplates()
    choices = [("", "---------"), ("5", "le 5"), ("<x>", "« 10 » & <b>"), (7, 7)]
    grouped = [("Groupe <1>", [("a", "A"), ("b", "B")]), ("c", "C"), ("", [("d", "D")])]
    for widget in (
        forms.Select(choices=choices),
        forms.Select(choices=grouped, attrs={"required": True, "aria-invalid": "true"}),
        forms.SelectMultiple(choices=grouped),
        forms.NullBooleanSelect(),
        forms.RadioSelect(choices=choices),
        forms.Textarea(),
        forms.Textarea(attrs={"rows": 5, "maxlength": 5000}),
        forms.CheckboxSelectMultiple(choices=choices),
    ):
        for value in ("5", "<x>", "a", ["a", "d"], "", None, 'texte\n<script>"', mark_safe("<i>")):
            try:
                expected = widget.render("c", value, renderer=django)
            except TypeError:  # NullBooleanSelect and a list: Django's own refusal
                continue
            assert widget.render("c", value, renderer=fast) == expected, (widget, value)


def test_a_form_renders_the_same():
    class Form(forms.Form):
        login = forms.CharField(help_text="Aide <b>", max_length=80)
        password = forms.CharField(widget=forms.PasswordInput)
        day = forms.ChoiceField(choices=[("5", "5")], widget=forms.RadioSelect)
        accept = forms.BooleanField()

    for data in (None, {"login": 'x"<', "password": "p", "day": "9"}):
        fast = Form(data, renderer=FastInputRenderer()).as_div()
        assert fast == Form(data, renderer=DjangoTemplates()).as_div()


def test_each_radio_and_checkbox_choice_renders_the_same():
    choices = [("5", "le 5"), ("<x>", "« 10 » & <b>")]

    class Form(forms.Form):
        day = forms.ChoiceField(choices=choices, widget=forms.RadioSelect)
        days = forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple)
        bare = forms.ChoiceField(choices=choices, widget=forms.RadioSelect(attrs={"id": ""}))

    for initial in ({}, {"day": "<x>", "days": ["5", "<x>"]}):
        fast = Form(initial=initial, renderer=FastInputRenderer())
        django = Form(initial=initial, renderer=DjangoTemplates())
        for name in ("day", "days", "bare"):
            for mine, theirs in zip(fast[name], django[name], strict=True):
                assert str(mine) == str(theirs)
                assert mine.tag() == theirs.tag()
                assert mine.tag(wrap_label=True) == theirs.tag(wrap_label=True)
            assert str(fast[name]) == str(django[name])


def test_the_input_widgets_take_the_python_path():
    assert "django/forms/widgets/text.html" in FastInputRenderer()._python_templates
    assert "django/forms/widgets/input.html" in FastInputRenderer()._python_templates
    assert "django/forms/widgets/select.html" in FastInputRenderer()._python_templates


def test_an_input_is_escaped_like_a_template():
    widget = {"type": "text", "name": 'n"', "value": "<&>", "attrs": {"placeholder": "'"}}
    assert input_html(widget) == (
        '<input type="text" name="n&quot;" value="&lt;&amp;&gt;" placeholder="&#x27;">'
    )
