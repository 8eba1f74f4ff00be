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
