"""{% select_options %}: a select's options written in Python (the 联审 grid renders a hundred)."""

from core.templatetags.touyan import select_options


def test_marks_the_chosen_value_and_escapes_values_and_labels():
    html = select_options([("", "未录入"), ("pass", "通过"), ("x<y", "A&B <b>")], "x<y")
    assert html == (
        '<option value="">未录入</option>'
        '<option value="pass">通过</option>'
        '<option value="x&lt;y" selected>A&amp;B &lt;b&gt;</option>'
    )


def test_blank_label_replaces_the_empty_choice_only_and_none_selects_it():
    html = select_options([("", "---------"), (3, "三")], None, "负面清单情形（不通过时必选）")
    assert html == '<option value="" selected>负面清单情形（不通过时必选）</option><option value="3">三</option>'
    assert 'value="3" selected' in select_options([("", ""), (3, "三")], "3")


def test_count_table_rows_writes_each_row_escaped_and_the_total_with_its_shares():
    from decimal import Decimal

    from core.templatetags.touyan import count_table_rows

    html = count_table_rows(
        [
            {"name": "甲镇<b>", "total": 3, "cells": [2, 1]},
            {"name": "合计", "total": 3, "cells": [2, 1], "shares": [Decimal("66.7"), Decimal("33.3")], "is_total": True},
        ]
    )
    assert html.split("\n") == [
        '<tr class=""><td>甲镇&lt;b&gt;</td><td>3</td><td>2</td><td>1</td></tr>',
        '<tr class="fw-bold"><td>合计</td><td>3</td><td>2</td><td>1</td></tr>',
        '<tr class="text-muted small"><td>占比</td><td>100%</td><td>66.7%</td><td>33.3%</td></tr>',
    ]


def test_township_options_read_the_scope_as_rows_and_mark_the_chosen_one(django_assert_num_queries, clerk_a, township_b):
    from types import SimpleNamespace

    from cadres.models import Township
    from core.scope import scoped
    from core.templatetags.touyan import township_options

    township_b.name = "乙<镇>"
    township_b.save()
    everyone = Township.objects.filter(pk__in=[clerk_a.township_id, township_b.pk]).order_by("pk")
    with django_assert_num_queries(1):
        html = township_options(everyone, township_b.pk, "全县")
    assert html == (
        f'<option value="">全县</option><option value="{clerk_a.township_id}">{clerk_a.township.name}</option>'
        f'<option value="{township_b.pk}" selected>乙&lt;镇&gt;</option>'
    )
    assert township_options(scoped(clerk_a, Township), None) == (
        f'<option value="" selected>全部</option><option value="{clerk_a.township_id}">{clerk_a.township.name}</option>'
    )
    listed = [SimpleNamespace(pk=7, name="丙镇")]  # a list of townships (not a queryset) is read as it is
    assert township_options(listed, "7") == '<option value="">全部</option><option value="7" selected>丙镇</option>'
