"""The register's sheet types, part 1: the shared identity columns and the 两委成员花名册 (people and
posts), with the register's rollback guard."""

from __future__ import annotations

import datetime
import functools
import re
from collections import defaultdict
from types import SimpleNamespace

from django.db.models import Max
from django.utils import timezone

from cadres import normalize as n
from core import dates as core_dates
from core.expressions import among
from core.imports.batches import step_progress
from core.imports.headers import Col
from core.imports.pipeline import CHANGED, NEW, UNCHANGED, RowResult, SheetType, register
from core.imports.references import later_references
from core.policy import policy_for_year
from core.scope import scoped

from .. import choices, rules, services
from ..idcard import birth_and_sex
from ..models import Appointment, FirstSecretary, Person, Township, Village
from ..services import PERSON_FIELDS

CHUNK = 900
_START_SPLIT = re.compile(r"[、，,;；\s]+")

PERSON_COLUMNS = [
    Col("seq", "序号", ("编号", "序"), width=6),
    Col(
        "township",
        "乡镇(街道)",
        ("乡镇", "镇(街道)", "所属乡镇", "乡镇名称", "镇街", "乡镇街道", "街道"),
        example="甲镇",
        help="乡镇组织委员可留空，默认为本乡镇。",
        needed="导入时未选定乡镇(街道)，每行须写明所属乡镇(街道)",
    ),
    Col(
        "village",
        "村(社区)",
        ("村", "社区", "村名", "村(社区)名称", "所在村", "所在村(社区)", "村社区", "村居"),
        required=True,
        example="甲一村",
        width=14,
    ),
    Col("name", "姓名", ("名字",), required=True, example="李建国", width=10),
    Col("sex", "性别", (), example="男", choices=("男", "女"), width=6),
    Col("ethnicity", "民族", (), example="汉族", choices=tuple(sorted(choices.ETHNICITY_NAMES)), width=8),
    Col("birth_date", "出生年月", ("出生日期", "出生年月日", "出生时间", "生日"), example="1985.03", width=10),
    Col(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证", "身份证件号码", "公民身份证号码", "证件号码"),
        required=True,
        example="43012219850312003X",
        text_format=True,
        width=21,
        help="必须为文本格式的18位号码。",
    ),
    Col("native_place", "籍贯", ("籍贯(出生地)",), example="湖南长沙", width=10),
    Col(
        "political_status",
        "政治面貌",
        ("政治面目",),
        example="中共党员",
        choices=("中共党员", "中共预备党员", "共青团员", "民主党派", "群众"),
        width=10,
    ),
    Col("party_join_date", "入党时间", ("入党年月", "入党日期"), example="2008.07", width=10),
    Col("work_start_date", "参加工作时间", ("工作时间", "参加工作年月"), example="2003.09", width=10),
    Col(
        "education_fulltime",
        "全日制学历",
        ("学历全日制", "全日制教育", "全日制教育学历", "学历", "文化程度", "最高学历"),
        example="高中",
        choices=tuple(c.label for c in choices.Education),
        width=10,
    ),
    Col(
        "education_inservice",
        "在职学历",
        ("学历在职", "在职教育", "在职教育学历"),
        example="大专",
        choices=tuple(c.label for c in choices.Education),
        width=10,
    ),
    Col("school_major", "毕业院校及专业", ("毕业院校", "毕业学校及专业", "毕业院校系及专业", "全日制毕业院校及专业"), width=20),
    # The 干部任免审批表's identity boxes (optional)
    Col("degree_fulltime", "全日制学位", ("全日制教育学位",), example="农学学士", width=10),
    Col("school_major_inservice", "在职教育毕业院校及专业", ("在职毕业院校及专业", "在职教育毕业院校系及专业"), width=20),
    Col("degree_inservice", "在职学位", ("在职教育学位",), width=10),
    Col("birthplace", "出生地", (), example="湖南宁乡", width=10),
    Col("health", "健康状况", ("健康",), example="健康", width=8),
    Col("professional_title", "专业技术职务", ("职称", "专业技术职称"), example="农艺师", width=12),
    Col("specialty", "熟悉专业有何专长", ("专长", "熟悉专业及专长"), example="水稻种植", width=16),
    Col(
        "posts",
        "现任职务",
        ("职务", "担任职务", "任职情况", "现任职务(多个用顿号分隔)", "村内职务"),
        required=True,
        example="书记、主任",
        width=16,
        help="多个职务用顿号分隔，如“书记、主任”。",
    ),
    Col(
        "start_date",
        "任职时间",
        ("任现职时间", "现任职务时间", "任职年月", "任现职年月", "任职日期"),
        example="2021.04",
        width=10,
        needed="填了现任职务的人员须填写任职时间",
    ),
    Col("cohort", "换届届次", ("届次", "换届年份"), example=2021, width=8),
    Col("one_shoulder", "是否一肩挑", ("一肩挑",), example="是", choices=("是", "否"), width=8),
    Col("cross_post", "是否交叉任职", ("交叉任职",), example="是", choices=("是", "否"), width=8),
    Col("is_veteran", "是否退役军人", ("退役军人",), example="否", choices=("是", "否"), width=8),
    Col("is_returned_graduate", "是否返乡大学生", ("返乡大学生", "是否大学生村官"), example="否", choices=("是", "否"), width=8),
    Col(
        "phone", "联系电话", ("手机号码", "手机号", "电话", "联系方式", "手机"), example="13807310001", text_format=True, width=13
    ),
    Col("note", "备注", (), width=16),
]

