"""Server-rendered pages of the register. Thin: parse → selector (reads) or service (writes) → render.

Every object is loaded through a scoped selector first, so an object outside the user's data
scope answers 404 exactly like a missing one, before any permission check can reveal it exists.
Services raise field-keyed ValidationError (shown on the form, nothing written) and
PermissionDenied (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import cached_property

from core import dates as core_dates
from core.masking import can_see_personal
from core.policy import policy_for_year, post_choices
from core.scope import get_scoped_or_404, scoped
from core.views import ListPageView as BaseListPageView
from core.views import ObjectFormView, PageView

from . import choices, forms, selectors, services
from . import export_columns as exports_spec
from .filters import (
    AppointmentFilter,
    FirstSecretaryFilter,
    PersonFilter,
    QualificationReviewFilter,
    TownshipFilter,
    VillageFilter,
)
from .idcard import parse_id_number
from .models import DepartmentVerdict, Person, Township, Village, VillageFlag
from .person_sections import person_sections_for

# ---------------------------------------------------------------------------------------------
# Small private helpers (all reads still start from core.scope.scoped)
# ---------------------------------------------------------------------------------------------


def _village_options(user):
    return scoped(user, Village).select_related("township").order_by("township__sort_order", "code")


def _people_options(user):
    return scoped(user, Person).order_by("name", "id")


def _township_options(user):
    return scoped(user, Township)


class ListPageView(BaseListPageView):
    """The register's lists name their export columns in cadres/export_columns.py."""

    def get_export_columns(self):
        return self.export_columns or exports_spec.LIST_COLUMNS[self.export_name]


# ---------------------------------------------------------------------------------------------
# Townships
# ---------------------------------------------------------------------------------------------


class TownshipListView(ListPageView):
    template_name = "cadres/township_list.html"
    title = "乡镇(街道)"
    filterset_class = TownshipFilter
    sort_options = {"code": ("sort_order", "code"), "name": ("name",), "villages": ("-village_count", "code")}
    default_sort = "code"
    export_name = "乡镇(街道)统计"

    def get_queryset(self):
        return selectors.township_list(user=self.request.user, filters=self.request.GET, request=self.request)


class TownshipCreateView(ObjectFormView):
    template_name = "cadres/township_form.html"
    form_class = forms.TownshipForm
    permission = "cadres.add_township"
    title = "新建乡镇(街道)"
    success_message = "已新建乡镇(街道)。"

    def get_initial(self):
        return {"kind": choices.TownshipKind.TOWNSHIP, "sort_order": 0}

    def perform(self, form):
        township = services.township_create(by=self.request.user, **form.cleaned_data)
        return reverse("cadres:township_detail", args=[township.pk])


