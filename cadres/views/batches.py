"""Batch work (批量办理): 批量备案 and 批量离任 from the appointment list, and the 联审 grid.

The pages only parse and show: every row goes through the batch services of
cadres.services.batches, which run the single-row services inside one transaction (all or none).
The chosen rows are read through the scoped selectors; a row of another township answers 404,
exactly like a missing one, and nothing is done."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from core import dates as core_dates
from core.access import can
from core.policy import policy_for_year
from core.scope import scoped
from core.views import PageView, is_confirmed

from .. import choices, forms, selectors, services
from ..models import DepartmentVerdict
from .base import _township_options

# ---------------------------------------------------------------------------------------------
# 批量备案 / 批量离任
# ---------------------------------------------------------------------------------------------


class AppointmentBatchView(PageView):
    """POST from the appointment list: a confirmation page that lists every chosen row (with the
    意见, or the 离任原因 and date); its button (``confirmed=yes``) runs the batch; the answer is
    the result list, or — when any row breaks a rule — every failing row with its reason and
    nothing done."""

    template_name = "cadres/appointment_batch.html"
    action = ""
    permission = ""
    title = ""
    verb = ""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)

    def list_url(self, query: str = "") -> str:
        return reverse("cadres:appointment_list") + (f"?{query}" if query else "")

    def get(self, request):
        return redirect("cadres:appointment_list")

    def get_form(self, data=None):
        raise NotImplementedError

    def run(self, ids: list[int], form) -> None:
        raise NotImplementedError

    def _selected(self, request) -> tuple[list[int], str]:
        selection = forms.BatchSelectionForm(request.POST)
        if not selection.is_valid():
            raise Http404
        query = selection.cleaned_data["query"]
        if selection.cleaned_data["all_matching"]:
            candidates = selectors.batch_candidates(user=request.user, action=self.action, query=query)
            ids = list(candidates.order_by("village__township__sort_order", "village__code", "id").values_list("pk", flat=True))
        else:
            ids = list(dict.fromkeys(selection.cleaned_data["ids"]))
        return ids, query

    def post(self, request):
        ids, query = self._selected(request)
        found = {a.pk: a for a in selectors.batch_appointments(user=request.user, ids=ids)}
        if len(found) != len(ids):
            raise Http404  # a row of another township (or a missing one): like a missing row
        if not can(request.user, self.permission):
            raise PermissionDenied("您没有执行此操作的权限。")
        if not ids:
            messages.error(request, f"请先在列表中勾选要{self.verb}的任职。")
            return redirect(self.list_url(query))
        if len(ids) > services.BATCH_MAX:
            messages.error(request, f"一次最多{self.verb}{services.BATCH_MAX}条，已选{len(ids)}条，请缩小筛选范围后分批办理。")
            return redirect(self.list_url(query))
        rows = [found[pk] for pk in ids]
        context = {
            "title": self.title,
            "action": self.action,
            "verb": self.verb,
            "rows": rows,
            "ids": ids,
            "query": query,
            "back_url": self.list_url(query),
            "post_url": request.path,
        }
        if not is_confirmed(request):
            return self.render({**context, "mode": "confirm", "form": self.get_form()})
        form = self.get_form(request.POST)
        if not form.is_valid():
            return self.render({**context, "mode": "confirm", "form": form})
        try:
            self.run(ids, form)
        except services.BatchRefused as exc:
            failing = {f.pk for f in exc.failures}
            return self.render(
                {
                    **context,
                    "mode": "refused",
                    "form": form,
                    "failures": exc.failures,
                    "failing_ids": failing,
                    "passing_ids": [pk for pk in ids if pk not in failing],
                }
            )
        except ValidationError as exc:
            forms.add_service_errors(form, exc)
            return self.render({**context, "mode": "confirm", "form": form})
        done = {a.pk: a for a in selectors.batch_appointments(user=request.user, ids=ids)}
        return self.render({**context, "mode": "done", "rows": [done[pk] for pk in ids]})


class AppointmentBatchFileView(AppointmentBatchView):
    action = "file"
    permission = "cadres.file_appointment"
    title = "批量县级备案"
    verb = "备案"

    def get_form(self, data=None):
        return forms.BatchFileForm(data)

    def run(self, ids, form):
        services.appointment_file_bulk(ids=ids, by=self.request.user, note=form.cleaned_data["note"])


class AppointmentBatchEndView(AppointmentBatchView):
    action = "end"
    permission = "cadres.change_appointment"
    title = "批量办理离任"
    verb = "办理离任"

    def get_form(self, data=None):
        return forms.AppointmentEndForm(data, initial={"end_date": core_dates.today()})

    def run(self, ids, form):
        services.appointment_end_bulk(ids=ids, by=self.request.user, **form.cleaned_data)


# ---------------------------------------------------------------------------------------------
# 联审 grid: candidates × departments, or one department × its pending candidates
# ---------------------------------------------------------------------------------------------

# candidates a page in the all-departments grid: each brings a form for every department (ten
# candidates × eight departments is already 320 inputs on one screen)
GRID_PAGE_SIZE = 10
DEPARTMENT_PAGE_SIZE = 50


class ReviewGridView(PageView):
    """Enter many departments' verdicts in one submit. ``?department=<code>`` shows one
    department and every candidate still waiting for it; ``?township=<id>`` narrows the rows.
    A cell left at “未录入” is not saved; the rest are saved together or not at all."""

    template_name = "cadres/review_grid.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        if not can(request.user, "cadres.record_vetting"):
            raise PermissionDenied("只有县委组织部可以录入部门联审意见。")
        return super().dispatch(request, *args, **kwargs)

    def _params(self, request) -> tuple[int | None, str]:
        township = request.GET.get("township", "")
        township_id = int(township) if township.isdigit() else None
        return township_id, request.GET.get("department", "").strip()[:20]

    def _context(self, request, bound: dict | None = None) -> dict:
        user = request.user
        township_id, department = self._params(request)
        registers: dict[int, dict] = {}  # the year's register section, read once per year

        def register(year: int) -> dict:
            if year not in registers:
                registers[year] = policy_for_year(year).section("register")
            return registers[year]

        departments = register(core_dates.today().year)["vetting_departments"]
        reviews = selectors.pending_reviews(user=user, township_id=township_id)
        if department:
            reviews = reviews.filter(verdicts__department_code=department, verdicts__result=choices.VettingResult.PENDING)
        page = Paginator(reviews, DEPARTMENT_PAGE_SIZE if department else GRID_PAGE_SIZE).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        verdicts = list(selectors.grid_verdicts(user=user, review_ids=[r.pk for r in rows]))
        if department:
            verdicts = [v for v in verdicts if v.department_code == department]
        columns: dict[str, str] = {}
        for v in sorted(verdicts, key=lambda v: (v.sort, v.pk)):
            columns.setdefault(v.department_code, v.department_name)
        bound = bound or {}
        by_review: dict[int, dict[str, DepartmentVerdict]] = {}
        for v in verdicts:
            by_review.setdefault(v.review_id, {})[v.department_code] = v
        negative_choices: dict[int, tuple] = {}
        for review in rows:
            year = review.requested_at.year
            if year not in negative_choices:
                negative_choices[year] = forms.negative_item_choices(register(year)["negative_list"])
            review.cells = []
            for code in columns:
                v = by_review.get(review.pk, {}).get(code)
                if v is not None and v.result == choices.VettingResult.PENDING:
                    # an entry cell (cadres_tags.verdict_cells): the refused submit's form, else empty
                    v.form, v.negative_choices = bound.get(v.pk), negative_choices[year]
                review.cells.append(v)
        return {
            "title": "联审意见批量录入",
            "page_obj": page,
            "rows": rows,
            "columns": list(columns.items()),
            "department": department,
            "department_name": columns.get(department) or {d["code"]: d["name"] for d in departments}.get(department, ""),
            "departments": departments,
            "townships": _township_options(user) if user.sees_all_townships else None,  # read by the drop-down only
            "township_id": township_id,
            "query": urlencode({k: v for k, v in (("township", township_id or ""), ("department", department)) if v}),
        }

    def get(self, request):
        return self.render(self._context(request))

    def post(self, request):
        user = request.user
        posted = forms.BatchSelectionForm({"ids": request.POST.getlist("cells")})
        if not posted.is_valid():
            raise Http404
        ids = list(dict.fromkeys(posted.cleaned_data["ids"]))
        verdicts = list(
            selectors.grid_verdicts(user=user, review_ids=selectors.pending_reviews(user=user).values("pk"))
            .filter(pk__in=ids)
            .select_related("review")
        )
        if len(verdicts) != len(ids):
            missing = set(ids) - {v.pk for v in verdicts}
            if scoped(user, DepartmentVerdict).filter(pk__in=missing).count() != len(missing):
                raise Http404  # another township's candidate, or a missing row
            context = self._context(request)
            context["error"] = "页面打开后，部分人选的联审已经办结，本次提交的意见均未保存。请核对下表后重新录入。"
            return self.render(context)
        negative_lists: dict[int, list] = {}
        bound, entries, invalid = {}, [], False
        for v in verdicts:
            year = v.review.requested_at.year
            if year not in negative_lists:
                negative_lists[year] = policy_for_year(year).section("register")["negative_list"]
            form = forms.GridVerdictForm(request.POST, prefix=f"v{v.pk}", negative_list=negative_lists[year])
            bound[v.pk] = form
            if not form.is_valid():
                invalid = True
            elif form.cleaned_data["result"]:
                entries.append(services.VerdictEntry(verdict_id=v.pk, **form.cleaned_data))
        failures, error = [], ""
        if not invalid:
            try:
                result = services.department_verdict_record_bulk(entries=entries, by=user)
            except services.BatchRefused as exc:
                failures = exc.failures
                error = f"共有{len(failures)}条审查意见不符合规定，本次提交的意见均未保存。"
                for failure in exc.failures:
                    bound[failure.pk].add_error(None, failure.reason)
            except ValidationError as exc:
                error = "；".join(exc.messages)
            else:
                messages.success(request, _saved_message(result))
                return redirect(request.get_full_path())
        else:
            error = "有单元格填写不完整，请按标红处修改；本次未保存任何意见。"
        context = self._context(request, bound=bound)
        context.update({"failures": failures, "error": error})
        return self.render(context)


def _saved_message(result: services.VerdictBatchResult) -> str:
    text = f"已保存{len(result.recorded)}条部门审查意见。"
    if result.concluded:
        names = "、".join(f"{r.person.name}（{r.get_outcome_display()}）" for r in result.concluded)
        text += f"{len(result.concluded)}人联审办结：{names}。"
    return text
