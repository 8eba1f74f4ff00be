"""The register's sheet types, part 3: the 干部任免审批表's lists — 家庭成员 and 简历.

One row is one line of a person's list; the person is found by 身份证号 and must already be on
file and inside the importer's scope. A person's rows in the file *replace* that person's whole
list (people not in the file are not touched), through the dossier services' ``*_replace``
(all-or-nothing, the same rules, idempotent: the same file again changes nothing). Undo puts
every replaced list back as it was, unless someone changed it since.
"""

from __future__ import annotations

from collections import defaultdict

from django.db.models import Max

from cadres import normalize as n
from core import dates as core_dates
from core.imports.headers import Col
from core.imports.pipeline import CHANGED, NEW, UNCHANGED, RowResult, SheetType, register

from .. import rules, services
from ..models import FamilyMember, Person, ResumeEntry
from ..services import dossier
from .roster import _chunks, _json, _unjson

ID_COL = Col(
    "id_number",
    "身份证号",
    ("身份证号码", "公民身份号码", "身份证"),
    required=True,
    example="43012219850312003X",
    text_format=True,
    width=21,
    help="本人的身份证号（须已在人员名册中建档）。",
)
NAME_COL = Col("name", "姓名", ("本人姓名", "干部姓名"), example="李建国", width=10, help="仅供核对，以身份证号为准。")

FAMILY_COLUMNS = [
    Col("seq", "序号", ("编号",), width=6),
    NAME_COL,
    ID_COL,
    Col("relation", "称谓", ("关系", "与本人关系"), required=True, example="妻子", width=8),
    Col("member_name", "成员姓名", ("家庭成员姓名", "亲属姓名"), required=True, example="王芳", width=10),
    Col("birth_date", "出生年月", ("出生日期",), example="1986.05", width=10),
    Col("political_status", "政治面貌", (), example="群众", width=10),
    Col("work_unit", "工作单位及职务", ("工作单位", "单位及职务"), example="甲镇卫生院护士", width=24),
]

RESUME_COLUMNS = [
    Col("seq", "序号", ("编号",), width=6),
    NAME_COL,
    ID_COL,
    Col("start_date", "起始年月", ("起始时间", "开始时间", "起"), required=True, example="2008.09", width=10),
    Col("end_date", "截止年月", ("截止时间", "结束时间", "止"), example="2012.07", width=10, help="仍在继续的经历留空（至今）。"),
    Col("text", "经历", ("简历", "学习工作经历", "工作经历"), required=True, example="在湖南农业大学农学专业学习", width=40),
    Col(
        "overlap_ok",
        "允许时间交叉",
        ("允许交叉",),
        example="否",
        choices=("是", "否"),
        width=8,
        help="其间兼任、在职学习等与其他经历时间重叠的行填“是”。",
    ),
]