# Where the services' field-keyed messages appear in the sheet.
PERSON_ERROR_COLUMNS = {"political_status": "political_status", "party_join_date": "party_join_date", "ethnicity": "ethnicity"}
POST_ERROR_COLUMNS = {"start_date": "start_date", "post": "posts", "qualification_review": "posts", "person": "id_number"}

# The 干部任免审批表's identity boxes: optional text columns, written like 毕业院校及专业.
DOSSIER_TEXTS = [
    "degree_fulltime",
    "school_major_inservice",
    "degree_inservice",
    "birthplace",
    "health",
    "professional_title",
    "specialty",
]

UPDATABLE = [
    "name",
    "ethnicity",
    "native_place",
    "political_status",
    "party_join_date",
    "work_start_date",
    "education_fulltime",
    "education_inservice",
    "school_major",
    *DOSSIER_TEXTS,
    "phone",
    "is_veteran",
    "is_returned_graduate",
]


def identity_parsers(today: datetime.date) -> dict:
    """姓名、身份证号、性别、民族、出生年月 as one-cell columns (SheetType.cell_parsers), shared by
    every sheet that names people; check_identity does the rest. ``today``: the import's date,
    read once."""
    return {
        "name": n.text,
        "id_number": functools.partial(n.id_number_cell, today=today),
        "sex": n.parse_sex,
        "ethnicity": n.parse_ethnicity,
        "birth_date": n.parse_date,
    }


def check_identity(row: RowResult) -> None:
    """The identity columns together (cleaned by identity_parsers): 姓名 is required, and the ID
    number decides birth date and sex (``_birth``/``_sex``); a different sex or birth month
    written in the sheet is a warning, never an error (DOMAIN §10)."""
    v = row.values
    if not v["name"]:
        row.error("name", "姓名不能为空")
    v["_birth"] = v["_sex"] = None
    if v["id_number"]:
        birth, sex = birth_and_sex(v["id_number"])
        if v["sex"] and v["sex"] != sex:
            row.warn("sex", f"与身份证号不一致（身份证号为{choices.Sex(sex).label}），以身份证号为准")
        if v["birth_date"] and (v["birth_date"].year, v["birth_date"].month) != (birth.year, birth.month):
            row.warn("birth_date", f"与身份证号不一致（身份证号为{birth:%Y.%m}），以身份证号为准")
        v["_birth"], v["_sex"] = birth, sex


