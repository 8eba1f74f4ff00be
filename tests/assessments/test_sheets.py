"""The ballot-tally sheet ("review_ballots") on the shared import pipeline."""

import io

import openpyxl
import pytest

from assessments.models import BallotTally
from cadres.models import ImportBatch
from core.imports.batches import import_batch_apply, import_batch_create, import_batch_preview, import_batch_rollback

from .factories import YEAR, ReviewFactory

pytestmark = pytest.mark.django_db

HEADER = [
    "序号",
    "考核年度",
    "乡镇",
    "村（社区）",
    "姓名",
    "测评类别",
    "应到人数",
    "实到人数",
    "称职票",
    "基本称职票",
    "不称职票",
    "废票",
]


def xlsx(rows, header=HEADER) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2025年度双述双评测评票统计表"])
    ws.append(header)
    for i, row in enumerate(rows, start=1):
        ws.append([i, *row])
    ws.append(["合计"])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def upload(user, data):
    batch = import_batch_create(by=user, sheet_type="review_ballots", filename="测评票.xlsx", data=data)
    return import_batch_preview(batch=batch)


@pytest.fixture
def review(village_a):
    return ReviewFactory(village=village_a, person__name="王建国")


def test_import_previews_then_applies_both_groups(review, clerk_a):
    rows = [
        [YEAR, "甲镇", "甲一村", "王建国", "镇评", 15, 15, 14, 1, 0, 0],
        [YEAR, "甲镇", "甲一", "王建国", "民评", 40, 36, 33, 2, 1, 0],
    ]
    batch = upload(clerk_a, xlsx(rows))
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.summary
    assert batch.counts["created"] == 2
    assert BallotTally.objects.count() == 0  # preview writes nothing
    batch = import_batch_apply(batch=batch, by=clerk_a)
    assert batch.status == ImportBatch.Status.APPLIED
    members = BallotTally.objects.get(group="members")
    assert (members.entitled, members.attended, members.counts) == (40, 36, {"competent": 33, "basic": 2, "incompetent": 1})
    assert members.history.get().history_user == clerk_a
    # the same file again changes nothing
    again = upload(clerk_a, xlsx(rows))
    assert (again.counts["created"], again.counts["updated"], again.counts["unchanged"]) == (0, 0, 2)
    # rollback restores the state before the import
    import_batch_rollback(batch=batch, by=clerk_a)
    assert BallotTally.objects.count() == 0


def test_every_bad_row_is_reported_and_nothing_is_written(review, clerk_a):
    rows = [
        [YEAR, "甲镇", "甲一村", "王建国", "镇评", 15, 16, 14, 1, 0, 0],  # attended > entitled
        [YEAR, "甲镇", "甲一村", "李四", "民评", 40, 36, 30, 2, 1, 0],  # nobody of that name
        [YEAR, "甲镇", "甲一村", "王建国", "其他", 40, 36, 30, 2, 1, 0],  # unknown group
        [YEAR, "甲镇", "甲一村", "王建国", "民评", 40, 30, 30, 2, 1, 0],  # 33 ballots > 30 attended
    ]
    batch = upload(clerk_a, xlsx(rows))
    assert batch.status == ImportBatch.Status.INVALID
    text = "\n".join(batch.summary["messages"]) if "messages" in batch.summary else str(batch.summary)
    assert "第3行「实到人数」：16 — 实到人数（16）不能多于应到人数（15）" in text
    assert "没有甲一村的李四" in text
    assert "应为“镇评”或“民评”" in text
    assert "有效票与废票合计（33）不能多于实到人数（30）" in text
    assert BallotTally.objects.count() == 0


def test_clerk_cannot_import_ballots_of_another_township(review, clerk_b):
    rows = [[YEAR, "甲镇", "甲一村", "王建国", "民评", 40, 36, 33, 2, 1, 0]]
    batch = upload(clerk_b, xlsx(rows))
    assert batch.status == ImportBatch.Status.INVALID
    assert "不在您的数据范围内" in str(batch.summary)
    assert BallotTally.objects.count() == 0
