"""The register's sheet types, part 2: the 驻村第一书记花名册."""

from __future__ import annotations

from django.db.models import Max

from cadres import normalize as n
from core.imports.headers import Col
from core.imports.pipeline import CHANGED, NEW, UNCHANGED, RowResult, SheetType, register

from .. import choices, rules, services
from ..models import FirstSecretary, Person
from .roster import (
    RegisterSheetMixin,
    _chunks,
    _rollback_register,
    check_identity,
    identity_parsers,
)

FS_COLUMNS = [
    Col("seq", "序号", ("编号",), width=6),
    Col("name", "姓名", (), required=True, example="王志强", width=10),
    Col("sex", "性别", (), example="男", choices=("男", "女"), width=6),
    Col("ethnicity", "民族", (), example="汉族", choices=tuple(sorted(choices.ETHNICITY_NAMES)), width=8),
    Col("birth_date", "出生年月", ("出生日期",), example="1988.06", width=10),
    Col(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证"),
        required=True,
        example="430122198806150017",
        text_format=True,
        width=21,
    ),
    Col("political_status", "政治面貌", (), example="中共党员", choices=("中共党员", "中共预备党员"), width=10),
    Col("party_join_date", "入党时间", ("入党年月",), example="2010.06", width=10),
    Col(
        "education_fulltime",
        "学历",
        ("全日制学历", "文化程度"),
        example="大学本科",
        choices=tuple(c.label for c in choices.Education),
        width=10,
    ),
    Col("sending_unit", "派出单位", ("选派单位", "派出单位名称", "原单位"), required=True, example="县财政局", width=18),
    Col("original_title", "原职务/职级", ("原职务", "原职务职级", "职务职级", "现职务"), example="四级主任科员", width=14),
    Col("township", "乡镇(街道)", ("乡镇", "驻村乡镇", "所在乡镇"), example="甲镇", width=10),
    Col(
        "village",
        "驻村(社区)",
        ("村(社区)", "驻村", "所驻村", "村", "驻村名称", "派驻村"),
        required=True,
        example="甲一村",
        width=14,
    ),
    Col(
        "term_start",
        "驻村开始时间",
        ("驻村时间", "开始时间", "驻村起始时间", "到村时间", "选派时间"),
        required=True,
        example="2025.03",
        width=12,
    ),
    Col("term_end", "驻村期满时间", ("结束时间", "期满时间", "驻村截止时间"), example="2027.03", width=12),
    Col("batch", "选派批次", ("批次",), example="2025年第一批", width=12),
    Col("phone", "联系电话", ("手机号码", "电话", "联系方式"), example="13907310002", text_format=True, width=13),
    Col(
        "village_type",
        "村类型",
        ("村类别", "派驻村类型"),
        example="软弱涣散村",
        width=12,
        help="仅供核对；村类型以系统中县委组织部认定的标记为准。",
    ),
]


