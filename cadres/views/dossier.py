"""The dossier's parts on the person page: 简历, 家庭主要成员及重要社会关系, 任免审批 (add, edit,
delete with confirmation), and the 干部任免审批表 PDF (for a person, a request, an appointment).

Every object is loaded through a scoped selector (another township's row answers 404), then the
gate is asked: whoever may edit the person may edit these parts (``cadres.change_person``)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from core import dates as core_dates
from core.access import can
from core.views import ObjectFormView, PageView, confirmation_page, is_confirmed

from .. import forms, selectors, services
from ..models import Person

EDIT_PERSON = "cadres.change_person"


def _person_url(person_id: int, anchor: str) -> str:
    return reverse("cadres:person_detail", args=[person_id]) + f"#section-{anchor}"


def resume_section_context(*, user, person: Person) -> dict:
    """The person page's 简历 section (registered in cadres.apps)."""
    return {
        "person": person,
        "rows": list(selectors.person_resume(user=user, person=person)),
        "may_edit": can(user, EDIT_PERSON, person),
        "form": forms.ResumeEntryForm(prefix="resume"),
    }


def family_section_context(*, user, person: Person) -> dict:
    """The person page's 家庭主要成员及重要社会关系 section."""
    return {
        "person": person,
        "rows": list(selectors.person_family(user=user, person=person)),
        "may_edit": can(user, EDIT_PERSON, person),
        "form": forms.FamilyMemberForm(prefix="family"),
        "today": core_dates.today(),
    }


def appointment_form_section_context(*, user, person: Person) -> dict:
    """The person page's 干部任免审批表 section: the form's own boxes, 奖惩 and 考核 as they print,
    the saved 任免审批 requests."""
    return {
        "person": person,
        "requests": list(selectors.person_appointment_requests(user=user, person=person)),
        "form": selectors.appointment_form_file_boxes(user=user, person=person),
        "may_edit": can(user, EDIT_PERSON, person),
    }


