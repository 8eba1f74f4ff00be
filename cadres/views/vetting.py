"""Qualification joint review (资格联审, 凡进必审): requests and each department's verdict."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse

from core.access import can, require
from core.exports import log_export, xlsx_response
from core.pdf import pdf_download
from core.policy import policy_for_year, post_choices
from core.scope import get_scoped_or_404
from core.views import ObjectFormView, PageView

from .. import forms, selectors, services
from ..filters import (
    QualificationReviewFilter,
)
from ..models import DepartmentVerdict
from ..official_forms import vetting_form_context, vetting_form_xlsx
from .base import (
    ListPageView,
    _people_options,
    _village_options,
)

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
    can_record = can(user, "cadres.record_vetting")
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
        if not can(request.user, "cadres.record_vetting"):
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


class ReviewFormView(PageView):
    """资格联审表 of one candidate, as an A4 PDF (``fmt="pdf"``) or a worksheet (``fmt="xlsx"``);
    the township's copy carries the overall result only. Every download is logged."""

    fmt = "pdf"

    def get(self, request, pk):
        review = selectors.qualification_review_get(user=request.user, pk=pk)
        require(request.user, "cadres.view_qualificationreview", review)
        context = vetting_form_context(user=request.user, review=review)
        filename = f"{review.person.name}资格联审表"
        what = f"资格联审表{'PDF' if self.fmt == 'pdf' else 'Excel'}：{review.person.name}"
        filters = {"review": review.pk}
        rows = len(context["rows"]) or 1
        if self.fmt == "pdf":
            return pdf_download(
                request=request,
                template_name="cadres/forms/vetting_form.html",
                context=context,
                filename=filename,
                what=what,
                filters=filters,
                rows=rows,
            )
        data = vetting_form_xlsx(context)
        log_export(user=request.user, what=what, filters=filters, rows=rows)
        return xlsx_response(data, filename)
