"""The door matrix (issue #14): every URL of the site × every role, generated from the URLconf.

The URLs are not listed here: tests/door_matrix.py walks ``config/urls.py`` (pages, the DRF routers'
viewsets, the admin) and fills each path parameter with a real row of township A or of township B
(a demo county of two townships, built once for the module, plus a few rows the demo does not
make). A URL that cannot be filled must be named in :data:`EXCLUDED` with the reason, so a new URL
is either in the matrix or explained — never silently left out.

For every door and every role (county staff, the clerks of A and of B, the auditor, finance,
anonymous) a GET must:

- never answer 5xx;
- answer anonymous visitors with the redirect to the login page (pages, admin) or 401/403 (API);
- answer a clerk with 404 for the other township's row (exactly like a missing row), and the
  county with the row itself (so the fill is real);
- carry none of the other township's people, villages or ID numbers to a clerk (HTML, JSON, every
  cell of an .xlsx, CSV, the text of a PDF);
- carry no full ID number to a role that sees masked personal data, and no full bank card number
  to anyone but finance.
"""

from __future__ import annotations

import datetime
import io
import re
from dataclasses import dataclass, field

import pytest
from django.apps import apps
from django.core.files.storage import FileSystemStorage
from django.core.management import call_command
from django.db import models, transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse

from .door_matrix import (
    Door,
    all_doors,
    body_text,
    full_numbers,
    is_scoped,
    param_model,
    routers,
    url_for,
)

ROLES = ("county", "clerk_a", "clerk_b", "auditor", "finance", "anonymous")

# Doors left out of the matrix, each with the reason. A door listed here that no longer exists fails
# test_exclusions_are_current; a door that cannot be filled and is not listed fails its own test.
EXCLUDED: dict[str, str] = {}

# Doors an anonymous visitor may open (everything else: login redirect or 401/403).
PUBLIC: dict[str, str] = {
    "login": "登录页本身",
    "logout": "退出登录只接受 POST（GET 答 405），不显示任何数据",
    "api_token": "用用户名和密码换取 API 令牌，只接受 POST（GET 答 405）",
    "admin:login": "管理后台的登录页本身",
    "admin:logout": "管理后台的退出登录：不显示任何数据",
}

# Floors for the matrix size (the walk must not silently shrink): doors in the matrix and
# door × role cells, as of this commit.
MIN_DOORS = 706
MIN_CELLS = 4236


# ---------------------------------------------------------------------------------------------
# The doors
# ---------------------------------------------------------------------------------------------

DOORS = [d for d in all_doors() if not d.is_format_variant]
MATRIX = [d for d in DOORS if d.key not in EXCLUDED]


def _door_id(door: Door) -> str:
    return door.key


# ---------------------------------------------------------------------------------------------
# The world: a demo county of two townships, built once for the module and rolled back after it
# ---------------------------------------------------------------------------------------------


@dataclass
class World:
    a: object
    b: object
    users: dict
    # Strings of township X that the clerk of the other township must never receive.
    markers: dict[str, re.Pattern] = field(default_factory=dict)
    id_numbers: set[str] = field(default_factory=set)
    card_numbers: set[str] = field(default_factory=set)
    clients: dict = field(default_factory=dict)

    def township(self, side: str):
        return self.a if side == "a" else self.b


