"""The register's home-page provider: villages, secretaries, 一肩挑, 两委 members, first
secretaries, vacancies; 待办 for filings, joint reviews, vacancies and first-secretary terms;
age/education structure charts compared with the previous 换届. The engine is core.dashboard."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Count, Max, Q
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone

from core.access import can
from core.dashboard import (
    Chart,
    DashboardContext,
    DataTable,
    Figure,
    QueueExample,
    QueueItem,
    bar_option,
    percent,
    register_dashboard_provider,
)
from core.scope import scoped

from . import choices, figures
from .figures import AGE_BANDS, age_band_case, birth_limit  # noqa: F401  (re-exported: tests, bench)
from .filters import AppointmentFilter, FirstSecretaryFilter, PersonFilter, QualificationReviewFilter, VillageFilter
from .models import (
    Appointment,
    FirstSecretary,
    Person,
    QualificationReview,
    Township,
    Village,
    VillageFlag,
)


def _scope(user, ctx: DashboardContext) -> figures.FigureScope:
    """The figures' scope of this page: the viewer, the drill-down township, today; shares the
    page's memo and its already loaded policy."""
    return figures.FigureScope(
        user=user,
        on=ctx.today,
        township_id=ctx.drill_id,
        memo=ctx.memo,
        post_table=lambda: ctx.policy_section("register")["posts"],
    )


def structure_rows(people, on: datetime.date) -> list[dict]:
    """One GROUP BY query over a Person queryset: rows of band (AGE_BANDS index, age on ``on``),
    edu (highest education) and n."""
    return list(
        people.order_by()
        .annotate(band=age_band_case(on), edu=Greatest("education_fulltime", "education_inservice"))
        .values("band", "edu")
        .annotate(n=Count("id"))
    )


def structure_counts(people, on: datetime.date) -> tuple[list[int], dict[str, int]]:
    """One GROUP BY query: (counts per AGE_BANDS index, counts per highest education value)."""
    return figures.tally(structure_rows(people, on))


@dataclass(frozen=True)
class CohortSnapshot:
    """The comparison point "上届": holders at the start of the previous 换届 cohort.

    Cohorts are the distinct ``Appointment.cohort`` years of filed appointments in scope (up to
    this year). The *current* cohort is the latest, the *previous* one the cohort before it.
    Its start is the day its last cohort-tagged appointment took effect (``MAX(start_date)``):
    by then the 换届 was complete. Holders on that date are the appointments current on it
    (``Appointment.objects.current(on=date)``: filed, started, not ended — an end on that very
    day means replaced at the 换届); ages are taken on that date, education is the
    person's file as it stands now (the register keeps no education history).
    """

    cohort: int
    date: datetime.date


def previous_cohort(ctx: DashboardContext) -> CohortSnapshot | None:
    rows = list(
        ctx.scoped(Appointment)
        .filter(status=choices.FilingStatus.FILED, cohort__isnull=False, cohort__lte=ctx.today.year)
        .order_by()
        .values("cohort")
        .annotate(start=Max("start_date"))
        .order_by("-cohort")[:2]
    )
    if len(rows) < 2:
        return None
    return CohortSnapshot(cohort=rows[1]["cohort"], date=rows[1]["start"])


def register_structure(user, ctx: DashboardContext) -> list[dict]:
    """Current secretaries and 两委 members with their flags, one row per person, one query:
    cadres.figures.holder_rows, the same rows as the headline figures and 统计报表."""
    return figures.holder_rows(_scope(user, ctx))


def previous_structure(ctx: DashboardContext, snap: CohortSnapshot) -> list[dict]:
    """Holders on the snapshot date (ages on that date), same groups: one query."""
    members = two_committee_posts(ctx)

    def compute():
        held = ctx.scoped(Appointment).current(snap.date).filter(post__in=sorted({choices.SECRETARY, *members}))
        return figures.per_person_rows(held, snap.date, {"sec": Q(post=choices.SECRETARY), "member": Q(post__in=members)})

    return ctx.once(("previous_structure", snap), compute)


