"""Appointments (任职): list, create, and the filing workflow (乡镇审核 → 县级备案, 退回, 离任)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from core import dates as core_dates
from core.access import can, require
from core.pdf import pdf_download
from core.policy import post_choices
from core.views import ObjectFormView, PageView, confirmation_page, is_confirmed

from .. import choices, forms, selectors, services
from ..filters import (
    AppointmentFilter,
)
from ..official_forms import filing_form_context, filing_form_title
from .base import (
    ListPageView,
    _village_options,
)

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
        user = self.request.user
        params = self.request.GET.copy()
        params.pop("page", None)
        params["tab"] = self.tab
        return {
            "tab": self.tab,
            # 批量办理: county staff file township-approved rows; whoever may end a post ends current ones
            "batch_file": can(user, "cadres.file_appointment"),
            "batch_end": can(user, "cadres.change_appointment"),
            "list_query": params.urlencode(),
        }


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
    allowed = {
        "approve": status == choices.FilingStatus.DRAFT and can(user, "cadres.approve_appointment", appointment),
        "file": status == choices.FilingStatus.TOWNSHIP_APPROVED and can(user, "cadres.file_appointment", appointment),
        "reject": (status == choices.FilingStatus.DRAFT and can(user, "cadres.approve_appointment", appointment))
        or (status == choices.FilingStatus.TOWNSHIP_APPROVED and can(user, "cadres.file_appointment", appointment)),
        "end": appointment.is_current and can(user, "cadres.change_appointment", appointment),
        "attach": status in (choices.FilingStatus.DRAFT, choices.FilingStatus.TOWNSHIP_APPROVED)
        and can(user, "cadres.change_appointment", appointment),
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
        "can": allowed,
        "file_statement": _file_statement(appointment),
        "action_forms": action_forms,
        "any_action": any(allowed.values()),
        "title": f"{appointment.person.name} {appointment.post_name}",
    }


def _file_statement(appointment) -> str:
    return (
        f"县级备案后，{appointment.person.name}担任{appointment.village.name}{appointment.post_name}"
        f"（任职时间{appointment.start_date:%Y-%m-%d}）即正式生效，计入现任干部名册、报酬计发和任职年限；"
        "备案后不能退回，如有变动只能办理离任。"
    )


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
        if not any(can(request.user, p, self.appointment) for p in self.permissions):
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

    def post(self, request, pk):
        if not is_confirmed(request):  # irreversible: nothing happens without the confirmation
            back = reverse("cadres:appointment_detail", args=[pk])
            statement = _file_statement(self.appointment)
            return confirmation_page(request, title="确认县级备案", statement=statement, button="确认备案", back_url=back)
        return super().post(request, pk)

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


class AppointmentFilingFormView(PageView):
    """村党组织书记备案表 (任职备案表 for other posts) of one filing, as an A4 PDF; logged."""

    def get(self, request, pk):
        appointment = selectors.appointment_get(user=request.user, pk=pk)
        require(request.user, "cadres.view_appointment", appointment)
        context = filing_form_context(user=request.user, appointment=appointment)
        name = f"{appointment.person.name}{filing_form_title(appointment)}"
        return pdf_download(
            request=request,
            template_name="cadres/forms/filing_form.html",
            context=context,
            filename=name,
            what=f"备案表PDF：{appointment.person.name} {appointment.village.name}{appointment.post_name}",
            filters={"appointment": appointment.pk},
            rows=1,
        )