def _chunks(items, size=CHUNK):
    items = list(items)
    for i in range(0, len(items), size):
        yield items[i : i + size]


class RegisterSheetMixin:
    """Shared lookups for register sheets: townships and villages within the user's scope, and
    a new person's file as the people service takes it."""

    # Cells of a new person's file besides 身份证号 and 姓名 (blank cells get the service's defaults).
    person_fields: tuple[str, ...] = ("ethnicity", "political_status", "education_fulltime", "phone")
    registers_in_township = True  # a township's sheet registers the person there

    def person_row(self, v: dict) -> dict:
        return {
            "id_number": v["id_number"],
            "name": v["name"],
            "registered_township_id": v["village"].township_id if self.registers_in_township else None,
            **{f: v.get(f) for f in self.person_fields},
        }

    def context(self, *, user, township) -> dict:
        townships = list(scoped(user, Township))
        if user.is_clerk:
            township = user.township
        by_name = {}
        for t in townships:
            by_name[n.text(t.name)] = t
            by_name[t.code] = t
        villages = defaultdict(dict)
        for v in scoped(user, Village).select_related("township"):
            key = n.text(v.name)
            villages[v.township_id][key] = v
            for suffix in ("村", "社区", "居委会"):
                if key.endswith(suffix) and len(key) > len(suffix) + 1:
                    villages[v.township_id].setdefault(key[: -len(suffix)], v)
        return {"user": user, "township": township, "townships": by_name, "villages": villages, "today": core_dates.today()}

    def resolve_village(self, row: RowResult, ctx: dict) -> Village | None:
        """The row's 村(社区) from its 乡镇 and 村 cells (the import's township when 乡镇 is blank),
        worked out once per distinct pair of cells (a roster names a few hundred villages over
        thousands of rows); a problem is the row's error on the column it lies in."""
        t_cell, v_cell = row.raw.get("township"), row.raw.get("village")
        memo = ctx.setdefault("village_cells", {})
        key = (t_cell.__class__, t_cell, v_cell.__class__, v_cell)
        try:
            found = memo.get(key)
        except TypeError:  # an unhashable cell
            key, found = None, None
        if found is None:
            found = self._village_of(t_cell, v_cell, ctx)
            if key is not None:
                memo[key] = found
        village, problem = found
        if problem is not None:
            row.error(*problem)
        return village

    @staticmethod
    def _village_of(t_cell, v_cell, ctx: dict) -> tuple[Village | None, tuple[str, str] | None]:
        township = ctx["township"]
        t_raw = n.text(t_cell)
        if t_raw:
            t = ctx["townships"].get(t_raw) or ctx["townships"].get(t_raw + "镇") or ctx["townships"].get(t_raw + "乡")
            if t is None:
                return None, ("township", "不是本系统中的乡镇(街道)，或不在您的数据范围内")
            if township is not None and t.pk != township.pk:
                return None, ("township", f"本次导入只能导入{township.name}的数据")
            township = t
        if township is None:
            return None, ("township", "请填写乡镇(街道)")
        v_raw = n.text(v_cell)
        if not v_raw:
            return None, ("village", "未填写村(社区)，请填写所在村(社区)的名称")
        village = ctx["villages"].get(township.pk, {}).get(v_raw)
        if village is None:
            return None, ("village", f"{township.name}没有这个村(社区)，请核对名称")
        return village, None


