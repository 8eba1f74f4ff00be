"""后备干部花名册 on the shared spreadsheet pipeline (sheet type key "reserves").

Each row puts one person on a village's reserve list for an election cohort (村级摸底). New
people get a file in the register; people already on file keep their register data (the
register's own sheet maintains it). Re-importing the same file changes nothing.
"""

from __future__ import annotations

import functools

from django.core.exceptions import ValidationError
from django.db.models import Max

from cadres import choices
from cadres import normalize as n
from cadres import services as cadre_services
from cadres.models import Person
from cadres.sheets import RegisterSheetMixin, check_identity, identity_parsers
from core.imports.headers import Col
from core.imports.pipeline import CHANGED, NEW, UNCHANGED, RowResult, SheetType, register
from core.policy import post_table

from . import services
from .choices import OPEN_STATUSES
from .models import ReserveCandidate, ReserveEvent
from .policy_section import reserve_rules
from .selectors import OTHER_TOWNSHIP_FILE, survey_people
from .services import open_record_message

COLUMNS = [
    Col("seq", "序号", ("编号",), width=6),
    Col("township", "乡镇(街道)", ("乡镇", "所属乡镇", "镇(街道)"), example="甲镇", help="乡镇组织委员可留空，默认为本乡镇。"),
    Col("village", "村(社区)", ("村", "社区", "所在村", "所在村(社区)", "村名"), required=True, example="甲一村", width=14),
    Col("name", "姓名", (), required=True, example="赵青山", width=10),
    Col("sex", "性别", (), example="男", choices=("男", "女"), width=6),
    Col("ethnicity", "民族", (), example="汉族", choices=tuple(sorted(choices.ETHNICITY_NAMES)), width=8),
    Col("birth_date", "出生年月", ("出生日期",), example="1996.08", width=10),
    Col(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证"),
        required=True,
        example="430122199608120014",
        text_format=True,
        width=21,
    ),
    Col(
        "political_status",
        "政治面貌",
        ("政治面目",),
        example="群众",
        choices=("中共党员", "中共预备党员", "共青团员", "民主党派", "群众"),
        width=10,
    ),
    Col(
        "education_fulltime",
        "学历",
        ("全日制学历", "文化程度", "最高学历"),
        example="大专",
        choices=tuple(c.label for c in choices.Education),
        width=10,
    ),
    Col("phone", "联系电话", ("手机号码", "手机号", "电话"), example="13807310009", text_format=True, width=13),
    Col("source", "来源类别", ("人员类别", "来源", "类别"), required=True, example="返乡大学生", width=14),
    Col("intended_post", "拟培养职务", ("拟任职务", "培养方向", "拟培养方向"), required=True, example="村民委员会委员", width=14),
    Col("cohort", "换届届次", ("届次", "换届年份"), example=2026, width=8, help="留空则为当年政策配置中的当前届次。"),
    Col("surveyed_on", "摸底时间", ("摸底日期", "推荐时间"), example="2025.03", width=10, help="留空则为导入当天。"),
    Col("note", "备注", (), width=16),
]


# Where the services' field-keyed messages appear in the sheet.
CHECK_COLUMNS = {
    "person": "id_number",
    "education": "education_fulltime",
    "source": "source",
    "intended_post": "intended_post",
    "cohort": "cohort",
    "surveyed_on": "surveyed_on",
}