def _extras(world: World) -> None:
    """Rows the demo does not make, in both townships: an uploaded roster (with one bad row), a
    述职 file, a consequence proposal, a first secretary's spot check and annual grade, and a
    township pay run approved into the ledger."""
    from django.core.files.base import ContentFile

    from assessments.choices import ProposalKind
    from assessments.models import AnnualReview, ConsequenceProposal, ReviewFile
    from cadres.idcard import make_id_number
    from cadres.models import Village
    from core import dates
    from core.imports.batches import import_batch_create, import_batch_preview
    from subsidies import services as pay
    from subsidies.choices import RunKind, RunStatus
    from subsidies.models import PayRun

    from .cadres.sheet_files import roster_xlsx

    county = world.users["county"]
    month = f"{dates.today():%Y-%m}"
    for side, serial in (("a", 11), ("b", 12)):
        township = world.township(side)
        clerk = world.users[f"clerk_{side}"]
        village = Village.objects.filter(township=township).order_by("code").first()
        good = make_id_number("430122", datetime.date(1990, 3, 7), serial, True)
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        world.id_numbers |= {good, bad}
        rows = [
            [
                township.name,
                village.name,
                f"导入{side}甲",
                "男",
                "汉",
                "1990.03",
                good,
                "群众",
                "",
                "高中",
                "委员",
                "2021.04",
                "",
            ],
            [township.name, village.name, f"导入{side}乙", "男", "汉", "1990.03", bad, "群众", "", "高中", "委员", "2021.04", ""],
        ]
        batch = import_batch_create(
            by=clerk, sheet_type="cadres", filename=f"{township.name}花名册.xlsx", data=roster_xlsx(rows, title=township.name)
        )
        import_batch_preview(batch=batch)

        review = AnnualReview.objects.filter(township=township).order_by("pk").first()
        ConsequenceProposal.objects.create(
            review=review, person=review.person, year=review.year, kind=ProposalKind.ADMONITION, reason="民主测评不称职票超过40%"
        )
        item = ReviewFile(
            review=review, kind=ReviewFile._meta.get_field("kind").default, original_name="述职报告.txt", uploaded_by=county
        )
        item.file.save(f"{review.year}-{review.pk}-door.txt", ContentFile(f"{review.person.name}述职报告".encode()), save=False)
        item.size = item.file.size
        item.save()

        # a spot check and an annual grade of one of the township's first secretaries
        from cadres import services as register
        from cadres.models import FirstSecretary

        today = dates.today()
        posting = FirstSecretary.objects.filter(village__township=township, term_start__lt=today).order_by("pk").first()
        day = min(today, posting.ended_on or posting.term_end)
        register.spot_check_record(posting=posting, by=county, date=day, result="absent", checker="县委组织部")
        register.first_secretary_grade_set(posting=posting, year=day.year, proposed="excellent", by=county)

        # 一人一档's parts for the 干部任免审批表 (résumé, family, one 任免审批) of a secretary
        from cadres import services as register
        from cadres.models import Appointment

        post = Appointment.objects.filter(village=village, post="secretary").select_related("person").order_by("pk").first()
        secretary = post.person
        register.resume_replace(
            person=secretary,
            rows=[{"start_date": secretary.birth_date.replace(day=1, year=secretary.birth_date.year + 20), "text": "在本村务农"}],
            by=county,
        )
        register.family_members_replace(person=secretary, rows=[{"relation": "配偶", "name": f"家属{side}"}], by=county)
        register.appointment_request_create(person=secretary, by=county, **register.appointment_request_initial(post))

        run = PayRun.objects.filter(township=township, kind=RunKind.BASE_MONTHLY, period__code=month).first()
        with TestCase.captureOnCommitCallbacks(execute=True):
            if run is None:
                run = pay.payrun_create(by=clerk, kind=RunKind.BASE_MONTHLY, period_code=month, township=township)
        run.refresh_from_db()
        if run.status == RunStatus.PREVIEW:
            run = pay.payrun_prepare(run=run, by=clerk)
        with TestCase.captureOnCommitCallbacks(execute=True):
            pay.payrun_approve(run=run, by=county)
        run.refresh_from_db()
        assert run.status == RunStatus.APPROVED, (run.status, run.message)


def _markers(world: World, side: str) -> re.Pattern:
    """Names, ID numbers and villages only township ``side`` has. A person's name counts only when
    no row elsewhere holds it or a longer name containing it (张国 is in 张国强)."""
    from cadres.models import Person, Township, Village

    mine, other = world.township(side), world.township("b" if side == "a" else "a")
    only_here = Person.objects.for_township(mine.pk).exclude(pk__in=Person.objects.for_township(other.pk).values("pk"))
    elsewhere = [
        *Person.objects.exclude(pk__in=only_here.values("pk")).values_list("name", flat=True),
        *Village.objects.exclude(township=mine).values_list("name", flat=True),
        *Township.objects.exclude(pk=mine.pk).values_list("name", flat=True),
    ]
    names = {*only_here.values_list("name", flat=True), *Village.objects.filter(township=mine).values_list("name", flat=True)}
    names.add(mine.name)
    strings = {n for n in names if len(n) >= 3 and not any(n in e for e in elsewhere)}
    strings |= set(only_here.values_list("id_number", flat=True))
    return re.compile("|".join(re.escape(s) for s in sorted(strings, key=len, reverse=True)))


