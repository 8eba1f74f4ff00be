"""Sign-in sheet import (培训签到表, key "training_attendance") on the shared spreadsheet pipeline.

One row per person: the session code (printed on the sheet generated from the enrolment), the
person (ID number, or name within the village when unique), and one cell per day (√/出勤,
请假, ×/缺勤, 迟到/早退). Blank day cells change nothing. A person not yet on the roster is
added. Re-importing the same sheet finds nothing to change and writes nothing. A clerk's sheet
may only name people of the own township: any other row is rejected with its row number.
"""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.exceptions import ValidationError
from django.db.models import Count, Max

from cadres import normalize as n
from cadres.choices import SECRETARY
from cadres.models import Appointment, Person
from cadres.sheets import RegisterSheetMixin, _chunks
from core.imports.headers import Col
from core.imports.pipeline import CHANGED, NEW, UNCHANGED, RowResult, SheetType, register
from core.scope import scoped

from .choices import AttendanceStatus
from .models import Attendance, Enrollment, TrainingSession
from .services import MAX_SESSION_DAYS, _refresh, capacity_error

CN_NUMBERS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二", "十三", "十四", "十五"]

MARKS = {
    AttendanceStatus.PRESENT: ("出勤", "到", "已到", "签到", "已签到", "参加", "√", "✓", "✔", "☑", "1", "是", "到会"),
    AttendanceStatus.LEAVE: ("请假", "假", "事假", "病假", "公假", "请"),
    AttendanceStatus.ABSENT: ("缺勤", "缺", "缺席", "未到", "旷课", "×", "✗", "✘", "x", "X", "0", "否"),
    AttendanceStatus.LATE_EARLY: ("迟到早退", "迟到", "早退", "迟", "早", "迟到/早退", "迟到、早退"),
}
MARK_INDEX = {word: status for status, words in MARKS.items() for word in words}
MARK_LABELS = dict(AttendanceStatus.choices)


def parse_mark(value) -> str | None:
    if n.is_blank(value):
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(int(value)) if float(value).is_integer() else str(value)
    word = n.text(value).replace(" ", "")
    status = MARK_INDEX.get(word)
    if status is None:
        raise n.CellError("无法识别的考勤，可填：√/出勤、请假、×/缺勤、迟到/早退")
    return status


def day_key(i: int) -> str:
    return f"day{i}"


DAY_COLUMNS = [
    Col(
        day_key(i),
        f"第{i}天",
        (f"第{CN_NUMBERS[i - 1]}天", f"D{i}", f"Day{i}", f"第{i}天考勤", f"第{i}天签到"),
        example="√" if i < 3 else "",
        choices=("出勤", "请假", "缺勤", "迟到早退"),
        width=8,
    )
    for i in range(1, MAX_SESSION_DAYS + 1)
]

COLUMNS = [
    Col("seq", "序号", ("编号", "序"), width=6),
    Col(
        "session",
        "培训班编号",
        ("培训编号", "班次编号", "培训班次", "班次"),
        required=True,
        example="PX2025-001",
        help="签到表上印的编号。",
        width=12,
    ),
    Col("township", "乡镇(街道)", ("乡镇", "所属乡镇", "镇(街道)", "街道"), example="甲镇", width=10),
    Col("village", "村(社区)", ("村", "社区", "村名", "所在村", "单位", "所在村(社区)"), example="甲一村", width=12),
    Col("name", "姓名", ("名字", "学员姓名"), required=True, example="李建国", width=10),
    Col(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证", "证件号码"),
        example="43012219850312003X",
        text_format=True,
        width=21,
        help="有身份证号按号码匹配；没有时按“村(社区)+姓名”匹配，同村同名须填身份证号。",
    ),
    Col("post", "职务", ("现任职务", "村内职务"), width=12),
    *DAY_COLUMNS,
    Col("note", "备注", (), width=12),
]


