"""Pay-sheet import of one-off ledger entries (奖励、其他一次性发放; key "subsidies_entries") on the
shared spreadsheet pipeline: upload → preview → apply (one transaction, all or nothing) → rollback.

One row per payment: the period (2025 or 2025-03), the person (ID number, within the importer's
scope), the type, the amount and the reason. Each row becomes one ledger entry with source
"表格导入" and a ``source_ref`` derived from (period, type, amount, reason), so re-importing the
same file finds every row already posted and writes nothing. Rollback never deletes: it posts a
reversing entry for every entry the batch created (the ledger is append-only).
"""

from __future__ import annotations

import datetime
import hashlib
from collections import defaultdict
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db.models import Sum

from cadres import normalize as n
from cadres.models import Appointment, Person
from cadres.sheets import _chunks
from core.imports.headers import Col
from core.imports.pipeline import NEW, UNCHANGED, RowResult, SheetType, register
from core.scope import scoped

from . import rules, services
from .choices import EntrySource, EntryType
from .models import LedgerEntry, PayPeriod

# Types a pay sheet may carry: rule-computed pay (base, performance, subsidies) comes from pay runs.
IMPORT_TYPES = {
    EntryType.AWARD: ("奖励", "奖金", "表彰奖励"),
    EntryType.ONE_OFF: ("其他一次性发放", "一次性发放", "调整", "补发", "扣减"),
}
TYPE_INDEX = {EntryType(t).label: t for t in IMPORT_TYPES} | {word: t for t, words in IMPORT_TYPES.items() for word in words}

COLUMNS = [
    Col("seq", "序号", ("编号", "序"), width=6),
    Col(
        "period",
        "期间",
        ("发放期间", "所属期间", "年月", "年度"),
        required=True,
        example="2025",
        help="年度如 2025，月份如 2025-03。",
        width=10,
    ),
    Col("township", "乡镇(街道)", ("乡镇", "所属乡镇", "街道"), example="甲镇", width=10),
    Col("village", "村(社区)", ("村", "社区", "村名"), example="甲一村", width=12),
    Col("name", "姓名", ("名字",), required=True, example="李建国", width=10),
    Col(
        "id_number",
        "身份证号",
        ("身份证号码", "公民身份号码", "身份证", "证件号码"),
        required=True,
        example="43012219850312003X",
        text_format=True,
        width=21,
    ),
    Col(
        "entry_type",
        "类型",
        ("发放类型", "项目类型", "款项类型"),
        required=True,
        example="奖励",
        choices=tuple(EntryType(t).label for t in IMPORT_TYPES),
        width=14,
    ),
    Col("amount", "金额（元）", ("金额", "发放金额", "金额(元)", "应发金额"), required=True, example="5000", width=12),
    Col("reason", "事由", ("发放事由", "项目", "项目名称", "说明"), required=True, example="优秀基层党组织书记奖励", width=30),
    Col("note", "备注", (), width=12),
]


def parse_amount(value) -> Decimal:
    """Yuan with at most two decimals, never zero (negative only as an adjustment)."""
    if n.is_blank(value):
        raise n.CellError("金额不能为空")
    if isinstance(value, bool):
        raise n.CellError("金额应为数字")
    raw = str(value) if isinstance(value, int | float) else n.text(value).replace(",", "").replace("，", "").removeprefix("¥")
    try:
        amount = Decimal(raw.removesuffix("元"))
    except InvalidOperation:
        raise n.CellError("金额应为数字，如 5000 或 2250.50") from None
    if not amount.is_finite():
        raise n.CellError("金额应为数字")
    if amount != amount.quantize(rules.CENT):
        raise n.CellError("金额最多保留两位小数（到分）")
    if amount == 0:
        raise n.CellError("金额不能为0")
    return rules.money(amount)


def import_ref(*, period: str, entry_type: str, amount: Decimal, reason: str) -> str:
    """The identity of an imported payment (same file → same refs → nothing new)."""
    digest = hashlib.sha256(f"{period}|{entry_type}|{amount}|{reason}".encode()).hexdigest()[:20]
    return f"import:{digest}"


