"""Pages of the reserve pool. Thin: parse → selector (reads) or service (writes) → render.

Every object is loaded through a scoped selector first (404 outside the scope, exactly like a
missing row); services raise field-keyed ValidationError (shown on the form, nothing written)
and PermissionDenied (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from cadres.models import Person, Township
from core import dates as core_dates
from core.access import can, require
from core.exports import ExportColumn, export_queryset
from core.forms import add_service_errors
from core.scope import get_scoped_or_404, scoped
from core.views import ListPageView, ObjectFormView, PageView

from . import forms, rules, selectors, services
from .access import DECIDE, MAINTAIN
from .choices import OPEN_STATUSES, Status
from .filters import ReserveCandidateFilter
from .ledgers import BASE, LEDGERS
from .policy_section import reserve_rules

# ---------------------------------------------------------------------------------------------
# Who may do what (mirrors services; used to show forms and to answer 403 before parsing)
# ---------------------------------------------------------------------------------------------


def allowed_actions(user, candidate) -> dict[str, bool]:
    writer = can(user, MAINTAIN, candidate)
    county = can(user, DECIDE, candidate)
    status = candidate.status
    is_open = status in OPEN_STATUSES
    return {
        "nominate": writer and status == Status.SURVEYED,
        "review": county and status == Status.NOMINATED,
        "pool": county and status == Status.REVIEWING,
        "appoint": county and status == Status.POOLED,
        "exit": county and is_open,
        "mentor": writer and is_open,
        "mentor_end": writer and is_open,
        "practice": writer and is_open,
        "practice_assess": writer and is_open,
        "appraisal": writer and is_open,
        "party": writer and is_open,
    }


# ---------------------------------------------------------------------------------------------
# List, survey, detail
# ---------------------------------------------------------------------------------------------


class CandidateListView(ListPageView):
    template_name = "reserves/candidate_list.html"
    title = "后备力量"
    filterset_class = ReserveCandidateFilter
    export_name = "后备力量名单"
    export_columns = BASE
    sort_options = {
        "village": ("village__township__sort_order", "village__code", "cohort", "id"),
        "name": ("person__name", "id"),
        "status": ("status", "id"),
        "surveyed": ("-surveyed_on", "-id"),
    }
    default_sort = "village"

    def get_queryset(self):
        return selectors.candidate_list(user=self.request.user, filters=self.request.GET, request=self.request)

    def extra_context(self) -> dict:
        user = self.request.user
        return {"can_add": can(user, MAINTAIN), "township": None}


class CandidateCreateView(ObjectFormView):
    template_name = "reserves/candidate_form.html"
    form_class = forms.SurveyForm
    title = "村级摸底：录入后备力量"
    success_message = "已录入后备力量（村级摸底），请办理乡镇推荐。"

    permission = MAINTAIN

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def get_initial(self):
        initial = {"cohort": selectors.default_cohort(), "surveyed_on": core_dates.today()}
        person_pk = self.request.GET.get("person", "")
        if person_pk.isascii() and person_pk.isdigit():
            person = scoped(self.request.user, Person).filter(pk=person_pk).first()
            if person is not None:
                initial["id_number"] = person.id_number
        return initial

    def get_context(self, form):
        return {"form": form, "rules": reserve_rules()["eligibility"]}

    def perform(self, form):
        data = dict(form.cleaned_data)
        data.pop("id_number")
        candidate = services.reserve_survey(by=self.request.user, **data)
        return reverse("reserves:candidate_detail", args=[candidate.pk])


def _detail_context(request, candidate, **bound) -> dict:
    user = request.user
    today = core_dates.today()
    can = allowed_actions(user, candidate)
    action_forms = {
        "nominate": forms.StepForm(prefix="nominate"),
        "review": forms.StepForm(prefix="review"),
        "pool": forms.StepForm(prefix="pool"),
        "appoint": forms.AppointForm(prefix="appoint", initial={"post": candidate.intended_post, "start_date": today}),
        "exit": forms.ExitForm(prefix="exit"),
        "mentor": forms.MentorshipForm(prefix="mentor", initial={"start_date": today}),
        "practice": forms.PracticePostForm(prefix="practice", initial={"start_date": today}),
        "appraisal": forms.AppraisalForm(prefix="appraisal", initial={"year": today.year}),
        "party": forms.PartyStageForm(prefix="party"),
    }
    action_forms.update(bound)
    return {
        "candidate": candidate,
        "person": candidate.person,
        "village": candidate.village,
        "township": candidate.village.township,
        "events": selectors.candidate_events(candidate=candidate),
        "review": candidate.qualification_review,
        "dev": selectors.development_summary(candidate),
        "can": can,
        "forms": action_forms,
        "steps": [s for s in Status if s not in (Status.EXITED,)],
        "history": selectors.person_reserve_history(user=user, candidates=[candidate]),
        "title": f"{candidate.person.name} · {candidate.cohort}届后备力量",
    }


class CandidateDetailView(PageView):
    template_name = "reserves/candidate_detail.html"

    def get(self, request, pk):
        candidate = selectors.candidate_get(user=request.user, pk=pk)
        return self.render(_detail_context(request, candidate))


# ---------------------------------------------------------------------------------------------
# Actions (POST): pipeline steps and development records
# ---------------------------------------------------------------------------------------------


def _svc_nominate(view, form):
    services.reserve_nominate(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


def _svc_review(view, form):
    services.reserve_review_request(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


def _svc_pool(view, form):
    services.reserve_pool_enter(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


def _svc_appoint(view, form):
    services.reserve_appoint(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


def _svc_exit(view, form):
    services.reserve_exit(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


def _svc_mentor(view, form):
    services.mentorship_add(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


def _svc_mentor_end(view, form):
    mentorship = selectors.mentorship_get(user=view.request.user, candidate=view.candidate, pk=view.kwargs["sub_pk"])
    services.mentorship_end(mentorship=mentorship, by=view.request.user, **form.cleaned_data)


def _svc_practice(view, form):
    services.practice_post_add(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


def _svc_practice_assess(view, form):
    practice = selectors.practice_post_get(user=view.request.user, candidate=view.candidate, pk=view.kwargs["sub_pk"])
    services.practice_post_assess(practice=practice, by=view.request.user, **form.cleaned_data)


def _svc_appraisal(view, form):
    services.appraisal_record(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


def _svc_party(view, form):
    services.party_stage_record(candidate=view.candidate, by=view.request.user, **form.cleaned_data)


ACTIONS = {
    "nominate": (forms.StepForm, _svc_nominate, "已办理乡镇推荐，待县级审核。"),
    "review": (forms.StepForm, _svc_review, "已提请资格联审（县级审核）。"),
    "pool": (forms.StepForm, _svc_pool, "资格联审已通过，已入库。"),
    "appoint": (forms.AppointForm, _svc_appoint, "已任用：任职已录入干部名册，后备力量记录已关闭。"),
    "exit": (forms.ExitForm, _svc_exit, "已办理退出。"),
    "mentor": (forms.MentorshipForm, _svc_mentor, "已添加导师帮带。"),
    "mentor_end": (forms.EndDateForm, _svc_mentor_end, "已结束帮带。"),
    "practice": (forms.PracticePostForm, _svc_practice, "已添加定岗锻炼。"),
    "practice_assess": (forms.PracticeAssessForm, _svc_practice_assess, "已保存锻炼评价。"),
    "appraisal": (forms.AppraisalForm, _svc_appraisal, "已录入年度测评。"),
    "party": (forms.PartyStageForm, _svc_party, "已记录入党进程。"),
}


class CandidateActionView(PageView):
    """POST-only step; errors re-render the detail page with the form and its messages."""

    template_name = "reserves/candidate_detail.html"
    action = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.kwargs = kwargs
        self.candidate = selectors.candidate_get(user=request.user, pk=kwargs["pk"])
        county_step = self.action in ("review", "pool", "appoint", "exit")
        require(request.user, DECIDE if county_step else MAINTAIN, self.candidate)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk, **kwargs):
        return redirect("reserves:candidate_detail", pk=pk)

    def post(self, request, pk, **kwargs):
        form_class, perform, message = ACTIONS[self.action]
        prefix = self.action if "sub_pk" not in kwargs else f"{self.action}-{kwargs['sub_pk']}"
        form = form_class(request.POST, prefix=prefix)
        if form.is_valid():
            try:
                perform(self, form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("reserves:candidate_detail", pk=pk)
        candidate = selectors.candidate_get(user=request.user, pk=pk)
        context = _detail_context(request, candidate, **{self.action: form})
        context["failed_action"] = self.action
        return self.render(context, status=400)


# ---------------------------------------------------------------------------------------------
# Coverage, structure
# ---------------------------------------------------------------------------------------------


def _cohort(request) -> int:
    form = forms.CohortForm(request.GET)
    if form.is_valid() and form.cleaned_data.get("cohort"):
        return form.cleaned_data["cohort"]
    return selectors.default_cohort()


def _coverage_township(request) -> Township | None:
    """The coverage page's ?township=<id>: one township in the user's scope (404 otherwise)."""
    raw = request.GET.get("township", "")
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()):  # "²".isdigit() is true, int("²") fails
        raise Http404("未找到该乡镇(街道)。")
    return get_scoped_or_404(request.user, Township, pk=int(raw))


class CoverageView(PageView):
    """Per village against the target; ``?township=`` narrows to one township (dashboard bars)."""

    template_name = "reserves/coverage.html"
    title = "后备力量覆盖情况"

    def get(self, request):
        cohort = _cohort(request)
        township = _coverage_township(request)
        township_id = township.pk if township else None
        # The county's first screen is by township; each village of one township (or the export).
        by_village = township is not None or not request.user.sees_all_townships
        data = selectors.coverage(user=request.user, cohort=cohort, township_id=township_id, villages=by_village)
        return self.render(
            {
                **data,
                "by_village": by_village,
                "township": township,
                "township_options": scoped(request.user, Township).order_by("sort_order", "code"),
                "cohort_form": forms.CohortForm(initial={"cohort": cohort}),
                "proposals": selectors.adjustment_proposals(user=request.user, cohort=cohort, township_id=township_id),
            }
        )


def coverage_columns(target: int) -> list[ExportColumn]:
    return [
        ExportColumn("乡镇(街道)", lambda v: v.township.name, width=12),
        ExportColumn("村(社区)", lambda v: v.name, width=14),
        ExportColumn("入库人数", lambda v: v.pool_count, width=8),
        ExportColumn("目标人数", lambda v: target, width=8),
        ExportColumn("办理中", lambda v: v.open_count, width=8),
        ExportColumn("是否达标", lambda v: "达标" if rules.meets_target(v.pool_count, target) else "未达标", width=8),
        ExportColumn("缺口", lambda v: max(0, target - v.pool_count), width=6),
    ]


class CoverageExportView(PageView):
    """The coverage page's village table as .xlsx (same cohort and township), scoped and logged."""

    def get(self, request):
        cohort = _cohort(request)
        township = _coverage_township(request)
        target = selectors.target_per_village()
        qs = selectors.village_coverage(user=request.user, cohort=cohort, township_id=township.pk if township else None)
        where = township.name if township else ("全县" if request.user.sees_all_townships else request.user.township.name)
        name = f"{where}后备力量覆盖情况（{cohort}届）"
        return export_queryset(
            user=request.user, queryset=qs, columns=coverage_columns(target), what=name, filters=request.GET.dict(), title=name
        )