def _people_params(posts: list[str]) -> dict:
    return {"post": posts[0]} if len(posts) == 1 else {"post_in": ",".join(posts)}


# The lists behind the structure charts. A bar links to the first of its candidate lists whose
# FilterSet understands every parameter (cadres.filters is maintained on its own):
#   current bars   → person list ``post``/``post_in`` + ``age_min``/``age_max`` or ``education``
#                    (``education=none``: nothing entered, the "未填" bar);
#   "上届" bars    → person list with ``as_of=<snapshot date>`` (posts held and ages on that
#                    date); else the appointment list with ``as_of`` (one row per post: a 一肩挑
#                    person is two rows of the 两委 list); else the previous cohort's appointments.
# tests/cadres/test_dashboard.py checks that each bar's value is the count of the list it opens.
VIEW_PARAMS = {"tab"}  # understood by the list view itself, not by its FilterSet


def filterset_accepts(filterset_class, params: dict) -> bool:
    """Whether ``filterset_class`` has a filter for every parameter (and, for choice filters, the
    value among its choices)."""
    for name, value in params.items():
        if name in VIEW_PARAMS:
            continue
        flt = filterset_class.base_filters.get(name)
        if flt is None:
            return False
        options = flt.extra.get("choices")
        if options is not None and not callable(options) and str(value) not in {str(k) for k, _l in options}:
            return False
    return True


def _first_link(ctx: DashboardContext, candidates: list[tuple[str, type, dict]]) -> str:
    for url_name, filterset_class, params in candidates:
        if filterset_accepts(filterset_class, params):
            return ctx.link(url_name, **params)
    return ""


def _bucket_params(kind: str, bucket) -> dict:
    """Filter parameters of one bar: an AGE_BANDS entry or an education value ("" = 未填)."""
    if kind == "age":
        _label, low, high = bucket
        return {"age_min": low, "age_max": high}
    return {"education": bucket or "none"}


def _structure_link(ctx: DashboardContext, posts: list[str], kind: str, bucket, snap=None) -> str:
    people = _people_params(posts)
    bar = _bucket_params(kind, bucket)
    if snap is None:
        return _first_link(
            ctx,
            [("cadres:person_list", PersonFilter, {**people, **bar}), ("cadres:person_list", PersonFilter, people)],
        )
    then = snap.date.isoformat()
    fallback = {"tab": "all", "cohort": snap.cohort, "status": choices.FilingStatus.FILED}
    if len(posts) == 1:
        fallback["post"] = posts[0]
    return _first_link(
        ctx,
        [
            ("cadres:person_list", PersonFilter, {**people, "as_of": then, **bar}),
            ("cadres:appointment_list", AppointmentFilter, {"tab": "all", **people, "as_of": then, **bar}),
            ("cadres:appointment_list", AppointmentFilter, fallback),
        ],
    )


