"""Pages of the annual review. Thin: parse → scoped selector (reads) or service (writes) → render.

Objects are loaded through scoped selectors first, so another township's object answers 404
exactly like a missing one, before any permission check can reveal that it exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse

from cadres.models import Person, Township, Village
from core import dates as core_dates
from core.access import can, require
from core.exports import ExportColumn, choice_label, export_queryset
from core.pdf import pdf_download
from core.scope import get_scoped_or_404, scoped
from core.views import ObjectFormView, PageView, confirmation_page, is_confirmed

from . import deadlines, forms, selectors, services
from . import official_forms as of
from .choices import PHASE_ORDER, ItemKind, Phase, ProposalKind, ProposalStatus, RaterGroup, ResultStatus, ReviewEntryStatus
from .filters import ProposalFilter, ResultFilter, ReviewFilter
from .models import AnnualReview
from .policy_section import rules_for_year, section_for_year
from .rules import quota_slots

PAGE_SIZE = 50


def _page(request, qs):
    return Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))


def _query(request, filterset_class, *, path_year: bool = False, only: tuple[str, ...] = ()):
    """The page's query parameters, checked by the app's FilterSet (the one the API and the export
    use): (what to hand the selector, the bound filter form). An invalid parameter is ignored, as
    the pages always did, and named with its Chinese error above the list. On a page of one year
    the year is the path's: ``?year=`` is not a filter there; ``only``: the parameters a page
    filters by, when not all of them."""
    data = {name: request.GET.get(name, "") for name in only} if only else request.GET.copy()
    if path_year:
        data.pop("year", None)
    form = filterset_class(data, queryset=filterset_class._meta.model.objects.none()).form
    form.is_valid()
    return data, form


def _cleaned(form, *names) -> dict:
    """The valid values of the filter form ("" when absent or invalid), for the page's own controls."""
    return {name: form.cleaned_data.get(name) or "" for name in names}


def _error_text(exc: ValidationError) -> str:
    return "；".join(exc.messages)


def _date(value) -> str:
    return value.isoformat() if value else ""


def _mark(done) -> str:
    return "已录" if done else "未录"


CAMPAIGN_EXPORT = [
    ExportColumn("考核年度", lambda c: c.year, width=8),
    ExportColumn("名称", lambda c: str(c), width=30),
    ExportColumn("阶段", choice_label("phase"), width=8),
    ExportColumn("考核对象（人）", lambda c: c.review_count, width=10),
    ExportColumn("述职截止", lambda c: _date(c.report_deadline), width=11),
    ExportColumn("测评截止", lambda c: _date(c.ballot_deadline), width=11),
    ExportColumn("评定截止", lambda c: _date(c.grade_deadline), width=11),
    ExportColumn("公示开始", lambda c: _date(c.publicity_start), width=11),
    ExportColumn("公示结束", lambda c: _date(c.publicity_end), width=11),
]

REVIEW_EXPORT = [
    ExportColumn("乡镇(街道)", lambda r: r.township.name, width=12),
    ExportColumn("村(社区)", lambda r: r.village.name, width=12),
    ExportColumn("姓名", lambda r: r.person.name, width=8),
    ExportColumn("身份证号", lambda r: r.person.id_number, personal="id", width=21),
    ExportColumn("职务（考核时）", lambda r: r.post_name, width=16),
    ExportColumn("述职", lambda r: _mark(r.duty_report or r.file_count), width=6),
    ExportColumn("乡镇测评", lambda r: _mark(r.township_ballot_id), width=8),
    ExportColumn("民主测评", lambda r: _mark(r.members_ballot_id), width=8),
    ExportColumn("日常工作分", lambda r: float(r.daily_score) if r.daily_score is not None else "", width=9),
    ExportColumn("综合得分", lambda r: float(r.result.score) if _result(r) and r.result.score is not None else "", width=9),
    ExportColumn("等次", lambda r: (r.result.grade_label or r.result.get_status_display()) if _result(r) else "未计算", width=10),
]