@register
class LedgerEntrySheet(SheetType):
    key = "subsidies_entries"
    text_fields = {"reason": "subsidies.LedgerEntry.reason"}
    label = "奖励及一次性发放表（报酬台账）"
    app_label = "subsidies"
    permission = "subsidies.add_ledgerentry"
    columns = COLUMNS
    ignore_keys = ("seq", "township", "village", "note")
    instructions = [
        "每行一人一笔款项；“期间”填年度（如 2025）或月份（如 2025-03），已锁定的期间不能导入。",
        "按身份证号匹配人员，人员须在您的数据范围内并有任职记录；姓名与系统不一致时以身份证号为准并提示。",
        "“类型”只能填“奖励”或“其他一次性发放”；基本报酬、绩效报酬和各项补贴由发放批次按规则计算。",
        "金额以元为单位、最多两位小数；负数只能用于“其他一次性发放”（扣减调整）。",
        "导入后每行记入一笔账目（来源：表格导入）；同一文件重复导入不会重复记账。",
        "撤销导入不会删除账目，而是为每笔账目录入冲销更正。",
        "任何一行有错误时整个文件不导入。",
    ]

    def reads_models(self) -> list:
        return [Person, PayPeriod, LedgerEntry]

    def context(self, *, user, township) -> dict:
        return {"user": user, "township": user.township if user.is_clerk else township}

    def clean_row(self, row: RowResult, ctx: dict) -> None:
        v = row.values
        raw_period = row.raw.get("period")
        if isinstance(raw_period, datetime.date):  # a month typed as a date in Excel
            raw_period = f"{raw_period.year}-{raw_period.month:02d}"
        period = n.text(raw_period).replace("年", "-").replace("月", "").replace(".", "-").replace("/", "-")
        period = period.rstrip("-")
        if period and "-" in period and len(period.split("-")[1]) == 1:
            period = f"{period.split('-')[0]}-0{period.split('-')[1]}"
        v["period"] = ""
        try:
            _kind, year, month = services.parse_period_code(period)
            v["period"] = f"{year}-{month:02d}" if month else str(year)
        except ValidationError as exc:
            row.error("period", exc.message_dict["period"][0])
        v["id_number"] = row.parse("id_number", n.id_number_cell)
        if not v["id_number"] and "id_number" not in {e.key for e in row.errors}:
            row.error("id_number", "身份证号不能为空")
        v["name"] = n.text(row.raw.get("name"))
        if not v["name"]:
            row.error("name", "姓名不能为空")
        raw_type = n.text(row.raw.get("entry_type"))
        v["entry_type"] = TYPE_INDEX.get(raw_type)
        if v["entry_type"] is None:
            row.error("entry_type", f"类型只能填：{'、'.join(EntryType(t).label for t in IMPORT_TYPES)}")
        v["amount"] = row.parse("amount", parse_amount)
        if v["amount"] is not None and v["amount"] < 0 and v["entry_type"] == EntryType.AWARD:
            row.error("amount", "奖励金额不能为负数；扣减请填“其他一次性发放”")
        v["reason"] = n.text(row.raw.get("reason"))
        if not v["reason"]:
            row.error("reason", "事由不能为空")

    def plan(self, rows: list[RowResult], ctx: dict) -> None:
        user = ctx["user"]
        township = ctx.get("township")
        ok = [r for r in rows if not r.errors]
        people: dict[str, tuple[int, str]] = {}
        scope = scoped(user, Person)
        if township is not None:
            scope = scope.filter(pk__in=Person.objects.for_township(township.pk).values("pk"))
        for chunk in _chunks({r.values["id_number"] for r in ok}):
            for pk, idn, name in scope.filter(id_number__in=chunk).values_list("pk", "id_number", "name"):
                people[idn] = (pk, name)
        # Where the entry is booked: the person's latest appointment in scope (else the registered
        # township), as services.ledger_entry_add decides; someone with neither cannot be paid here.
        ids = [pk for pk, _ in people.values()]
        placed = set()
        for chunk in _chunks(ids):
            placed |= set(scoped(user, Appointment).filter(person_id__in=chunk).values_list("person_id", flat=True))
            registered = Person.objects.filter(pk__in=chunk, registered_township__isnull=False)
            if user.is_clerk:
                registered = registered.filter(registered_township_id=user.township_id)
            placed |= set(registered.values_list("pk", flat=True))
        locked = set(PayPeriod.objects.filter(locked_at__isnull=False).values_list("code", flat=True))
        seen: dict[tuple, int] = {}
        for r in ok:
            v = r.values
            found = people.get(v["id_number"])
            if found is None:
                where = township.name if township is not None else "您的数据范围"
                r.error("id_number", f"此人不在{where}内（或尚未建档），不能导入其款项")
                continue
            v["person_id"] = found[0]
            if found[0] not in placed:
                r.error("id_number", "此人在您的数据范围内没有任职记录，无法确定发放乡镇")
                continue
            if v["name"] != n.text(found[1]):
                r.warn("name", f"与系统中该身份证号的姓名“{found[1]}”不一致，以身份证号为准")
            if v["period"] in locked:
                r.error("period", f"{v['period']}已锁定，只能录入冲销更正")
                continue
            v["source_ref"] = import_ref(period=v["period"], entry_type=v["entry_type"], amount=v["amount"], reason=v["reason"])
            key = (v["person_id"], v["source_ref"])
            if key in seen:
                r.error("amount", f"与第{seen[key]}行是同一人同一期间的同一笔款项")
                continue
            seen[key] = r.number
        planned = [r for r in ok if not r.errors]
        posted: set[tuple[int, str]] = set()
        by_ref = defaultdict(set)
        for r in planned:
            by_ref[r.values["source_ref"]].add(r.values["person_id"])
        if by_ref:
            for chunk in _chunks(list(by_ref)):
                for row in (
                    LedgerEntry.objects.filter(source_ref__in=chunk, person_id__in={p for r in chunk for p in by_ref[r]})
                    .values("person_id", "source_ref")
                    .annotate(net=Sum("amount"))
                    .order_by()
                ):
                    if row["net"]:
                        posted.add((row["person_id"], row["source_ref"]))
        for r in planned:
            v = r.values
            if (v["person_id"], v["source_ref"]) in posted:
                r.status = UNCHANGED
                continue
            r.status = NEW
            r.changes = [f"{v['period']} {EntryType(v['entry_type']).label} {rules.fmt_yuan(v['amount'])}：{v['reason']}"]
            r.plan = {k: v[k] for k in ("person_id", "period", "entry_type", "amount", "reason", "source_ref")}

    def apply(self, rows: list[RowResult], ctx: dict, *, batch) -> dict:
        user = ctx["user"]
        planned = [r for r in rows if r.status == NEW and r.plan]
        people = Person.objects.in_bulk([r.plan["person_id"] for r in planned])
        created = []
        progress = ctx.get("progress")
        for i, r in enumerate(planned, start=1):
            p = r.plan
            entry = services.ledger_entry_add(
                by=user,
                person=people[p["person_id"]],
                period_code=p["period"],
                entry_type=p["entry_type"],
                amount=p["amount"],
                reason=p["reason"],
                source=EntrySource.IMPORT,
                source_ref=p["source_ref"],
                rule="import",
                origin=f"表格导入 #{batch.pk} 第{r.number}行" if batch else "表格导入",
            )
            created.append(entry.pk)
            if progress and (i % 200 == 0 or i == len(planned)):
                progress(i, len(planned))
        return {"ledger_created": created}

    def rollback(self, batch, *, by) -> None:
        reason = f"撤销表格导入 #{batch.pk}"
        for entry in LedgerEntry.objects.filter(pk__in=batch.touched.get("ledger_created", [])).order_by("pk"):
            if LedgerEntry.objects.filter(reverses=entry).exists():
                continue  # already corrected by hand: never reversed twice
            services.ledger_entry_reverse(entry=entry, by=by, reason=reason)
