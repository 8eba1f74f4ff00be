"""Pages of the training app. Thin: parse → selector (reads) or service (writes) → render.

Every object is loaded through a scoped selector first (404 outside the user's scope), then the
role is checked by the service (403), then input is validated (field-keyed Chinese messages).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from cadres.models import Person, Township
from core import dates as core_dates
from core.access import can
from core.exports import ExportColumn, choice_label, export_rows, log_export, xlsx_response
from core.forms import add_service_errors
from core.imports.workbooks import write_xlsx
from core.policy import policy_for_year, post_choices
from core.scope import scoped
from core.views import PAGE_SIZE, ListPageView, PageView

from . import forms, selectors, services
from .access import MAINTAIN
from .choices import Level
from .filters import EducationUpgradeFilter, SessionFilter
from .policy_section import hour_rules, topic_choices, training_rules
from .rules import session_hours
from .sheets import COLUMNS


def _writer(user) -> bool:
    return can(user, MAINTAIN)


def _person_by_id_number(user, id_number: str) -> Person:
    person = scoped(user, Person).filter(id_number=id_number.strip().upper()).first()
    if person is None:
        raise ValidationError({"id_number": "没有这个身份证号的人员，或不在您的数据范围内。"})
    return person


# ---------------------------------------------------------------------------------------------
# Sessions
# ---------------------------------------------------------------------------------------------


SESSION_EXPORT = [
    ExportColumn("培训班编号", lambda s: s.code, width=12),
    ExportColumn("培训班名称", lambda s: s.title, width=30),
    ExportColumn("层级", choice_label("level"), width=8),
    ExportColumn("类型", choice_label("kind"), width=10),
    ExportColumn("主办单位", lambda s: s.organiser, width=16),
    ExportColumn("培训地点", lambda s: s.place, width=16),
    ExportColumn("组织乡镇", lambda s: s.township.name if s.township else "", width=10),
    ExportColumn("开始日期", lambda s: s.start_date, width=12),
    ExportColumn("结束日期", lambda s: s.end_date, width=12),
    ExportColumn("培训日程", lambda s: s.day_count_label(), width=22),
    ExportColumn("认定总学时", lambda s: s.hours_override, width=10),
    ExportColumn("计划人数", lambda s: s.capacity, width=8),
    ExportColumn("报名人数", lambda s: s.enrolled, width=8),
]


class SessionListView(ListPageView):
    template_name = "training/session_list.html"
    title = "培训班"
    filterset_class = SessionFilter
    export_name = "培训班"
    export_columns = SESSION_EXPORT

    def get_queryset(self):
        return selectors.session_list(user=self.request.user, filters=self.request.GET)

    def extra_context(self) -> dict:
        return {"can_write": _writer(self.request.user)}


class SessionFormMixin:
    def form(self, data=None, initial=None):
        user = self.request.user
        year = core_dates.today().year
        return forms.SessionForm(
            data,
            initial=initial,
            townships=scoped(user, Township),
            topics=topic_choices(training_rules(year)),
            clerk=user.is_clerk,
        )


class SessionCreateView(SessionFormMixin, PageView):
    template_name = "training/session_form.html"
    title = "登记培训班"

    def get(self, request):
        if not _writer(request.user):
            raise PermissionDenied("您没有维护培训数据的权限（只读）。")
        initial = {"level": Level.TOWNSHIP if request.user.is_clerk else Level.COUNTY}
        return self.render({"form": self.form(initial=initial)})

    def post(self, request):
        form = self.form(request.POST)
        if form.is_valid():
            try:
                session = services.session_create(by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已登记培训班 {session.code}。")
                return redirect("training:session_detail", pk=session.pk)
        return self.render({"form": form})


class SessionUpdateView(SessionFormMixin, PageView):
    template_name = "training/session_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.session = selectors.session_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        s = self.session
        initial = {
            **{f: getattr(s, f) for f in services.SESSION_FIELDS if f not in ("half_days", "off_days")},
            "half_days": ", ".join(s.half_days),
            "off_days": ", ".join(s.off_days),
        }
        return self.render({"form": self.form(initial=initial), "session": s, "title": f"修改培训班 {s.code}"})

    def post(self, request, pk):
        form = self.form(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            if request.user.is_clerk:
                data.pop("township", None)
            data["half_days"] = [d.isoformat() for d in data["half_days"]]
            data["off_days"] = [d.isoformat() for d in data["off_days"]]
            try:
                services.session_update(session=self.session, by=request.user, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已保存。")
                return redirect("training:session_detail", pk=pk)
        return self.render({"form": form, "session": self.session, "title": f"修改培训班 {self.session.code}"})


# Rows of the attendance grid on one page: a county session of a prefecture holds ~900 people ×
# 5 days of mark selectors (2 MB); the page shows them 50 at a time, as every list (the whole roster
# is on the sign-in sheet and its .xlsx). Marks are saved per field: saving one page leaves the others.
ROSTER_PAGE_SIZE = PAGE_SIZE


def _session_context(request, session, **bound) -> dict:
    user = request.user
    page = Paginator(selectors.session_roster(user=user, session=session), ROSTER_PAGE_SIZE).get_page(
        request.GET.get("page") or request.POST.get("page")
    )
    roster = list(page.object_list)
    profile = policy_for_year(session.start_date.year)  # one profile read for the whole page
    section = profile.section("training")
    hr = hour_rules(section)
    days = session.days()
    topics = dict(topic_choices(section))
    posts = [(p["code"], p["name"]) for p in sorted(profile.section("register")["posts"], key=lambda p: p.get("sort", 0))]
    can_write = _writer(user)
    can_enrol = can_write and (not user.is_clerk or session.township_id in (None, user.township_id))
    context = {
        "session": session,
        "days": days,
        "grid": selectors.roster_grid(session=session, roster=roster),
        "roster": roster,
        "page_obj": page,
        "roster_count": page.paginator.count,
        "session_hours": session_hours(days, hr, session.hours_override),
        "rules": hr,
        "topic_labels": [topics.get(t, t) for t in session.topics],
        "statuses": forms.ATTENDANCE_CHOICES,
        "can_edit": can_write and (not user.is_clerk or session.township_id == user.township_id),
        "can_enrol": can_enrol,
        "can_mark": can_write,
        "enrol_form": forms.EnrollForm(prefix="enrol"),
        "enrol_post_form": forms.EnrollPostForm(
            prefix="bypost", townships=scoped(user, Township), posts=posts, clerk=user.is_clerk
        ),
        "title": f"培训班 {session.code}",
        "full": page.paginator.count if session.capacity else None,
    }
    context.update(bound)
    return context


def _roster_page_redirect(pk: int, page: str | None):
    """Back to the session page, on the roster page the user was on."""
    url = reverse("training:session_detail", args=[pk])
    return redirect(f"{url}?page={int(page)}" if page and page.isdigit() and int(page) > 1 else url)


class SessionDetailView(PageView):
    template_name = "training/session_detail.html"

    def get(self, request, pk):
        session = selectors.session_get(user=request.user, pk=pk)
        return self.render(_session_context(request, session))


class SessionActionView(PageView):
    """POST-only actions on a session page; GET goes back to the page."""

    template_name = "training/session_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.session = selectors.session_get(user=request.user, pk=kwargs["pk"])
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return redirect("training:session_detail", pk=pk)


class SessionEnrollView(SessionActionView):
    def post(self, request, pk):
        form = forms.EnrollForm(request.POST, prefix="enrol")
        if form.is_valid():
            try:
                person = _person_by_id_number(request.user, form.cleaned_data["id_number"])
                services.enrollment_add(session=self.session, person=person, by=request.user)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已将{person.name}加入培训名单。")
                return redirect("training:session_detail", pk=pk)
        return self.render(_session_context(request, self.session, enrol_form=form), status=400)


class SessionEnrollPostView(SessionActionView):
    def post(self, request, pk):
        user = request.user
        form = forms.EnrollPostForm(
            request.POST, prefix="bypost", townships=scoped(user, Township), posts=post_choices(), clerk=user.is_clerk
        )
        if form.is_valid():
            try:
                added = services.session_enroll_post_holders(session=self.session, by=user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, f"已加入{added}人。")
                return redirect("training:session_detail", pk=pk)
        return self.render(_session_context(request, self.session, enrol_post_form=form), status=400)


class SessionAttendanceView(SessionActionView):
    """The attendance grid: fields ``m_<enrollment id>_<yyyymmdd>``; blank = unchanged."""

    def post(self, request, pk):
        marks: dict[int, dict] = {}
        for key, value in request.POST.items():
            if not key.startswith("m_") or not value:
                continue
            try:
                _, enrollment_id, day = key.split("_")
                marks.setdefault(int(enrollment_id), {})[datetime.datetime.strptime(day, "%Y%m%d").date()] = value  # noqa: DTZ007
            except ValueError:
                raise Http404 from None
        try:
            changed = services.session_attendance_record(session=self.session, by=request.user, marks=marks)
        except ValidationError as exc:
            return self.render(_session_context(request, self.session, attendance_errors=exc.messages), status=400)
        messages.success(request, f"已保存考勤（{changed}项变化），学时和结业证书已重新计算。")
        return _roster_page_redirect(pk, request.POST.get("page"))


class EnrollmentRemoveView(PageView):
    def post(self, request, pk):
        enrollment = selectors.enrollment_get(user=request.user, pk=pk)
        try:
            services.enrollment_remove(enrollment=enrollment, by=request.user)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, "已移出培训名单。")
        return redirect("training:session_detail", pk=enrollment.session_id)


class SignInSheetView(PageView):
    """The blank sign-in sheet the township prints, generated from the (scoped) roster."""

    template_name = "training/sign_in_sheet.html"

    def get(self, request, pk):
        session = selectors.session_get(user=request.user, pk=pk)
        roster = list(selectors.session_roster(user=request.user, session=session))
        return self.render(
            {
                "session": session,
                "days": session.days(),
                "roster": roster,
                "blank_rows": range(max(3, 20 - len(roster)) if len(roster) < 20 else 3),
                "title": f"签到表 {session.code}",
            }
        )


class SignInSheetXlsxView(PageView):
    """The same sheet as an .xlsx in the import layout (培训签到表), roster pre-filled."""

    def get(self, request, pk):
        session = selectors.session_get(user=request.user, pk=pk)
        roster = list(selectors.session_roster(user=request.user, session=session))
        ndays = len(session.days())
        cols = [c for c in COLUMNS if not c.key.startswith("day") or int(c.key[3:]) <= ndays]
        columns = [
            ExportColumn("序号", lambda pair: pair[0]),
            ExportColumn("培训班编号", lambda pair: session.code),
            ExportColumn("乡镇(街道)", lambda pair: pair[1].township.name),
            ExportColumn("村(社区)", lambda pair: pair[1].village.name if pair[1].village else ""),
            ExportColumn("姓名", lambda pair: pair[1].person.name),
            ExportColumn("身份证号", lambda pair: pair[1].person.id_number, personal="id", width=21),
            ExportColumn("职务", lambda pair: pair[1].post_name),
        ]
        rows = list(export_rows(request.user, list(enumerate(roster, start=1)), columns))
        headers = [c.label for c in cols]
        data = write_xlsx(
            headers,
            [[*row, *([""] * (len(headers) - len(row)))] for row in rows],
            sheet_title="签到表",
            title=f"{session.title}（{session.code}）签到表",
            widths=[c.width for c in cols],
            text_columns=[5],
        )
        log_export(user=request.user, what=f"培训签到表{session.code}", filters={"session": session.pk}, rows=len(rows))
        return xlsx_response(data, f"签到表{session.code}")


# ---------------------------------------------------------------------------------------------
# Coverage report (不漏一人)
# ---------------------------------------------------------------------------------------------


def _year(request) -> int:
    try:
        year = int(request.GET.get("year") or core_dates.today().year)
    except ValueError:
        raise Http404 from None
    if not 2000 <= year <= 2100:
        raise Http404
    return year


def _township_filter(request) -> int | None:
    raw = request.GET.get("township") or ""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or not scoped(request.user, Township).filter(pk=int(raw)).exists():
        raise Http404("未找到该乡镇，或不在您的数据范围内。")
    return int(raw)


COVERAGE_PAGE = 50


class CoverageView(PageView):
    template_name = "training/coverage.html"
    title = "培训覆盖情况"

    def get(self, request):
        year = _year(request)
        township_id = _township_filter(request)
        report = selectors.coverage_report_cached(user=request.user, year=year, township_id=township_id)
        # The first screen: the township table and 50 names of each list (a prefecture has
        # ~5,000 secretaries and ~10,000 members short of hours); each list pages on its own,
        # the whole report is the export.
        county = report.county
        lists = {
            "not_trained": county.not_trained,
            "trained": county.trained,
            "short": county.short_members,
            "induction": county.inductions,
        }
        pages = {name: Paginator(rows, COVERAGE_PAGE).get_page(request.GET.get(f"p_{name}")) for name, rows in lists.items()}
        return self.render(
            {
                "report": report,
                "pages": pages,
                "year": year,
                "township_id": township_id,
                "years": range(core_dates.today().year, core_dates.today().year - 6, -1),
                "townships": scoped(request.user, Township),
                "title": f"{year}年度培训覆盖情况",
            }
        )


class CoverageExportView(PageView):
    """One click: every secretary trained / not trained, by name, as .xlsx (masked, logged)."""

    def get(self, request):
        year = _year(request)
        township_id = _township_filter(request)
        report = selectors.coverage_report(user=request.user, year=year, township_id=township_id)
        columns = [
            ExportColumn("乡镇(街道)", lambda r: r.township),
            ExportColumn("村(社区)", lambda r: r.village),
            ExportColumn("姓名", lambda r: r.name),
            ExportColumn("身份证号", lambda r: r.id_number, personal="id", width=21),
            ExportColumn("现任职务", lambda r: r.posts, width=20),
            ExportColumn("是否参训", lambda r: "已参训" if r.trained else "未参训"),
            ExportColumn("县级以上轮训（次）", lambda r: r.county_sessions),
            ExportColumn("年度学时", lambda r: float(r.hours)),
            ExportColumn("应修学时", lambda r: float(r.required)),
            ExportColumn("差额学时", lambda r: float(r.short)),
        ]
        rows = list(export_rows(request.user, report.county.secretaries, columns))
        data = write_xlsx(
            [c.header for c in columns],
            rows,
            sheet_title="书记参训情况",
            title=f"{year}年度村党组织书记参训情况（截至{report.ref_date:%Y-%m-%d}）",
            widths=[c.width or 12 for c in columns],
            text_columns=[3],
        )
        log_export(user=request.user, what=f"{year}年度书记参训情况", filters=request.GET.dict(), rows=len(rows))
        return xlsx_response(data, f"{year}年度书记参训情况")


# ---------------------------------------------------------------------------------------------
# Education upgrades
# ---------------------------------------------------------------------------------------------


UPGRADE_EXPORT = [
    ExportColumn("乡镇(街道)", lambda u: u.township.name, width=10),
    ExportColumn("村(社区)", lambda u: u.village.name if u.village else "", width=12),
    ExportColumn("姓名", lambda u: u.person.name, width=10),
    ExportColumn("身份证号", lambda u: u.person.id_number, personal="id", width=21),
    ExportColumn("联系电话", lambda u: u.person.phone, personal="phone", width=13),
    ExportColumn("类别", choice_label("kind"), width=10),
    ExportColumn("就读院校", lambda u: u.school, width=18),
    ExportColumn("专业", lambda u: u.programme, width=16),
    ExportColumn("学历层次", choice_label("level"), width=10),
    ExportColumn("入学时间", lambda u: u.enrolled_on, width=12),
    ExportColumn("预计毕业时间", lambda u: u.expected_graduation, width=12),
    ExportColumn("实际毕业时间", lambda u: u.actual_graduation, width=12),
    ExportColumn("状态", choice_label("status"), width=8),
    ExportColumn("学费（元）", lambda u: u.tuition_fee, width=10),
    ExportColumn("学费补贴（元）", lambda u: u.tuition_subsidy, width=12),
    ExportColumn("学费补贴核定日期", lambda u: u.tuition_subsidy_date, width=14),
    ExportColumn("学历补贴（元）", lambda u: u.diploma_subsidy, width=12),
    ExportColumn("学历补贴核定日期", lambda u: u.diploma_subsidy_date, width=14),
]


class UpgradeListView(ListPageView):
    template_name = "training/upgrade_list.html"
    title = "学历提升"
    filterset_class = EducationUpgradeFilter
    export_name = "学历提升"
    export_columns = UPGRADE_EXPORT

    def get_queryset(self):
        return selectors.upgrade_list(user=self.request.user, filters=self.request.GET)

    def extra_context(self) -> dict:
        return {"can_write": _writer(self.request.user)}


class UpgradeCreateView(PageView):
    template_name = "training/upgrade_form.html"
    title = "登记学历提升"

    def get(self, request):
        if not _writer(request.user):
            raise PermissionDenied("您没有维护培训数据的权限（只读）。")
        return self.render({"form": forms.UpgradeForm(initial={"id_number": request.GET.get("id_number", "")})})

    def post(self, request):
        form = forms.UpgradeForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                person = _person_by_id_number(request.user, data.pop("id_number"))
                upgrade = services.upgrade_create(by=request.user, person=person, **data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, "已登记。")
                return redirect("training:upgrade_detail", pk=upgrade.pk)
        return self.render({"form": form})


def _upgrade_context(upgrade, **bound) -> dict:
    today = core_dates.today()
    context = {
        "upgrade": upgrade,
        "graduate_form": forms.GraduateForm(prefix="graduate", initial={"actual_graduation": today}),
        "withdraw_form": forms.WithdrawForm(prefix="withdraw"),
        "tuition_form": forms.SubsidyForm(prefix="tuition", initial={"date": today}),
        "diploma_form": forms.SubsidyForm(prefix="diploma", initial={"date": today}),
        "title": f"学历提升：{upgrade.person.name}",
    }
    context.update(bound)
    return context


class UpgradeDetailView(PageView):
    template_name = "training/upgrade_detail.html"

    def get(self, request, pk):
        return self.render(_upgrade_context(selectors.upgrade_get(user=request.user, pk=pk)))


class UpgradeActionView(PageView):
    template_name = "training/upgrade_detail.html"
    action = ""
    FORMS = {
        "graduate": (forms.GraduateForm, services.upgrade_graduate, "已登记毕业。"),
        "withdraw": (forms.WithdrawForm, services.upgrade_withdraw, "已登记退学。"),
        "tuition": (forms.SubsidyForm, services.upgrade_tuition_subsidy_grant, "已核定学费补贴。"),
        "diploma": (forms.SubsidyForm, services.upgrade_diploma_subsidy_grant, "已核定学历补贴。"),
    }

    def get(self, request, pk):
        upgrade = selectors.upgrade_get(user=request.user, pk=pk)  # another township's: 404 like a missing one
        return redirect("training:upgrade_detail", pk=upgrade.pk)

    def post(self, request, pk):
        upgrade = selectors.upgrade_get(user=request.user, pk=pk)
        form_class, service, message = self.FORMS[self.action]
        form = form_class(request.POST, prefix=self.action)
        if form.is_valid():
            try:
                service(upgrade=upgrade, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect(reverse("training:upgrade_detail", args=[pk]))
        return self.render(_upgrade_context(upgrade, **{f"{self.action}_form": form}), status=400)