def _build_world() -> World:
    from cadres import choices
    from cadres.models import Person, Township
    from subsidies.models import PayAccount
    from subsidies.roles import user_make_finance

    from .factories import UserFactory

    with override_settings(DEBUG=True):
        call_command("seed_demo", townships=2, stdout=io.StringIO())
    a, b = Township.objects.order_by("sort_order", "code")[:2]
    users = {
        "county": UserFactory(username="door_county", role=choices.Role.COUNTY),
        "clerk_a": UserFactory(username="door_clerk_a", role=choices.Role.CLERK, township=a),
        "clerk_b": UserFactory(username="door_clerk_b", role=choices.Role.CLERK, township=b),
        "auditor": UserFactory(username="door_auditor", role=choices.Role.AUDITOR),
        "finance": UserFactory(username="door_finance", role=choices.Role.COUNTY),
        "anonymous": None,
    }
    user_make_finance(user=users["finance"])
    assert not any(u and (u.is_staff or u.is_superuser) for u in users.values())
    world = World(a=a, b=b, users=users)
    _extras(world)
    world.id_numbers |= set(Person.objects.values_list("id_number", flat=True))
    world.card_numbers = set(PayAccount.objects.values_list("account_number", flat=True))
    world.markers = {side: _markers(world, side) for side in ("a", "b")}
    world.clients = _clients(world)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    from config.celery import app

    app.autodiscover_tasks(force=True)
    eager = app.conf.task_always_eager
    app.conf.task_always_eager = True
    # Uploads (roster files, 述职 files) go to a temporary directory, not the checkout's var/private:
    # the file fields' storage is built at import time, so it is swapped for the module.
    private = tmp_path_factory.mktemp("private")
    file_fields = [f for m in apps.get_models() for f in m._meta.fields if isinstance(f, models.FileField)]
    storages = {f: f.storage for f in file_fields}
    for f in file_fields:
        f.storage = FileSystemStorage(location=private)
    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"], PRIVATE_MEDIA_ROOT=private),
    ):
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = _build_world()
            yield built
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            app.conf.task_always_eager = eager
            for f, storage in storages.items():
                f.storage = storage


# ---------------------------------------------------------------------------------------------
# Filling a door
# ---------------------------------------------------------------------------------------------


def _value(door: Door, param: str, world: World):
    """Parameters that name no model."""
    from assessments.choices import RaterGroup
    from assessments.models import ReviewCampaign
    from cadres.models import PolicyProfile
    from core.imports.pipeline import REGISTRY
    from core.policy import SECTIONS

    view_class = getattr(door.callback, "view_class", None)
    if param == "year":
        if door.app_label == "assessments":
            return ReviewCampaign.objects.order_by("-year").values_list("year", flat=True).first()
        return PolicyProfile.objects.order_by("-year").values_list("year", flat=True).first()
    if param == "action":
        actions = getattr(view_class, "ACTIONS", None)
        return next(iter(actions)) if actions else "confirm"
    url_values = getattr(view_class, "url_values", None)
    if url_values is not None:  # a view that names the values its parameter takes
        return next(v[param] for v in url_values() if param in v)
    if param == "key":
        return next(iter(REGISTRY)) if door.app_label == "core" and "import" in door.route else next(iter(SECTIONS))
    if param == "group":
        return RaterGroup.TOWNSHIP
    if param == "by":
        return "village"
    if param == "chart_id":
        from core import dashboard

        return dashboard.build_dashboard(world.users["county"]).charts[0].id
    if param == "app_label":
        return "cadres"
    if param == "content_type_id":
        from django.contrib.contenttypes.models import ContentType

        from cadres.models import Person

        return ContentType.objects.get_for_model(Person).pk
    return None


# Which row to take when several fit: a pay run's bank sheet exists only once it is approved.
PREFER = {"subsidies.payrun": {"status__in": ["approved", "paid"], "township__isnull": False}}


def _pick(model, township_id: int, other_id: int):
    """A row township ``township_id`` sees and the other township does not."""
    qs = model._default_manager.all()
    qs = qs.for_township(township_id).exclude(pk__in=qs.for_township(other_id).values("pk")).order_by("pk")
    preferred = PREFER.get(model._meta.label_lower)
    return (qs.filter(**preferred).first() if preferred else None) or qs.first()


