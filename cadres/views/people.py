"""People (一人一档): list, detail, create/edit, records, and the printable dossier (HTML and PDF)."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.functional import cached_property

from core.history import can_view_history
from core.masking import can_see_personal
from core.policy import post_choices
from core.views import ObjectFormView, PageView, confirmation_page, is_confirmed

from .. import forms, selectors, services
from ..filters import (
    PersonFilter,
)
from ..idcard import parse_id_number
from ..person_sections import person_section, person_sections_for
from .base import (
    ListPageView,
    _township_options,
)

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
                "pending": [a for a in appointments if a.is_pending],
                "past": [a for a in appointments if not (a.is_current or a.is_pending)],
                "reviews": selectors.person_reviews(user=user, person=person).order_by("-requested_at"),
                "postings": selectors.person_postings(user=user, person=person).order_by("-term_start"),
                "records": selectors.person_records(user=user, person=person),
                # 变更记录 and the deferred sections (the other apps' ledgers and records) come with
                # requests of their own once the page shows (PersonHistoryView, PersonSectionView):
                # the file itself should not wait for them
                "person_sections": person_sections_for(user=user, person=person, defer=True),
                "record_form": forms.PersonRecordForm(),
                "photo_url": photo_url(person),
                "title": person.name,
            }
        )


class PersonHistoryView(PageView):
    """变更记录 of one person's file: every change to the person and the records hanging off the
    person (selectors.person_history). The person page loads it into its last section after it
    shows (``HX-Request``: the table only); opened directly, it is a page of its own."""

    template_name = "cadres/person_history.html"

    def get(self, request, pk):
        user = request.user
        person = selectors.person_get(user=user, pk=pk)
        if not can_view_history(user):
            raise PermissionDenied("没有查看变更记录的权限。")
        entries = selectors.person_history(user=user, person=person)
        if request.headers.get("HX-Request"):
            return render(request, "cadres/_history.html", {"entries": entries})
        return self.render({"person": person, "entries": entries, "title": f"{person.name} · 变更记录"})


class PersonSectionView(PageView):
    """One section of a person's file (person_sections: 报酬与补贴, 教育培训, 年度考核 …). The person
    page loads its deferred sections from here after it shows (``HX-Request``: the section's body
    only); opened directly, it is a page of its own. Same scope and permissions as on the page."""

    template_name = "cadres/person_section.html"

    @classmethod
    def url_values(cls) -> list[dict]:
        """Values of the URL's named (not id) parameter that exist: the deferred sections. The page
        bench times each, and the door matrix tries one across the township line."""
        from ..person_sections import PERSON_SECTIONS

        return [{"key": s.key} for s in PERSON_SECTIONS.values() if s.deferred]

    def get(self, request, pk, key):
        user = request.user
        person = selectors.person_get(user=user, pk=pk)
        section = person_section(user=user, person=person, key=key)
        if section is None:
            raise Http404("没有这一部分，或无权查看。")
        context = {"person": person, "section": section}
        if request.headers.get("HX-Request"):
            return render(request, "cadres/_person_section_body.html", context)
        return self.render({**context, "title": f"{person.name} · {section['label']}"})


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
# 一寸照
# ---------------------------------------------------------------------------------------------

PHOTO_PLACEHOLDER = "img/photo-placeholder.svg"


def photo_url(person) -> str:
    """The photo's address, versioned by the stored file so a replaced photo is fetched anew."""
    url = reverse("cadres:person_photo", args=[person.pk])
    if person.photo:
        url += "?v=" + hashlib.sha256(person.photo.name.encode()).hexdigest()[:12]
    return url


class PersonPhotoView(PageView):
    """The 一寸照 from private storage, scoped like the person page (404 across townships);
    a plain silhouette when none has been uploaded. ``Cache-Control: private``: never kept by a
    shared proxy."""

    def get(self, request, pk):
        person = selectors.person_get(user=request.user, pk=pk)
        if person.photo:
            try:
                response = FileResponse(person.photo.open("rb"), content_type="image/jpeg")
            except OSError:
                raise Http404("照片文件不存在。") from None
            patch_cache_control(response, private=True, max_age=3600)
        else:
            from django.contrib.staticfiles import finders

            response = FileResponse(open(finders.find(PHOTO_PLACEHOLDER), "rb"), content_type="image/svg+xml")  # noqa: SIM115
            patch_cache_control(response, private=True, no_cache=True)
        response["X-Content-Type-Options"] = "nosniff"
        response["Content-Disposition"] = "inline"
        return response


