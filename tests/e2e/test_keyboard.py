"""Keyboard-only use of real forms (issue #8): log in, then add a 奖惩 record on a person page with
Tab, typing, arrow keys and Enter only. Focus must move through the fields in reading order and
reach the submit button; the record is then saved and shown."""

import datetime

import pytest

from cadres import choices
from cadres.models import PersonRecord

from .conftest import expect
from .county import build_county

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ACTIVE = """() => {
  const el = document.activeElement;
  return {tag: el.tagName.toLowerCase(), id: el.id || "", type: el.type || "", text: (el.textContent || "").trim()};
}"""


def _tab_until(page, matches, limit: int = 150) -> list[dict]:
    """Press Tab until ``matches(active element)``; returns the elements focused on the way."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(ACTIVE)
        seen.append(active)
        if matches(active):
            return seen
    raise AssertionError(f"focus never reached the target; last: {seen[-5:]}")


def test_login_and_add_a_record_with_the_keyboard_only(page, site):
    county = build_county()
    person = county.people["陈志远"]

    page.goto(f"{site}/login/?next=/people/{person.pk}/")
    path = _tab_until(page, lambda a: a["tag"] == "input" and a["type"] == "text")
    page.keyboard.type("zhou_jh")
    page.keyboard.press("Tab")
    assert page.evaluate(ACTIVE)["type"] == "password"
    page.keyboard.type("pw-touyan-123")
    page.keyboard.press("Tab")
    button = page.evaluate(ACTIVE)
    assert (button["tag"], button["type"], button["text"]) == ("button", "submit", "登录"), path
    page.keyboard.press("Enter")
    expect(page).to_have_url(f"{site}/people/{person.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("陈志远")

    # open the 新增奖惩 panel (a <details>) from the keyboard
    _tab_until(page, lambda a: a["tag"] == "summary" and a["text"] == "新增奖惩及发展去向")
    page.keyboard.press("Enter")
    expect(page.get_by_label("名称/事由")).to_be_visible()

    order = []

    def next_field() -> dict:
        """Tab to the next control (a date input's year/month/day segments count as one)."""
        before = page.evaluate(ACTIVE)
        for _ in range(6):
            page.keyboard.press("Tab")
            active = page.evaluate(ACTIVE)
            if active["id"] != before["id"] or not before["id"]:
                order.append(active["id"])
                return active
        raise AssertionError(f"Tab does not leave {before}")

    next_field()  # 类别 (select): the first option with the arrow key
    page.keyboard.press("ArrowDown")
    next_field()  # 日期: year / month / day segments (zh-CN order)
    page.keyboard.type("2025")  # a year may have up to six digits: move on with the arrow key
    page.keyboard.press("ArrowRight")
    page.keyboard.type("0630")  # month and day move on by themselves after two digits
    value = page.locator("#id_date").input_value()
    assert value == "2025-06-30", (
        f"日期 reads {value!r}: Chromium laid the date input out in another language's order; "
        "it needs its Chinese locale pack (Debian: apt-get install chromium-l10n, part of `make browser`)"
    )
    next_field()
    page.keyboard.type("县级优秀村党组织书记")
    next_field()  # 级别
    page.keyboard.press("ArrowDown")
    next_field()
    page.keyboard.type("中共某县委组织部")
    next_field()
    page.keyboard.type("县组通〔2025〕12号")
    next_field()  # 影响期截止 (left empty)
    next_field()
    page.keyboard.type("在乡村振兴工作中表现突出")
    submit = next_field()
    assert order == [
        "id_kind",
        "id_date",
        "id_title",
        "id_level",
        "id_issuer",
        "id_document_no",
        "id_end_date",
        "id_note",
        "",  # the submit button (no id)
    ]
    assert (submit["tag"], submit["type"], submit["text"]) == ("button", "submit", "保存")
    page.keyboard.press("Enter")

    expect(page.locator("#records table")).to_contain_text("县级优秀村党组织书记")
    expect(page.locator("#records table")).to_contain_text("2025-06-30")
    record = PersonRecord.objects.get(person=person)
    assert (record.kind, record.date, record.title, record.issuer, record.document_no, record.note) == (
        choices.RecordKind.HONOUR,
        datetime.date(2025, 6, 30),
        "县级优秀村党组织书记",
        "中共某县委组织部",
        "县组通〔2025〕12号",
        "在乡村振兴工作中表现突出",
    )
    assert record.level == choices.RecordLevel.choices[0][0]
    assert page.js_errors == []
