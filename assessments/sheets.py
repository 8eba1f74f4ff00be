"""The ballot-tally sheet ("review_ballots") on the shared import pipeline.

One row per secretary and rater group: counts of valid ballots per option (the options come from
the year's policy, so the columns do too), attendance against the number entitled, spoilt
ballots. Rows are matched to the year's review by village + name (or ID number). The same checks
as the entry form apply (services.validate_tally); any bad row keeps the whole file out.
"""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Max
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from cadres import normalize as n
from core import dates as core_dates
from core.imports.headers import Col
from core.imports.pipeline import CHANGED, NEW, UNCHANGED, RowResult, SheetType, register
from core.scope import scoped

from .choices import ENTRY_PHASES, RaterGroup
from .models import AnnualReview, BallotTally, ReviewCampaign
from .policy_section import section_for_year
from .services import validate_tally

GROUP_ALIASES = {
    "乡镇测评": RaterGroup.TOWNSHIP,
    "镇评": RaterGroup.TOWNSHIP,
    "村述镇评": RaterGroup.TOWNSHIP,
    "乡镇": RaterGroup.TOWNSHIP,
    "民评": RaterGroup.MEMBERS,
    "村述民评": RaterGroup.MEMBERS,
    "民主测评": RaterGroup.MEMBERS,
    "党员和村民代表测评": RaterGroup.MEMBERS,
    "党员和村民代表": RaterGroup.MEMBERS,
}

BASE_COLUMNS = [
    Col("year", "考核年度", ("年度", "考核年份"), required=True, example=2025, width=8),
    Col("township", "乡镇(街道)", ("乡镇", "乡镇街道", "乡镇（街道）", "所属乡镇"), example="甲镇", width=12),
    Col("village", "村(社区)", ("村", "村社区", "村（社区）", "村名"), required=True, example="甲一村", width=12),
    Col("name", "姓名", ("书记姓名", "被测评人"), required=True, example="张三", width=8),
    Col("id_number", "身份证号", ("公民身份号码", "身份证号码"), text_format=True, width=20),
    Col("group", "测评类别", ("测评对象", "类别"), required=True, example="民评", choices=("镇评", "民评"), width=10),
    Col("entitled", "应到人数", ("应到", "应参会人数"), required=True, example=40, width=8),
    Col("attended", "实到人数", ("实到", "参会人数"), required=True, example=36, width=8),
]
TAIL_COLUMNS = [
    Col("invalid", "废票", ("无效票", "废票数"), example=0, width=6),
    Col("meeting_date", "测评日期", ("会议日期", "日期"), example="2026-01-15", width=12),
]


def _open_years() -> list[int]:
    return list(ReviewCampaign.objects.filter(phase__in=ENTRY_PHASES).order_by("-year").values_list("year", flat=True))


def _option_columns() -> list[Col]:
    years = _open_years()

    options = section_for_year(years[0] if years else core_dates.today().year).get("ballot_options", [])
    return [
        Col(f"opt_{o['code']}", f"{o['name']}票", (o["name"], f"{o['name']}票数", f"{o['name']}（票）"), example=0, width=8)
        for o in options
    ]