@register
class FirstSecretaryRosterSheet(RegisterSheetMixin, SheetType):
    key = "first_secretaries"
    person_fields = ("ethnicity", "political_status", "party_join_date", "education_fulltime", "phone")
    registers_in_township = False  # posted by the county, not registered by a township
    text_fields = {
        "name": "cadres.Person.name",
        "sending_unit": "cadres.FirstSecretary.sending_unit",
        "original_title": "cadres.FirstSecretary.original_title",
        "batch": "cadres.FirstSecretary.batch",
    }
    label = "驻村第一书记花名册"
    app_label = "cadres"
    permission = "cadres.add_firstsecretary"
    columns = FS_COLUMNS
    instructions = [
        "每行一名第一书记；先定村、再定人：驻村(社区)必须是系统中已有的村。",
        "驻村期满时间可留空，按当年政策配置的默认任期计算。",
        "同一村已有在岗第一书记、或此人已在其他村在岗时会报错。",
        "身份证号列必须是文本格式。",
    ]

    def cell_parsers(self, ctx: dict) -> dict:
        return {
            **identity_parsers(ctx["today"]),
            "political_status": n.parse_political,
            "party_join_date": n.parse_date,
            "education_fulltime": n.parse_education,
            "sending_unit": n.text,
            "original_title": n.text,
            "batch": n.text,
            "phone": n.parse_phone,
            "term_start": n.parse_date,
            "term_end": n.parse_date,
        }

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        v = row.values
        v["village"] = self.resolve_village(row, ctx)
        check_identity(row)
        if not v["sending_unit"]:
            row.error("sending_unit", "派出单位不能为空")
        if v["term_start"] is None and "term_start" not in {e.key for e in row.errors}:
            row.error("term_start", "请填写驻村开始时间")
        if (
            v["term_start"]
            and v["term_end"] is None
            and not services.first_secretary_term_errors(term_start=v["term_start"], term_end=None)
        ):
            v["term_end"] = services.first_secretary_default_term_end(v["term_start"])
        if v["term_start"]:
            for field, message in services.first_secretary_term_errors(
                term_start=v["term_start"], term_end=v["term_end"]
            ).items():
                row.error(field, message.rstrip("。"))

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        seen_person, seen_village = {}, {}
        for row in rows:
            v = row.values
            if v.get("id_number"):
                if v["id_number"] in seen_person:
                    row.error("id_number", f"与第{seen_person[v['id_number']]}行是同一人")
                seen_person.setdefault(v["id_number"], row.number)
            if v.get("village"):
                if v["village"].pk in seen_village:
                    row.error("village", f"与第{seen_village[v['village'].pk]}行驻同一个村")
                seen_village.setdefault(v["village"].pk, row.number)
        people = {}
        for chunk in _chunks(seen_person):
            people.update({p.id_number: p for p in Person.objects.filter(id_number__in=chunk)})
        hidden = services.out_of_scope(ctx["user"], Person, [p.pk for p in people.values()])
        active = list(FirstSecretary.objects.active().filter(village_id__in=[v for v in seen_village]).select_related("person"))
        active += list(
            FirstSecretary.objects.active().filter(person__id_number__in=list(seen_person)).select_related("person", "village")
        )
        by_village = {fs.village_id: fs for fs in active}
        by_person = {fs.person.id_number: fs for fs in active}
        for row in rows:
            v = row.values
            if row.errors:
                continue
            person = people.get(v["id_number"])
            if person is not None and person.pk in hidden:
                row.error("id_number", rules.OTHER_TOWNSHIP_HIDDEN.rstrip("。"))
                continue
            row.plan["person"] = person.pk if person is not None else None
            if person is None:
                for field, message in services.person_check_new(self.person_row(v)).items():
                    row.error(field, message.rstrip("。"))
            current = by_person.get(v["id_number"])
            if current is not None and current.village_id != v["village"].pk:
                row.error("id_number", f"此人现为{current.village.name}在岗第一书记，请先办理期满或召回")
                continue
            holder = by_village.get(v["village"].pk)
            if holder is not None and holder.person.id_number != v["id_number"]:
                row.error("village", f"该村已有在岗第一书记{holder.person.name}，请先办理期满或召回")
                continue
            if current is not None:
                updates = {}
                for f in ("sending_unit", "original_title", "term_start", "term_end", "batch"):
                    if v.get(f) not in (None, "") and getattr(current, f) != v[f]:
                        updates[f] = v[f]
                row.plan["posting"] = current.pk
                row.plan["posting_updates"] = updates
                row.changes = [str(FirstSecretary._meta.get_field(f).verbose_name) for f in updates]
                row.status = CHANGED if updates else UNCHANGED
            else:
                row.changes = ["新增选派"]
                row.status = NEW

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        """Write through the register's bulk services (which check every rule again)."""
        user = ctx["user"]
        reason = f"表格导入 #{batch.pk}" if batch else "表格导入"
        watermark = {
            "person": Person.history.aggregate(m=Max("history_id"))["m"] or 0,
            "first_secretary": FirstSecretary.history.aggregate(m=Max("history_id"))["m"] or 0,
        }
        progress = ctx.get("progress") or (lambda done, total: None)
        new_rows = [row for row in rows if row.status == NEW and row.plan.get("person") is None]
        new_ids = services.person_create_bulk(rows=[self.person_row(row.values) for row in new_rows], by=user, reason=reason)
        for row, pk in zip(new_rows, new_ids, strict=True):
            row.plan["person"] = pk
        progress(1, 3)
        fields = ("sending_unit", "original_title", "batch", "term_start", "term_end")
        created = services.first_secretary_create_bulk(
            rows=[
                {"person_id": row.plan["person"], "village_id": row.values["village"].pk, **{f: row.values[f] for f in fields}}
                for row in rows
                if row.status == NEW
            ],
            by=user,
            reason=reason,
        )
        progress(2, 3)
        updated = services.first_secretary_update_bulk(
            updates={row.plan["posting"]: row.plan["posting_updates"] for row in rows if row.status == CHANGED},
            by=user,
            reason=reason,
        )
        progress(3, 3)
        return {
            "watermark": watermark,
            "person_created": new_ids,
            "first_secretary_created": created,
            "first_secretary_updated": updated,
        }

    def rollback(self, batch, *, by) -> None:
        _rollback_register(batch, by=by)