class _PartFormView(ObjectFormView):
    """Add or edit one part of a person's dossier; ``object`` is the person (add) or the part."""

    template_name = "cadres/dossier_part_form.html"
    permission = EDIT_PERSON
    anchor = ""
    prefix = None

    def has_permission(self) -> bool:
        return can(self.request.user, EDIT_PERSON, self.person)

    @property
    def person(self) -> Person:
        return self.object if isinstance(self.object, Person) else self.object.person

    def get_context(self, form) -> dict:
        return {
            "form": form,
            "object": self.object,
            "person": self.person,
            "title": self.title,
            "back_url": _person_url(self.person.pk, self.anchor),
        }

    def get(self, request, *args, **kwargs):
        return self.render(self.get_context(self.make_form()))

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                self.perform(form)
            except ValidationError as exc:
                forms.add_service_errors(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(self.success_url())
        return self.render(self.get_context(form))

    def make_form(self, data=None):
        return self.form_class(data, initial=self.get_initial(), prefix=self.prefix, **self.get_form_kwargs())

    def success_url(self) -> str:
        return _person_url(self.person.pk, self.anchor)


class ResumeEntryAddView(_PartFormView):
    form_class = forms.ResumeEntryForm
    title = "新增简历"
    anchor = "resume"
    prefix = "resume"
    success_message = "已新增简历。"

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def perform(self, form):
        services.resume_entry_create(person=self.object, by=self.request.user, **form.cleaned_data)


class ResumeEntryUpdateView(_PartFormView):
    form_class = forms.ResumeEntryForm
    title = "修改简历"
    anchor = "resume"

    def get_object(self):
        return selectors.resume_entry_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_initial(self):
        return {"start_date": self.object.start_date, "end_date": self.object.end_date, "text": self.object.text}

    def perform(self, form):
        services.resume_entry_update(entry=self.object, by=self.request.user, **form.cleaned_data)


class FamilyMemberAddView(_PartFormView):
    form_class = forms.FamilyMemberForm
    title = "新增家庭成员"
    anchor = "family"
    prefix = "family"
    success_message = "已新增家庭成员。"

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def perform(self, form):
        services.family_member_create(person=self.object, by=self.request.user, **form.cleaned_data)


class FamilyMemberUpdateView(_PartFormView):
    form_class = forms.FamilyMemberForm
    title = "修改家庭成员"
    anchor = "family"

    def get_object(self):
        return selectors.family_member_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_initial(self):
        return {name: getattr(self.object, name) for name in services.dossier.FAMILY_FIELDS}

    def perform(self, form):
        services.family_member_update(member=self.object, by=self.request.user, **form.cleaned_data)


class _RequestFormView(_PartFormView):
    form_class = forms.AppointmentRequestForm
    template_name = "cadres/appointment_request_form.html"
    anchor = "appointment_form"

    def get_form_kwargs(self):
        appointments = selectors.person_appointments(user=self.request.user, person=self.person)
        return {"appointments": appointments}


class AppointmentRequestAddView(_RequestFormView):
    """A new 任免审批; ``?appointment=<id>`` prefills it from that appointment (拟任 = its post)."""

    title = "新建任免审批表"
    success_message = "已保存任免审批表。"

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_initial(self):
        pk = self.request.GET.get("appointment", "")
        if pk.isdigit():
            appointment = selectors.person_appointments(user=self.request.user, person=self.object).filter(pk=pk).first()
            if appointment is not None:
                return services.appointment_request_initial(appointment)
        return {"filled_on": core_dates.today()}

    def perform(self, form):
        self.created = services.appointment_request_create(person=self.object, by=self.request.user, **form.cleaned_data)


class AppointmentRequestUpdateView(_RequestFormView):
    title = "修改任免审批表"

    def get_object(self):
        return selectors.appointment_request_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_initial(self):
        return {name: getattr(self.object, name) for name in forms.AppointmentRequestForm.FIELDS}

    def perform(self, form):
        services.appointment_request_update(request=self.object, by=self.request.user, **form.cleaned_data)


class _PartDeleteView(PageView):
    """POST only; irreversible, so it asks first (the dialog, or the confirmation page)."""

    what = ""
    anchor = ""

    def load(self, pk):
        raise NotImplementedError

    def delete(self, obj):
        raise NotImplementedError

    def post(self, request, pk):
        obj = self.load(pk)  # another township's row: 404 before anything else
        if not can(request.user, EDIT_PERSON, obj.person):
            raise PermissionDenied("您没有执行此操作的权限。")
        back = _person_url(obj.person_id, self.anchor)
        if not is_confirmed(request):
            statement = f"将删除{obj.person.name}的{self.what}“{obj}”。删除后可在变更记录中查到原内容。"
            return confirmation_page(request, title=f"确认删除{self.what}", statement=statement, button="确认删除", back_url=back)
        self.delete(obj)
        messages.success(request, f"已删除{self.what}。")
        return redirect(back)


class ResumeEntryDeleteView(_PartDeleteView):
    what, anchor = "简历", "resume"

    def load(self, pk):
        return selectors.resume_entry_get(user=self.request.user, pk=pk)

    def delete(self, obj):
        services.resume_entry_delete(entry=obj, by=self.request.user)


class FamilyMemberDeleteView(_PartDeleteView):
    what, anchor = "家庭成员", "family"

    def load(self, pk):
        return selectors.family_member_get(user=self.request.user, pk=pk)

    def delete(self, obj):
        services.family_member_delete(member=obj, by=self.request.user)


class AppointmentRequestDeleteView(_PartDeleteView):
    what, anchor = "任免审批表", "appointment_form"

    def load(self, pk):
        return selectors.appointment_request_get(user=self.request.user, pk=pk)

    def delete(self, obj):
        services.appointment_request_delete(request=obj, by=self.request.user)


# ---------------------------------------------------------------------------------------------
# The 干部任免审批表 PDF
# ---------------------------------------------------------------------------------------------


def appointment_form_pdf(request, *, person: Person, appointment_request=None, what: str) -> HttpResponse:
    """Render the two A4 pages with WeasyPrint (CJK font embedded), log the download."""
    from django.template.loader import render_to_string

    from core.exports import log_export
    from core.pdf import html_to_pdf, pdf_response

    data = selectors.appointment_form_data(user=request.user, person=person, request=appointment_request)
    html = render_to_string("cadres/appointment_form_pdf.html", {"f": data, "title": f"{person.name} 干部任免审批表"})
    pdf = html_to_pdf(html)
    filters = {"person": person.pk}
    if appointment_request is not None and appointment_request.pk:
        filters["request"] = appointment_request.pk
    log_export(user=request.user, what=f"{what}：{person.name}", filters=filters, rows=1)
    return pdf_response(pdf, f"{person.name}-干部任免审批表")


class PersonAppointmentFormPdfView(PageView):
    """The person's form (with the latest 任免审批's texts, if any)."""

    def get(self, request, pk):
        person = selectors.person_get(user=request.user, pk=pk)
        return appointment_form_pdf(request, person=person, what="干部任免审批表PDF")


class AppointmentRequestPdfView(PageView):
    def get(self, request, pk):
        item = selectors.appointment_request_get(user=request.user, pk=pk)
        return appointment_form_pdf(request, person=item.person, appointment_request=item, what="干部任免审批表PDF")


class AppointmentFormPdfView(PageView):
    """From the appointment page: the latest 任免审批 of that appointment, or one prefilled from it
    (拟任 = its post; not saved)."""

    def get(self, request, pk):
        appointment = selectors.appointment_get(user=request.user, pk=pk)
        person = appointment.person
        item = selectors.person_appointment_requests(user=request.user, person=person).filter(appointment=appointment).first()
        if item is None:
            from ..models import AppointmentRequest

            item = AppointmentRequest(person=person, **services.appointment_request_initial(appointment))
        return appointment_form_pdf(request, person=person, appointment_request=item, what="干部任免审批表PDF")