@register
class CadreRosterSheet(RegisterSheetMixin, SheetType):
    key = "cadres"
    person_fields = tuple(f for f in UPDATABLE if f != "name")
    text_fields = {
        "name": "cadres.Person.name",
        "native_place": "cadres.Person.native_place",
        "school_major": "cadres.Person.school_major",
        **{f: f"cadres.Person.{f}" for f in DOSSIER_TEXTS},
    }
    label = "村“两委”成员花名册"
    app_label = "cadres"
    permission = "cadres.add_person"
    columns = PERSON_COLUMNS
    instructions = [
        "每行一人；一人兼任多个职务时在“现任职务”中用顿号分隔（如“书记、主任”），不要拆成两行。",
        "身份证号列必须是文本格式（本模板已设置）。如果表格显示为 4.30122E+17，说明号码已被 Excel 截断，请重新录入。",
        "日期可写成 1985.03、1985-03-12、1985年3月；不要写成数字 1985.1（无法区分1月和10月）。",
        "村党组织书记的任职导入后为“待备案”，须经资格联审、乡镇审核、县级备案后生效；其他职务导入后即为在任。",
        "空白单元格不会清除系统中已有的信息；导入前会先预览每一行的新增、修改和错误，确认无误后才写入。",
        "乡镇组织委员只能导入本乡镇的人员；“乡镇(街道)”列可留空。",
    ]

    def context(self, *, user, township) -> dict:
        ctx = super().context(user=user, township=township)
        posts = policy_for_year(ctx["today"].year).section("register")["posts"]
        ctx["posts"] = {p["code"]: p for p in posts}
        ctx["post_aliases"] = n.post_aliases(posts)
        return ctx

    def cell_parsers(self, ctx: dict) -> dict:
        return {
            **identity_parsers(ctx["today"]),
            "native_place": n.text,
            "political_status": n.parse_political,
            "party_join_date": n.parse_date,
            "work_start_date": n.parse_date,
            "education_fulltime": n.parse_education,
            "education_inservice": n.parse_education,
            "school_major": n.text,
            **dict.fromkeys(DOSSIER_TEXTS, n.text),
            "phone": n.parse_phone,
            "is_veteran": n.optional(n.parse_bool),
            "is_returned_graduate": n.optional(n.parse_bool),
            "cohort": functools.partial(n.parse_int, lo=1990, hi=2100),
            "posts": functools.partial(n.parse_posts, aliases=ctx["post_aliases"]),
            "one_shoulder": n.optional(n.parse_bool),
        }

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        v = row.values
        v["village"] = self.resolve_village(row, ctx)
        check_identity(row)
        v["posts"] = v["posts"] or []
        if not v["posts"] and "posts" not in {e.key for e in row.errors}:
            row.error("posts", "现任职务不能为空")
        self.clean_start_dates(row)
        if v["posts"] and v["start_date"] is None and "start_date" not in {e.key for e in row.errors}:
            row.error("start_date", "已填写现任职务，须填写任职时间（如 2021.04）")
        if warning := rules.one_shoulder_warning(claimed=v.pop("one_shoulder"), posts=v["posts"]):
            row.warn("one_shoulder", warning)

    @staticmethod
    def clean_start_dates(row: RowResult) -> None:
        """任职时间: one date for every post of the row, or one per post in the order of 现任职务
        ("2021.04、2018.03" with "书记、主任", as the roster export writes posts begun on different
        dates). ``start_date`` is the earliest; ``post_starts`` maps post code → its date."""
        v = row.values
        raw = row.raw.get("start_date")
        parts = _START_SPLIT.split(str(raw).strip()) if isinstance(raw, str) else [raw]
        parts = [p for p in parts if p]
        v["post_starts"] = {}
        if len(parts) <= 1:
            v["start_date"] = row.parse("start_date", n.parse_date)
            return
        v["start_date"] = None
        dates = []
        for part in parts:
            try:
                dates.append(n.parse_date(part))
            except n.CellError as exc:
                row.error("start_date", f"{part}：{exc}")
                return
        if len(dates) != len(v["posts"]):
            row.error("start_date", f"写了{len(dates)}个任职时间，但现任职务有{len(v['posts'])}个，请一一对应或只写一个")
            return
        v["post_starts"] = dict(zip(v["posts"], dates, strict=True))
        v["start_date"] = min(dates)

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        """Compare with the register and run the services' rules on every row: person fields,
        each new post, each corrected start date, and — for a township clerk — people on file
        outside the clerk's scope. The new posts' verdicts are kept in the plan and written by
        the apply: a plan is only applied as made against the database as it is then (the frame
        plans again inside the apply transaction when anything it read has changed)."""
        user = ctx["user"]
        today = core_dates.today()
        seen: dict[str, int] = {}
        for row in rows:
            idn = row.values.get("id_number")
            if not idn:
                continue
            if idn in seen:
                row.error("id_number", f"与第{seen[idn]}行是同一人，同一人请只填一行（多个职务用顿号分隔）")
            else:
                seen[idn] = row.number
        # Plain tuples, not model instances: a 10,000-row re-upload compares 10,000 people and
        # their posts, and instantiating models was most of its time.
        people: dict[str, SimpleNamespace] = {}
        for qs in among(Person.objects.values("pk", "id_number", *PERSON_FIELDS), "id_number", seen):
            for values in qs:
                people[values["id_number"]] = SimpleNamespace(**values)
        hidden = services.out_of_scope(user, Person, [p.pk for p in people.values()])
        open_appts: dict[int, list[SimpleNamespace]] = defaultdict(list)
        open_now = (
            Appointment.objects.filter(end_date__isnull=True)
            .exclude(status=choices.FilingStatus.REJECTED)
            .values("pk", "person_id", "village_id", "post", "post_name", "start_date")
        )
        for qs in among(open_now, "person_id", (p.pk for p in people.values())):
            for values in qs:
                open_appts[values["person_id"]].append(SimpleNamespace(**values))
        village_ids = {r.values["village"].pk for r in rows if r.values.get("village")}
        current_principal: dict[tuple[int, str], list[tuple[int, str]]] = defaultdict(list)
        principals = (
            Appointment.objects.current()
            .filter(post__in=[choices.SECRETARY, choices.CHAIR])
            .values_list("village_id", "post", "person_id", "person__name")
        )
        for qs in among(principals, "village_id", village_ids):
            for village_id, post, person_id, name in qs:
                current_principal[(village_id, post)].append((person_id, name))

        new_posts: list[tuple[RowResult, services.NewPost]] = []
        for row in rows:
            v = row.values
            village = v.get("village")
            if row.errors or not village:
                continue
            person = people.get(v["id_number"])
            if person is not None and person.pk in hidden:
                row.error("id_number", rules.OTHER_TOWNSHIP_HIDDEN.rstrip("。"))
                continue
            changes = []
            if person is None:
                problems = services.person_check_new(self.person_row(v), today=today)
            else:
                current = {f: getattr(person, f) for f in PERSON_FIELDS}
                updates = {f: v[f] for f in UPDATABLE if v.get(f) not in (None, "") and current[f] != v[f]}
                changes += [str(Person._meta.get_field(f).verbose_name) for f in updates]
                row.plan["person_updates"] = updates
                problems = services.person_check_update(current, updates, birth_date=v["_birth"]) if updates else {}
            for field, message in problems.items():
                row.error(PERSON_ERROR_COLUMNS.get(field, field), message.rstrip("。"))
            row.plan["person"] = SimpleNamespace(pk=person.pk) if person is not None else None  # apply needs the pk only
            adding, changed_posts = [], []
            existing = {(a.village_id, a.post): a for a in open_appts.get(person.pk, [])} if person else {}
            for code in v["posts"]:
                start = v["post_starts"].get(code, v["start_date"])
                appt = existing.get((village.pk, code))
                if appt is None:
                    adding.append(code)
                    new_posts.append((row, self.new_post(v, code, person_id=person.pk if person else None)))
                    post_name = ctx["posts"][code]["name"]
                    for holder_id, holder_name in current_principal.get((village.pk, code), []):
                        if person is None or holder_id != person.pk:
                            row.warn("posts", f"{village.name}现任{post_name}为{holder_name}，如已离任请办理离任")
                elif start and appt.start_date != start:
                    for message in services.appointment_start_errors(birth_date=v["_birth"], start_date=start).values():
                        row.error("start_date", message.rstrip("。"))
                    changed_posts.append(appt)
                    changes.append(f"{appt.post_name}任职时间")
            row.plan["new_posts"] = adding
            row.plan["changed_posts"] = changed_posts
            if adding:
                changes.append("新增职务：" + "、".join(ctx["posts"][c]["name"] for c in adding))
            row.changes = changes
            row.status = NEW if person is None else (CHANGED if changes else UNCHANGED)

        checked = services.appointment_check_bulk(by=user, posts=[post for _row, post in new_posts])
        for (row, _post), verdict in zip(new_posts, checked, strict=True):
            row.plan.setdefault("checked", []).append(verdict)  # the apply writes by these verdicts
            for field, message in verdict.errors.items():
                if not any(e.reason == message.rstrip("。") for e in row.errors):  # 书记、主任: said once
                    row.error(POST_ERROR_COLUMNS.get(field, "posts"), message.rstrip("。"))
            for field, message in verdict.warnings.items():
                if not any(w.reason == message.rstrip("。") for w in row.warnings):
                    row.warn(POST_ERROR_COLUMNS.get(field, "posts"), message.rstrip("。"))
            if not verdict.errors and verdict.status == choices.FilingStatus.DRAFT:
                row.warn("posts", f"{verdict.post_name}任职导入后为待备案，须经资格联审和县级备案后生效")

    @staticmethod
    def new_post(v: dict, code: str, *, person_id: int | None) -> services.NewPost:
        return services.NewPost(
            person_id=person_id,
            birth_date=v["_birth"],
            village_id=v["village"].pk,
            township_id=v["village"].township_id,
            post=code,
            start_date=v["post_starts"].get(code, v["start_date"]),
            cohort=v["cohort"],
        )

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        """Write through the register's bulk services: the people's rules are checked again
        there, the new posts are written by the plan's verdicts (see plan)."""
        user = ctx["user"]
        reason = f"表格导入 #{batch.pk}" if batch else "表格导入"
        watermark = {
            "person": Person.history.aggregate(m=Max("history_id"))["m"] or 0,
            "appointment": Appointment.history.aggregate(m=Max("history_id"))["m"] or 0,
        }
        progress = ctx.get("progress") or (lambda done, total: None)
        new_rows = [row for row in rows if row.plan.get("person") is None and row.status == NEW]
        new_person_ids = services.person_create_bulk(
            rows=[self.person_row(row.values) for row in new_rows], by=user, reason=reason
        )
        progress(1, 4)
        for row, pk in zip(new_rows, new_person_ids, strict=True):
            row.plan["person_id"] = pk
        old_values = services.person_update_bulk(
            updates={row.plan["person"].pk: row.plan["person_updates"] for row in rows if row.plan.get("person_updates")},
            by=user,
            reason=reason,
        )
        progress(2, 4)
        posts, verdicts, new_start = [], [], {}
        for row in rows:
            v = row.values
            person_id = row.plan["person"].pk if row.plan.get("person") is not None else row.plan.get("person_id")
            for code in row.plan.get("new_posts", []):
                post = self.new_post(v, code, person_id=person_id)
                post.note = reason
                posts.append(post)
            verdicts += row.plan.get("checked", [])
            for appt in row.plan.get("changed_posts", []):
                new_start[appt.pk] = v["post_starts"].get(appt.post, v["start_date"])
        new_appt_ids = services.appointment_create_bulk(posts=posts, by=user, reason=reason, checked=verdicts)
        progress(3, 4)
        old_appt = services.appointment_start_date_bulk(changes=new_start, by=user, reason=reason)
        progress(4, 4)
        return {
            "watermark": watermark,
            "person_created": new_person_ids,
            "person_updated": old_values,
            "appointment_created": new_appt_ids,
            "appointment_updated": old_appt,
        }

    def rollback(self, batch, *, by) -> None:
        _rollback_register(batch, by=by)


