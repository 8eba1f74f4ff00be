"""core.forms.FormRenderer: select widgets written in Python give Django's own markup."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates

from core.forms import FormRenderer


class Sample(forms.Form):
    plain = forms.ChoiceField(choices=[("", "—"), ("a<b", "甲&乙"), ("组", [("1", "一"), ("2", "二")])], initial="2")
    many = forms.MultipleChoiceField(choices=[(1, "一"), (2, "二"), (3, "三")], initial=[2, 3], required=False)
    flags = forms.TypedChoiceField(
        choices=[(None, "空"), (True, "是")],
        widget=forms.Select(attrs={"class": "form-select", "disabled": True, "data-off": False, "title": '"引号"'}),
    )
    radio = forms.ChoiceField(choices=[("x", "甲")], widget=forms.RadioSelect)


def _normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", html.strip())


@pytest.mark.parametrize("name", ["plain", "many", "flags", "radio"])
def test_python_select_equals_the_template_markup(name):
    django_html = str(Sample(renderer=DjangoTemplates())[name])
    ours = str(Sample(renderer=FormRenderer())[name])
    assert _normalised(ours) == _normalised(django_html)


def test_bound_select_marks_the_submitted_value_and_escapes_it():
    html = str(Sample({"plain": "a<b"}, renderer=FormRenderer())["plain"])
    assert '<option value="a&lt;b" selected>甲&amp;乙</option>' in html
    assert '<optgroup label="组">' in html


def test_settings_use_the_python_select_renderer(settings):
    from django.forms.renderers import get_default_renderer

    assert settings.FORM_RENDERER == "core.forms.FormRenderer"
    assert isinstance(get_default_renderer(), FormRenderer)