@register
class ReserveRosterSheet(RegisterSheetMixin, SheetType):
    key = "reserves"
    text_fields = {"name": "cadres.Person.name"}
    label = "后备干部花名册"
    app_label = "reserves"
    permission = "reserves.add_reservecandidate"
    columns = COLUMNS
    instructions = [
        "每行一名后备力量；导入后为“村级摸底”状态，由乡镇推荐、县级审核（资格联审）后入库。",
        "来源类别、拟培养职务须是当年政策配置中的名称；年龄、学历须符合当年入库条件（按换届当年截止日计算年龄）。",
        "已在人员名册建档的人员，其基本信息以人员名册为准，本表不修改；未建档的人员导入时自动建档。",
        "同一人同一届次只能是一个村的后备力量；重复导入同一文件不会重复新增。",
        "身份证号列必须是文本格式（本模板已设置）。乡镇组织委员只能导入本乡镇的村(社区)。",
    ]

    def reads_models(self) -> list:
        return [*super().reads_models(), ReserveCandidate]

    def context(self, *, user, township) -> dict:
        ctx = super().context(user=user, township=township)
        section = reserve_rules(ctx["today"].year)
        ctx["section"] = section
        ctx["sources"] = {}
        for row in section.get("source_categories", []):
            ctx["sources"][n.text(row["name"])] = row
            ctx["sources"][row["code"]] = row
        posts = post_table(ctx["today"].year)
        ctx["posts"] = {p["code"]: p for p in posts}
        ctx["post_aliases"] = n.post_aliases(posts)
        return ctx

    def cell_parsers(self, ctx: dict) -> dict:
        return {
            **identity_parsers(ctx["today"]),
            "political_status": n.parse_political,
            "education_fulltime": n.parse_education,
            "phone": n.parse_phone,
            "note": n.text,
            "intended_post": functools.partial(n.parse_posts, aliases=ctx["post_aliases"]),
            "cohort": functools.partial(n.parse_int, lo=2000, hi=2100),
            "surveyed_on": n.parse_date,
        }

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        v = row.values
        v["village"] = self.resolve_village(row, ctx)
        check_identity(row)
        source = ctx["sources"].get(n.text(row.raw.get("source")))
        if source is None:
            names = "、".join(r["name"] for r in ctx["section"].get("source_categories", []))
            row.error("source", f"不是当年政策配置中的来源类别，可填：{names}")
        v["source"] = source
        posts = v["intended_post"] or []
        if len(posts) != 1 and "intended_post" not in {e.key for e in row.errors}:
            row.error("intended_post", "请填写一个拟培养职务")
        v["intended_post"] = posts[0] if len(posts) == 1 else None
        v["cohort"] = v["cohort"] or int(ctx["section"]["eligibility"]["current_cohort"])
        v["surveyed_on"] = v["surveyed_on"] or ctx["today"]

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        seen: dict[tuple[str, int], int] = {}
        for row in rows:
            idn = row.values.get("id_number")
            if not idn:
                continue
            key = (idn, row.values["cohort"])
            if key in seen:
                row.error("id_number", f"与第{seen[key]}行是同一人同一届次，请只填一行")
            else:
                seen[key] = row.number
        people, elsewhere = survey_people(user=ctx["user"], id_numbers=[idn for idn, _ in seen])
        open_records: dict[tuple[int, int], ReserveCandidate] = {}
        for c in ReserveCandidate.objects.filter(person__in=people.values(), status__in=OPEN_STATUSES).select_related(
            "village__township"
        ):
            open_records[(c.person_id, c.cohort)] = c
        new_rows = []
        for row in rows:
            v = row.values
            if row.errors or not v.get("village"):
                continue
            if v["id_number"] in elsewhere:
                row.error("id_number", OTHER_TOWNSHIP_FILE)
                continue
            person = people.get(v["id_number"])
            row.plan["person"] = person.pk if person is not None else None
            existing = open_records.get((person.pk, v["cohort"])) if person is not None else None
            if existing is None:
                if person is None:
                    for field, message in cadre_services.person_check_new(self.person_row(v)).items():
                        row.error(field, message.rstrip("。"))
                new_rows.append(row)
                row.plan["education"] = person.highest_education if person is not None else (v["education_fulltime"] or "")
                row.status = NEW
                row.changes = ["新增后备力量" + ("（新建档）" if person is None else "")]
                continue
            if existing.village_id != v["village"].pk:
                row.error("village", open_record_message(by=ctx["user"], other=existing))
                continue
            updates = {}
            if existing.source != v["source"]["code"]:
                updates["source"] = v["source"]["code"]
                updates["source_name"] = v["source"]["name"]
            if existing.intended_post != v["intended_post"]:
                updates["intended_post"] = v["intended_post"]
                updates["intended_post_name"] = ctx["posts"][v["intended_post"]]["name"]
            row.plan["candidate"] = existing.pk
            row.plan["updates"] = updates
            row.changes = [str(ReserveCandidate._meta.get_field(f).verbose_name) for f in updates if not f.endswith("_name")]
            row.status = CHANGED if updates else UNCHANGED
        checked = services.reserve_survey_check_bulk(rows=[self.candidate_row(row) for row in new_rows], by=ctx["user"])
        for row, errors in zip(new_rows, checked, strict=True):
            for field, message in errors.items():
                row.error(CHECK_COLUMNS.get(field, "id_number"), message.rstrip("。"))

    @staticmethod
    def candidate_row(row: RowResult) -> dict:
        v = row.values
        return {
            "person_id": row.plan["person"],
            "birth_date": v["_birth"],
            "education": row.plan["education"],
            "village_id": v["village"].pk,
            "township_id": v["village"].township_id,
            "cohort": v["cohort"],
            "source": v["source"]["code"],
            "intended_post": v["intended_post"],
            "surveyed_on": v["surveyed_on"],
            "note": v["note"],
        }

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        """Write through the register's and the reserve pool's bulk services (which check every
        rule again)."""
        user = ctx["user"]
        reason = f"表格导入 #{batch.pk}" if batch else "表格导入"
        watermark = {
            "person": Person.history.aggregate(m=Max("history_id"))["m"] or 0,
            "reserve": ReserveCandidate.history.aggregate(m=Max("history_id"))["m"] or 0,
        }
        new_rows = [row for row in rows if row.status == NEW and row.plan.get("person") is None]
        new_people = cadre_services.person_create_bulk(
            rows=[self.person_row(row.values) for row in new_rows], by=user, reason=reason
        )
        for row, pk in zip(new_rows, new_people, strict=True):
            row.plan["person"] = pk
        created = services.reserve_survey_bulk(
            rows=[self.candidate_row(row) for row in rows if row.status == NEW], by=user, reason=reason
        )
        old = services.reserve_update_bulk(
            updates={row.plan["candidate"]: row.plan["updates"] for row in rows if row.status == CHANGED},
            by=user,
            reason=reason,
        )
        return {
            "watermark": watermark,
            "person_created": new_people,
            "reserve_created": created,
            "reserve_updated": old,
        }

    def rollback(self, batch, *, by) -> None:
        t = batch.touched
        reason = f"撤销表格导入 #{batch.pk}"
        created = t.get("reserve_created", [])
        updated = {int(pk): values for pk, values in t.get("reserve_updated", {}).items()}
        later = (
            ReserveCandidate.history.filter(id__in=[*created, *updated], history_id__gt=t.get("watermark", {}).get("reserve", 0))
            .exclude(history_change_reason=f"表格导入 #{batch.pk}")
            .values_list("id", flat=True)
        )
        moved = ReserveEvent.objects.filter(candidate_id__in=created).exclude(note=f"表格导入 #{batch.pk}")
        problems = sorted({*later, *moved.values_list("candidate_id", flat=True)})
        if problems:
            raise ValidationError(
                {"status": f"导入后已有{len(problems)}名后备力量被再次办理或修改（如 #{problems[0]}），不能整体撤销。"}
            )
        for c in ReserveCandidate.objects.filter(pk__in=created):
            c._history_user, c._change_reason = by, reason
            c.events.all().delete()
            c.delete()
        for c in ReserveCandidate.objects.filter(pk__in=list(updated)):
            for f, value in updated[c.pk].items():
                setattr(c, f, value)
            c._history_user, c._change_reason = by, reason
            c.save(update_fields=list(updated[c.pk]))
        for p in Person.objects.filter(pk__in=t.get("person_created", [])):
            p._history_user, p._change_reason = by, reason
            p.delete()