class TownshipUpdateView(ObjectFormView):
    template_name = "cadres/township_form.html"
    form_class = forms.TownshipForm
    permission = "cadres.change_township"
    title = "修改乡镇(街道)"

    def get_object(self):
        return get_scoped_or_404(self.request.user, Township, pk=self.kwargs["pk"])

    def get_initial(self):
        return {name: getattr(self.object, name) for name in services.TOWNSHIP_FIELDS}

    def perform(self, form):
        services.township_update(township=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("cadres:township_detail", args=[self.object.pk])


class TownshipDetailView(PageView):
    template_name = "cadres/township_detail.html"

    def get(self, request, pk):
        township = selectors.township_get(user=request.user, pk=pk)
        villages = selectors.village_list(user=request.user).filter(township=township).order_by("code")
        return self.render({"township": township, "villages": villages, "title": township.name})


# ---------------------------------------------------------------------------------------------
# Villages
# ---------------------------------------------------------------------------------------------


class VillageListView(ListPageView):
    template_name = "cadres/village_list.html"
    title = "村(社区)"
    filterset_class = VillageFilter
    sort_options = {
        "code": ("code",),
        "-code": ("-code",),
        "name": ("name", "code"),
        "-name": ("-name", "code"),
        "population": ("population", "code"),
        "-population": ("-population", "code"),
    }
    default_sort = "code"
    export_name = "村(社区)名册"

    def get_queryset(self):
        return selectors.village_list(user=self.request.user, filters=self.request.GET, request=self.request)


class VillageDetailView(PageView):
    template_name = "cadres/village_detail.html"

    def get(self, request, pk):
        user = request.user
        village = selectors.village_get(user=user, pk=pk)
        members = selectors.village_members(village=village)
        secretaries = {a.person_id for a in members if a.post == choices.SECRETARY}
        chairs = {a.person_id for a in members if a.post == choices.CHAIR}
        one_shoulder = secretaries & chairs
        for a in members:
            a.one_shoulder = a.person_id in one_shoulder and a.post in (choices.SECRETARY, choices.CHAIR)
        pending = (
            selectors.appointment_list(user=user)
            .filter(village=village, status__in=[choices.FilingStatus.DRAFT, choices.FilingStatus.TOWNSHIP_APPROVED])
            .order_by("created_at")
        )
        postings = selectors.first_secretary_list(user=user).filter(village=village).order_by("-term_start")
        today = core_dates.today()
        flags = list(selectors.village_flags(village=village))
        for flag in flags:
            flag.current = flag.is_current(today)
        return self.render(
            {
                "village": village,
                "members": members,
                "pending": pending,
                "postings": postings,
                "flags": flags,
                "history": selectors.village_history(user=user, village=village)[:30],
                "flag_form": forms.VillageFlagAddForm(initial={"start_date": today}),
                "title": village.name,
            }
        )


class VillageCreateView(ObjectFormView):
    template_name = "cadres/village_form.html"
    form_class = forms.VillageForm
    permission = "cadres.add_village"
    title = "新建村(社区)"
    success_message = "已新建村(社区)。"

    def get_form_kwargs(self):
        return {"townships": _township_options(self.request.user)}

    def get_initial(self):
        return {"township": self.request.GET.get("township"), "kind": choices.VillageKind.VILLAGE}

    def perform(self, form):
        village = services.village_create(by=self.request.user, **form.cleaned_data)
        return reverse("cadres:village_detail", args=[village.pk])


class VillageUpdateView(ObjectFormView):
    """Clerks edit the figures of their villages; county staff (``manage_village``) also the
    name, code and township."""

    template_name = "cadres/village_form.html"
    form_class = forms.VillageUpdateForm
    permission = "cadres.change_village"
    title = "修改村(社区)信息"

    def get_object(self):
        village = selectors.village_get(user=self.request.user, pk=self.kwargs["pk"])
        if self.request.user.has_perm("cadres.manage_village"):
            self.form_class = forms.VillageForm
        return village

    def get_form_kwargs(self):
        if self.form_class is forms.VillageForm:
            return {"townships": _township_options(self.request.user)}
        return {}

    def get_initial(self):
        v = self.object
        initial = {"population": v.population, "households": v.households, "party_members": v.party_members, "note": v.note}
        if self.form_class is forms.VillageForm:
            initial.update(township=v.township_id, name=v.name, code=v.code, kind=v.kind)
        return initial

    def perform(self, form):
        services.village_update(village=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("cadres:village_detail", args=[self.object.pk])


class VillageFlagAddView(ObjectFormView):
    template_name = "cadres/village_form.html"
    form_class = forms.VillageFlagAddForm
    permission = "cadres.add_villageflag"
    title = "新增村类型标记"
    success_message = "已新增村类型标记。"

    def get_object(self):
        return selectors.village_get(user=self.request.user, pk=self.kwargs["pk"])

    def perform(self, form):
        services.village_flag_add(village=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("cadres:village_detail", args=[self.object.pk])


class VillageFlagEndView(ObjectFormView):
    template_name = "cadres/village_form.html"
    form_class = forms.VillageFlagEndForm
    permission = "cadres.change_villageflag"
    title = "村类型摘帽/销号"
    success_message = "已办理摘帽/销号。"

    def get_object(self):
        self.village = selectors.village_get(user=self.request.user, pk=self.kwargs["pk"])
        return get_scoped_or_404(self.request.user, VillageFlag, pk=self.kwargs["flag_pk"], village=self.village)

    def get_context(self, form):
        return {**super().get_context(form), "village": self.village, "flag": self.object}

    def get_initial(self):
        return {"end_date": core_dates.today()}

    def perform(self, form):
        services.village_flag_end(flag=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("cadres:village_detail", args=[self.village.pk])


# ---------------------------------------------------------------------------------------------
# People (人员名册, 一人一档)
# ---------------------------------------------------------------------------------------------


class PersonListView(ListPageView):
    template_name = "cadres/person_list.html"
    title = "人员名册"
    filterset_class = PersonFilter
    sort_options = {
        "name": ("name", "id"),
        "-name": ("-name", "id"),
        "age": ("-birth_date", "id"),
        "-age": ("birth_date", "id"),
        "updated": ("-updated_at", "id"),
    }
    default_sort = "name"
    export_name = "人员名册"

    def get_queryset(self):
        return selectors.person_list(user=self.request.user, filters=self.request.GET, request=self.request)

    @cached_property
    def posts(self) -> list[tuple[str, str]]:
        return post_choices()

    def extra_context(self):
        return {"post_choices": self.posts}

    def tune_filter_form(self, form) -> None:
        form.fields["post"].widget.choices = [("", "全部"), *self.posts]


class PersonDetailView(PageView):
    template_name = "cadres/person_detail.html"

    def get(self, request, pk):
        user = request.user
        person = selectors.person_get(user=user, pk=pk)
        appointments = list(selectors.person_appointments(user=user, person=person))
        return self.render(
            {
                "person": person,
                "show_full_id": can_see_personal(user),
                "current": [a for a in appointments if a.is_current],
                "past": [a for a in appointments if not a.is_current],
                "reviews": selectors.person_reviews(user=user, person=person).order_by("-requested_at"),
                "postings": selectors.person_postings(user=user, person=person).order_by("-term_start"),
                "records": selectors.person_records(user=user, person=person),
                "history": selectors.person_history(user=user, person=person),
                "person_sections": person_sections_for(user=user, person=person),
                "record_form": forms.PersonRecordForm(),
                "title": person.name,
            }
        )


class PersonCreateView(ObjectFormView):
    template_name = "cadres/person_form.html"
    form_class = forms.PersonCreateForm
    permission = "cadres.add_person"
    title = "新建人员档案"
    success_message = "已建档。"

    def get_form_kwargs(self):
        user = self.request.user
        return {"townships": _township_options(user), "clerk": user.is_clerk}

    def get_initial(self):
        return {"ethnicity": "汉族"}

    def perform(self, form):
        data = dict(form.cleaned_data)
        data["sex"] = data.get("sex") or None
        person = services.person_create(by=self.request.user, **data)
        for note in parse_id_number(person.id_number).warnings:
            messages.warning(self.request, f"提示：{note}")
        return reverse("cadres:person_detail", args=[person.pk])


class PersonUpdateView(ObjectFormView):
    template_name = "cadres/person_form.html"
    form_class = forms.PersonUpdateForm
    permission = "cadres.change_person"
    title = "修改人员信息"

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_initial(self):
        return {name: getattr(self.object, name) for name in forms.PERSON_EDIT_FIELDS}

    def perform(self, form):
        services.person_update(person=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("cadres:person_detail", args=[self.object.pk])


class PersonRecordAddView(ObjectFormView):
    template_name = "cadres/person_record_form.html"
    form_class = forms.PersonRecordForm
    permission = "cadres.add_personrecord"
    title = "新增奖惩及发展去向"
    success_message = "已新增记录。"

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def perform(self, form):
        services.person_record_add(person=self.object, by=self.request.user, **form.cleaned_data)
        return reverse("cadres:person_detail", args=[self.object.pk]) + "#records"


# ---------------------------------------------------------------------------------------------
# Appointments and filing (任职备案)
# ---------------------------------------------------------------------------------------------


class AppointmentListView(ListPageView):
    template_name = "cadres/appointment_list.html"
    title = "任职备案"
    filterset_class = AppointmentFilter
    sort_options = {
        "start": ("-start_date", "id"),
        "village": ("village__code", "post", "id"),
        "created": ("created_at", "id"),
    }
    default_sort = "created"
    export_name = "任职名册"

    def get_queryset(self):
        user = self.request.user
        self.tab = "all" if self.export or self.request.GET.get("tab") == "all" else "queue"
        if self.tab == "queue":
            return selectors.filing_queue(user=user)
        return selectors.appointment_list(user=user, filters=self.request.GET, request=self.request)

    def extra_context(self):
        return {"tab": self.tab}


class AppointmentCreateView(ObjectFormView):
    template_name = "cadres/appointment_form.html"
    form_class = forms.AppointmentCreateForm
    permission = "cadres.add_appointment"
    title = "录入任职"

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        user = self.request.user
        reviews = selectors.person_reviews(user=user, person=self.object).order_by("-requested_at")
        return {"villages": _village_options(user), "post_choices": post_choices(), "reviews": reviews}

    def get_initial(self):
        return {"village": self.request.GET.get("village"), "post": self.request.GET.get("post")}

    def perform(self, form):
        appointment = services.appointment_create(by=self.request.user, person=self.object, **form.cleaned_data)
        if appointment.status == choices.FilingStatus.DRAFT:
            self.success_message = "已录入任职，待乡镇审核、县级备案后生效。"
        else:
            self.success_message = "已录入任职。"
        return reverse("cadres:appointment_detail", args=[appointment.pk])


def _appointment_context(request, appointment, **bound_forms) -> dict:
    user = request.user
    status = appointment.status
    reviews = selectors.person_reviews(user=user, person=appointment.person).filter(village=appointment.village_id)
    can = {
        "approve": status == choices.FilingStatus.DRAFT and user.has_perm("cadres.approve_appointment"),
        "file": status == choices.FilingStatus.TOWNSHIP_APPROVED and user.has_perm("cadres.file_appointment"),
        "reject": (status == choices.FilingStatus.DRAFT and user.has_perm("cadres.approve_appointment"))
        or (status == choices.FilingStatus.TOWNSHIP_APPROVED and user.has_perm("cadres.file_appointment")),
        "end": appointment.is_current and user.has_perm("cadres.change_appointment"),
        "attach": status in (choices.FilingStatus.DRAFT, choices.FilingStatus.TOWNSHIP_APPROVED)
        and user.has_perm("cadres.change_appointment"),
    }
    action_forms = {
        "approve": forms.NoteForm(prefix="approve"),
        "file": forms.NoteForm(prefix="file"),
        "reject": forms.RejectForm(prefix="reject"),
        "end": forms.AppointmentEndForm(prefix="end", initial={"end_date": core_dates.today()}),
        "attach": forms.AttachReviewForm(prefix="attach", reviews=reviews),
    }
    action_forms.update(bound_forms)
    return {
        "appointment": appointment,
        "events": selectors.filing_events(appointment=appointment),
        "review": appointment.qualification_review,
        "can": can,
        "action_forms": action_forms,
        "any_action": any(can.values()),
        "title": f"{appointment.person.name} {appointment.post_name}",
    }


class AppointmentDetailView(PageView):
    template_name = "cadres/appointment_detail.html"

    def get(self, request, pk):
        appointment = selectors.appointment_get(user=request.user, pk=pk)
        return self.render(_appointment_context(request, appointment))


class AppointmentActionView(PageView):
    """POST-only step of the filing workflow; errors re-render the detail page on the form."""

    template_name = "cadres/appointment_detail.html"
    action = ""
    permissions: tuple[str, ...] = ()
    success_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.appointment = selectors.appointment_get(user=request.user, pk=kwargs["pk"])
        if not any(request.user.has_perm(p) for p in self.permissions):
            raise PermissionDenied("您没有执行此操作的权限。")
        return super().dispatch(request, *args, **kwargs)

    def get_form(self, data=None):
        return forms.NoteForm(data, prefix=self.action)

    def get(self, request, pk):
        return redirect("cadres:appointment_detail", pk=pk)

    def perform(self, form):
        raise NotImplementedError

    def post(self, request, pk):
        form = self.get_form(request.POST)
        if form.is_valid():
            try:
                self.perform(form)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect("cadres:appointment_detail", pk=pk)
        context = _appointment_context(request, self.appointment, **{self.action: form})
        context["failed_action"] = self.action
        return self.render(context)


class AppointmentApproveView(AppointmentActionView):
    action = "approve"
    permissions = ("cadres.approve_appointment",)
    success_message = "乡镇审核已通过，待县级备案。"

    def perform(self, form):
        services.appointment_township_approve(appointment=self.appointment, by=self.request.user, **form.cleaned_data)


class AppointmentFileView(AppointmentActionView):
    action = "file"
    permissions = ("cadres.file_appointment",)
    success_message = "已办理县级备案，任职生效。"

    def perform(self, form):
        services.appointment_file(appointment=self.appointment, by=self.request.user, **form.cleaned_data)


class AppointmentRejectView(AppointmentActionView):
    action = "reject"
    permissions = ("cadres.approve_appointment", "cadres.file_appointment")
    success_message = "已退回。"

    def get_form(self, data=None):
        return forms.RejectForm(data, prefix=self.action)

    def perform(self, form):
        services.appointment_reject(appointment=self.appointment, by=self.request.user, **form.cleaned_data)


class AppointmentEndView(AppointmentActionView):
    action = "end"
    permissions = ("cadres.change_appointment",)
    success_message = "已办理离任。"

    def get_form(self, data=None):
        return forms.AppointmentEndForm(data, prefix=self.action)

    def perform(self, form):
        services.appointment_end(appointment=self.appointment, by=self.request.user, **form.cleaned_data)


class AppointmentAttachReviewView(AppointmentActionView):
    action = "attach"
    permissions = ("cadres.change_appointment",)
    success_message = "已关联资格联审。"

    def get_form(self, data=None):
        reviews = selectors.person_reviews(user=self.request.user, person=self.appointment.person).filter(
            village=self.appointment.village_id
        )
        return forms.AttachReviewForm(data, prefix=self.action, reviews=reviews)

    def perform(self, form):
        services.appointment_attach_review(appointment=self.appointment, by=self.request.user, review=form.cleaned_data["review"])


# ---------------------------------------------------------------------------------------------
# Qualification joint review (资格联审)
# ---------------------------------------------------------------------------------------------


class ReviewListView(ListPageView):
    template_name = "cadres/review_list.html"
    title = "资格联审"
    filterset_class = QualificationReviewFilter
    sort_options = {"requested": ("-requested_at", "-id"), "-requested": ("requested_at", "id")}
    default_sort = "requested"
    export_name = "资格联审名册"

    def get_queryset(self):
        return selectors.qualification_review_list(user=self.request.user, filters=self.request.GET, request=self.request)


class ReviewRequestView(ObjectFormView):
    template_name = "cadres/review_form.html"
    form_class = forms.ReviewRequestForm
    permission = "cadres.add_qualificationreview"
    title = "提请资格联审"
    success_message = "已提请资格联审，待各部门出具意见。"

    def get_form_kwargs(self):
        user = self.request.user
        return {"people": _people_options(user), "villages": _village_options(user), "post_choices": post_choices()}

    def get_initial(self):
        return {k: self.request.GET.get(k) for k in ("person", "village", "post")}

    def perform(self, form):
        review = services.qualification_review_request(by=self.request.user, **form.cleaned_data)
        return reverse("cadres:review_detail", args=[review.pk])


def _review_context(request, review, bound: dict | None = None) -> dict:
    user = request.user
    verdicts = list(selectors.qualification_review_verdicts(user=user, review=review))
    negative_list = policy_for_year(review.requested_at.year).section("register")["negative_list"]
    can_record = user.has_perm("cadres.record_vetting")
    bound = bound or {}
    for v in verdicts:
        if can_record:
            v.form = bound.get(v.pk) or forms.VerdictForm(
                prefix=f"v{v.pk}",
                negative_list=negative_list,
                initial={
                    "result": v.result,
                    "negative_item_code": v.negative_item_code,
                    "warning_text": v.warning_text,
                    "note": v.note,
                },
            )
    return {
        "review": review,
        "verdicts": verdicts,
        "can_record": can_record,
        "appointments": selectors.appointment_list(user=user).filter(qualification_review=review),
        "title": f"资格联审：{review.person.name}",
    }


class ReviewDetailView(PageView):
    template_name = "cadres/review_detail.html"

    def get(self, request, pk):
        review = selectors.qualification_review_get(user=request.user, pk=pk)
        return self.render(_review_context(request, review))


class VerdictRecordView(PageView):
    template_name = "cadres/review_detail.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.review = selectors.qualification_review_get(user=request.user, pk=kwargs["pk"])
        self.verdict = get_scoped_or_404(request.user, DepartmentVerdict, pk=kwargs["verdict_pk"], review=self.review)
        if not request.user.has_perm("cadres.record_vetting"):
            raise PermissionDenied("只有县委组织部可以录入部门联审意见。")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk, verdict_pk):
        return redirect("cadres:review_detail", pk=pk)

    def post(self, request, pk, verdict_pk):
        negative_list = policy_for_year(self.review.requested_at.year).section("register")["negative_list"]
        form = forms.VerdictForm(request.POST, prefix=f"v{self.verdict.pk}", negative_list=negative_list)
        if form.is_valid():
            try:
                services.department_verdict_record(verdict=self.verdict, by=request.user, **form.cleaned_data)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                messages.success(request, f"已录入{self.verdict.department_name}的审查意见。")
                return redirect(reverse("cadres:review_detail", args=[pk]) + "#verdicts")
        context = _review_context(request, self.review, bound={self.verdict.pk: form})
        context["failed_verdict"] = self.verdict.pk
        return self.render(context)


# ---------------------------------------------------------------------------------------------
# First secretaries (驻村第一书记)
# ---------------------------------------------------------------------------------------------


class FirstSecretaryListView(ListPageView):
    template_name = "cadres/first_secretary_list.html"
    title = "驻村第一书记"
    filterset_class = FirstSecretaryFilter
    sort_options = {
        "term_end": ("term_end", "id"),
        "-term_end": ("-term_end", "id"),
        "village": ("village__code", "id"),
        "unit": ("sending_unit", "id"),
    }
    default_sort = "term_end"
    export_name = "驻村第一书记名册"

    def get_queryset(self):
        return selectors.first_secretary_list(user=self.request.user, filters=self.request.GET, request=self.request)

    def extra_context(self):
        rule = policy_for_year().section("register")["first_secretary"]
        return {"warning_days": int(rule["expiry_warning_days"]), "today": core_dates.today()}


class FirstSecretaryCreateView(ObjectFormView):
    template_name = "cadres/first_secretary_form.html"
    form_class = forms.FirstSecretaryCreateForm
    permission = "cadres.add_firstsecretary"
    title = "选派驻村第一书记"
    success_message = "已选派驻村第一书记。"

    def get_form_kwargs(self):
        user = self.request.user
        return {"people": _people_options(user), "villages": _village_options(user)}

    def get_initial(self):
        return {"village": self.request.GET.get("village"), "person": self.request.GET.get("person")}

    def perform(self, form):
        posting = services.first_secretary_create(by=self.request.user, **form.cleaned_data)
        return reverse("cadres:first_secretary_detail", args=[posting.pk])


class FirstSecretaryDetailView(PageView):
    template_name = "cadres/first_secretary_detail.html"

    def get(self, request, pk):
        posting = selectors.first_secretary_get(user=request.user, pk=pk)
        return self.render(_posting_context(request, posting))


def _posting_context(request, posting, **bound) -> dict:
    rule = policy_for_year().section("register")["first_secretary"]
    today = core_dates.today()
    context = {
        "posting": posting,
        "months": selectors.presence_months(posting=posting),
        "min_days": int(rule["min_days_per_month"]),
        "warning_days": int(rule["expiry_warning_days"]),
        "days_left": posting.days_to_expiry(today),
        "is_active": posting.status == choices.FirstSecretaryStatus.ACTIVE,
        "presence_form": forms.PresenceForm(prefix="presence", initial={"month": today.replace(day=1)}),
        "end_form": forms.FirstSecretaryEndForm(prefix="end", initial={"ended_on": today}),
        "title": f"第一书记：{posting.person.name}",
    }
    context.update(bound)
    return context


class PostingActionView(PageView):
    template_name = "cadres/first_secretary_detail.html"
    permission = ""
    form_class = forms.PresenceForm
    prefix = ""
    context_name = ""
    success_message = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.posting = selectors.first_secretary_get(user=request.user, pk=kwargs["pk"])
        if not request.user.has_perm(self.permission):
            raise PermissionDenied("您没有执行此操作的权限。")
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        return redirect("cadres:first_secretary_detail", pk=pk)

    def post(self, request, pk):
        form = self.form_class(request.POST, prefix=self.prefix)
        if form.is_valid():
            try:
                self.perform(form)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect("cadres:first_secretary_detail", pk=pk)
        return self.render(_posting_context(request, self.posting, **{self.context_name: form, "failed": self.prefix}))


class PresenceRecordView(PostingActionView):
    permission = "cadres.add_presencemonth"
    form_class = forms.PresenceForm
    prefix = "presence"
    context_name = "presence_form"
    success_message = "已登记驻村天数。"

    def perform(self, form):
        services.presence_record(posting=self.posting, by=self.request.user, **form.cleaned_data)


class FirstSecretaryEndView(PostingActionView):
    permission = "cadres.change_firstsecretary"
    form_class = forms.FirstSecretaryEndForm
    prefix = "end"
    context_name = "end_form"
    success_message = "已办理离村。"

    def perform(self, form):
        services.first_secretary_end(posting=self.posting, by=self.request.user, **form.cleaned_data)


# ---------------------------------------------------------------------------------------------
# Policy profile (政策配置)
# ---------------------------------------------------------------------------------------------


def person_file_context(user, person) -> dict:
    """Everything on the person page (一人一档), for the print view and the PDF."""
    from django.utils import timezone

    appointments = list(selectors.person_appointments(user=user, person=person))
    history = selectors.person_history(user=user, person=person)
    current = [a for a in appointments if a.is_current]
    past = [a for a in appointments if not a.is_current]
    return {
        "person": person,
        "show_full_id": can_see_personal(user),
        "appointment_blocks": [("现任职务", current, "暂无现任职务。"), ("任职经历（含办理中）", past, "暂无其他任职记录。")],
        "reviews": list(selectors.person_reviews(user=user, person=person).order_by("-requested_at")),
        "postings": list(selectors.person_postings(user=user, person=person).order_by("-term_start")),
        "records": list(selectors.person_records(user=user, person=person)),
        "history": history[:PRINT_HISTORY_ROWS],
        "history_total": len(history),
        "person_sections": person_sections_for(user=user, person=person),
        "printed_by": user,
        "printed_at": timezone.now(),
        "title": f"{person.name} 一人一档",
    }


PRINT_HISTORY_ROWS = 30


class PersonPrintView(PageView):
    """A4 print layout of one person's file: no navigation; the browser's 打印 or the PDF button."""

    template_name = "cadres/person_print.html"

    def get(self, request, pk):
        person = selectors.person_get(user=request.user, pk=pk)
        return self.render({**person_file_context(request.user, person), "pdf": False})


class PersonPdfView(PageView):
    """The same page as a PDF file.

    Library: WeasyPrint (PyPI, BSD, actively maintained by CourtBouillon). It lays out the very
    HTML/CSS of the print view (including sections other apps register on the person page), so
    print and PDF never drift apart, and it embeds subsets of the fonts it uses, so the file shows
    Chinese on any reader, offline. It needs the system's pango (present on Debian) and one CJK
    font (Debian ``fonts-wqy-microhei``, 1.6 MB; ``fonts-noto-cjk`` also works), which the
    Makefile's set-up installs. ReportLab/xhtml2pdf would need a second, hand-built layout
    and either a bundled TTF or non-embedded CID fonts that depend on the reader's fonts.
    """

    template_name = "cadres/person_print.html"

    def get(self, request, pk):
        from urllib.parse import quote

        from django.contrib.staticfiles import finders
        from django.http import HttpResponse
        from django.template.loader import render_to_string

        from core.exports import log_export

        person = selectors.person_get(user=request.user, pk=pk)
        context = {**person_file_context(request.user, person), "pdf": True}
        with open(finders.find("css/print.css"), encoding="utf-8") as fh:
            context["inline_css"] = fh.read()
        html = render_to_string(self.template_name, context, request=request)
        pdf = _html_to_pdf(html)
        log_export(user=request.user, what=f"一人一档PDF：{person.name}", filters={"person": person.pk}, rows=1)
        response = HttpResponse(pdf, content_type="application/pdf")
        stamp = core_dates.today().strftime("%Y%m%d")
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(person.name + '-一人一档')}-{stamp}.pdf"
        return response


def _html_to_pdf(html: str) -> bytes:
    import weasyprint

    def no_fetch(url, *args, **kwargs):
        # Everything the PDF needs is inline: never let the renderer reach the network.
        raise ValueError(f"外部资源不可用：{url}")

    return weasyprint.HTML(string=html, url_fetcher=no_fetch).write_pdf()