def _structure_charts(user, ctx: DashboardContext, *, key: str, title: str, group: str, posts: list[str], snap) -> list[Chart]:
    ages, edus = figures.tally(register_structure(user, ctx), **{group: True})
    prev_ages, prev_edus = (None, None)
    if snap is not None:
        prev_ages, prev_edus = figures.tally(previous_structure(ctx, snap), **{group: True})
    prev_label = f"上届（{snap.cohort}年换届后，{snap.date:%Y-%m-%d}）" if snap else ""
    definition = f"当前：今日在任的{title}（已备案、任职时间已到且未离任；待任的不计入），按今日年龄。" + (
        f"上届：{snap.cohort}年换届完成时（{snap.date.year}年{snap.date.month}月{snap.date.day}日）在任的{title}，"
        "按当时年龄；学历按现有档案。"
        if snap
        else "暂无上一届换届的任职记录，无法对比。"
    )

    def build(chart_id, chart_title, categories, now_values, prev_values, now_links, prev_links):
        total_now, total_prev = sum(now_values), sum(prev_values or [])
        series = [("当前", now_values)]
        links = [now_links]
        headers = ["分组", "当前（人）", "当前占比（%）"]
        rows = [[c, n, percent(n, total_now)] for c, n in zip(categories, now_values, strict=True)]
        cell_links = [["", link, ""] for link in now_links]
        if prev_values is not None:
            series.append((prev_label, prev_values))
            links.append(prev_links)
            headers += ["上届（人）", "上届占比（%）"]
            rows = [[*r, p, percent(p, total_prev)] for r, p in zip(rows, prev_values, strict=True)]
            cell_links = [[*c, link, ""] for c, link in zip(cell_links, prev_links, strict=True)]
        total_row = ["合计", total_now, percent(total_now, total_now)]
        if prev_values is not None:
            total_row += [total_prev, percent(total_prev, total_prev)]
        rows.append(total_row)
        return Chart(
            id=chart_id,
            title=chart_title,
            option=bar_option(categories, series),
            table=DataTable(headers=headers, rows=rows, row_links=list(now_links), cell_links=cell_links),
            links=links,
            note=definition,
        )

    age_labels = [b[0] for b in figures.AGE_BANDS]
    edu_values = [value for value, _label in choices.Education.choices]
    edu_labels = [label for _value, label in choices.Education.choices]
    if edus.get("") or (prev_edus or {}).get(""):
        edu_values.append("")
        edu_labels.append("未填")
    links = {}
    for kind, buckets in (("age", figures.AGE_BANDS), ("education", edu_values)):
        links[f"now_{kind}"] = [_structure_link(ctx, posts, kind, b) for b in buckets]
        links[f"prev_{kind}"] = [_structure_link(ctx, posts, kind, b, snap) for b in buckets] if snap else []
    return [
        build(f"{key}-age", f"{title}年龄结构", age_labels, ages, prev_ages, links["now_age"], links["prev_age"]),
        build(
            f"{key}-education",
            f"{title}学历结构",
            edu_labels,
            [edus.get(v, 0) for v in edu_values],
            [prev_edus.get(v, 0) for v in edu_values] if prev_edus is not None else None,
            links["now_education"],
            links["prev_education"],
        ),
    ]


def two_committee_posts(ctx: DashboardContext) -> list[str]:
    return figures.two_committee_posts(ctx.policy_section("register")["posts"])


def _own_township(ctx: DashboardContext) -> dict:
    """A clerk's figures count the posts in the own township: their links say so too (county
    staff's drill-down adds ``township`` by itself)."""
    user = ctx.user
    if ctx.drill is None and getattr(user, "is_clerk", False) and user.township_id:
        return {"township": user.township_id}
    return {}


def _figure_links(ctx: DashboardContext) -> dict[str, str]:
    members = _people_params(two_committee_posts(ctx))
    own = _own_township(ctx)
    young_band = figures.AGE_BANDS[0]
    return {
        "villages": ctx.link("cadres:village_list", kind=choices.VillageKind.VILLAGE, **own),
        "communities": ctx.link("cadres:village_list", kind=choices.VillageKind.COMMUNITY, **own),
        "secretaries": ctx.link("cadres:person_list", post=choices.SECRETARY, **own),
        "one_shoulder_share": ctx.link("cadres:person_list", one_shoulder=True, **own),
        "two_committee_members": ctx.link("cadres:person_list", **members, **own),
        "first_secretaries": ctx.link("cadres:first_secretary_list", current=True, **own),
        "vacant": ctx.link("cadres:village_list", secretary_vacant=True, **own),
        "young_member_share": ctx.link("cadres:person_list", **members, age_max=young_band[2], **own),
        "college_member_share": ctx.link("cadres:person_list", **members, **own),
        "female_member_share": ctx.link("cadres:person_list", **members, sex=choices.Sex.FEMALE, **own),
    }


