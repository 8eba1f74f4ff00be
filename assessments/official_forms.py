"""双述双评测评票 and its 汇总表 (issue #18), for one village's meeting or every village of a township.

Pure layout over rows the selectors loaded (``selectors.meeting_reviews``): the ballot options are
the year's policy's (``ballot_options``: 称职/基本称职/不称职 by default, 优秀 where the county adds
it), so the paper ballot and the tally the township enters later always carry the same options.
The tally sheet shows, for each reviewed person, one row per rater group (filled in from the
entered ballots, blank to be filled by hand until then) and the person's total.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError

from .choices import RaterGroup
from .policy_section import section_for_year

MAX_COPIES = 100  # ballots of one village
MAX_PAGES = 500  # ballots of one download (a township's villages × copies)

INSTRUCTIONS = (
    "请在您认可的等次下方的方框内划“√”，每位测评对象只能选择一个等次。",
    "多选、不选或无法辨认的，该测评对象的选票为废票。",
    "本测评票不记名，请独立填写，填写后当场投入票箱。",
)


def ballot_options(year: int) -> list[dict]:
    return [{"code": o["code"], "name": o["name"]} for o in section_for_year(year).get("ballot_options", [])]


def parse_copies(raw: str | None, *, villages: int = 1) -> int:
    """The number of ballots per village (default 1), or a ValidationError in Chinese that names
    the value."""
    if raw in (None, ""):
        return 1
    try:
        copies = int(str(raw).strip())
    except ValueError:
        copies = 0
    if not 1 <= copies <= MAX_COPIES:
        raise ValidationError(f"「份数」应为1至{MAX_COPIES}之间的整数，您填写的是「{raw}」。")
    if copies * villages > MAX_PAGES:
        raise ValidationError(
            f"共{villages}个村(社区)，每村{copies}份，合计{copies * villages}页，超过一次最多{MAX_PAGES}页；"
            "请减少份数或按村打印。"
        )
    return copies


def by_village(reviews: list) -> list[dict]:
    """``[{"village": v, "reviews": [...]}, …]`` in the order of ``reviews``."""
    blocks: list[dict] = []
    for review in reviews:
        if not blocks or blocks[-1]["village"].pk != review.village_id:
            blocks.append({"village": review.village, "reviews": []})
        blocks[-1]["reviews"].append(review)
    return blocks


@dataclass
class TallyRow:
    label: str  # the rater group, or 合计
    entitled: int | None
    attended: int | None
    counts: list[int | None]
    invalid: int | None
    is_total: bool = False

    @property
    def valid(self) -> int | None:
        return None if any(c is None for c in self.counts) else sum(self.counts)

    @property
    def returned(self) -> int | None:
        valid = self.valid
        return None if valid is None or self.invalid is None else valid + self.invalid


def _short(label: str) -> str:
    """村述镇评（乡镇测评） → 村述镇评."""
    return label.split("（")[0]


def _sum(values):
    values = list(values)
    return None if not values or any(v is None for v in values) else sum(values)


def tally_rows(review, codes: list[str]) -> list[TallyRow]:
    """One row per rater group (entered figures or blanks) and the person's total over both groups
    (blank until both are entered)."""
    entered = {t.group: t for t in review.tallies.all()}
    rows = []
    for group in RaterGroup:
        t = entered.get(group.value)
        if t is None:
            rows.append(TallyRow(_short(group.label), None, None, [None] * len(codes), None))
        else:
            counts = [int(t.counts.get(c, 0)) for c in codes]
            rows.append(TallyRow(_short(group.label), t.entitled, t.attended, counts, t.invalid_ballots))
    total = TallyRow(
        "合计",
        _sum(r.entitled for r in rows),
        _sum(r.attended for r in rows),
        [_sum(r.counts[i] for r in rows) for i in range(len(codes))],
        _sum(r.invalid for r in rows),
        is_total=True,
    )
    return [*rows, total]


def tally_blocks(reviews: list, codes: list[str]) -> list[dict]:
    return [
        {"village": b["village"], "people": [{"review": r, "rows": tally_rows(r, codes)} for r in b["reviews"]]}
        for b in by_village(reviews)
    ]