def _admin_fill(door: Door, world: World) -> dict:
    """The admin is for staff only and no role of the matrix is staff: every admin URL must send
    them to the admin login before any row is read. A row is used where one exists (township B's
    when the model has townships); otherwise a placeholder, which the redirect never reaches."""
    kwargs = {}
    for param in door.params:
        pm = param_model(door, param) if param != "id" else None
        if pm is not None:
            qs = pm.model._default_manager.all()
            row = (qs.for_township(world.b.pk) if is_scoped(pm.model) else qs).order_by("pk").first()
            kwargs[param] = row.pk if row is not None else 1
        elif param == "id":  # admin/cadres/user/<id>/password/
            kwargs[param] = world.users["clerk_b"].pk
        else:
            kwargs[param] = _value(door, param, world) or "x"
    return kwargs


def fills(door: Door, world: World) -> dict[str, dict]:
    """``{"a": kwargs, "b": kwargs}`` (rows of each township), or ``{"*": kwargs}`` when no
    parameter is one township's row (county-wide rows: a campaign year, a pay period, a rollup).
    Raises LookupError naming what could not be filled."""
    if door.positional:  # only the admin's history of one change: ``<object id>/history/<history id>/``
        match = re.match(r"admin/(\w+)/(\w+)/", door.route)
        if match is None:
            raise LookupError(f"{door.positional} 个未命名参数无法自动填写")
        from django.apps import apps

        model = apps.get_model(*match.groups())
        row = model._default_manager.order_by("pk").first()
        history = getattr(row, "history", None) if row is not None else None
        first = history.order_by("history_id").first() if history is not None else None
        args = [row.pk if row else 1, first.history_id if first else 1][: door.positional]
        return {"*": {"*args": args}}
    if not door.params:
        return {"*": {}}
    if door.kind == "admin":
        return {"*": _admin_fill(door, world)}
    a, b = world.a.pk, world.b.pk
    resolved = {p: param_model(door, p) for p in door.params}
    per_township = {
        p
        for p, pm in resolved.items()
        if pm is not None and is_scoped(pm.model) and (_pick(pm.model, a, b) or _pick(pm.model, b, a))
    }
    out = {}
    for side in ("a", "b") if per_township else ("*",):
        kwargs = {}
        objects = {}
        # The innermost row first; the outer parameters follow its foreign keys (flag → village).
        for param in reversed(door.params):
            pm = resolved[param]
            if pm is None:
                value = _value(door, param, world)
                if value is None:
                    raise LookupError(f"参数 {param} 无法自动填写")
                kwargs[param] = value
                continue
            obj = next(
                (
                    getattr(inner, f.name)
                    for inner in objects.values()
                    for f in inner._meta.concrete_fields
                    if f.is_relation and f.related_model is pm.model and getattr(inner, f.attname) is not None
                ),
                None,
            )
            if obj is None:
                if param in per_township:
                    obj = _pick(pm.model, *((a, b) if side == "a" else (b, a)))
                else:
                    obj = pm.model._default_manager.order_by("pk").first()
            if obj is None:
                where = {"a": "甲方乡镇", "b": "乙方乡镇"}.get(side, "")
                raise LookupError(f"{where}没有 {pm.model.__name__} 的记录（参数 {param}）：请在 _extras 里建一条")
            objects[param] = obj
            kwargs[param] = getattr(obj, pm.field)
        out[side] = dict(reversed(kwargs.items()))
    return out


# ---------------------------------------------------------------------------------------------
# The matrix
# ---------------------------------------------------------------------------------------------


def _clients(world: World) -> dict[str, Client]:
    """One signed-in client per role for the whole module (the sessions are rows of the module's data)."""
    clients = {}
    for role, user in world.users.items():
        clients[role] = Client()
        if user is not None:
            clients[role].force_login(user)
    return clients


def _anonymous_ok(door: Door, response) -> bool:
    if door.kind == "api":
        return response.status_code in (401, 403)
    login = reverse("admin:login") if door.kind == "admin" else reverse("login")
    return response.status_code == 302 and response["Location"].startswith(login)


