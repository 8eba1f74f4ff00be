"""报酬代发表 of a pay run (issue #18): PDF (A4 landscape) and .xlsx from the same layout.

``pay_sheet_layout`` is pure (no ORM): it takes the rows of ``selectors.run_pay_sheet_rows`` and
returns the columns (the entry types present, in the order of EntryType), the townships with their
pages of at most ``rows_per_page`` payees, the total of every page and township and the grand
total, each in figures and in Chinese capital numerals (core.money). A township starts on a new
page, so that a page total never mixes two townships. Amounts are Decimal throughout.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from decimal import Decimal

import xlsxwriter

from core.imports.workbooks import neutralise
from core.money import yuan_in_capitals

from .choices import EntryType

ROWS_PER_PAGE = 15  # payee rows on one A4 landscape page, with the header, page total and signatures
ZERO = Decimal("0.00")
SIGNATURES = ("制表", "审核", "负责人")


@dataclass
class Totals:
    codes: list[str] = field(default_factory=list)  # the entry-type columns, in order
    people: int = 0
    amounts: dict[str, Decimal] = field(default_factory=dict)
    total: Decimal = ZERO

    def add(self, row: dict) -> None:
        self.people += 1
        for code, amount in row["amounts"].items():
            self.amounts[code] = self.amounts.get(code, ZERO) + amount
        self.total += row["total"]

    @property
    def cells(self) -> list[Decimal]:
        return [self.amounts.get(c, ZERO) for c in self.codes]

    @property
    def capitals(self) -> str:
        return yuan_in_capitals(self.total)


def pay_sheet_layout(rows: list[dict], *, rows_per_page: int = ROWS_PER_PAGE) -> dict:
    present = {code for r in rows for code in r["amounts"]}
    columns = [(t.value, t.label) for t in EntryType if t.value in present]
    codes = [c for c, _ in columns]
    townships: list[dict] = []
    grand = Totals(codes)
    for row in rows:
        if not townships or townships[-1]["township"].pk != row["township"].pk:
            townships.append({"township": row["township"], "pages": [], "totals": Totals(codes)})
        block = townships[-1]
        if not block["pages"] or len(block["pages"][-1]["rows"]) >= rows_per_page:
            block["pages"].append({"rows": [], "totals": Totals(codes)})
        page = block["pages"][-1]
        row = {**row, "cells": [row["amounts"].get(c) for c in codes], "serial": block["totals"].people + 1}
        page["rows"].append(row)
        page["totals"].add(row)
        block["totals"].add(row)
        grand.add(row)
    return {"columns": columns, "codes": codes, "townships": townships, "grand": grand, "people": grand.people}


def pay_sheet_xlsx(*, title: str, subtitle: str, layout: dict) -> bytes:
    """One worksheet: the payee rows township by township, each township's total, the grand total
    in figures and in capitals, and the signature line. Card numbers are text cells (never a
    number that Excel would round); amounts are numbers with two decimals."""
    codes = layout["codes"]
    headers = [
        "序号",
        "乡镇(街道)",
        "村(社区)",
        "姓名",
        "职务",
        "开户银行",
        "户名",
        "银行卡号",
        *[label for _, label in layout["columns"]],
        "合计（元）",
    ]
    money_from = 8
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True, "strings_to_formulas": False, "strings_to_numbers": False})
    ws = wb.add_worksheet("报酬代发表")
    bold = wb.add_format({"bold": True, "font_size": 14})
    head = wb.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "align": "center"})
    text = wb.add_format({"num_format": "@", "border": 1})
    money = wb.add_format({"num_format": "#,##0.00", "border": 1})
    sub_text = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1})
    sub_money = wb.add_format({"bold": True, "bg_color": "#F2F2F2", "border": 1, "num_format": "#,##0.00"})
    ws.write_string(0, 0, title, bold)
    ws.write_string(1, 0, subtitle)
    for c, h in enumerate(headers):
        ws.write_string(2, c, h, head)
    r = 2

    def total_row(label: str, totals: Totals) -> None:
        nonlocal r
        r += 1
        ws.write_string(r, 0, label, sub_text)
        for c in range(1, money_from):
            ws.write_blank(r, c, None, sub_text)
        ws.write_string(r, 3, f"{totals.people}人", sub_text)
        for c, amount in enumerate([*totals.cells, totals.total], start=money_from):
            ws.write_number(r, c, float(amount), sub_money)  # binary cell from the Decimal, to the fen

    for block in layout["townships"]:
        for page in block["pages"]:
            for row in page["rows"]:
                r += 1
                ws.write_number(r, 0, row["serial"], text)
                for c, value in enumerate(
                    [
                        block["township"].name,
                        row["village"],
                        row["name"],
                        row["post"],
                        row["bank_name"],
                        row["holder"],
                        row["account_number"],
                    ],
                    start=1,
                ):
                    ws.write_string(r, c, neutralise(value or ""), text)
                for c, amount in enumerate([*row["cells"], row["total"]], start=money_from):
                    if amount is None:
                        ws.write_blank(r, c, None, money)
                    else:
                        ws.write_number(r, c, float(amount), money)
        total_row(f"{block['township'].name}合计", block["totals"])
    grand = layout["grand"]
    total_row("总计", grand)
    r += 1
    ws.write_string(r, 0, "总计金额（大写）", sub_text)
    ws.merge_range(r, 1, r, len(headers) - 1, f"人民币{grand.capitals}", sub_text)
    r += 2
    ws.write_string(r, 0, "　　".join(f"{s}：＿＿＿＿＿＿" for s in SIGNATURES))
    for c, width in enumerate([6, 12, 12, 8, 14, 14, 8, 24, *[12] * (len(codes) + 1)]):
        ws.set_column(c, c, width)
    ws.freeze_panes(3, 0)
    wb.close()
    return buf.getvalue()