class _PersonListSheet(SheetType):
    """Rows grouped by person; each group replaces that person's list."""

    app_label = "cadres"
    permission = "cadres.change_person"
    model = None
    fields: tuple[str, ...] = ()
    what = ""

    def context(self, *, user, township) -> dict:
        return {"user": user, "township": township, "today": core_dates.today()}

    def reads_models(self) -> list:
        return [*super().reads_models(), self.model]  # the preview is re-planned when a list changed

    def clean_identity(self, row: RowResult) -> None:
        v = row.values
        v["name"] = n.text(row.raw.get("name"))
        v["id_number"] = row.parse("id_number", n.id_number_cell)

    def line(self, v: dict) -> dict:
        return {f: v.get(f) for f in self.fields}

    def errors_of(self, lines: list[dict], person) -> dict[int, dict[str, str]]:
        raise NotImplementedError

    def current_lines(self, person_ids: list[int]) -> dict[int, list[dict]]:
        out: dict[int, list[dict]] = defaultdict(list)
        for chunk in _chunks(person_ids):
            for values in self.model.objects.filter(person_id__in=chunk).values("person_id", *self.fields):
                out[values.pop("person_id")].append(values)
        return out

    def comparable(self, lines: list[dict]) -> list[tuple]:
        return [tuple(line[f] for f in self.fields) for line in lines]

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        groups: dict[str, list[RowResult]] = defaultdict(list)
        for row in rows:
            if row.values.get("id_number"):
                groups[row.values["id_number"]].append(row)
        people = {}
        for chunk in _chunks(groups):
            people.update({p.id_number: p for p in Person.objects.filter(id_number__in=chunk)})
        hidden = services.out_of_scope(ctx["user"], Person, [p.pk for p in people.values()])
        current = self.current_lines([p.pk for p in people.values()])
        for id_number, group in groups.items():
            person = people.get(id_number)
            if person is None:
                for row in group:
                    row.error("id_number", "系统中没有此身份证号的人员，请先在人员名册中建档")
                continue
            if person.pk in hidden:
                for row in group:
                    row.error("id_number", rules.OTHER_TOWNSHIP_HIDDEN.rstrip("。"))
                continue
            for row in group:
                if row.values["name"] and row.values["name"] != person.name:
                    row.warn("name", f"系统中此身份证号的人员为{person.name}，以身份证号为准")
            lines = [self.line(row.values) for row in group]
            for i, errors in self.errors_of(lines, person).items():
                for field, message in errors.items():
                    group[i].error(self.error_column(field), message.rstrip("。"))
            if any(row.errors for row in group):
                continue
            wanted, existing = self.comparable(self.ordered(lines)), self.comparable(self.ordered(current.get(person.pk, [])))
            for row in group:
                row.plan["person"] = person.pk
            if wanted == existing:
                for row in group:
                    row.status = UNCHANGED
                continue
            kept = set(existing)
            for row, key in zip(group, self.comparable(lines), strict=True):
                row.status = UNCHANGED if key in kept else NEW
                row.changes = [] if key in kept else [f"新增{self.what}"]
            removed = len([key for key in existing if key not in set(wanted)])
            if removed:
                group[0].status = CHANGED
                group[0].changes = [*group[0].changes, f"替换原有{self.what}（删去{removed}条）"]
            elif all(row.status == UNCHANGED for row in group):  # same lines, another order
                group[0].status = CHANGED
                group[0].changes = [f"调整{self.what}顺序"]

    def ordered(self, lines: list[dict]) -> list[dict]:
        return lines

    def error_column(self, field: str) -> str:
        return field

    def replace(self, *, person, rows, by, reason, undo=False):
        raise NotImplementedError

    def apply_line(self, v: dict) -> dict:
        return self.line(v)

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        """Replace the lists of the people whose rows changed (the services check every rule again)."""
        user = ctx["user"]
        reason = f"表格导入 #{batch.pk}" if batch else "表格导入"
        watermark = self.model.history.aggregate(m=Max("history_id"))["m"] or 0
        groups: dict[int, list[RowResult]] = defaultdict(list)
        for row in rows:
            groups[row.plan["person"]].append(row)
        changed = [pk for pk, group in groups.items() if any(row.status != UNCHANGED for row in group)]
        people = Person.objects.in_bulk(changed)
        progress = ctx.get("progress") or (lambda done, total: None)
        replaced = {}
        for done, pk in enumerate(changed, start=1):
            outcome = self.replace(
                person=people[pk], rows=[self.apply_line(row.values) for row in groups[pk]], by=user, reason=reason
            )
            replaced[str(pk)] = [{f: _json(v) for f, v in line.items()} for line in outcome.previous]
            progress(done, len(changed))
        return {"watermark": {self.model._meta.model_name: watermark}, "replaced": replaced}

    def rollback(self, batch, *, by) -> None:
        reason = f"撤销表格导入 #{batch.pk}"
        replaced = batch.touched.get("replaced", {})
        people = Person.objects.in_bulk([int(pk) for pk in replaced])
        for pk, previous in replaced.items():
            lines = [{f: _unjson(self.model, f, v) for f, v in line.items()} for line in previous]
            self.replace(person=people[int(pk)], rows=lines, by=by, reason=reason, undo=True)

    def touched_since(self, batch) -> list[str]:
        """Lists changed after the import by anything but the import: the undo would lose that."""
        t = batch.touched
        watermark = t.get("watermark", {}).get(self.model._meta.model_name, 0)
        ids = [int(pk) for pk in t.get("replaced", {})]
        problems = []
        for chunk in _chunks(ids):
            later = (
                self.model.history.filter(person_id__in=chunk, history_id__gt=watermark)
                .exclude(history_change_reason=f"表格导入 #{batch.pk}")
                .values_list("person_id", flat=True)
                .distinct()
            )
            problems += [f"人员#{pk}的{self.what}" for pk in later]
        return problems


