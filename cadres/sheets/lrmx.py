"""The register's sheet types, part 3: 干部任免审批表 files (.lrmx, one or a zip of many) on the shared
import pipeline — the same upload → preview → apply → undo as the spreadsheets, one "row" per file.

A file is matched to a person by 身份证号 (ShenFenZheng). A known person's boxes are updated (a
blank box changes nothing, as a blank cell of a roster), and the family table and 简历 are
replaced when the file has them; an unknown ID number creates the person through the same people
services as the roster import. A clerk imports only people of the own township. 现任职务, 奖惩情况,
年度考核结果 and the 任免 boxes (拟任、拟免、理由、呈报单位) are what this system itself keeps (posts,
records, yearly reviews) and are not read; the photo is not imported (it is uploaded on the person
page). Everything written keeps history with the batch as its reason, and the undo restores it.
"""

from __future__ import annotations

import datetime
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Max

from cadres import lrmx
from cadres import normalize as n
from core import dates as core_dates
from core.imports.headers import Col
from core.imports.pipeline import CHANGED, NEW, UNCHANGED, Preview, RowResult, SheetType, register

from .. import choices, rules, services
from ..idcard import birth_and_sex
from ..models import FamilyMember, Person, ResumeEntry
from ..services import PERSON_FIELDS
from .roster import _chunks, _rollback_register