@register
class ReviewBallotSheet(SheetType):
    key = "review_ballots"
    label = "双述双评测评票统计表"
    app_label = "assessments"
    permission = "assessments.add_ballottally"
    instructions = [
        "每行一名村党组织书记的一类测评（镇评或民评）；同一人两类测评各占一行。",
        "按“考核年度 + 村(社区) + 姓名”找到本年度的考核对象（填身份证号时以身份证号为准），考核对象须先在系统中生成。",
        "各选项票数为有效票；有效票与废票合计不能多于实到人数，实到人数不能多于应到人数。",
        "实到人数未超过应到人数2/3（以当年政策配置为准）的测评无效，汇总时会提示重新测评。",
        "已公示锁定的年度不能再导入。",
    ]

    @property
    def columns(self) -> list[Col]:  # the option columns follow the year's policy
        return [*BASE_COLUMNS, *_option_columns(), *TAIL_COLUMNS]

    def reads_models(self) -> list:
        from cadres.models import PolicyProfile

        return [AnnualReview, BallotTally, ReviewCampaign, PolicyProfile]

    def context(self, *, user, township) -> dict:
        if user.is_clerk:
            township = user.township
        years = _open_years()
        reviews = scoped(user, AnnualReview).filter(year__in=years).select_related("person", "village", "township")
        if township is not None:
            reviews = reviews.filter(township_id=township.pk)
        by_name: dict = defaultdict(list)
        by_id: dict = {}
        for r in reviews:
            for key in {n.text(r.village.name), n.text(r.village.name).removesuffix("村").removesuffix("社区")}:
                by_name[(r.year, key, n.text(r.person.name))].append(r)
            by_id[(r.year, r.person.id_number)] = r
        options = {y: [o["code"] for o in section_for_year(y).get("ballot_options", [])] for y in years}
        return {"user": user, "township": township, "years": years, "by_name": by_name, "by_id": by_id, "options": options}

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        v = row.values
        v["year"] = row.parse("year", n.parse_int, lo=2000, hi=2100)
        if v["year"] is not None and v["year"] not in ctx["years"]:
            row.error("year", "该年度考核未开启或已公示锁定，不能导入")
        group_raw = n.text(row.raw.get("group"))
        v["group"] = GROUP_ALIASES.get(group_raw) or (group_raw if group_raw in RaterGroup.values else None)
        if v["group"] is None:
            row.error("group", "应为“镇评”或“民评”")
        for key in ("entitled", "attended"):
            v[key] = row.parse(key, n.parse_int, lo=0, hi=100000)
            if v[key] is None and key not in {e.key for e in row.errors}:
                row.error(key, "不能为空")
        v["invalid"] = row.parse("invalid", n.parse_int, lo=0, hi=100000) or 0
        v["meeting_date"] = row.parse("meeting_date", n.parse_date, month_only_ok=False)
        v["counts"] = {}
        for key in row.raw:
            if key.startswith("opt_"):
                v["counts"][key[4:]] = row.parse(key, n.parse_int, lo=0, hi=100000) or 0
        v["id_number"] = row.parse("id_number", n.id_number_cell) if not n.is_blank(row.raw.get("id_number")) else ""
        review = None
        if v["year"] in ctx["years"]:
            if v["id_number"]:
                review = ctx["by_id"].get((v["year"], v["id_number"]))
                if review is None:
                    row.error("id_number", f"{v['year']}年度考核对象中没有此身份证号（或不在您的数据范围内）")
            else:
                village, name = n.text(row.raw.get("village")), n.text(row.raw.get("name"))
                found = ctx["by_name"].get((v["year"], village, name), [])
                if len(found) > 1:
                    row.error("name", "同村同名，请填写身份证号以区分")
                elif not found:
                    row.error("name", f"{v['year']}年度考核对象中没有{village}的{name}（或不在您的数据范围内）")
                else:
                    review = found[0]
        if review is not None:
            t_raw = n.text(row.raw.get("township"))
            if t_raw and t_raw not in (n.text(review.township.name), review.township.code):
                row.error("township", f"{review.village.name}属于{review.township.name}")
        v["review"] = review
        if review is not None and v["group"] and v["entitled"] is not None and v["attended"] is not None:
            try:
                v["counts"] = validate_tally(
                    year=review.year,
                    group=v["group"],
                    entitled=v["entitled"],
                    attended=v["attended"],
                    counts={k: c for k, c in v["counts"].items() if k in ctx["options"].get(review.year, [])},
                    invalid_ballots=v["invalid"],
                )
            except ValidationError as exc:
                for key, messages in exc.message_dict.items():
                    target = {"counts": "attended", "attended": "attended", "entitled": "entitled"}.get(key, "")
                    for m in messages:
                        row.error(target, m.rstrip("。"))

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        seen = {}
        for row in rows:
            review, group = row.values.get("review"), row.values.get("group")
            if review is None or group is None:
                continue
            key = (review.pk, group)
            if key in seen:
                row.error("group", f"与第{seen[key]}行是同一人同一类测评")
            seen.setdefault(key, row.number)
        existing = {(t.review_id, t.group): t for t in BallotTally.objects.filter(review_id__in=[k[0] for k in seen])}
        for row in rows:
            if row.errors:
                continue
            v = row.values
            tally = existing.get((v["review"].pk, v["group"]))
            row.plan["tally"] = tally
            wanted = {
                "entitled": v["entitled"],
                "attended": v["attended"],
                "counts": v["counts"],
                "invalid_ballots": v["invalid"],
                "meeting_date": v["meeting_date"],
            }
            row.plan["values"] = wanted
            if tally is None:
                row.status, row.changes = NEW, ["新增测评票"]
                continue
            changed = [f for f, val in wanted.items() if getattr(tally, f) != val and not (f == "meeting_date" and val is None)]
            row.changes = [str(BallotTally._meta.get_field(f).verbose_name) for f in changed]
            row.plan["changed"] = changed
            row.status = CHANGED if changed else UNCHANGED

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        user = ctx["user"]
        reason = f"表格导入 #{batch.pk}" if batch else "表格导入"
        watermark = BallotTally.history.aggregate(m=Max("history_id"))["m"] or 0
        new, changed, fields, updated = [], [], set(), {}
        for row in rows:
            v = row.plan.get("values")
            if row.status == NEW:
                new.append(BallotTally(review=row.values["review"], group=row.values["group"], entered_by=user, **v))
            elif row.status == CHANGED:
                tally = row.plan["tally"]
                updated[str(tally.pk)] = {f: _json(getattr(tally, f)) for f in row.plan["changed"]}
                for f in row.plan["changed"]:
                    setattr(tally, f, v[f])
                tally.entered_by = user
                fields.update(row.plan["changed"])
                changed.append(tally)
        if new:
            bulk_create_with_history(new, BallotTally, batch_size=500, default_user=user, default_change_reason=reason)
        if changed:
            bulk_update_with_history(
                changed,
                BallotTally,
                sorted(fields | {"entered_by"}),
                batch_size=500,
                default_user=user,
                default_change_reason=reason,
            )
        return {"watermark": {"tally": watermark}, "tally_created": [t.pk for t in new], "tally_updated": updated}

    def rollback(self, batch, *, by) -> None:
        t = batch.touched
        ids = [*t.get("tally_created", []), *map(int, t.get("tally_updated", {}))]
        later = (
            BallotTally.history.filter(id__in=ids, history_id__gt=t.get("watermark", {}).get("tally", 0))
            .exclude(history_change_reason=f"表格导入 #{batch.pk}")
            .values_list("id", flat=True)
        )
        if later:
            raise ValidationError({"status": f"导入后已有{len(set(later))}条测评票被再次修改，不能整体撤销。"})
        reason = f"撤销表格导入 #{batch.pk}"
        for tally in BallotTally.objects.filter(pk__in=t.get("tally_created", [])):
            tally._history_user, tally._change_reason = by, reason
            tally.delete()
        restore = []
        for tally in BallotTally.objects.filter(pk__in=list(map(int, t.get("tally_updated", {})))):
            for f, old in t["tally_updated"][str(tally.pk)].items():
                setattr(tally, f, _unjson(f, old))
            restore.append(tally)
        if restore:
            fields = sorted({f for d in t["tally_updated"].values() for f in d})
            bulk_update_with_history(restore, BallotTally, fields, default_user=by, default_change_reason=reason)


def _json(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _unjson(field: str, value):
    import datetime

    if field == "meeting_date" and value:
        return datetime.date.fromisoformat(value)
    return value