PROPOSAL_EXPORT = [
    ExportColumn("年度", lambda p: p.year, width=6),
    ExportColumn("乡镇(街道)", lambda p: p.review.township.name, width=12),
    ExportColumn("村(社区)", lambda p: p.review.village.name, width=12),
    ExportColumn("姓名", lambda p: p.person.name, width=8),
    ExportColumn("身份证号", lambda p: p.person.id_number, personal="id", width=21),
    ExportColumn("处理", choice_label("kind"), width=12),
    ExportColumn("依据", lambda p: p.reason, width=40),
    ExportColumn("状态", choice_label("status"), width=10),
    ExportColumn("开始日期", lambda p: _date(p.start_date), width=11),
    ExportColumn("截止日期", lambda p: _date(p.end_date), width=11),
    ExportColumn("处理意见", lambda p: p.decision_note, width=30),
    ExportColumn("处理人", lambda p: str(p.decided_by) if p.decided_by_id else "", width=10),
]


def _result(review):
    try:
        return review.result
    except AnnualReview.result.RelatedObjectDoesNotExist:
        return None


# ---------------------------------------------------------------------------------------------
# Campaigns and the dashboard
# ---------------------------------------------------------------------------------------------


class CampaignListView(PageView):
    template_name = "assessments/campaign_list.html"
    title = "年度考核（双述双评）"

    def get(self, request, export=False):
        qs = selectors.campaign_list(user=request.user)
        if export:
            return export_queryset(
                user=request.user, queryset=qs, columns=CAMPAIGN_EXPORT, what="年度考核", filters=request.GET.dict()
            )
        return self.render({"rows": list(qs)})


class CampaignCreateView(ObjectFormView):
    template_name = "assessments/campaign_form.html"
    form_class = forms.CampaignForm
    permission = "assessments.add_reviewcampaign"
    title = "开启年度考核"
    success_message = "已开启年度考核。"

    def perform(self, form):
        campaign = services.campaign_create(by=self.request.user, **form.cleaned_data)
        return reverse("assessments:campaign_detail", args=[campaign.year])


