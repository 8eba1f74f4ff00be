"""The register's sheet types, part 3: the 第一书记抽查记录表 (county spot checks).

Each row is one unannounced check of a first secretary, matched by the ID number to the posting
in the village on the check date. Rows are written through ``services.spot_check_record_bulk``
(the rules of the page and the API, and the annual grade capped again); a re-imported row that
is already recorded is unchanged.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Max, Q

from cadres import normalize as n
from core.imports.headers import Col
from core.imports.pipeline import NEW, UNCHANGED, RowResult, SheetType, register
from core.scope import scoped

from .. import choices, services
from ..models import FirstSecretary, SpotCheck

RESULTS = {
    "在岗": choices.SpotCheckResult.PRESENT,
    "缺勤": choices.SpotCheckResult.ABSENT,
    "不在岗": choices.SpotCheckResult.ABSENT,
}

SPOT_CHECK_COLUMNS = [
    Col("seq", "序号", ("编号",), width=6),
    Col("name", "姓名", (), example="王志强", width=10),
    Col(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证"),
        required=True,
        example="430122198806150017",
        text_format=True,
        width=21,
    ),
    Col("village", "驻村(社区)", ("村(社区)", "驻村", "所驻村", "村"), example="甲一村", width=14),
    Col("date", "抽查日期", ("检查日期", "抽查时间", "日期"), required=True, example="2025-06-12", width=12),
    Col(
        "result", "抽查结果", ("结果", "在岗情况", "是否在岗"), required=True, example="缺勤", choices=("在岗", "缺勤"), width=10
    ),
    Col("excused", "请假已报备", ("是否请假", "是否请假报备", "已请假"), example="否", choices=("是", "否"), width=10),
    Col("checker", "检查人", ("抽查人", "检查人员", "抽查人员"), required=True, example="县委组织部 李明", width=16),
    Col("note", "备注", ("说明",), width=20),
]


@register
class SpotCheckSheet(SheetType):
    key = "spot_checks"
    label = "第一书记抽查记录表"
    app_label = "cadres"
    permission = "cadres.add_spotcheck"
    columns = SPOT_CHECK_COLUMNS
    text_fields = {"checker": "cadres.SpotCheck.checker", "note": "cadres.SpotCheck.note"}
    instructions = [
        "每行一次抽查；按身份证号找到抽查日期当天在该村驻村的第一书记。",
        "抽查结果填“在岗”或“缺勤”；缺勤但已按规定请假报备的，“请假已报备”填“是”，不计入缺勤次数。",
        "年度内无故缺勤次数按当年政策限定第一书记年度考核等次（如缺勤1次不得评为优秀）。",
        "同一人同一天只记一次抽查；已登记的抽查再次导入不会重复记录。",
        "身份证号列必须是文本格式。",
    ]

    def reads_models(self) -> list:
        return [*super().reads_models(), SpotCheck]

    def context(self, *, user, township) -> dict:
        return {"user": user, "township": township}

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        v = row.values
        v["id_number"] = row.parse("id_number", n.id_number_cell)
        v["date"] = row.parse("date", n.parse_date, month_only_ok=False)
        result = n.text(row.raw.get("result"))
        v["result"] = RESULTS.get(result)
        if v["result"] is None:
            row.error("result", "应为“在岗”或“缺勤”")
        v["excused"] = row.parse("excused", n.parse_bool) if not n.is_blank(row.raw.get("excused")) else False
        if v["excused"] and v["result"] == choices.SpotCheckResult.PRESENT:
            row.error("excused", "在岗时不填“请假已报备”")
        v["checker"] = n.text(row.raw.get("checker"))
        if not v["checker"]:
            row.error("checker", "请填写检查人")
        v["note"] = n.text(row.raw.get("note"))

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        ids = {row.values["id_number"] for row in rows if row.values.get("id_number")}
        postings: dict[str, list[FirstSecretary]] = {}
        for fs in scoped(ctx["user"], FirstSecretary).filter(person__id_number__in=ids).select_related("person", "village"):
            postings.setdefault(fs.person.id_number, []).append(fs)
        seen: dict = {}
        for row in rows:
            v = row.values
            if row.errors or not v.get("id_number") or not v.get("date"):
                continue
            found = [fs for fs in postings.get(v["id_number"], []) if fs.term_start <= v["date"] <= (fs.ended_on or fs.term_end)]
            if not found:
                row.error(
                    "id_number",
                    f"{v['date'].year}年{v['date'].month}月{v['date'].day}日没有此身份证号的在村第一书记（或不在您的数据范围内）",
                )
                continue
            posting = found[0]
            name = n.text(row.raw.get("name"))
            if name and name != n.text(posting.person.name):
                row.error("name", f"身份证号对应的第一书记是{posting.person.name}")
                continue
            village = n.text(row.raw.get("village"))
            if village and village not in (n.text(posting.village.name), n.text(posting.village.name).removesuffix("村")):
                row.error("village", f"{posting.person.name}驻{posting.village.name}")
                continue
            key = (posting.pk, v["date"])
            if key in seen:
                row.error("date", f"与第{seen[key]}行是同一人同一天的抽查")
                continue
            seen[key] = row.number
            v["posting"] = posting
            for field, message in services.spot_check_errors(
                posting=posting, date=v["date"], result=v["result"], excused=v["excused"], checker=v["checker"]
            ).items():
                row.error(field if field in ("date", "result", "excused", "checker") else "id_number", message.rstrip("。"))
        existing = {}
        if seen:
            q = Q()
            for posting_id, date in seen:
                q |= Q(posting_id=posting_id, date=date)
            existing = {(c.posting_id, c.date): c for c in SpotCheck.objects.filter(q)}
        for row in rows:
            v = row.values
            if row.errors or "posting" not in v:
                continue
            check = existing.get((v["posting"].pk, v["date"]))
            if check is None:
                row.status, row.changes = NEW, ["新增抽查"]
            elif (check.result, check.excused) == (v["result"], v["excused"]):
                row.status, row.changes = UNCHANGED, []
            else:
                row.error("date", f"当天已登记抽查（{check.get_result_display()}），与本行不同，请在第一书记页面核对")

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        reason = f"表格导入 #{batch.pk}" if batch else "表格导入"
        watermark = SpotCheck.history.aggregate(m=Max("history_id"))["m"] or 0
        fields = ("date", "result", "excused", "checker", "note")
        created = services.spot_check_record_bulk(
            rows=[{"posting": row.values["posting"], **{f: row.values[f] for f in fields}} for row in rows if row.status == NEW],
            by=ctx["user"],
            reason=reason,
        )
        return {"watermark": {"spot_check": watermark}, "spot_check_created": created}

    def rollback(self, batch, *, by) -> None:
        created = batch.touched.get("spot_check_created", [])
        later = (
            SpotCheck.history.filter(id__in=created, history_id__gt=batch.touched.get("watermark", {}).get("spot_check", 0))
            .exclude(history_change_reason=f"表格导入 #{batch.pk}")
            .values_list("id", flat=True)
        )
        if later:
            raise ValidationError({"status": f"导入后已有{len(set(later))}条抽查记录被修改，不能整体撤销。"})
        reason = f"撤销表格导入 #{batch.pk}"
        regrade = set()
        for check in SpotCheck.objects.filter(pk__in=created).select_related("posting"):
            regrade.add((check.posting, check.date.year))
            check._history_user, check._change_reason = by, reason
            check.delete()
        for posting, year in regrade:
            services.first_secretary_regrade(posting=posting, year=year, by=by)