class StructureView(PageView):
    template_name = "reserves/structure.html"
    title = "后备力量结构分析"

    def get(self, request):
        cohort = _cohort(request)
        return self.render(
            {**selectors.structure(user=request.user, cohort=cohort), "cohort_form": forms.CohortForm(initial={"cohort": cohort})}
        )


# ---------------------------------------------------------------------------------------------
# Ledgers (exports)
# ---------------------------------------------------------------------------------------------


class LedgerExportView(PageView):
    """一人一档、一村一册、一镇一库: scoped, masked, logged .xlsx."""

    level = "county"

    def get(self, request, pk=None):
        user = request.user
        what, columns = LEDGERS[self.level]
        filters = request.GET.dict()
        filters.pop("page", None)
        if self.level == "county":
            qs = selectors.ledger_county(user=user, filters=filters)
            name = f"{'全县' if user.sees_all_townships else user.township.name}{what}"
        elif self.level == "township":
            township, qs = selectors.ledger_township(user=user, township_pk=pk, filters=filters)
            name = f"{township.name}{what}"
        else:
            village, qs = selectors.ledger_village(user=user, village_pk=pk, filters=filters)
            name = f"{village.township.name}{village.name}{what}"
        return export_queryset(user=user, queryset=qs, columns=columns, what=name, filters=filters, title=name)