@register
class FamilyMemberSheet(_PersonListSheet):
    key = "family_members"
    label = "家庭成员"
    columns = FAMILY_COLUMNS
    model = FamilyMember
    fields = dossier.FAMILY_FIELDS
    what = "家庭成员"
    text_fields = {
        "relation": "cadres.FamilyMember.relation",
        "member_name": "cadres.FamilyMember.name",
        "political_status": "cadres.FamilyMember.political_status",
        "work_unit": "cadres.FamilyMember.work_unit",
    }
    instructions = [
        "每行一名家庭成员；同一人的多名家庭成员各占一行，按干部任免审批表的顺序排列（一般为配偶、子女、父母）。",
        "按身份证号找到本人，本人须已在人员名册中建档；表中某人的各行将替换系统中此人的全部家庭成员，表中没有的人员不受影响。",
        "身份证号列必须是文本格式。",
    ]

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        self.clean_identity(row)
        v = row.values
        v["relation"] = n.text(row.raw.get("relation"))
        v["member_name"] = n.text(row.raw.get("member_name"))
        v["birth_date"] = row.parse("birth_date", n.parse_date)
        v["political_status"] = n.text(row.raw.get("political_status"))
        v["work_unit"] = n.text(row.raw.get("work_unit"))

    def line(self, v: dict) -> dict:
        return {
            "relation": v.get("relation", ""),
            "name": v.get("member_name", ""),
            "birth_date": v.get("birth_date"),
            "political_status": v.get("political_status", ""),
            "work_unit": v.get("work_unit", ""),
        }

    def current_lines(self, person_ids: list[int]) -> dict[int, list[dict]]:
        out: dict[int, list[dict]] = defaultdict(list)
        for chunk in _chunks(person_ids):
            rows = FamilyMember.objects.filter(person_id__in=chunk).order_by("person_id", "sort", "id")
            for values in rows.values("person_id", *self.fields):
                out[values.pop("person_id")].append(values)
        return out

    def errors_of(self, lines, person):
        today = core_dates.today()
        return {i: e for i, line in enumerate(lines) if (e := dossier.family_member_errors(line, today=today))}

    def error_column(self, field: str) -> str:
        return "member_name" if field == "name" else field

    def replace(self, *, person, rows, by, reason, undo=False):
        return services.family_members_replace(person=person, rows=rows, by=by, reason=reason)


@register
class ResumeSheet(_PersonListSheet):
    key = "resume"
    label = "简历"
    columns = RESUME_COLUMNS
    model = ResumeEntry
    fields = dossier.RESUME_FIELDS
    what = "简历"
    text_fields = {"text": "cadres.ResumeEntry.text"}
    instructions = [
        "每行一条简历（一段学习或工作经历）；同一人的多条简历各占一行。",
        "起始、截止年月写成 2008.09；仍在继续的经历截止年月留空（至今）。",
        "同一人的经历时间不能交叉；其间兼任、在职学习等确需交叉的行，“允许时间交叉”填“是”。",
        "按身份证号找到本人，本人须已在人员名册中建档；表中某人的各行将替换系统中此人的全部简历，表中没有的人员不受影响。",
    ]

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        self.clean_identity(row)
        v = row.values
        v["start_date"] = row.parse("start_date", n.parse_date)
        v["end_date"] = row.parse("end_date", n.parse_date)
        v["text"] = n.text(row.raw.get("text"))
        v["overlap_ok"] = row.parse("overlap_ok", n.parse_bool) if not n.is_blank(row.raw.get("overlap_ok")) else False

    def line(self, v: dict) -> dict:
        return {"start_date": v.get("start_date"), "end_date": v.get("end_date"), "text": v.get("text", "")}

    def errors_of(self, lines, person):
        return {}  # checked in plan() with the overlap flags of the rows

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        super().plan(rows, ctx)
        self._check_lines(rows)

    def _check_lines(self, rows: list[RowResult]) -> None:
        groups: dict[int, list[RowResult]] = defaultdict(list)
        for row in rows:
            if row.plan.get("person"):
                groups[row.plan["person"]].append(row)
        people = Person.objects.in_bulk(list(groups))
        today = core_dates.today()
        for pk, group in groups.items():
            lines = [{**self.line(row.values), "overlap_ok": row.values.get("overlap_ok")} for row in group]
            found = dossier.resume_rows_errors(lines, birth_date=people[pk].birth_date, today=today)
            for i, errors in found.items():
                for field, message in errors.items():
                    group[i].error(field, message.rstrip("。"))

    def ordered(self, lines: list[dict]) -> list[dict]:
        return sorted(lines, key=lambda v: (v["start_date"] or core_dates.today(), v["end_date"] is None))

    def apply_line(self, v: dict) -> dict:
        return {**self.line(v), "overlap_ok": bool(v.get("overlap_ok"))}

    def replace(self, *, person, rows, by, reason, undo=False):
        # An undo puts back what was there, overlaps and all.
        return services.resume_replace(person=person, rows=rows, by=by, reason=reason, allow_overlap=undo)


def dossier_touched_since(batch) -> list[str]:
    """The rollback guard of the two sheets (registered with the pipeline in cadres.apps)."""
    from core.imports.pipeline import REGISTRY

    st = REGISTRY.get(batch.sheet_type)
    return st.touched_since(batch) if isinstance(st, _PersonListSheet) else []
