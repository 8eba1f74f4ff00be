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


# --- choices of townships read as plain rows (core.forms.NamedRowsIterator) ----------------------


@pytest.mark.django_db
def test_named_rows_give_the_markup_of_model_instances_in_one_plain_query(django_assert_num_queries):
    from cadres.models import Township
    from core.forms import NamedModelChoiceField

    from .factories import TownshipFactory

    first, second = TownshipFactory(name="甲<镇>"), TownshipFactory(name="乙镇")

    class Pick(forms.Form):
        stock = forms.ModelChoiceField(queryset=Township.objects.order_by("pk"), empty_label="全部")
        rows = NamedModelChoiceField(queryset=Township.objects.order_by("pk"), empty_label="全部")

    for data in ({}, {"stock": second.pk, "rows": second.pk}):
        form = Pick(data or None, renderer=FormRenderer())
        stock = str(form["stock"])
        with django_assert_num_queries(1) as read:
            rows = str(form["rows"])
        assert rows.replace("rows", "stock") == stock
        sql = read.captured_queries[0]["sql"]
        assert '"cadres_township"."code"' not in sql and "DECLARE" not in sql  # the two columns, no cursor
    assert f'<option value="{second.pk}" selected>乙镇</option>' in rows and "甲&lt;镇&gt;" in rows
    assert Pick({"stock": first.pk, "rows": first.pk}).is_valid()
    narrowed = Pick({"stock": first.pk, "rows": first.pk})
    narrowed.fields["rows"].queryset = Township.objects.filter(pk=second.pk)  # validated by the queryset
    assert not narrowed.is_valid() and "rows" in narrowed.errors


@pytest.mark.django_db
def test_a_township_filter_offers_the_scope_and_its_none_choice_in_django_filters_order(clerk_a, township_b):
    import django_filters as df
    from django.test import RequestFactory

    from cadres.models import Person
    from core.filters import TownshipScopedChoiceFilter

    class Filters(df.FilterSet):
        township = TownshipScopedChoiceFilter(field_name="registered_township", null_label="未指定")

        class Meta:
            model = Person
            fields: list[str] = []

    request = RequestFactory().get("/")
    request.user = clerk_a
    field = Filters({}, queryset=Person.objects.none(), request=request).form.fields["township"]
    choices = list(field.choices)
    assert choices == [("", "全部"), ("null", "未指定"), (clerk_a.township_id, clerk_a.township.name)]
    assert len(field.choices) == 3 and township_b.pk not in [c[0] for c in choices]