def _json(value):
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _unjson(model, field, value):
    f = model._meta.get_field(field)
    if value is not None and f.get_internal_type() == "DateField":
        return datetime.date.fromisoformat(value)
    return value


def touched_since(batch) -> list[str]:
    """Why rollback is refused: objects the batch touched that someone changed after it, and any
    row added since that references a row the rollback would delete (found generically, see
    spreadsheets.references). Empty = rollback destroys nothing but the batch's own writes."""
    from core.imports.pipeline import REGISTRY

    t = batch.touched
    wm = t.get("watermark", {})
    reason = f"表格导入 #{batch.pk}"
    problems = []
    person_ids = [*t.get("person_created", []), *map(int, t.get("person_updated", {}))]
    appt_ids = [*t.get("appointment_created", []), *map(int, t.get("appointment_updated", {}))]
    fs_ids = [*t.get("first_secretary_created", []), *map(int, t.get("first_secretary_updated", {}))]
    for model, ids, key, label in (
        (Person, person_ids, "person", "人员"),
        (Appointment, appt_ids, "appointment", "任职"),
        (FirstSecretary, fs_ids, "first_secretary", "第一书记"),
    ):
        for chunk in _chunks(ids):
            later = (
                model.history.filter(id__in=chunk, history_id__gt=wm.get(key, 0))
                .exclude(history_change_reason=reason)
                .values_list("id", flat=True)
                .distinct()
            )
            problems += [f"{label}#{pk}" for pk in later]
    roots = {
        Person: list(t.get("person_created", [])),
        Appointment: list(t.get("appointment_created", [])),
        FirstSecretary: list(t.get("first_secretary_created", [])),
    }
    st = REGISTRY.get(batch.sheet_type)
    if st is not None:
        for model, ids in st.rollback_deletes(batch).items():
            roots[model] = [*roots.get(model, []), *ids]
    since = timezone.localtime(batch.applied_at).date() if batch.applied_at else None
    problems += later_references(roots, reason=reason, since=since)
    return problems


