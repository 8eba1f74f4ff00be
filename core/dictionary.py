"""数据字典: the code lists users meet, and where each comes from.

Two sources:

- fixed vocabularies, registered by the apps in ``AppConfig.ready`` with
  :func:`register_vocabulary` (sex, 民族, 政治面貌, education, village types …);
Entries are shown by their Chinese names, numbered; a code column appears only where the list has
a national standard code (民族: GB/T 3304) or a numeric local code, never an internal identifier.

- the code tables of the yearly policy profile (posts, joint-review departments, the negative list
  …): every table of every registered policy section that has a ``code`` column, read from the
  profile in force for the chosen year.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from .policy import SECTIONS, Table, policy_for_year

FIXED_SOURCE = "系统内置（国家标准或通用分类）"


@dataclass(frozen=True)
class Vocabulary:
    key: str
    label: str  # 政治面貌
    group: str  # 人员信息
    # (code, name); code "" where the list has no standard code (shown numbered instead)
    items: Callable[[], Iterable[tuple[str, str]]] | Iterable[tuple[str, str]]
    note: str = ""
    order: int = 100

    def entries(self) -> list[tuple[str, str]]:
        items = self.items() if callable(self.items) else self.items
        return [(str(code), str(name)) for code, name in items]


@dataclass(frozen=True)
class DictionaryTable:
    key: str
    label: str
    group: str
    source: str
    columns: list[str]  # headings: 代码, 名称, …
    rows: list[list[str]]
    note: str = ""


VOCABULARIES: dict[str, Vocabulary] = {}


def register_vocabulary(vocabulary: Vocabulary) -> None:
    VOCABULARIES[vocabulary.key] = vocabulary


def _policy_cell(column, value) -> str:
    if value in (None, ""):
        return ""
    if column.kind == "bool":
        return "是" if value else "否"
    if column.kind == "choice":
        return dict(column.choices).get(value, str(value))
    return str(value)


def dictionary_tables(year: int) -> tuple[object, list[DictionaryTable]]:
    """(the policy profile in force for ``year``, every table of the dictionary)."""
    tables = []
    for v in sorted(VOCABULARIES.values(), key=lambda v: (v.order, v.key)):
        entries = v.entries()
        coded = any(code for code, _ in entries)
        tables.append(
            DictionaryTable(
                key=v.key,
                label=v.label,
                group=v.group,
                source=FIXED_SOURCE,
                columns=["序号", "代码", "名称"] if coded else ["序号", "名称"],
                rows=[[str(i), code, name] if coded else [str(i), name] for i, (code, name) in enumerate(entries, 1)],
                note=v.note,
            )
        )
    profile = policy_for_year(year)
    source = f"{profile.year}年度政策配置" if profile.pk else "系统默认政策配置（尚未保存年度配置）"
    for section in SECTIONS.values():
        data = profile.section(section.key)
        for part in section.parts:
            if not isinstance(part, Table) or not any(c.key == "code" for c in part.columns):
                continue
            rows = data.get(part.key) or []
            if "sort" in {c.key for c in part.columns}:
                rows = sorted(rows, key=lambda r: r.get("sort") or 0)
            # internal identifiers (secretary, discipline …) are not for reading: numeric codes only
            numeric_codes = all(str(r.get("code", "")).isdigit() for r in rows)
            columns = [c for c in part.columns if c.key != "sort" and (c.key != "code" or numeric_codes)]
            tables.append(
                DictionaryTable(
                    key=f"{section.key}.{part.key}",
                    label=part.label,
                    group=f"年度政策配置 · {section.label.split('：')[0]}",
                    source=source,
                    columns=["序号", *(c.label for c in columns)],
                    rows=[[str(i), *(_policy_cell(c, r.get(c.key)) for c in columns)] for i, r in enumerate(rows, 1)],
                )
            )
    return profile, tables