@register
class AttendanceSheet(RegisterSheetMixin, SheetType):
    key = "training_attendance"
    label = "培训签到表（考勤）"
    app_label = "training"
    columns = COLUMNS
    ignore_keys = ("seq", "post", "note")
    instructions = [
        "每行一人；“培训班编号”照抄签到表上的编号（如 PX2025-001），同一文件可包含多个培训班。",
        "按身份证号匹配人员；未填身份证号时按“村(社区)+姓名”匹配，本村有同名人员时必须填写身份证号，否则该行报错。",
        "第1天、第2天……对应培训班安排的第几天（不计“不安排”的日期，如周末）：出勤填“√”或“出勤”，请假填“请假”，缺勤填“×”或“缺勤”，迟到或早退填“迟到早退”；空白表示不修改。",
        "学时按当年政策配置折算（全天、半天），缺勤或迟到早退达到规定次数的不发结业证书。",
        "乡镇组织委员只能导入本乡镇人员的考勤，表中有其他乡镇人员的，该行报错，整个文件不导入。",
        "同一文件重复导入不会产生任何变化。",
    ]

    def reads_models(self) -> list:
        return [*super().reads_models(), TrainingSession, Enrollment, Attendance]

    def context(self, *, user, township) -> dict:
        ctx = super().context(user=user, township=township)
        ctx["sessions"] = {s.code.upper(): s for s in scoped(user, TrainingSession)}
        return ctx

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        v = row.values
        code = n.text(row.raw.get("session")).upper().replace(" ", "")
        session = ctx["sessions"].get(code)
        if not code:
            row.error("session", "培训班编号不能为空")
        elif session is None:
            row.error("session", "没有这个培训班，或不在您的数据范围内")
        v["session"] = session
        v["name"] = n.text(row.raw.get("name"))
        if not v["name"]:
            row.error("name", "姓名不能为空")
        v["id_number"] = row.parse("id_number", n.id_number_cell) if not n.is_blank(row.raw.get("id_number")) else ""
        v["village"] = None
        if not n.is_blank(row.raw.get("village")):
            v["village"] = self.resolve_village(row, ctx)
        elif not v["id_number"] and "id_number" not in {e.key for e in row.errors}:
            row.error("village", "未填身份证号时须填写村(社区)，以便按姓名匹配")
        marks = {}
        ndays = len(session.days()) if session else MAX_SESSION_DAYS
        for i in range(1, MAX_SESSION_DAYS + 1):
            status = row.parse(day_key(i), parse_mark)
            if status is None:
                continue
            if i > ndays:
                row.error(day_key(i), f"该培训班只有{ndays}天")
                continue
            marks[i] = status
        v["marks"] = marks
        v["note"] = n.text(row.raw.get("note"))[:200]

    def _match(self, rows: list[RowResult], ctx: dict) -> None:
        """Sets values["person_id"] (or an error naming the row)."""
        user = ctx["user"]
        ids = {r.values["id_number"] for r in rows if r.values.get("id_number") and not r.errors}
        in_scope: dict[str, tuple[int, str]] = {}
        for chunk in _chunks(ids):
            for pk, idn, name in scoped(user, Person).filter(id_number__in=chunk).values_list("pk", "id_number", "name"):
                in_scope[idn] = (pk, name)
        by_name_rows = [r for r in rows if not r.values.get("id_number") and r.values.get("village") and not r.errors]
        village_people: dict[tuple[int, str], set[int]] = defaultdict(set)
        if by_name_rows:
            villages = {r.values["village"].pk for r in by_name_rows}
            names = {r.values["name"] for r in by_name_rows}
            sessions = {r.values["session"].pk for r in by_name_rows}
            for village_id, name, pk in (
                scoped(user, Appointment)
                .current()
                .filter(village_id__in=villages, person__name__in=names)
                .values_list("village_id", "person__name", "person_id")
            ):
                village_people[(village_id, name)].add(pk)
            for village_id, name, pk in (
                scoped(user, Enrollment)
                .filter(session_id__in=sessions, village_id__in=villages, person__name__in=names)
                .values_list("village_id", "person__name", "person_id")
            ):
                village_people[(village_id, name)].add(pk)
        for r in rows:
            v = r.values
            if r.errors or v.get("session") is None:
                continue
            if v["id_number"]:
                found = in_scope.get(v["id_number"])
                if found is None:
                    where = f"{ctx['township'].name}" if ctx.get("township") else "您的数据范围"
                    r.error("id_number", f"此人不在{where}内（或尚未建档），不能导入其考勤")
                    continue
                v["person_id"] = found[0]
                if v["name"] and n.text(found[1]) != v["name"]:
                    r.warn("name", f"与系统中该身份证号的姓名“{found[1]}”不一致，以身份证号为准")
            else:
                candidates = village_people.get((v["village"].pk, v["name"]), set())
                if not candidates:
                    r.error("name", f"{v['village'].name}没有名为“{v['name']}”的现任人员，请填写身份证号")
                elif len(candidates) > 1:
                    r.error("name", f"{v['village'].name}有{len(candidates)}名同名人员“{v['name']}”，请填写身份证号区分")
                else:
                    v["person_id"] = next(iter(candidates))

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        user = ctx["user"]
        self._match(rows, ctx)
        seen: dict[tuple[int, int], int] = {}
        for r in rows:
            if r.errors or "person_id" not in r.values:
                continue
            key = (r.values["session"].pk, r.values["person_id"])
            if key in seen:
                r.error("name", f"与第{seen[key]}行是同一培训班的同一人")
            else:
                seen[key] = r.number
        keys = list(seen)
        session_ids = {s for s, _ in keys}
        person_ids = {p for _, p in keys}
        enrolled: dict[tuple[int, int], tuple[int, int]] = {}
        for chunk in _chunks(person_ids):
            for pk, session_id, person_id, township_id in Enrollment.objects.filter(
                session_id__in=session_ids, person_id__in=chunk
            ).values_list("pk", "session_id", "person_id", "township_id"):
                enrolled[(session_id, person_id)] = (pk, township_id)
        marks: dict[int, dict] = defaultdict(dict)
        for chunk in _chunks([e[0] for e in enrolled.values()]):
            for pk, enrollment_id, day, status in Attendance.objects.filter(enrollment_id__in=chunk).values_list(
                "pk", "enrollment_id", "date", "status"
            ):
                marks[enrollment_id][day] = (pk, status)
        # Walk-ins take seats: the same capacity rule as enrolling from the session page.
        seats_taken = dict(
            Enrollment.objects.filter(session_id__in=session_ids)
            .order_by()
            .values("session_id")
            .annotate(n=Count("id"))
            .values_list("session_id", "n")
        )
        # Home village of people not yet on a roster (for the new enrolment's township).
        homes: dict[int, tuple[int, int, str]] = {}
        missing = {p for (s, p) in keys if (s, p) not in enrolled}
        for chunk in _chunks(missing):
            for person_id, village_id, township_id, post, post_name in (
                Appointment.objects.current()
                .filter(person_id__in=chunk)
                .order_by("person_id", "pk")
                .values_list("person_id", "village_id", "village__township_id", "post", "post_name")
            ):
                if person_id not in homes or post == SECRETARY:
                    homes[person_id] = (village_id, township_id, post_name)
        for r in rows:
            v = r.values
            if r.errors or "person_id" not in v:
                continue
            session = v["session"]
            days = [d for d, _ in session.days()]
            key = (session.pk, v["person_id"])
            existing = enrolled.get(key)
            if existing and user.is_clerk and existing[1] != user.township_id:
                r.error("name", "此人在该培训班中由其他乡镇报名，不能导入其考勤")
                continue
            if session.township_id and user.is_clerk and session.township_id != user.township_id:
                r.error("session", "不能导入其他乡镇培训班的考勤")
                continue
            changes, updates, creates = [], {}, {}
            current = marks.get(existing[0], {}) if existing else {}
            for i, status in sorted(v["marks"].items()):
                day = days[i - 1]
                old = current.get(day)
                if old is None:
                    creates[day.isoformat()] = status
                    changes.append(f"第{i}天：{MARK_LABELS[status]}")
                elif old[1] != status:
                    updates[str(old[0])] = status
                    changes.append(f"第{i}天：{MARK_LABELS[old[1]]}→{MARK_LABELS[status]}")
            plan = {"session_id": session.pk, "person_id": v["person_id"], "creates": creates, "updates": updates}
            if existing:
                plan["enrollment_id"] = existing[0]
                r.status = CHANGED if changes else UNCHANGED
            else:
                if v.get("village") is not None:
                    village_id, township_id, post_name = (
                        v["village"].pk,
                        v["village"].township_id,
                        homes.get(v["person_id"], ("", "", ""))[2],
                    )
                elif v["person_id"] in homes:
                    village_id, township_id, post_name = homes[v["person_id"]]
                else:
                    r.error("village", "此人没有现任职务，请填写村(社区)")
                    continue
                if user.is_clerk and township_id != user.township_id:
                    r.error("village", "只能导入本乡镇人员的考勤")
                    continue
                full = capacity_error(session.capacity, enrolled=seats_taken.get(session.pk, 0))
                if full:
                    r.error("name", f"不在报名名单中，{full.rstrip('。')}，不能加入名单")
                    continue
                seats_taken[session.pk] = seats_taken.get(session.pk, 0) + 1
                plan.update(village_id=village_id, township_id=township_id, post_name=post_name)
                r.status = NEW
                r.warn("name", "不在该培训班报名名单中，导入后将加入名单")
                changes.insert(0, "加入培训名单")
            r.changes = changes
            r.plan = plan

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        from simple_history.utils import bulk_create_with_history, bulk_update_with_history

        user = ctx["user"]
        reason = f"表格导入 #{batch.pk}"
        touched = {
            "watermark": {
                "enrollment": Enrollment.history.aggregate(m=Max("history_id"))["m"] or 0,
                "attendance": Attendance.history.aggregate(m=Max("history_id"))["m"] or 0,
            },
            "enrollment_created": [],
            "attendance_created": [],
            "attendance_updated": {},
        }
        planned = [r for r in rows if r.status in (NEW, CHANGED) and r.plan]
        new_enrollments = [
            Enrollment(
                session_id=r.plan["session_id"],
                person_id=r.plan["person_id"],
                township_id=r.plan["township_id"],
                village_id=r.plan["village_id"],
                post_name=(r.plan["post_name"] or "")[:60],
                created_by=user,
            )
            for r in planned
            if "enrollment_id" not in r.plan
        ]
        if new_enrollments:
            bulk_create_with_history(new_enrollments, Enrollment, default_user=user, default_change_reason=reason)
            wanted = {(e.session_id, e.person_id) for e in new_enrollments}
            created = {
                (s, p): pk
                for pk, s, p in Enrollment.objects.filter(
                    session_id__in={s for s, _ in wanted}, person_id__in={p for _, p in wanted}
                ).values_list("pk", "session_id", "person_id")
                if (s, p) in wanted
            }
            touched["enrollment_created"] = sorted(created.values())
            for r in planned:
                r.plan.setdefault("enrollment_id", created[(r.plan["session_id"], r.plan["person_id"])])
        creates = [
            Attendance(
                enrollment_id=r.plan["enrollment_id"], date=datetime.date.fromisoformat(day), status=status, recorded_by=user
            )
            for r in planned
            for day, status in r.plan["creates"].items()
        ]
        if creates:
            bulk_create_with_history(creates, Attendance, default_user=user, default_change_reason=reason)
        updates = {int(pk): status for r in planned for pk, status in r.plan["updates"].items()}
        if updates:
            objs = list(Attendance.objects.filter(pk__in=list(updates)))
            touched["attendance_updated"] = {str(a.pk): a.status for a in objs}
            for a in objs:
                a.status, a.recorded_by = updates[a.pk], user
            bulk_update_with_history(objs, Attendance, ["status", "recorded_by"], default_user=user, default_change_reason=reason)
        enrollment_ids = {r.plan["enrollment_id"] for r in planned}
        if creates:
            wanted_days = {(a.enrollment_id, a.date) for a in creates}
            touched["attendance_created"] = [
                pk
                for pk, enrollment_id, day in Attendance.objects.filter(
                    enrollment_id__in={e for e, _ in wanted_days}
                ).values_list("pk", "enrollment_id", "date")
                if (enrollment_id, day) in wanted_days
            ]
        _refresh(list(Enrollment.objects.filter(pk__in=enrollment_ids).select_related("session")), by=user, reason=reason)
        return touched

    def rollback(self, batch, *, by) -> None:
        t = batch.touched
        wm = t.get("watermark", {})
        reason = f"表格导入 #{batch.pk}"
        created_enrollments = t.get("enrollment_created", [])
        attendance_ids = [*t.get("attendance_created", []), *map(int, t.get("attendance_updated", {}))]
        later = (
            Attendance.history.filter(id__in=attendance_ids, history_id__gt=wm.get("attendance", 0))
            .exclude(history_change_reason=reason)
            .values_list("id", flat=True)
            .distinct()
        )
        if later:
            raise ValidationError({"status": f"导入后已有{len(later)}条考勤被再次修改，不能整体撤销。"})
        undo = f"撤销表格导入 #{batch.pk}"
        affected = set(Attendance.objects.filter(pk__in=attendance_ids).values_list("enrollment_id", flat=True)) | set(
            created_enrollments
        )
        for a in Attendance.objects.filter(pk__in=t.get("attendance_created", [])):
            a._history_user, a._change_reason = by, undo
            a.delete()
        for pk, old in t.get("attendance_updated", {}).items():
            a = Attendance.objects.get(pk=int(pk))
            a.status = old
            a._history_user, a._change_reason = by, undo
            a.save(update_fields=["status"])
        for e in Enrollment.objects.filter(pk__in=created_enrollments):
            if e.attendance.exists():
                raise ValidationError({"status": f"{e.person}已有其他考勤记录，不能整体撤销。"})
            e._history_user, e._change_reason = by, undo
            e.delete()
        _refresh(
            list(Enrollment.objects.filter(pk__in=affected - set(created_enrollments)).select_related("session")),
            by=by,
            reason=undo,
        )