def _undo_progress(batch):
    """Wraps each list the undo walks so that the page shows how far it got (撤销中 N%)."""
    t = batch.touched
    total = sum(len(t.get(k) or ()) for k in ROLLBACK_KEYS)
    done = 0

    def counted(items):
        nonlocal done
        for item in items:
            yield item
            done += 1
            if done % 100 == 0:
                step_progress(batch, done, total)

    return counted


ROLLBACK_KEYS = (
    "appointment_created",
    "appointment_updated",
    "first_secretary_created",
    "first_secretary_updated",
    "person_updated",
    "person_created",
)


def _rollback_register(batch, *, by) -> None:
    t = batch.touched
    reason = f"撤销表格导入 #{batch.pk}"
    counted = _undo_progress(batch)
    for pk in counted(t.get("appointment_created", [])):
        a = Appointment.objects.get(pk=pk)
        a._history_user = by
        a._change_reason = reason
        a.filing_events.all().delete()
        a.delete()
    for pk, old in counted(t.get("appointment_updated", {}).items()):
        a = Appointment.objects.get(pk=int(pk))
        for f, val in old.items():
            setattr(a, f, _unjson(Appointment, f, val))
        a._history_user, a._change_reason = by, reason
        a.save(update_fields=list(old))
    for pk in counted(t.get("first_secretary_created", [])):
        fs = FirstSecretary.objects.get(pk=pk)
        fs._history_user, fs._change_reason = by, reason
        fs.delete()  # touched_since refused the rollback if any presence month was added since
    for pk, old in counted(t.get("first_secretary_updated", {}).items()):
        fs = FirstSecretary.objects.get(pk=int(pk))
        for f, val in old.items():
            setattr(fs, f, _unjson(FirstSecretary, f, val))
        fs._history_user, fs._change_reason = by, reason
        fs.save(update_fields=list(old))
    for pk, old in counted(t.get("person_updated", {}).items()):
        p = Person.objects.get(pk=int(pk))
        for f, val in old.items():
            setattr(p, f, _unjson(Person, f, val))
        p._history_user, p._change_reason = by, reason
        p.save(update_fields=[*old, "updated_at"])
    for pk in counted(t.get("person_created", [])):
        p = Person.objects.get(pk=pk)
        p._history_user, p._change_reason = by, reason
        p.delete()