@pytest.mark.parametrize("door", MATRIX, ids=_door_id)
def test_door(door, world, db):
    problems: list[str] = []
    try:
        filled = fills(door, world)
    except LookupError as exc:
        pytest.fail(f"{door}: {exc}；请让 tests/door_matrix.py 能填写它，或在 EXCLUDED 里写明原因")
    sides = list(filled)
    statuses: dict[tuple[str, str], int] = {}
    for role in ROLES:
        user = world.users[role]
        client = world.clients[role]
        for side in sides:
            url = url_for(door, filled[side])
            response = client.get(url)
            status = response.status_code
            statuses[(role, side)] = status
            where = f"{role} GET {url} → {status}"
            if status >= 500:
                problems.append(f"{where}: 5xx")
                continue
            if user is None or door.kind == "admin":
                if door.key not in PUBLIC and not _anonymous_ok(door, response):
                    problems.append(
                        f"{where}: 管理后台只对管理员开放，应跳转后台登录页"
                        if user
                        else f"{where}: 未登录应跳转登录页（页面）或 401/403（API）"
                    )
                if user is None:
                    continue
            text = body_text(response)
            if role.startswith("clerk_"):
                own = role[-1]
                other = "b" if own == "a" else "a"
                if side == other and status not in (404, 405):
                    problems.append(f"{where}: 另一乡镇的记录应答 404")
                leaked = world.markers[other].findall(text)
                if leaked:
                    problems.append(f"{where}: 含另一乡镇的数据 {sorted(set(leaked))[:5]}")
            if not user.has_perm("cadres.view_personal_data"):
                shown = full_numbers(text, world.id_numbers)
                if shown:
                    problems.append(f"{where}: 完整身份证号 {sorted(shown)[:3]}")
            if not user.has_perm("subsidies.view_bank_account"):
                shown = full_numbers(text, world.card_numbers)
                if shown:
                    problems.append(f"{where}: 完整银行卡号 {sorted(shown)[:3]}")
    # A clerk's 404 for the other township means "like a missing row" only if the door answers
    # the own row and the county sees both: otherwise the fill, not the scope, made the 404.
    for side in sides:
        if side != "*" and statuses[("county", side)] == 404:
            problems.append(f"county GET {url_for(door, filled[side])} → 404：县级用户应能打开两个乡镇的记录")
        if side != "*" and statuses[(f"clerk_{side}", side)] == 404:
            problems.append(f"clerk_{side} GET {url_for(door, filled[side])} → 404：本乡镇的记录应能打开")
    for side in ("a", "b"):
        other = "b" if side == "a" else "a"
        if (f"clerk_{side}", other) in statuses and statuses[(f"clerk_{side}", other)] == 405 != statuses[
            (f"clerk_{side}", side)
        ]:
            problems.append(f"clerk_{side}: 另一乡镇的记录应答 405，本乡镇的却是 {statuses[(f'clerk_{side}', side)]}")
    assert not problems, f"{door}\n" + "\n".join(problems)


def test_matrix_covers_every_router_registration():
    """The walk finds every viewset the DRF routers register (list and detail)."""
    names = {d.name.split(":")[-1] for d in MATRIX}
    registered = [
        f"{basename}-{suffix}" for router in routers() for _p, _v, basename in router.registry for suffix in ("list", "detail")
    ]
    missing = [name for name in registered if name not in names]
    assert routers(), "no DRF router found in the URLconf"
    assert not missing


def test_exclusions_are_current():
    names = {d.key for d in DOORS}
    assert not [name for name in [*EXCLUDED, *PUBLIC] if name not in names]
    assert all(reason.strip() for reason in [*EXCLUDED.values(), *PUBLIC.values()])


def test_matrix_size(record_property):
    cells = len(MATRIX) * len(ROLES)
    kinds = {kind: sum(d.kind == kind for d in MATRIX) for kind in ("page", "api", "admin")}
    print(f"\ndoor matrix: {len(MATRIX)} URLs × {len(ROLES)} roles = {cells} cells {kinds}; excluded {len(EXCLUDED)}")
    record_property("door_matrix_urls", len(MATRIX))
    record_property("door_matrix_cells", cells)
    assert len(MATRIX) >= MIN_DOORS
    assert cells >= MIN_CELLS


# ---------------------------------------------------------------------------------------------
# Writes from the wrong township, and the matrix's own instruments
# ---------------------------------------------------------------------------------------------


# Home-page figures kept beyond the cache (core.DashboardPart): written when the home page is
# computed, not the register's data.
NOT_DATA = {"core.DashboardPart"}


