"""Reconcile a township's uploaded pay sheet against the ledger (read-only: nothing is written).

The sheet goes through the shared pipeline (reader → header matching → normalize) as the sheet
type ``pay_sheet``; rows are matched to people by ID number, amounts compared to the ledger's net
amount per person for the township and period, and every difference is listed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.db.models import Sum

from cadres.models import Person
from cadres.normalize import CellError, id_number_cell, text
from core.imports.headers import Col
from core.imports.pipeline import SheetType, clean_file
from core.scope import scoped

from .models import LedgerEntry
from .rules import money


def parse_money(value) -> Decimal:
    if isinstance(value, float):
        value = repr(value)  # calamine hands numeric cells over as float: go through the shortest repr
    s = text(value).replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace("元", "")
    if not s:
        raise CellError("金额不能为空")
    try:
        return money(Decimal(s))
    except (InvalidOperation, ValueError):
        raise CellError("金额应为数字，如 2250.00") from None


class PaySheet(SheetType):
    """A township's pay sheet (工资发放表) for reconciliation; never applied to the database."""

    key = "pay_sheet"
    label = "报酬发放表（对账）"
    app_label = "subsidies"
    columns = [
        Col("seq", "序号"),
        Col("name", "姓名", required=True),
        Col("id_number", "身份证号", ("身份证号码", "公民身份号码", "身份证"), required=True, text_format=True, width=22),
        Col("amount", "金额", ("实发金额", "发放金额", "应发金额", "金额（元）", "合计", "实发"), required=True),
        Col("account", "银行卡号", ("卡号", "账号"), text_format=True),
    ]

    def clean_row(self, row, ctx):
        row.values["name"] = text(row.raw.get("name"))
        row.values["id_number"] = row.parse("id_number", id_number_cell)
        row.values["amount"] = row.parse("amount", parse_money)

    def plan(self, rows, ctx):
        return None


@dataclass
class Difference:
    person_id: int | None
    name: str
    id_number: str
    sheet_amount: Decimal | None
    ledger_amount: Decimal | None
    rows: list[int] = field(default_factory=list)

    @property
    def delta(self) -> Decimal:
        return (self.sheet_amount or Decimal("0.00")) - (self.ledger_amount or Decimal("0.00"))

    @property
    def kind(self) -> str:
        if self.ledger_amount is None:
            return "表中有、账中无"
        if self.sheet_amount is None:
            return "账中有、表中无"
        return "金额不一致"


@dataclass
class Reconciliation:
    matched: int
    sheet_total: Decimal
    ledger_total: Decimal
    differences: list[Difference]
    errors: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences and not self.errors


def reconcile_pay_sheet(*, user, township, period, data: bytes, entry_type: str | None = None) -> Reconciliation:
    """Compare the sheet with the ledger's net amounts per person (scoped to ``user``)."""
    st = PaySheet()
    preview = clean_file(data, st, user=user, township=township)
    errors = preview.messages(st)
    sheet: dict[str, Decimal] = {}
    names: dict[str, str] = {}
    rows_of: dict[str, list[int]] = {}
    for row in preview.rows:
        if row.errors:
            continue
        idn = row.values["id_number"]
        sheet[idn] = sheet.get(idn, Decimal("0.00")) + row.values["amount"]
        names[idn] = row.values["name"]
        rows_of.setdefault(idn, []).append(row.number)
    qs = scoped(user, LedgerEntry).filter(township=township, period=period)
    if entry_type:
        qs = qs.filter(entry_type=entry_type)
    ledger_rows = qs.values("person_id", "person__name", "person__id_number").annotate(total=Sum("amount")).order_by()
    ledger = {r["person__id_number"]: r for r in ledger_rows if r["total"]}
    people = dict(scoped(user, Person).filter(id_number__in=list(sheet)).values_list("id_number", "pk"))
    diffs = []
    matched = 0
    for idn in sorted(set(sheet) | set(ledger)):
        s_amt = sheet.get(idn)
        l_row = ledger.get(idn)
        l_amt = l_row["total"] if l_row else None
        if s_amt is not None and l_amt is not None and s_amt == l_amt:
            matched += 1
            continue
        diffs.append(
            Difference(
                person_id=(l_row["person_id"] if l_row else people.get(idn)),
                name=(l_row["person__name"] if l_row else names.get(idn, "")),
                id_number=idn,
                sheet_amount=s_amt,
                ledger_amount=l_amt,
                rows=rows_of.get(idn, []),
            )
        )
    return Reconciliation(
        matched=matched,
        sheet_total=sum(sheet.values(), Decimal("0.00")),
        ledger_total=sum((r["total"] for r in ledger.values()), Decimal("0.00")),
        differences=diffs,
        errors=errors,
    )
