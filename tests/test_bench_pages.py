"""Smoke test of the page bench's machinery (bench/pages.py): the pages come from the URLconf and
the routers, are classified by kind, and the table is sorted and marked against the targets. The
bench itself (seeding, timing) never runs in the test suite."""

import importlib.util
import sys
from pathlib import Path

import pytest

from subsidies.models import PayRun

spec = importlib.util.spec_from_file_location("bench_pages", Path(__file__).resolve().parent.parent / "bench" / "pages.py")
pages = importlib.util.module_from_spec(spec)
sys.modules["bench_pages"] = pages  # dataclasses look their module up
spec.loader.exec_module(pages)


def test_pages_are_enumerated_from_the_resolver_and_classified():
    targets, skipped = pages.enumerate_targets()
    kinds = {t.name: t for t in targets}
    assert kinds["subsidies:entry_list"].kind == "list"
    assert kinds["subsidies:run_detail"].kind == "detail" and kinds["subsidies:run_detail"].model is PayRun
    assert kinds["training:coverage"].kind == "report"
    assert kinds["ledger-entry-list"].kind == "api"
    assert kinds["ledger-entry-detail"].kind == "api-detail"
    assert kinds["home"].kind == "home"
    # forms, actions and files are not pages
    for name in ("subsidies:entry_export", "subsidies:entry_create", "subsidies:run_action", "cadres:person_pdf", "login"):
        assert name not in kinds and name in skipped
    assert len({t.name for t in targets if t.kind in ("list", "detail", "report", "api")}) >= 60
    # the person page's deferred sections: one detail page per section, on a person
    from cadres.models import Person

    sections = [t for t in targets if t.name == "cadres:person_section"]
    assert sorted(t.fixed["key"] for t in sections) == ["assessments", "subsidies", "training"]
    assert {(t.kind, t.model, t.lookup) for t in sections} == {("detail", Person, "pk")}


@pytest.mark.django_db
def test_heaviest_object_is_the_one_with_most_related_rows(county_user, village_a, village_b):
    from tests.factories import AppointmentFactory

    AppointmentFactory(village=village_a, post="committee_member")
    AppointmentFactory(village=village_b, post="committee_member")
    AppointmentFactory(village=village_b, post="committee_member")
    from cadres.models import Village

    assert pages.heaviest(county_user, Village, "pk") == village_b.pk


def test_table_is_sorted_slowest_first_and_marks_pages_over_target():
    rows = [
        {
            "kind": "list",
            "name": "a",
            "user": "county",
            "url": "/a/",
            "status": 200,
            "ms": 12.0,
            "max_ms": 13.0,
            "queries": 7,
            "bytes": 2048,
            "over": False,
        },
        {
            "kind": "report",
            "name": "b",
            "user": "county",
            "url": "/b/",
            "status": 200,
            "ms": 420.0,
            "max_ms": 430.0,
            "queries": 9,
            "bytes": 4096,
            "over": True,
        },
        {"kind": "detail", "name": "c", "user": "clerk01", "url": "/c/", "status": "无权限"},
    ]
    table = pages.format_table(rows, "header").splitlines()
    body = [line for line in table if " /" in line]
    assert "/b/" in body[0] and body[0].startswith("✗") and "/a/" in body[1] and body[2].startswith("!")
    assert table[-1] == "1 of 2 measurements over target; 1 not measured (无数据/无权限); 0 errors"