def _row_counts() -> dict[str, int]:
    from django.apps import apps

    return {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.label not in NOT_DATA}


def test_clerk_posting_to_the_other_townships_rows_gets_404_and_changes_nothing(world, db):
    """Every page and API door that names one township's row, POSTed (empty form) by the other
    township's clerk: 404 like a missing row (405 where the door takes no POST), never a write."""
    before = _row_counts()
    problems, tried = [], 0
    for door in MATRIX:
        if door.kind == "admin" or not door.params:
            continue
        filled = fills(door, world)
        for clerk, side in (("clerk_a", "b"), ("clerk_b", "a")):
            if side not in filled:
                continue
            url = url_for(door, filled[side])
            status = world.clients[clerk].post(url, {}).status_code
            tried += 1
            if status not in (404, 405):
                problems.append(f"{clerk} POST {url} → {status}")
    assert tried >= 150
    assert not problems, "\n".join(problems)
    assert _row_counts() == before


def test_the_scanners_find_what_they_look_for(world, db):
    """The checks above can fail: the county reads full ID numbers and both townships, finance
    reads full card numbers, the auditor reads the masked form; a clerk's list shows the own township."""
    from cadres.models import Person
    from core.masking import mask_id_number
    from subsidies.models import PayAccount

    person = Person.objects.for_township(world.b.pk).filter(pay_account__isnull=False).order_by("pk").first()
    account = PayAccount.objects.get(person=person)
    detail = reverse("cadres:person_detail", args=[person.pk])

    county = body_text(world.clients["county"].get(detail))
    assert person.id_number in full_numbers(county, world.id_numbers)
    assert not full_numbers(county, world.card_numbers)
    auditor = body_text(world.clients["auditor"].get(detail))
    assert mask_id_number(person.id_number) in auditor and not full_numbers(auditor, world.id_numbers)
    finance = body_text(world.clients["finance"].get(f"/api/v1/ledger/accounts/{account.pk}/"))
    assert account.account_number in full_numbers(finance, world.card_numbers)

    export = body_text(world.clients["county"].get(reverse("cadres:person_export")))
    assert world.markers["a"].search(export) and world.markers["b"].search(export)
    own = body_text(world.clients["clerk_a"].get(reverse("cadres:person_export")))
    assert world.markers["a"].search(own) and not world.markers["b"].search(own)


def test_auditor_reads_an_import_with_the_id_numbers_masked(world, db):
    from cadres.models import ImportBatch

    batch = ImportBatch.objects.filter(township=world.b).get()
    auditor = world.clients["auditor"]
    page = auditor.get(reverse("core:import_detail", args=[batch.pk])).content.decode()
    assert "身份证号" in page and "********" in page
    assert "下载原文件" not in page
    assert auditor.get(reverse("core:import_original", args=[batch.pk])).status_code == 403
    assert auditor.get(reverse("core:import_errors", args=[batch.pk])).status_code == 403
    county = world.clients["county"]
    assert county.get(reverse("core:import_original", args=[batch.pk])).status_code == 200


def test_a_new_url_is_filled_by_its_segment_or_refused(world, db):
    """``people/<int:pk>/anything/`` needs no list: the segment names the model. A URL whose
    parameter names nothing known cannot be filled, so its test fails until it is taught or excluded."""
    from cadres.models import Person

    known = Door("people/<int:pk>/new-report/", "cadres:person_detail", ("pk",), "cadres", callback=None)
    assert param_model(known, "pk").model is Person
    filled = fills(known, world)
    assert set(filled) == {"a", "b"}
    assert Person.objects.for_township(world.b.pk).filter(pk=filled["b"]["pk"]).exists()
    assert not Person.objects.for_township(world.a.pk).filter(pk=filled["b"]["pk"]).exists()

    unknown = Door("gadgets/<int:pk>/", "gadget_detail", ("pk",), "cadres", callback=None)
    with pytest.raises(LookupError):
        fills(unknown, world)


def test_mask_numbers_in_text():
    from core.masking import mask_numbers_in

    text = "第5行「身份证号码」：43012219900307111X — 校验位错误；卡号 6217000010001234567；电话 13800001111"
    masked = mask_numbers_in({"errors": [text], "n": 5})
    assert masked == {
        "errors": ["第5行「身份证号码」：430122********111X — 校验位错误；卡号 621700********4567；电话 13800001111"],
        "n": 5,
    }