def _register_figures(user, ctx: DashboardContext) -> list[Figure]:
    """The register's headline figures, computed by cadres.figures (the same values and 口径 as
    统计报表 and the API), each linked to the list of exactly what it counts."""
    scope = _scope(user, ctx)
    links = _figure_links(ctx)
    out = []
    for key in figures.REGISTER_FIGURES:
        spec = figures.FIGURES[key]
        value = spec.compute(scope)
        tone = ""
        if key == "one_shoulder_share":
            tone = "success" if value.value is not None and value.value >= 80 else ""
        elif key == "vacant":
            tone = "danger" if value.value else "success"
        out.append(
            Figure(
                key,
                value.label or spec.label,
                value.value,
                spec.unit,
                links[key],
                tone=tone,
                note=value.note,
                icon=spec.icon,
                definition=spec.definition,
            )
        )
    return out


def _register_queues(user, ctx: DashboardContext) -> list[QueueItem]:
    aqs = scoped(user, Appointment)
    items = []
    for status, label, perm in (
        (choices.FilingStatus.DRAFT, "任职备案：待乡镇审核", "cadres.approve_appointment"),
        (choices.FilingStatus.TOWNSHIP_APPROVED, "任职备案：待县级备案", "cadres.file_appointment"),
    ):
        mine = can(user, perm)
        qs, link = ctx.filtered(AppointmentFilter, aqs, "cadres:appointment_list", tab="all", status=status)
        examples = [
            QueueExample(
                f"{a.person.name} · {a.village.township.name}{a.village.name} · {a.post_name}",
                reverse("cadres:appointment_detail", args=[a.pk]),
            )
            for a in qs.select_related("person", "village__township").order_by("created_at", "id")[:5]
        ]
        items.append(
            QueueItem(
                f"filing_{status}",
                label,
                qs.count(),
                link,
                "danger" if mine else "info",
                note="由您办理" if mine else "由其他层级办理",
                examples=examples,
                mine=mine,
            )
        )
    reviews, reviews_link = ctx.filtered(
        QualificationReviewFilter, scoped(user, QualificationReview), "cadres:review_list", outcome=choices.VettingResult.PENDING
    )
    items.append(
        QueueItem(
            "reviews_pending",
            "资格联审未办结",
            reviews.count(),
            reviews_link,
            "warning",
            examples=[
                QueueExample(
                    f"{r.person.name} · {r.village.township.name}{r.village.name} · {r.post_name}",
                    reverse("cadres:review_detail", args=[r.pk]),
                    f"{timezone.localtime(r.requested_at):%Y-%m-%d} 提请",
                )
                for r in reviews.select_related("person", "village__township").order_by("requested_at", "id")[:5]
            ],
        )
    )
    vacant, vacant_link = ctx.filtered(VillageFilter, scoped(user, Village), "cadres:village_list", secretary_vacant=True)
    items.append(
        QueueItem(
            "villages_vacant",
            "书记空缺的村(社区)",
            figures.figure_value("vacant", _scope(user, ctx)).value,
            vacant_link,
            "danger",
            examples=[
                QueueExample(f"{v.township.name} · {v.name}", reverse("cadres:village_detail", args=[v.pk]))
                for v in vacant.select_related("township").order_by("township__sort_order", "code")[:5]
            ],
        )
    )
    days = int(ctx.policy_section("register")["first_secretary"]["expiry_warning_days"])
    expiring, exp_link = ctx.filtered(
        FirstSecretaryFilter, scoped(user, FirstSecretary), "cadres:first_secretary_list", expiring_within=days
    )
    items.append(
        QueueItem(
            "first_secretaries_expiring",
            f"驻村第一书记{days}天内期满",
            expiring.count(),
            exp_link,
            "warning",
            note="提前天数取自年度政策配置",
            examples=[
                QueueExample(
                    f"{p.person.name} · {p.village.township.name}{p.village.name}",
                    reverse("cadres:first_secretary_detail", args=[p.pk]),
                    f"{p.term_end:%Y-%m-%d} 期满",
                )
                for p in expiring.select_related("person", "village__township").order_by("term_end", "id")[:5]
            ],
        )
    )
    return items