class CampaignEditView(ObjectFormView):
    template_name = "assessments/campaign_form.html"
    form_class = forms.CampaignForm
    permission = "assessments.change_reviewcampaign"
    success_message = "已保存考核安排。"

    def get_object(self):
        return selectors.campaign_get(user=self.request.user, year=self.kwargs["year"])

    def get_form_kwargs(self):
        return {"editing": True}

    def get_initial(self):
        return {f: getattr(self.object, f) for f in services.CAMPAIGN_FIELDS}

    def get_context(self, form):
        return {"form": form, "object": self.object, "title": f"修改{self.object.year}年度考核安排"}

    def perform(self, form):
        services.campaign_update(campaign=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("assessments:campaign_detail", args=[self.object.year])


CAMPAIGN_TOWNSHIPS_PER_PAGE = 40


class CampaignDetailView(PageView):
    template_name = "assessments/campaign_detail.html"

    def get(self, request, year):
        campaign = selectors.campaign_get(user=request.user, year=year)
        rules = rules_for_year(year)
        progress = selectors.township_progress(user=request.user, year=year, quota_grades=rules.quota_grades)
        county_quota = None
        if rules.quota_scope == "county":
            use = selectors.county_quota_use(year=year, quota_grades=rules.quota_grades)
            county_quota = {"quota": quota_slots(use["reviews"], rules), "used": use["used"]}
        else:
            for row in progress:
                row["quota"] = quota_slots(row["reviews"], rules)
                row["quota_over"] = row["quota_used"] > row["quota"]
        runs = list(selectors.rollup_run_list(user=request.user, year=year)[:5])
        today, dates = core_dates.today(), deadlines.campaign_deadlines(campaign)
        late = deadlines.overdue_phases(phase=campaign.phase, deadlines=dates, today=today)
        for row in progress:
            row["overdue"] = deadlines.overdue_township(phase=campaign.phase, deadlines=dates, today=today, progress=row)
        # A county's 15–30 townships on one screen; a prefecture's hundreds page by page (the
        # totals below the table are still the whole campaign's).
        page = Paginator(progress, CAMPAIGN_TOWNSHIPS_PER_PAGE).get_page(request.GET.get("page"))
        shown = [row["township"].pk for row in page.object_list]
        meetings = (
            selectors.meeting_townships(user=request.user, year=year, township_ids=shown)
            if can(request.user, "assessments.view_annualreview")
            else []
        )
        return self.render(
            {
                "campaign": campaign,
                "page_obj": page,
                "phases": [
                    (p, p.label, i < campaign.phase_index, p == campaign.phase, late.get(p.value))
                    for i, p in enumerate(PHASE_ORDER)
                ],
                "overdue": late,
                "progress": progress,
                "totals": {
                    k: sum(r[k] for r in progress)
                    for k in (
                        "reviews",
                        "reports",
                        "township_ballots",
                        "members_ballots",
                        "daily",
                        "graded",
                        "ties",
                        "invalid",
                        "quota_used",
                        *(() if county_quota else ("quota",)),
                    )
                },
                "county_quota": county_quota,
                "quota_label": "、".join(rules.grade_name(c) for c in rules.quota_grades) or "优秀",
                "quota_percent": rules.quota_percent,
                "runs": runs,
                "scheduled_date": services.rollup_scheduled_date(year),
                "open_proposals": selectors.open_proposal_count(user=request.user),
                "meetings": meetings,
                "advance": _advance_statement(campaign),
                "title": f"{year}年度双述双评",
            }
        )


def _advance_statement(campaign) -> tuple[str, str]:
    """(title, what will happen) of moving a campaign to its next phase: every step is final."""
    index = PHASE_ORDER.index(campaign.phase)
    if index == len(PHASE_ORDER) - 1:
        return "考核已归档", "考核已归档，不能再推进。"
    target = PHASE_ORDER[index + 1]
    if target == Phase.PUBLICITY:
        return (
            "确认发布结果（进入公示）",
            f"进入公示后，{campaign.year}年度全部考核等次将锁定并向社会公示，乡镇不能再录入或修改述职、测评和评分；"
            "如需更正只能办理结果更正。阶段不能退回。",
        )
    if target == Phase.ARCHIVE:
        return "确认归档", f"归档后，{campaign.year}年度考核结束，结果作为绩效报酬和后续处理的依据，不能再变动。阶段不能退回。"
    return (
        f"确认进入“{target.label}”阶段",
        f"{campaign.year}年度考核将从“{campaign.get_phase_display()}”进入“{target.label}”阶段，阶段不能退回。",
    )


class CampaignActionView(PageView):
    """POST-only actions on a campaign: generate reviews, advance the phase, start the rollup."""

    def post(self, request, year, action):
        campaign = selectors.campaign_get(user=request.user, year=year)
        try:
            if action == "generate":
                n = services.reviews_generate(campaign=campaign, by=request.user)
                messages.success(request, f"已生成{n}名村党组织书记的考核对象（已有的不重复生成）。")
            elif action == "advance":
                if not is_confirmed(request):  # irreversible: publishing results locks them
                    require(request.user, "assessments.advance_campaign", campaign)
                    title, statement = _advance_statement(campaign)
                    back = reverse("assessments:campaign_detail", args=[year])
                    return confirmation_page(request, title=title, statement=statement, button=title, back_url=back)
                campaign = services.campaign_advance(campaign=campaign, by=request.user)
                messages.success(request, f"已进入“{campaign.get_phase_display()}”阶段。")
            elif action == "rollup":
                township = (
                    get_scoped_or_404(request.user, Township, pk=request.POST["township"])
                    if request.POST.get("township")
                    else None
                )
                run = services.rollup_request(year=year, by=request.user, township=township)
                return redirect("assessments:rollup_detail", pk=run.pk)
            else:
                raise Http404
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
        return redirect("assessments:campaign_detail", year=year)


class RollupDetailView(PageView):
    """Progress of a rollup run; the progress card polls itself with htmx while running."""

    template_name = "assessments/rollup_detail.html"

    def get(self, request, pk):
        run = selectors.rollup_run_get(user=request.user, pk=pk)
        if request.headers.get("HX-Request") or request.GET.get("partial"):
            self.template_name = "assessments/_rollup_progress.html"
        return self.render({"run": run, "title": f"{run.year}年度汇总计算"})


# ---------------------------------------------------------------------------------------------
# Reviews: entry per township
# ---------------------------------------------------------------------------------------------


class ReviewListView(PageView):
    template_name = "assessments/review_list.html"

    def get(self, request, year, export=False):
        campaign = selectors.campaign_get(user=request.user, year=year)
        query, filter_form = _query(request, ReviewFilter, path_year=True)
        filters = _cleaned(filter_form, "township", "q", "status")
        qs = selectors.review_list(user=request.user, year=year, filters=query)
        if export:
            return export_queryset(
                user=request.user,
                queryset=qs,
                columns=REVIEW_EXPORT,
                what=f"{year}年度考核录入",
                filters=request.GET.dict(),
                title=f"{year}年度双述双评考核录入情况",
            )
        page = _page(request, qs)
        return self.render(
            {
                "campaign": campaign,
                "page_obj": page,
                "rows": page.object_list,
                "townships": scoped(request.user, Township),
                "filters": filters,
                "filter_form": filter_form,
                "statuses": ReviewEntryStatus.choices,
                # the row's 录入 link: asked once for the page, not for every row
                "may_tally": can(request.user, "assessments.add_ballottally"),
                "may_edit": can(request.user, "assessments.change_annualreview"),
                "title": f"{year}年度考核录入",
            }
        )


class ReviewDetailView(PageView):
    template_name = "assessments/review_detail.html"

    def get(self, request, pk):
        review = selectors.review_get(user=request.user, pk=pk)
        parts = selectors.review_detail_parts(review=review)
        options = section_for_year(review.year).get("ballot_options", [])
        tallies = [
            {
                "group": g,
                "label": g.label,
                "tally": parts["tallies"].get(g.value),
                "cells": [
                    (o["name"], (parts["tallies"][g.value].counts.get(o["code"], 0) if g.value in parts["tallies"] else None))
                    for o in options
                ],
            }
            for g in RaterGroup
        ]
        return self.render(
            {
                "review": review,
                "campaign": review.campaign,
                **parts,
                "tallies": tallies,
                "file_form": forms.ReviewFileForm(),
                "items_by_kind": {k.label: [i for i in parts["items"] if i.kind == k] for k in ItemKind},
                "title": f"{review.year}年度考核：{review.person.name}",
            }
        )


class ReviewEditView(ObjectFormView):
    template_name = "assessments/review_form.html"
    form_class = forms.ReviewForm
    permission = "assessments.change_annualreview"
    success_message = "已保存考核录入。"

    def get_object(self):
        return selectors.review_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {"year": self.object.year}

    def get_initial(self):
        items = selectors.review_detail_parts(review=self.object)["items"]
        initial = {f: getattr(self.object, f) for f in services.REVIEW_FIELDS}
        for kind, name in ((ItemKind.ADJUST, "adjust_items"), (ItemKind.VETO, "veto_items"), (ItemKind.STAR, "star_items")):
            initial[name] = [i.code for i in items if i.kind == kind]
        return initial

    def get_context(self, form):
        return {"form": form, "review": self.object, "title": f"录入{self.object.year}年度考核：{self.object.person.name}"}

    def perform(self, form):
        data = form.cleaned_data
        user = self.request.user
        services.review_update(review=self.object, by=user, **{f: data[f] for f in services.REVIEW_FIELDS})
        for kind, name in ((ItemKind.ADJUST, "adjust_items"), (ItemKind.VETO, "veto_items"), (ItemKind.STAR, "star_items")):
            services.review_items_set(review=self.object, by=user, kind=kind, codes=data[name])
        services.review_recompute(review=self.object, by=user)
        return reverse("assessments:review_detail", args=[self.object.pk])


class BallotEditView(ObjectFormView):
    template_name = "assessments/ballot_form.html"
    form_class = forms.BallotForm
    permission = "assessments.add_ballottally"
    success_message = "已保存测评票。"

    def get_object(self):
        if self.kwargs["group"] not in RaterGroup.values:
            raise Http404
        return selectors.review_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {"year": self.object.year}

    def get_initial(self):
        tally = selectors.review_detail_parts(review=self.object)["tallies"].get(self.kwargs["group"])
        if tally is None:
            return {}
        return {
            "entitled": tally.entitled,
            "attended": tally.attended,
            "invalid_ballots": tally.invalid_ballots,
            "meeting_date": tally.meeting_date,
            **{f"opt_{k}": v for k, v in tally.counts.items()},
        }

    def get_context(self, form):
        label = RaterGroup(self.kwargs["group"]).label
        return {"form": form, "review": self.object, "title": f"{label}：{self.object.person.name}"}

    def perform(self, form):
        d = form.cleaned_data
        services.ballot_tally_save(
            review=self.object,
            by=self.request.user,
            group=self.kwargs["group"],
            entitled=d["entitled"],
            attended=d["attended"],
            counts=form.counts(),
            invalid_ballots=d.get("invalid_ballots") or 0,
            meeting_date=d.get("meeting_date"),
        )
        if self.request.GET.get("from") == "list":
            # Entered from the review list: on to the other group's ballots if still missing, else back.
            missing = [g for g in RaterGroup.values if g != self.kwargs["group"]]
            if missing and not self.object.tallies.filter(group=missing[0]).exists():
                return reverse("assessments:ballot_edit", args=[self.object.pk, missing[0]]) + "?from=list"
            return reverse("assessments:review_list", args=[self.object.year])
        return reverse("assessments:review_detail", args=[self.object.pk])


class ReviewFileUploadView(PageView):
    def post(self, request, pk):
        review = selectors.review_get(user=request.user, pk=pk)
        form = forms.ReviewFileForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.review_file_add(
                    review=review, by=request.user, kind=form.cleaned_data["kind"], uploaded=form.cleaned_data["file"]
                )
                messages.success(request, "已上传述职材料。")
            except ValidationError as exc:
                messages.error(request, _error_text(exc))
        else:
            messages.error(request, "请选择材料类别和文件。")
        return redirect("assessments:review_detail", pk=pk)


class ReviewFileDownloadView(PageView):
    def get(self, request, pk):
        item = selectors.review_file_get(user=request.user, pk=pk)
        return FileResponse(item.file.open("rb"), as_attachment=True, filename=item.original_name)


# ---------------------------------------------------------------------------------------------
# Results: per township and county, export, override, amendment
# ---------------------------------------------------------------------------------------------

RESULT_EXPORT = [
    ExportColumn("乡镇(街道)", lambda r: r.township.name, width=12),
    ExportColumn("村(社区)", lambda r: r.village.name, width=12),
    ExportColumn("姓名", lambda r: r.person.name, width=8),
    ExportColumn("职务", lambda r: r.review.post_name, width=14),
    ExportColumn("综合得分", lambda r: float(r.score) if r.score is not None else "", width=9),
    ExportColumn("等次", lambda r: r.grade_label or r.get_status_display(), width=10),
    ExportColumn("村排名", lambda r: r.rank or "", width=7),
    ExportColumn("参与排名村数", lambda r: r.rank_total or "", width=8),
    ExportColumn("村类别", lambda r: r.village_category_label, width=8),
    ExportColumn("星级", lambda r: r.stars, width=6),
    ExportColumn("得分计算过程", lambda r: r.score_explanation, width=50),
    ExportColumn("等次依据", lambda r: r.grade_explanation.replace("\n", "；"), width=60),
    ExportColumn("星级理由", lambda r: "；".join(r.star_reasons), width=40),
    ExportColumn("已锁定", lambda r: r.locked, width=6),
]


class ResultListView(PageView):
    template_name = "assessments/result_list.html"

    def get(self, request, year, export=False):
        campaign = selectors.campaign_get(user=request.user, year=year)
        query, filter_form = _query(request, ResultFilter, path_year=True)
        filters = _cleaned(filter_form, "township", "grade", "status", "category", "village_category")
        filters["category"] = filters.pop("category") or filters.pop("village_category")
        qs = selectors.result_list(user=request.user, year=year, filters=query)
        township = get_scoped_or_404(request.user, Township, pk=filters["township"]) if filters["township"] else None
        if export:
            scope = township.name if township else "全县"
            return export_queryset(
                user=request.user,
                queryset=qs,
                columns=RESULT_EXPORT,
                what=f"{year}年度双述双评结果",
                filters=request.GET.dict(),
                title=f"{year}年度村党组织书记双述双评考核结果（{scope}）",
            )
        page = _page(request, qs)
        section = section_for_year(year)
        return self.render(
            {
                "campaign": campaign,
                "page_obj": page,
                "rows": page.object_list,
                "townships": scoped(request.user, Township),
                "township": township,
                "filters": filters,
                "filter_form": filter_form,
                "grades": section.get("grades", []),
                "categories": section.get("categories", []),
                "statuses": ResultStatus.choices,
                "title": f"{year}年度考核结果" + (f"（{township.name}）" if township else ""),
            }
        )


class ResultOverrideView(ObjectFormView):
    template_name = "assessments/result_form.html"
    form_class = forms.OverrideForm
    success_message = "已确定等次。"

    def get_object(self):
        return selectors.result_get(user=self.request.user, pk=self.kwargs["pk"])

    def has_permission(self):
        user = self.request.user
        return can(user, "assessments.override_result") or (
            can(user, "assessments.resolve_tie") and self.object.status == ResultStatus.TIE
        )

    def get_form_kwargs(self):
        return {"year": self.object.year}

    def get_context(self, form):
        tie = self.object.status == ResultStatus.TIE
        return {
            "form": form,
            "result": self.object,
            "title": ("决定名额并列人选" if tie else "人工确定等次") + f"：{self.object.person.name}",
        }

    def perform(self, form):
        services.result_override(result=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("assessments:review_detail", args=[self.object.review_id])


class ResultAmendView(ObjectFormView):
    template_name = "assessments/result_form.html"
    form_class = forms.AmendForm
    permission = "assessments.amend_result"
    success_message = "已更正结果。"

    def get_object(self):
        return selectors.result_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {"year": self.object.year}

    def get_context(self, form):
        return {"form": form, "result": self.object, "title": f"更正已公示结果：{self.object.person.name}"}

    def perform(self, form):
        services.result_amend(result=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("assessments:review_detail", args=[self.object.review_id])


# ---------------------------------------------------------------------------------------------
# Multi-year matrices
# ---------------------------------------------------------------------------------------------


class MatrixView(PageView):
    template_name = "assessments/matrix.html"

    def get(self, request, by):
        if by not in ("person", "village"):
            raise Http404
        # Only the township narrows the matrix (checked as ResultFilter's ?township=).
        query, filter_form = _query(request, ResultFilter, only=("township",))
        filters = _cleaned(filter_form, "township")
        data = selectors.results_matrix(user=request.user, by=by, filters=query)
        page = Paginator(data["rows"], PAGE_SIZE).get_page(request.GET.get("page"))
        return self.render(
            {
                "by": by,
                "years": data["years"],
                "page_obj": page,
                "rows": page.object_list,
                "townships": scoped(request.user, Township),
                "filters": filters,
                "filter_form": filter_form,
                "title": "历年考核结果（" + ("按人员" if by == "person" else "按村") + "）",
            }
        )


class PersonResultsView(PageView):
    template_name = "assessments/person_results.html"

    def get(self, request, pk):
        person = get_scoped_or_404(request.user, Person, pk=pk)
        return self.render(
            {
                "person": person,
                **selectors.person_section_context(user=request.user, person=person),
                "title": f"历年考核：{person.name}",
            }
        )


class VillageResultsView(PageView):
    template_name = "assessments/village_results.html"

    def get(self, request, pk):
        village = get_scoped_or_404(request.user, Village.objects.select_related("township"), pk=pk)
        return self.render(
            {
                "village": village,
                "township": village.township,
                "results": selectors.village_results(user=request.user, village=village),
                "title": f"历年考核：{village.name}",
            }
        )


# ---------------------------------------------------------------------------------------------
# Consequence proposals
# ---------------------------------------------------------------------------------------------


class ProposalListView(PageView):
    template_name = "assessments/proposal_list.html"
    title = "考核后续处理"

    def get(self, request, export=False):
        query, filter_form = _query(request, ProposalFilter)
        filters = _cleaned(filter_form, "year", "status", "kind")
        qs = selectors.proposal_list(user=request.user, filters=query)
        if export:
            return export_queryset(
                user=request.user, queryset=qs, columns=PROPOSAL_EXPORT, what="考核后续处理", filters=request.GET.dict()
            )
        page = _page(request, qs)
        return self.render(
            {
                "page_obj": page,
                "rows": page.object_list,
                "filters": filters,
                "filter_form": filter_form,
                "statuses": ProposalStatus.choices,
                "kinds": ProposalKind.choices,
            }
        )


class ProposalActionView(ObjectFormView):
    template_name = "assessments/proposal_form.html"
    permission = "assessments.decide_proposal"
    FORMS = {"confirm": forms.ProposalConfirmForm, "dismiss": forms.ProposalDismissForm, "reballot": forms.ReballotForm}

    def dispatch(self, request, *args, **kwargs):
        if kwargs.get("action") not in self.FORMS:
            raise Http404
        self.form_class = self.FORMS[kwargs["action"]]
        return super().dispatch(request, *args, **kwargs)

    def get_object(self):
        return selectors.proposal_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context(self, form):
        verb = {"confirm": "确认", "dismiss": "不予采纳", "reballot": "登记再测评结果"}[self.kwargs["action"]]
        return {
            "form": form,
            "proposal": self.object,
            "title": f"{verb}：{self.object.person.name} {self.object.get_kind_display()}",
        }

    def perform(self, form):
        action, user, data = self.kwargs["action"], self.request.user, form.cleaned_data
        if action == "confirm":
            services.proposal_confirm(proposal=self.object, by=user, **data)
        elif action == "dismiss":
            services.proposal_dismiss(proposal=self.object, by=user, **data)
        else:
            services.reballot_record(proposal=self.object, by=user, **data)
        return reverse("assessments:proposal_list")


# ---------------------------------------------------------------------------------------------
# Official forms: 测评票 and 汇总表 of a village's meeting, or of every village of a township
# ---------------------------------------------------------------------------------------------


class TownshipMeetingFormsView(PageView):
    """One township's villages with someone to review in the year, each with its ballots and
    tally sheet (the campaign page lists the townships: at prefecture scale all the villages on
    one page would be thousands of forms)."""

    template_name = "assessments/township_meetings.html"

    def get(self, request, year, pk):
        user = request.user
        campaign = selectors.campaign_get(user=user, year=year)
        township = get_scoped_or_404(user, Township, pk=pk)
        require(user, "assessments.view_annualreview", township)
        found = selectors.meeting_villages(user=user, year=year, township_id=township.pk)
        return self.render(
            {
                "campaign": campaign,
                "township": township,
                "villages": found[0]["villages"] if found else [],
                "title": f"{year}年度{township.name}测评票及汇总表",
            }
        )


class MeetingFormView(PageView):
    """The ballots (``kind="ballots"``, ``?copies=N`` per village, A4 portrait, one ballot a page)
    or the tally sheet (``kind="tally"``, A4 landscape, 计票人/监票人 lines) of one village
    (``scope="village"``) or of every village of a township with someone to review
    (``scope="township"``), as one PDF; logged."""

    kind = "ballots"
    scope = "village"

    def get(self, request, year, pk):
        user = request.user
        campaign = selectors.campaign_get(user=user, year=year)
        place = get_scoped_or_404(user, Village if self.scope == "village" else Township, pk=pk)
        require(user, "assessments.view_annualreview", place)
        village = place if self.scope == "village" else None
        township = place if self.scope == "township" else None
        reviews = selectors.meeting_reviews(user=user, year=year, village=village, township=township)
        blocks = of.by_village(reviews)
        copies = 1
        if self.kind == "ballots":
            try:
                copies = of.parse_copies(request.GET.get("copies"), villages=max(1, len(blocks)))
            except ValidationError as exc:
                messages.error(request, "；".join(exc.messages))
                return redirect("assessments:campaign_detail", year=year)
        options = of.ballot_options(year)
        where = f"{place.township.name}{place.name}" if village else place.name
        form = "测评票" if self.kind == "ballots" else "测评票汇总表"
        context = {
            "campaign": campaign,
            "year": year,
            "options": options,
            "empty_text": f"{where}{year}年度没有考核对象。",
            "title": f"{year}年度{where}双述双评{form}",
        }
        if self.kind == "ballots":
            context |= {"blocks": blocks, "copy_range": range(copies), "instructions": of.INSTRUCTIONS}
            template = "assessments/forms/ballots.html"
        else:
            context |= {"blocks": of.tally_blocks(reviews, [o["code"] for o in options]), "landscape": True}
            template = "assessments/forms/tally.html"
        return pdf_download(
            request=request,
            template_name=template,
            context=context,
            filename=f"{year}年度{where}{form}",
            what=f"双述双评{form}PDF：{year}年度{where}" + (f"，每村{copies}份" if self.kind == "ballots" else ""),
            filters={"year": year, self.scope: place.pk, **({"copies": copies} if self.kind == "ballots" else {})},
            rows=len(reviews),
        )