# Element → the person field it fills (free text, written as it stands in the file).
TEXT_BOXES = {
    "JiGuan": "native_place",
    "ChuShengDi": "birthplace",
    "JianKangZhuangKuang": "health",
    "ZhuanYeJiShuZhiWu": "professional_title",
    "ShuXiZhuanYeYouHeZhuanChang": "specialty",
    "QuanRiZhiJiaoYu_XueWei": "degree_fulltime",
    "ZaiZhiJiaoYu_XueWei": "degree_inservice",
}
# 毕业院校系及专业: the 学历 box, else the 学位 box.
SCHOOL_BOXES = {
    "school_major": ("QuanRiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "QuanRiZhiJiaoYu_XueWei_BiYeYuanXiaoXi"),
    "school_major_inservice": ("ZaiZhiJiaoYu_XueLi_BiYeYuanXiaoXi", "ZaiZhiJiaoYu_XueWei_BiYeYuanXiaoXi"),
}
EDUCATION_BOXES = {"QuanRiZhiJiaoYu_XueLi": "education_fulltime", "ZaiZhiJiaoYu_XueLi": "education_inservice"}
DATE_FIELDS = ("party_join_date", "work_start_date")
# Fields the file may change on a known person (name included), in the order changes are listed.
UPDATABLE = (
    "name",
    "ethnicity",
    "native_place",
    "birthplace",
    "political_status",
    "party_join_date",
    "work_start_date",
    "health",
    "professional_title",
    "specialty",
    "education_fulltime",
    "degree_fulltime",
    "school_major",
    "education_inservice",
    "degree_inservice",
    "school_major_inservice",
)
# Where a field's problem is shown: the element (box) that holds it.
FIELD_BOX = {
    "name": "XingMing",
    "ethnicity": "MinZu",
    "political_status": "RuDangShiJian",
    "party_join_date": "RuDangShiJian",
    "work_start_date": "CanJiaGongZuoShiJian",
    **{field: box for box, field in TEXT_BOXES.items()},
    **{field: boxes[0] for field, boxes in SCHOOL_BOXES.items()},
    **{field: box for box, field in EDUCATION_BOXES.items()},
}
PARTY = (choices.PoliticalStatus.MEMBER, choices.PoliticalStatus.PROBATIONARY)
FAMILY_KEYS = {"ChengWei": "relation", "XingMing": "name", "ChuShengRiQi": "birth_date", "ZhengZhiMianMao": "political_status"}
FAMILY_KEYS["GongZuoDanWeiJiZhiWu"] = "work_unit"


def _box(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _json_rows(rows: list[dict]) -> list[dict]:
    return [{k: (v.isoformat() if isinstance(v, datetime.date) else v) for k, v in row.items()} for row in rows]


def _unjson_rows(rows: list[dict]) -> list[dict]:
    dates = {"birth_date", "start_date", "end_date"}
    return [{k: (datetime.date.fromisoformat(v) if k in dates and v else v) for k, v in row.items()} for row in rows]


@register
class LrmxSheet(SheetType):
    key = "lrmx"
    label = "干部任免审批表（.lrmx）"
    app_label = "cadres"
    permission = "cadres.add_person"
    own_reader = True
    whole_row = "整个文件"
    row_unit = "个文件"
    person_fields = tuple(f for f in UPDATABLE if f != "name")
    columns = [
        *(Col(tag, label) for tag, label in lrmx.HEAD),
        Col(lrmx.FAMILY, lrmx.LABELS[lrmx.FAMILY]),
        *(Col(tag, label) for tag, label in lrmx.TAIL),
    ]
    instructions = [
        "上传任免审批表软件导出的 .lrmx 文件；多人可把 .lrmx 文件打包成一个 .zip 上传。",
        "按身份证号匹配：系统中已有的人员更新信息，家庭成员和简历整体替换为文件中的内容；新的身份证号新建人员档案。",
        "文件中空白的项目不会清除系统中已有的信息；文件没有家庭成员或简历时，系统中原有的保留不变。",
        "现任职务、奖惩情况、年度考核结果、拟任拟免职务和任免理由以本系统记录为准，导入时不读取；照片请在人员页面上传。",
        "乡镇组织委员只能导入本乡镇的人员。导入前会先预览每个文件的新增、修改和错误，确认无误后才写入。",
    ]

    # --- reading ------------------------------------------------------------------------------

    def context(self, *, user, township) -> dict:
        if user.is_clerk:
            township = user.township
        return {"user": user, "township": township, "today": core_dates.today()}

    def row_label(self, row: RowResult) -> str:
        return f"文件「{row.raw.get('file', '')}」"

    def template_file(self) -> tuple[bytes, str, str]:
        return lrmx.to_xml({}), "干部任免审批表模板.lrmx", "application/xml; charset=utf-8"

    def clean_upload(self, data: bytes, *, filename: str, user, township, progress=None) -> Preview:
        try:
            files = lrmx.upload_files(data, filename or "上传的文件.lrmx")
        except lrmx.LrmxError as exc:
            raise ValidationError(exc.text(filename)) from None
        ctx = self.context(user=user, township=township)
        rows, file_errors = [], []
        order = {c.key: i for i, c in enumerate(self.columns)}
        for number, (name, body) in enumerate(files, start=1):
            row = RowResult(number=number, raw={"file": name})
            try:
                doc = lrmx.from_xml(body)
            except lrmx.LrmxError as exc:
                if not exc.element:  # the file as a whole cannot be read
                    if len(files) == 1 and not data.startswith(b"PK"):
                        raise ValidationError(exc.text(name)) from None
                    file_errors.append(exc.text(name))
                    continue
                row.error(exc.element, exc.reason, value=exc.value)
                rows.append(row)
                continue
            row.raw.update({k: v for k, v in doc.items() if k != lrmx.PHOTO})
            row.raw["has_photo"] = bool(doc[lrmx.PHOTO])
            self.clean_row(row, ctx)
            row.errors.sort(key=lambda issue: order.get(issue.key, 0))  # in the order of the form
            row.warnings.sort(key=lambda issue: order.get(issue.key, 0))
            rows.append(row)
            if progress and number % 50 == 0:
                progress(number, len(files) * 2)
        return Preview(
            sheet_type=self.key,
            sheet_name=filename,
            header_row=0,
            labels={c.key: c.label for c in self.columns},
            rows=rows,
            columns={c.key: i for i, c in enumerate(self.columns)},
            file_errors=file_errors,
        )

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        raw, v = row.raw, row.values
        v["name"] = n.text(raw.get("XingMing"))
        if not v["name"]:
            row.error("XingMing", "姓名不能为空")
        v["id_number"] = row.parse("ShenFenZheng", n.id_number_cell)
        v["_birth"] = v["_sex"] = None
        if v["id_number"]:
            birth, sex = birth_and_sex(v["id_number"])
            v["_birth"], v["_sex"] = birth, sex
            written_sex = _box(raw.get("XingBie"))
            if written_sex and written_sex != choices.Sex(sex).label:
                row.warn("XingBie", f"与身份证号不一致（身份证号为{choices.Sex(sex).label}），以身份证号为准")
            written_birth = self._month(row, "ChuShengNianYue")
            if written_birth and not lrmx.same_month(written_birth, birth):
                row.warn("ChuShengNianYue", f"与身份证号不一致（身份证号为{birth:%Y.%m}），以身份证号为准")
        v["ethnicity"] = row.parse("MinZu", n.parse_ethnicity) if _box(raw.get("MinZu")) else ""
        for box, field in TEXT_BOXES.items():
            v[field] = _box(raw.get(box))
        for field, boxes in SCHOOL_BOXES.items():
            v[field] = next((_box(raw.get(b)) for b in boxes if _box(raw.get(b))), "")
        for box, field in EDUCATION_BOXES.items():
            v[field] = row.parse(box, n.parse_education) if _box(raw.get(box)) else ""
        self._party(row)
        v["work_start_date"] = self._month(row, "CanJiaGongZuoShiJian")
        for field in (*TEXT_BOXES.values(), *SCHOOL_BOXES, "name"):
            limit = Person._meta.get_field(field).max_length
            if len(v[field]) > limit:
                row.error(FIELD_BOX[field], f"最多{limit}个字，此项有{len(v[field])}个字", value=v[field][:40] + "…")
        v["family"] = self._family(row)
        try:
            lines = lrmx.parse_resume(raw.get("JianLi", ""))
            v["resume"] = [{"start_date": x.start, "end_date": x.end, "text": x.text} for x in lines]
        except lrmx.LrmxError as exc:
            row.error("JianLi", exc.reason, value=exc.value)
            v["resume"] = []
        too_long = [x for x in v["resume"] if len(x["text"]) > ResumeEntry._meta.get_field("text").max_length]
        if too_long:
            row.error("JianLi", f"有{len(too_long)}条经历超过200个字，请拆分", value=too_long[0]["text"][:40] + "…")
        v["has_photo"] = raw.get("has_photo", False)

    @staticmethod
    def _month(row: RowResult, box: str) -> datetime.date | None:
        try:
            return lrmx.parse_month(row.raw.get(box, ""), element=box)
        except lrmx.LrmxError as exc:
            row.error(box, exc.reason, value=exc.value)
            return None

    def _party(self, row: RowResult) -> None:
        """入党时间 holds a month for Party members, or — as the software allows — the person's
        political status in words (共青团员、群众、民盟 …)."""
        v, box = row.values, _box(row.raw.get("RuDangShiJian"))
        v["party_join_date"], v["political_status"] = None, ""
        if not box:
            return
        try:
            v["party_join_date"] = lrmx.parse_month(box, element="RuDangShiJian")
            return
        except lrmx.LrmxError:
            pass
        try:
            v["political_status"] = n.parse_political(box)
        except n.CellError:
            row.error("RuDangShiJian", "应为入党年月（如 200807）或政治面貌（如 共青团员、群众）")

    def _family(self, row: RowResult) -> list[dict]:
        out = []
        for i, item in enumerate(row.raw.get(lrmx.FAMILY) or [], start=1):
            member = {field: _box(item.get(tag)) for tag, field in FAMILY_KEYS.items()}
            try:
                member["birth_date"] = lrmx.parse_month(member["birth_date"], element="ChuShengRiQi")
            except lrmx.LrmxError as exc:
                row.error(lrmx.FAMILY, f"第{i}人（{member['name']}）的出生日期不是有效的年月（应写作 198503）", value=exc.value)
                member["birth_date"] = None
            for field in ("relation", "name", "political_status", "work_unit"):
                limit = FamilyMember._meta.get_field(field).max_length
                if len(member[field]) > limit:
                    label = FamilyMember._meta.get_field(field).verbose_name
                    row.error(lrmx.FAMILY, f"第{i}人的{label}最多{limit}个字", value=member[field][:40])
            for message in services.family_member_errors(member, today=core_dates.today()).values():
                row.error(lrmx.FAMILY, f"第{i}人：{message.rstrip('。')}", value=member["name"])
            out.append(member)
        return out

    # --- comparing with the register ------------------------------------------------------------

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        user = ctx["user"]
        seen: dict[str, str] = {}
        for row in rows:
            idn = row.values.get("id_number")
            if idn and idn in seen:
                row.error("ShenFenZheng", f"与文件「{seen[idn]}」是同一人，同一人请只上传一个文件")
            elif idn:
                seen[idn] = row.raw.get("file", "")
        people: dict[str, SimpleNamespace] = {}
        for chunk in _chunks(seen):
            fields = ("pk", "id_number", "photo", *PERSON_FIELDS)
            for values in Person.objects.filter(id_number__in=chunk).values(*fields):
                people[values["id_number"]] = SimpleNamespace(**values)
        ids = [p.pk for p in people.values()]
        hidden = services.out_of_scope(user, Person, ids)
        family: dict[int, list[dict]] = {}
        resume: dict[int, list[dict]] = {}
        for chunk in _chunks(ids):
            for m in (
                FamilyMember.objects.filter(person_id__in=chunk)
                .order_by("person_id", "sort", "id")
                .values("person_id", *services.dossier.FAMILY_FIELDS)
            ):
                family.setdefault(m.pop("person_id"), []).append(m)
            for e in (
                ResumeEntry.objects.filter(person_id__in=chunk)
                .order_by("person_id", "start_date", "id")
                .values("person_id", *services.dossier.RESUME_FIELDS)
            ):
                resume.setdefault(e.pop("person_id"), []).append(e)
        today = core_dates.today()
        for row in rows:
            v = row.values
            if row.errors or not v.get("id_number"):
                continue
            person = people.get(v["id_number"])
            if person is not None and person.pk in hidden:
                row.error("ShenFenZheng", rules.OTHER_TOWNSHIP_HIDDEN.rstrip("。"))
                continue
            if person is None:
                self._plan_new(row, ctx)
            else:
                self._plan_update(row, person)
            current_family = family.get(person.pk, []) if person else []
            current_resume = resume.get(person.pk, []) if person else []
            self._plan_family(row, current_family)
            self._plan_resume(row, current_resume, birth=v["_birth"], today=today)
            if v["has_photo"] and not (person and person.photo):
                row.warn(lrmx.PHOTO, "文件中的照片未导入，请在人员页面上传照片", value="（图片）")
            if person is None:
                row.status = NEW
            else:
                row.status = CHANGED if row.changes else UNCHANGED

    def _plan_new(self, row: RowResult, ctx: dict) -> None:
        v = row.values
        if v["party_join_date"] and not v["political_status"]:
            v["political_status"] = choices.PoliticalStatus.MEMBER
        elif not v["political_status"]:
            v["political_status"] = choices.PoliticalStatus.MASSES
            row.warn("RuDangShiJian", "未填写入党时间，按“群众”建档；如有误请在人员页面修改", value="")
        if ctx.get("township") is None:
            row.warn("ShenFenZheng", "新建档人员：上传时未选定乡镇(街道)，档案不属于任何乡镇，任职后才会显示在乡镇名单中")
        new = self.new_person(v, ctx)
        for field, message in services.person_check_new(new).items():
            row.error(FIELD_BOX.get(field, "XingMing"), message.rstrip("。"))
        row.plan["new_person"] = new

    def new_person(self, v: dict, ctx: dict) -> dict:
        """The new file as person_create_bulk takes it: a clerk's files belong to the clerk's
        township (the service sees to it), county staff's to the township chosen at upload."""
        township = ctx.get("township")
        return {
            "id_number": v["id_number"],
            "name": v["name"],
            "registered_township_id": township.pk if township is not None else None,
            **{f: v.get(f) for f in self.person_fields},
        }

    def _plan_update(self, row: RowResult, person: SimpleNamespace) -> None:
        v = row.values
        current = {f: getattr(person, f) for f in PERSON_FIELDS}
        wanted = {f: v.get(f) for f in UPDATABLE if v.get(f) not in (None, "")}
        if wanted.get("party_join_date") and current["political_status"] not in PARTY:
            wanted["political_status"] = choices.PoliticalStatus.MEMBER
        elif wanted.get("political_status") and wanted["political_status"] not in PARTY:
            wanted["party_join_date"] = None  # no longer (or never) a Party member: no join date
        elif wanted.get("political_status") in PARTY and current["political_status"] in PARTY:
            wanted.pop("political_status")  # "中共党员" written in words: the register knows 预备/正式
        updates = {}
        for field, value in wanted.items():
            old = current[field]
            if field in DATE_FIELDS and value is not None and lrmx.same_month(old, value):
                continue  # the file keeps the month only
            if old != value:
                updates[field] = value
        if updates:
            for field, message in services.person_check_update(current, updates, birth_date=v["_birth"]).items():
                row.error(FIELD_BOX.get(field, "XingMing"), message.rstrip("。"))
            row.changes += [str(Person._meta.get_field(f).verbose_name) for f in updates]
        row.plan["person"] = SimpleNamespace(pk=person.pk)
        row.plan["person_updates"] = updates

    def _plan_family(self, row: RowResult, current: list[dict]) -> None:
        wanted = row.values["family"]
        if not wanted:
            return  # a file without a family table leaves the register's as it is
        wanted = [dict(w) for w in wanted]
        for i, member in enumerate(wanted):
            if i < len(current) and lrmx.same_month(current[i]["birth_date"], member["birth_date"]):
                member["birth_date"] = current[i]["birth_date"]  # keep the day on file
        if wanted != current:
            row.plan["family"] = wanted
            row.changes.append(f"家庭成员（{len(wanted)}人）")

    def _plan_resume(self, row: RowResult, current: list[dict], *, birth, today) -> None:
        wanted = row.values["resume"]
        if not wanted:
            return
        wanted = sorted((dict(w) for w in wanted), key=lambda x: (x["start_date"], x["end_date"] is None))
        for i, line in enumerate(wanted):
            if i < len(current):
                for key in ("start_date", "end_date"):
                    if line[key] is not None and lrmx.same_month(current[i][key], line[key]):
                        line[key] = current[i][key]
        strict = services.resume_rows_errors(wanted, birth_date=birth, today=today)
        loose = services.resume_rows_errors(wanted, birth_date=birth, today=today, allow_overlap=True)
        for i, problems in loose.items():
            for message in problems.values():
                row.error("JianLi", f"第{i + 1}条：{message.rstrip('。')}", value=wanted[i]["text"][:40])
        for i in sorted(set(strict) - set(loose)):
            row.warn("JianLi", "时间与其他经历交叉（其间兼任或在职学习），照文件导入", value=wanted[i]["text"][:40])
        if wanted != current:
            row.plan["resume"] = wanted
            row.changes.append(f"简历（{len(wanted)}条）")

    # --- writing and undoing ------------------------------------------------------------------

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        """Write through the people and dossier services (which check every rule again)."""
        user = ctx["user"]
        reason = f"表格导入 #{batch.pk}" if batch else "表格导入"
        progress = ctx.get("progress") or (lambda done, total: None)
        watermark = {"person": Person.history.aggregate(m=Max("history_id"))["m"] or 0}
        new_rows = [row for row in rows if row.status == NEW]
        created = services.person_create_bulk(rows=[row.plan["new_person"] for row in new_rows], by=user, reason=reason)
        for row, pk in zip(new_rows, created, strict=True):
            row.plan["person_id"] = pk
        old_values = services.person_update_bulk(
            updates={row.plan["person"].pk: row.plan["person_updates"] for row in rows if row.plan.get("person_updates")},
            by=user,
            reason=reason,
        )
        progress(1, 3)
        dossier = [row for row in rows if row.plan.get("family") or row.plan.get("resume")]
        people = Person.objects.in_bulk([self._person_id(row) for row in dossier])
        family_before, resume_before = {}, {}
        for row in dossier:
            person = people[self._person_id(row)]
            if row.plan.get("family"):
                done = services.family_members_replace(person=person, rows=row.plan["family"], by=user, reason=reason)
                if row.status != NEW:
                    family_before[str(person.pk)] = _json_rows(done.previous)
            if row.plan.get("resume"):
                done = services.resume_replace(person=person, rows=row.plan["resume"], by=user, allow_overlap=True, reason=reason)
                if row.status != NEW:
                    resume_before[str(person.pk)] = _json_rows(done.previous)
        progress(3, 3)
        return {
            "watermark": watermark,
            "person_created": created,
            "person_updated": old_values,
            "family_before": family_before,
            "resume_before": resume_before,
            "dossier_after": {
                "family": FamilyMember.history.aggregate(m=Max("history_id"))["m"] or 0,
                "resume": ResumeEntry.history.aggregate(m=Max("history_id"))["m"] or 0,
            },
        }

    @staticmethod
    def _person_id(row: RowResult) -> int:
        return row.plan["person"].pk if row.plan.get("person") is not None else row.plan["person_id"]

    def rollback(self, batch, *, by) -> None:
        t = batch.touched
        after = t.get("dossier_after", {})
        reason = f"撤销表格导入 #{batch.pk}"
        parts = ((FamilyMember, "family", "家庭成员"), (ResumeEntry, "resume", "简历"))
        for model, part, label in parts:
            ids = [int(pk) for pk in t.get(f"{part}_before", {})]
            later = (
                model.history.filter(person_id__in=ids, history_id__gt=after.get(part, 0))
                .values_list("person__name", flat=True)
                .distinct()
            )
            names = sorted({name for name in later if name})
            if names:
                raise ValidationError({"status": f"导入后{'、'.join(names[:5])}的{label}又有修改，不能整体撤销。"})
        people = Person.objects.in_bulk([int(pk) for pk in (*t.get("family_before", {}), *t.get("resume_before", {}))])
        for pk, previous in t.get("family_before", {}).items():
            services.family_members_replace(person=people[int(pk)], rows=_unjson_rows(previous), by=by, reason=reason)
        for pk, previous in t.get("resume_before", {}).items():
            services.resume_replace(person=people[int(pk)], rows=_unjson_rows(previous), by=by, allow_overlap=True, reason=reason)
        _rollback_register(batch, by=by)