class PersonPhotoUploadView(ObjectFormView):
    """Upload or replace the 一寸照 (county staff; a clerk for the own township's files)."""

    template_name = "cadres/person_photo_form.html"
    form_class = forms.PersonPhotoForm
    permission = "cadres.change_person"
    title = "上传一寸照"
    success_message = "已保存一寸照。"

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_form_kwargs(self):
        return {"files": self.request.FILES} if self.request.method == "POST" else {}

    def get_context(self, form):
        return {**super().get_context(form), "person": self.object, "photo_url": photo_url(self.object)}

    def perform(self, form):
        upload = form.cleaned_data["photo"]
        services.person_photo_set(person=self.object, by=self.request.user, upload=upload, filename=upload.name)
        return reverse("cadres:person_detail", args=[self.object.pk])


class PersonPhotoRemoveView(ObjectFormView):
    """Remove the 一寸照: asks for confirmation (the dialog on the person page, or a page)."""

    permission = "cadres.change_person"

    def get_object(self):
        return selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def get(self, request, *args, **kwargs):
        return redirect("cadres:person_detail", self.object.pk)

    def post(self, request, *args, **kwargs):
        back = reverse("cadres:person_detail", args=[self.object.pk])
        if not is_confirmed(request):
            return confirmation_page(
                request,
                title="确认删除一寸照",
                statement=f"将删除{self.object.name}档案中的一寸照，删除后需重新上传。",
                button="删除照片",
                back_url=back,
            )
        services.person_photo_remove(person=self.object, by=request.user)
        messages.success(request, "已删除一寸照。")
        return redirect(back)


# ---------------------------------------------------------------------------------------------
# The printed dossier (HTML print and PDF)
# ---------------------------------------------------------------------------------------------


def wants_history(request) -> bool:
    """附：信息变更记录 — off unless the print options ask for it (``?history=1``)."""
    return request.GET.get("history") == "1"


def person_file_context(user, person, *, with_history: bool = False) -> dict:
    """Everything on the person page (一人一档), for the print view and the PDF."""
    from django.utils import timezone

    appointments = list(selectors.person_appointments(user=user, person=person))
    history = selectors.person_history(user=user, person=person) if with_history else []
    current = [a for a in appointments if a.is_current]
    pending = [a for a in appointments if a.is_pending]
    past = [a for a in appointments if not (a.is_current or a.is_pending)]
    return {
        "person": person,
        "show_full_id": can_see_personal(user),
        "appointment_blocks": [
            ("现任职务", current, "暂无现任职务。"),
            *([("待任职务（任职时间未到）", pending, "")] if pending else []),
            ("任职经历（含办理中）", past, "暂无其他任职记录。"),
        ],
        "reviews": list(selectors.person_reviews(user=user, person=person).order_by("-requested_at")),
        "postings": list(selectors.person_postings(user=user, person=person).order_by("-term_start")),
        "records": list(selectors.person_records(user=user, person=person)),
        "with_history": with_history,
        "history": history[:PRINT_HISTORY_ROWS],
        "history_total": len(history),
        "photo_url": photo_url(person),
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
        context = person_file_context(request.user, person, with_history=wants_history(request))
        return self.render({**context, "pdf": False})


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
        from core.pdf import PRINT_CSS, pdf_download

        person = selectors.person_get(user=request.user, pk=pk)
        return pdf_download(
            request=request,
            template_name=self.template_name,
            context={
                **person_file_context(request.user, person, with_history=wants_history(request)),
                "photo_src": selectors.photo_data_uri(person),
            },
            filename=f"{person.name}-一人一档",
            what=f"一人一档PDF：{person.name}",
            filters={"person": person.pk},
            rows=1,
            css=(PRINT_CSS,),
        )