def _township_chart(user, ctx: DashboardContext) -> list[Chart]:
    """Villages, current secretaries and vacancies per township (one GROUP BY each)."""
    if ctx.drill is not None or not user.sees_all_townships:
        return []
    townships = list(scoped(user, Township).order_by("sort_order", "code").values_list("id", "name"))
    if len(townships) < 2:
        return []
    has_sec = models.Exists(Appointment.objects.current(ctx.today).secretaries().filter(village=models.OuterRef("pk")))
    per = {
        row["township_id"]: row
        for row in scoped(user, Village)
        .order_by()
        .annotate(has_sec=has_sec)
        .values("township_id")
        .annotate(
            villages=Count("id"),
            communities=Count("id", filter=Q(kind=choices.VillageKind.COMMUNITY)),
            vacant=Count("id", filter=Q(has_sec=False)),
        )
    }
    names = [name for _pk, name in townships]
    home = reverse("home")
    seated = [per.get(pk, {}).get("villages", 0) - per.get(pk, {}).get("vacant", 0) for pk, _ in townships]
    vacant = [per.get(pk, {}).get("vacant", 0) for pk, _ in townships]
    links = [
        [ctx.link("cadres:village_list", township=pk, secretary_vacant=False) for pk, _ in townships],
        [ctx.link("cadres:village_list", township=pk, secretary_vacant=True) for pk, _ in townships],
    ]
    rows = [
        [name, per.get(pk, {}).get("villages", 0), per.get(pk, {}).get("communities", 0), s, v]
        for (pk, name), s, v in zip(townships, seated, vacant, strict=True)
    ]
    rows.append(["合计", sum(r[1] for r in rows), sum(r[2] for r in rows), sum(seated), sum(vacant)])
    return [
        Chart(
            id="townships",
            title="各乡镇(街道)村(社区)与书记配备",
            option=bar_option(names, [("有现任书记", seated), ("书记空缺", vacant)], horizontal=True, stack="v", unit="个"),
            table=DataTable(
                headers=["乡镇(街道)", "村(社区)数", "其中社区", "有现任书记", "书记空缺"],
                rows=rows,
                row_links=[f"{home}?township={pk}" for pk, _ in townships] + [""],
                cell_links=[
                    [
                        "",
                        ctx.link("cadres:village_list", township=pk),
                        ctx.link("cadres:village_list", township=pk, kind=choices.VillageKind.COMMUNITY),
                        seated_link,
                        vacant_link,
                    ]
                    for (pk, _), seated_link, vacant_link in zip(townships, links[0], links[1], strict=True)
                ],
            ),
            links=links,
            note="点击条形打开该乡镇的村(社区)名单；点击数据表中的乡镇名称查看该乡镇的首页统计。",
            height=max(320, min(28 * len(townships) + 80, 640)),
        )
    ]


def _register_charts(user, ctx: DashboardContext) -> list[Chart]:
    snap = previous_cohort(ctx)
    charts = _structure_charts(
        user, ctx, key="secretaries", title="村(社区)党组织书记", group="sec", posts=[choices.SECRETARY], snap=snap
    )
    charts += _structure_charts(
        user, ctx, key="two-committees", title="村“两委”成员", group="member", posts=two_committee_posts(ctx), snap=snap
    )
    return charts + _township_chart(user, ctx)


register_dashboard_provider(
    "register",
    order=0,
    figures=_register_figures,
    charts=_register_charts,
    queues=_register_queues,
    depends_on=[Township, Village, VillageFlag, Person, Appointment, QualificationReview, FirstSecretary],
)
