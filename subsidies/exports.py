"""Exports of the pay ledger: a pay run's lines, bank disbursement sheet, county summary, a
person's pay history.

Rows come from scoped selectors; bank card numbers are masked unless the user holds
``subsidies.view_bank_account``; every export is logged (core.exports.log_export). Amounts are
written as numeric cells (two decimals) computed from Decimal, with a total row equal to the sum of
the ledger entries to the fen.
"""

from __future__ import annotations

import io
from decimal import Decimal

import xlsxwriter

from core.exports import log_export, xlsx_response
from core.imports.workbooks import neutralise
from core.masking import id_number_for

from . import selectors
from .choices import EntryType


def _workbook(title: str, headers: list[str], rows: list[list], money_cols: set[int], total_row: list | None, widths) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet(title[:31])
    bold = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00"})
    money_bold = wb.add_format({"num_format": "#,##0.00", "bold": True})
    text = wb.add_format({"num_format": "@"})
    ws.write_string(0, 0, title, bold)
    for c, h in enumerate(headers):
        ws.write_string(1, c, h, head)
        ws.set_column(c, c, (widths[c] if widths else 14))
    r = 1
    for row in rows:
        r += 1
        for c, value in enumerate(row):
            if value is None or value == "":
                continue
            if c in money_cols:
                # The xlsx cell is a binary number: written from the Decimal rounded to the fen.
                ws.write_number(r, c, float(value), money)
            elif isinstance(value, int):
                ws.write_number(r, c, value)
            else:
                ws.write_string(r, c, str(neutralise(str(value))), text)
    if total_row is not None:
        r += 1
        for c, value in enumerate(total_row):
            if c in money_cols:
                ws.write_number(r, c, float(value), money_bold)
            elif value not in (None, ""):
                ws.write_string(r, c, str(value), head)
    ws.freeze_panes(2, 0)
    wb.close()
    return buf.getvalue()


def run_lines(*, user, run):
    """批次明细: every line of a run (the previewed lines; after approval the same amounts are the
    ledger's), the ¥0 lines with their 未发放原因, and the total of the amounts."""
    labels = dict(EntryType.choices)
    lines = list(selectors.run_lines(user=user, run=run).order_by("township__sort_order", "village_id", "person_id", "id"))
    rows = [
        [
            i,
            line.person.name,
            id_number_for(user, line.person.id_number),
            line.township.name,
            line.village.name if line.village_id else "",
            labels.get(line.entry_type, line.entry_type),
            line.amount,
            line.zero_reason,
            line.explanation,
        ]
        for i, line in enumerate(lines, start=1)
    ]
    total = sum((line.amount for line in lines), Decimal("0.00"))
    paid = len({line.person_id for line in lines if line.amount})
    data = _workbook(
        f"{run}批次明细",
        ["序号", "姓名", "身份证号", "乡镇(街道)", "村(社区)", "类型", "金额（元）", "未发放原因", "计算说明"],
        rows,
        {6},
        ["合计", f"{paid}人", "", "", "", "", total, "", ""],
        widths=[6, 10, 22, 12, 12, 16, 14, 20, 60],
    )
    log_export(user=user, what=f"发放批次明细 {run.pk}", filters={"run": run.pk}, rows=len(rows))
    return xlsx_response(data, f"{run.period.code}{run.get_kind_display()}批次明细")


def bank_sheet(*, user, township, period, pay_run=None):
    """代发工资表: one row per person with the net amount of the township's period (or run)."""
    rows = selectors.bank_sheet_rows(user=user, township=township, period=period, pay_run=pay_run)
    total = sum((r["amount"] for r in rows), Decimal("0.00"))
    data = _workbook(
        f"{township.name}{period}报酬补贴代发表" + (f"（批次{pay_run.pk}）" if pay_run else ""),
        ["序号", "姓名", "身份证号", "户名", "开户银行", "银行卡号", "金额（元）"],
        [
            [i, r["name"], id_number_for(user, r["id_number"]), r["holder"], r["bank_name"], r["account_number"], r["amount"]]
            for i, r in enumerate(rows, start=1)
        ],
        {6},
        ["合计", f"{len(rows)}人", "", "", "", "", total],
        widths=[6, 10, 22, 10, 16, 24, 14],
    )
    log_export(
        user=user,
        what=f"代发表 {township.name} {period.code}",
        filters={"township": township.pk, "period": period.code, "run": pay_run.pk if pay_run else None},
        rows=len(rows),
    )
    return xlsx_response(data, f"{township.name}{period.code}代发表")


def county_summary(*, user, year: int, period_code: str | None = None):
    summary = selectors.county_summary(user=user, year=year, period_code=period_code)
    headers = ["乡镇(街道)", *[t.label for t in summary["types"]], "合计"]
    money_cols = set(range(1, len(headers)))
    rows = [[r["township"].name, *r["amounts"], r["total"]] for r in summary["rows"]]
    data = _workbook(
        f"{period_code or year}年报酬补贴汇总表",
        headers,
        rows,
        money_cols,
        ["合计", *summary["column_totals"], summary["grand_total"]],
        widths=[16, *[14] * (len(headers) - 1)],
    )
    what = f"报酬补贴汇总 {period_code or year}"
    log_export(user=user, what=what, filters={"year": year, "period": period_code}, rows=len(rows))
    return xlsx_response(data, f"{period_code or year}报酬补贴汇总")


def person_history(*, user, person):
    entries = list(selectors.person_entries(user=user, person=person).order_by("period__year", "period__month", "id"))
    labels = dict(EntryType.choices)
    rows = [
        [
            e.period.code,
            labels.get(e.entry_type, e.entry_type),
            e.amount,
            e.get_source_display(),
            e.explanation,
            e.township.name,
            f"{e.created_at:%Y-%m-%d %H:%M}",
            str(e.created_by),
        ]
        for e in entries
    ]
    total = sum((e.amount for e in entries), Decimal("0.00"))
    data = _workbook(
        f"{person.name}报酬补贴明细",
        ["期间", "类型", "金额（元）", "来源", "计算说明", "乡镇(街道)", "记账时间", "记账人"],
        rows,
        {2},
        ["合计", "", total, "", "", "", "", ""],
        widths=[10, 16, 14, 16, 60, 12, 18, 10],
    )
    log_export(user=user, what=f"个人报酬明细 {person.name}", filters={"person": person.pk}, rows=len(rows))
    return xlsx_response(data, f"{person.name}报酬补贴明细")
