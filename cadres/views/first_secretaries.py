"""First secretaries (驻村第一书记): postings, monthly presence, ending a posting."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from core import dates as core_dates
from core.access import can
from core.policy import policy_for_year
from core.views import ObjectFormView, PageView

from .. import choices, forms, selectors, services
from ..filters import (
    FirstSecretaryFilter,
)
from .base import (
    ListPageView,
    _people_options,
    _village_options,
)

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
    checks = selectors.spot_checks_of(posting=posting)
    context = {
        "posting": posting,
        "months": selectors.presence_months(posting=posting),
        "min_days": int(rule["min_days_per_month"]),
        "warning_days": int(rule["expiry_warning_days"]),
        "days_left": posting.days_to_expiry(today),
        "is_active": posting.status == choices.FirstSecretaryStatus.ACTIVE,
        "presence_form": forms.PresenceForm(prefix="presence", initial={"month": today.replace(day=1)}),
        "spot_checks": checks,
        "years": selectors.first_secretary_year_summary(posting=posting, checks=checks),
        "spot_check_form": forms.SpotCheckForm(prefix="check", initial={"date": today}),
        "grade_form": forms.FirstSecretaryGradeForm(prefix="grade", initial={"year": today.year - 1}),
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
        if not can(request.user, self.permission):
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


class SpotCheckRecordView(PostingActionView):
    """抽查 (county staff): a clerk reads the checks of the own township, never records them."""

    permission = "cadres.add_spotcheck"
    form_class = forms.SpotCheckForm
    prefix = "check"
    context_name = "spot_check_form"
    success_message = "已登记抽查结果。"

    def perform(self, form):
        services.spot_check_record(posting=self.posting, by=self.request.user, **form.cleaned_data)


class FirstSecretaryGradeView(PostingActionView):
    permission = "cadres.add_firstsecretarygrade"
    form_class = forms.FirstSecretaryGradeForm
    prefix = "grade"
    context_name = "grade_form"
    success_message = "已确定年度考核等次。"

    def perform(self, form):
        services.first_secretary_grade_set(posting=self.posting, by=self.request.user, **form.cleaned_data)
