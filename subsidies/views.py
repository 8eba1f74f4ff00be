"""Pages of the pay ledger. Thin: parse → scoped selector (reads) or service (writes) → render.

Objects are loaded through scoped selectors first (404 outside the scope), then permissions are
checked (403), then input is validated; services raise field-keyed Chinese ValidationErrors.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from cadres import selectors as cadres_selectors
from cadres.models import PolicyProfile, Township
from core import dates as core_dates
from core.access import NO_PERMISSION, can, refusal, require
from core.exports import ExportColumn, choice_label, log_export, xlsx_response
from core.forms import add_service_errors
from core.paging import keyset_page, list_count
from core.pdf import pdf_download
from core.policy import policy_for_year, post_table, section_sources
from core.scope import get_scoped_or_404
from core.views import ListPageView, ObjectFormView, PageView, confirmation_page, is_confirmed

from . import exports, forms, selectors, services, standards
from .access import APPROVE, PAY, RETURN
from .choices import CrossPostMode, LivingModel, PerformanceMode, RunStatus, StandardBasis
from .filters import LedgerEntryFilter, PayPeriodFilter, PayRunFilter
from .models import PayPeriod
from .official_forms import SIGNATURES, pay_sheet_layout, pay_sheet_xlsx
from .policy_section import KEY, pay_rules
from .reconcile import reconcile_pay_sheet

PAGE_SIZE = 50


def _dt(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else ""


RUN_EXPORT = [
    ExportColumn("批次号", lambda r: r.pk, width=8),
    ExportColumn("期间", lambda r: r.period.code, width=9),
    ExportColumn("批次类型", choice_label("kind"), width=22),
    ExportColumn("范围", lambda r: r.scope_label, width=12),
    ExportColumn("状态", choice_label("status"), width=20),
    ExportColumn("人数", lambda r: r.line_count, width=8),
    ExportColumn("合计金额（元）", lambda r: float(r.total_amount), width=14),
    ExportColumn("创建人", lambda r: str(r.created_by), width=10),
    ExportColumn("创建时间", lambda r: _dt(r.created_at), width=17),
    ExportColumn("乡镇确认", lambda r: f"{r.prepared_by} {_dt(r.prepared_at)}" if r.prepared_by_id else "", width=22),
    ExportColumn("县级审批", lambda r: f"{r.approved_by} {_dt(r.approved_at)}" if r.approved_by_id else "", width=22),
    ExportColumn("银行批次号", lambda r: r.bank_batch_ref, width=14),
]

PERIOD_EXPORT = [
    ExportColumn("期间", lambda p: p.code, width=9),
    ExportColumn("类型", choice_label("kind"), width=6),
    ExportColumn("状态", lambda p: "已锁定" if p.is_locked else "开放", width=8),
    ExportColumn("锁定人", lambda p: str(p.locked_by) if p.locked_by_id else "", width=10),
    ExportColumn("锁定时间", lambda p: _dt(p.locked_at), width=17),
]


def entry_export_columns(user) -> list[ExportColumn]:
    """Ledger export columns; the card number is masked unless the user is finance (财务)."""

    def card(e):
        account = getattr(e.person, "pay_account", None)
        return selectors.account_number_for(user, account.account_number) if account else ""

    return [
        ExportColumn("账目号", lambda e: e.pk, width=8),
        ExportColumn("期间", lambda e: e.period.code, width=9),
        ExportColumn("乡镇(街道)", lambda e: e.township.name, width=12),
        ExportColumn("村(社区)", lambda e: e.village.name if e.village_id else "", width=12),
        ExportColumn("姓名", lambda e: e.person.name, width=8),
        ExportColumn("身份证号", lambda e: e.person.id_number, personal="id", width=21),
        ExportColumn("银行卡号", card, width=22),
        ExportColumn("类型", choice_label("entry_type"), width=14),
        ExportColumn("金额（元）", lambda e: float(e.amount), width=12),
        ExportColumn("来源", choice_label("source"), width=14),
        ExportColumn("计算说明", lambda e: e.explanation, width=60),
        ExportColumn("冲销第几号账目", lambda e: e.reverses_id or "", width=10),
        ExportColumn("事由", lambda e: e.reason, width=20),
        ExportColumn("发放批次", lambda e: e.pay_run_id or "", width=8),
        ExportColumn("记账人", lambda e: str(e.created_by), width=10),
        ExportColumn("记账时间", lambda e: _dt(e.created_at), width=17),
    ]


def _need(user, perm: str) -> None:
    if not can(user, perm):
        raise PermissionDenied("您没有查看报酬与补贴的权限。")


# ---------------------------------------------------------------------------------------------
# Pay standards preview
# ---------------------------------------------------------------------------------------------


class StandardsView(PageView):
    template_name = "subsidies/standards.html"
    title = "报酬标准预览"

    def get(self, request):
        _need(request.user, "subsidies.view_payrun")
        try:
            year = int(request.GET.get("year") or core_dates.today().year)
        except ValueError:
            year = core_dates.today().year
        rules = pay_rules(year)
        profile = policy_for_year(year)
        rows = standards.standards_table(rules, post_table(year))
        living = rules["living"]
        review_scale = standards.review_score_scale(year)
        return self.render(
            {
                "year": year,
                "rules": rules,
                "rows": rows,
                "tiers": standards.display_tiers(rules),
                "basis_label": StandardBasis(rules["standards"].get("basis") or StandardBasis.FIXED).label,
                "one_shoulder": standards.one_shoulder_preview(rules, post_table(year)),
                "profile": profile if profile.pk else None,
                "can_edit": bool(
                    profile.pk and request.user.sees_all_townships and can(request.user, "cadres.change_policyprofile")
                ),
                "section_key": KEY,
                "sources": section_sources(KEY),
                "cross_post_label": CrossPostMode(rules["standards"]["cross_post_mode"]).label,
                "performance_label": PerformanceMode(rules["performance"]["mode"]).label,
                "living_label": LivingModel(living["model"]).label,
                "secretary_base": standards.secretary_base_annual(rules),
                "review_scale": review_scale,
                "review_scale_name": standards.scale_name(review_scale),
                "points_problem": standards.points_scale_problem(rules, review_scale)
                if rules["performance"].get("mode") == PerformanceMode.POINTS
                else "",
                "has_profile_for_year": PolicyProfile.objects.filter(year=year).exists(),
            }
        )


# ---------------------------------------------------------------------------------------------
# Pay runs
# ---------------------------------------------------------------------------------------------


class RunListView(ListPageView):
    template_name = "subsidies/run_list.html"
    title = "发放批次"
    filterset_class = PayRunFilter
    sort_options = {"new": ("-created_at", "-id"), "period": ("-period__year", "-period__month", "kind", "township__sort_order")}
    default_sort = "new"
    export_name = "发放批次"
    export_columns = RUN_EXPORT

    def get_queryset(self):
        _need(self.request.user, "subsidies.view_payrun")
        return selectors.run_list(user=self.request.user, filters=self.request.GET, request=self.request)

    def extra_context(self):
        return {"can_add": can(self.request.user, "subsidies.add_payrun")}


class RunCreateView(ObjectFormView):
    template_name = "subsidies/form.html"
    form_class = forms.PayRunCreateForm
    permission = "subsidies.add_payrun"
    title = "新建发放批次"
    success_message = "已建立发放批次，正在计算预览。"

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def get_initial(self):
        return {"period": core_dates.today().strftime("%Y-%m")}

    def perform(self, form):
        run = services.payrun_create(
            by=self.request.user,
            kind=form.cleaned_data["kind"],
            period_code=form.cleaned_data["period"],
            township=form.cleaned_data.get("township"),
        )
        return reverse("subsidies:run_detail", args=[run.pk])


ZERO_LINES_SHOWN = 200


class RunDetailView(PageView):
    template_name = "subsidies/run_detail.html"

    def get(self, request, pk):
        user = request.user
        _need(user, "subsidies.view_payrun")
        run = selectors.run_get(user=user, pk=pk)
        posted = run.status in (RunStatus.APPROVED, RunStatus.PAID)
        qs = selectors.run_entries(user=user, run=run) if posted else selectors.run_lines(user=user, run=run)
        # A run has up to 50,000 lines: keyset pages in posting order (lines are computed and
        # posted township by township, village by village), and a bounded count.
        page = keyset_page(qs, ("id",), after=request.GET.get("after", ""), before=request.GET.get("before", ""))
        page.count = list_count(qs)
        # Posted: the ledger lists what was paid; the ¥0 lines stay on the run, listed with their
        # reasons below (one query, at most ZERO_LINES_SHOWN rows; the export has them all).
        zero_lines = list(selectors.run_zero_lines(user=user, run=run)[: ZERO_LINES_SHOWN + 1]) if posted else []
        may_approve = refusal(user, APPROVE, run) if run.status in (RunStatus.PREPARED, RunStatus.POST_FAILED) else NO_PERMISSION
        actions = {
            "can_prepare": run.status == RunStatus.PREVIEW and can(user, "subsidies.prepare_payrun", run),
            "can_recompute": run.status in (RunStatus.PREVIEW, RunStatus.FAILED) and can(user, "subsidies.add_payrun", run),
            "can_approve": may_approve is None and run.status == RunStatus.PREPARED,
            "can_resume": may_approve is None and run.status == RunStatus.POST_FAILED,
            "can_return": run.status == RunStatus.PREPARED and can(user, RETURN, run),
            "can_pay": run.status == RunStatus.APPROVED and can(user, PAY, run),
            "can_cancel": run.status in (RunStatus.QUEUED, RunStatus.PREVIEW, RunStatus.FAILED, RunStatus.PREPARED)
            and can(user, "subsidies.add_payrun", run),
        }
        return self.render(
            {
                "run": run,
                "posted": posted,
                "page_obj": page,
                "rows": page.object_list,
                "zero_lines": zero_lines[:ZERO_LINES_SHOWN],
                "zero_more": len(zero_lines) > ZERO_LINES_SHOWN,
                "by_township": selectors.run_totals_by_township(user=user, run=run),
                "by_type": selectors.run_totals_by_type(user=user, run=run),
                "reason_form": forms.ReasonForm(),
                "bank_form": forms.BankRefForm(),
                **actions,
                # Why a county user who may approve runs may not approve this one (separation of duties).
                "approve_refusal": may_approve if may_approve and can(user, RETURN, run) else "",
                "approve_statement": _approve_statement(run),
                "resume_statement": _resume_statement(run),
                "pay_statement": PAY_STATEMENT,
                "no_action": not any(actions.values()) and not (posted and run.township_id),
                "title": str(run),
            }
        )


def _approve_statement(run) -> str:
    return (
        f"审批后，本批次（{run.period} {run.get_kind_display()}，{run.scope_label}）{run.line_count}人、"
        f"合计{run.total_amount}元将记入报酬补贴台账。入账后不能撤销，如有错误只能在台账中做冲销更正。"
    )


def _resume_statement(run) -> str:
    return (
        f"本批次（{run.period} {run.get_kind_display()}，{run.scope_label}）部分乡镇已入账。继续入账将把其余乡镇的明细"
        "记入报酬补贴台账，已入账的乡镇不会重复入账。入账后不能撤销，如有错误只能在台账中做冲销更正。"
    )


PAY_STATEMENT = "登记后，本批次状态变为“已发放”，并记录银行批次号；登记后不能修改或撤销，请先核对银行回单。"


class RunProgressView(PageView):
    """The progress card of a run, polled by htmx every 2 s while the run computes or posts.
    Once the run has finished, the card stops polling and (for htmx) reloads the page once so
    that the totals and lines appear."""

    template_name = "subsidies/_run_progress.html"

    def get(self, request, pk):
        _need(request.user, "subsidies.view_payrun")
        run = selectors.run_get(user=request.user, pk=pk)
        response = self.render({"run": run})
        if request.headers.get("HX-Request") and not run.is_running:
            response["HX-Refresh"] = "true"
        return response


class RunActionView(PageView):
    """POST-only: prepare / approve / resume (继续入账) / return / recompute / cancel / pay."""

    template_name = "subsidies/run_detail.html"
    ACTIONS = {
        "prepare": (lambda run, by, data: services.payrun_prepare(run=run, by=by), "已确认，提交县级审批。"),
        "approve": (lambda run, by, data: services.payrun_approve(run=run, by=by), "已审批，正在记账。"),
        "return": (lambda run, by, data: services.payrun_return(run=run, by=by, reason=data.get("reason", "")), "已退回乡镇。"),
        "recompute": (lambda run, by, data: services.payrun_recompute(run=run, by=by), "已重新排队计算。"),
        "resume": (lambda run, by, data: services.payrun_post_resume(run=run, by=by), "正在继续入账未完成的乡镇。"),
        "cancel": (lambda run, by, data: services.payrun_cancel(run=run, by=by), "批次已作废。"),
        "pay": (
            lambda run, by, data: services.payrun_mark_paid(run=run, by=by, bank_batch_ref=data.get("bank_batch_ref", "")),
            "已登记发放。",
        ),
    }

    def post(self, request, pk, action):
        run = selectors.run_get(user=request.user, pk=pk)
        if action not in self.ACTIONS:
            raise PermissionDenied("未知操作。")
        func, ok = self.ACTIONS[action]
        blank_ref = action == "pay" and not request.POST.get("bank_batch_ref", "").strip()  # the service says so
        if action in ("approve", "resume", "pay") and not blank_ref and not is_confirmed(request):
            # Irreversible: without the confirmation nothing happens; the page says what would.
            if action == "approve":
                require(request.user, APPROVE, run)
                title, statement, button = "确认审批并入账", _approve_statement(run), "确认审批并入账"
            elif action == "resume":
                require(request.user, APPROVE, run)
                title, statement, button = "确认继续入账", _resume_statement(run), "确认继续入账"
            else:
                require(request.user, PAY, run)
                ref = request.POST.get("bank_batch_ref", "").strip()
                statement = PAY_STATEMENT + (f"银行批次号：{ref}。" if ref else "")
                title, button = "确认登记已发放", "确认登记已发放"
            back = reverse("subsidies:run_detail", args=[run.pk])
            return confirmation_page(request, title=title, statement=statement, button=button, back_url=back)
        try:
            func(run, request.user, request.POST)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, ok)
        return redirect("subsidies:run_detail", pk=run.pk)


class RunLinesExportView(PageView):
    """批次明细 (.xlsx): every line of the run with its amount, ¥0 lines with their reason."""

    def get(self, request, pk):
        user = request.user
        _need(user, "subsidies.view_payrun")
        run = selectors.run_get(user=user, pk=pk)
        return exports.run_lines(user=user, run=run)


class RunBankSheetView(PageView):
    """代发表 of one township of a run (a county-wide run: ``?township=``)."""

    def get(self, request, pk):
        user = request.user
        _need(user, "subsidies.view_ledgerentry")
        run = selectors.run_get(user=user, pk=pk)
        if run.status not in (RunStatus.APPROVED, RunStatus.PAID):
            messages.error(request, "批次审批入账后才能导出代发表。")
            return redirect("subsidies:run_detail", pk=run.pk)
        township = run.township or get_scoped_or_404(user, Township, pk=request.GET.get("township") or 0)
        return exports.bank_sheet(user=user, township=township, period=run.period, pay_run=run)


class RunPaySheetView(PageView):
    """报酬代发表 of a posted run (``fmt``: "pdf", A4 landscape, or "xlsx"): one row per payee
    with the amount of every item, page/township/grand totals in figures and capitals, and the
    signature lines. Card numbers in full only for finance (财务); every download is logged."""

    fmt = "pdf"

    def get(self, request, pk):
        user = request.user
        _need(user, "subsidies.view_ledgerentry")
        run = selectors.run_get(user=user, pk=pk)
        if run.status not in (RunStatus.APPROVED, RunStatus.PAID):
            messages.error(request, "批次审批入账后才能打印报酬代发表。")
            return redirect("subsidies:run_detail", pk=run.pk)
        layout = pay_sheet_layout(selectors.run_pay_sheet_rows(user=user, run=run))
        title = "村干部报酬代发表"
        subtitle = f"{run.period} {run.get_kind_display()}（{run.scope_label}）批次号{run.pk}"
        filename = f"{run.scope_label}{run.period.code}报酬代发表"
        masked = not selectors.can_see_bank_account(user)
        what = f"报酬代发表{'PDF' if self.fmt == 'pdf' else 'Excel'}：{subtitle}"
        filters = {"run": run.pk}
        if self.fmt == "xlsx":
            data = pay_sheet_xlsx(title=title, subtitle=subtitle, layout=layout)
            log_export(user=user, what=what, filters=filters, rows=layout["people"])
            return xlsx_response(data, filename)
        context = {
            "run": run,
            "layout": layout,
            "form_title": title,
            "signatures": SIGNATURES,
            "masked": masked,
            "landscape": True,
            "printed_by": user,
            "printed_at": timezone.now(),
            "title": f"{subtitle} {title}",
        }
        return pdf_download(
            request=request,
            template_name="subsidies/forms/pay_sheet.html",
            context=context,
            filename=filename,
            what=what,
            filters=filters,
            rows=layout["people"],
        )


# ---------------------------------------------------------------------------------------------
# Ledger
# ---------------------------------------------------------------------------------------------


class EntryListView(ListPageView):
    """The ledger grows by ~50,000 entries a pay run: pages are keyset pages over indexed columns of
    the entry table (the cost of a page does not depend on the ledger's size), the count is exact
    up to 10,000 rows and estimated above, and the filtered total is summed only when it is exact
    (otherwise the page points to the summary table)."""

    template_name = "subsidies/entry_list.html"
    title = "报酬补贴台账"
    filterset_class = LedgerEntryFilter
    # Keyset orderings: columns of the entry table, each served by an index (models.LedgerEntry).
    sort_options = {
        "new": ("-id",),
        "old": ("id",),
        "amount": ("-amount", "-id"),
        "amount_asc": ("amount", "id"),
    }
    default_sort = "new"
    export_name = "报酬补贴台账"

    @property
    def export_columns(self):
        return entry_export_columns(self.request.user)

    def get_queryset(self):
        _need(self.request.user, "subsidies.view_ledgerentry")
        qs = selectors.entry_list(user=self.request.user, filters=self.request.GET, request=self.request)
        return qs.select_related("village", "person__pay_account") if self.export else qs

    def paginate(self, qs):
        page = keyset_page(
            qs, self.sort_options[self.sort], after=self.request.GET.get("after", ""), before=self.request.GET.get("before", "")
        )
        self.count = page.count = list_count(qs)
        return page

    def extra_context(self):
        user = self.request.user
        return {
            "can_add": can(user, "subsidies.add_ledgerentry"),
            "total": self.get_queryset().total() if self.count.exact else None,
        }


class EntryDetailView(PageView):
    template_name = "subsidies/entry_detail.html"

    def get(self, request, pk):
        _need(request.user, "subsidies.view_ledgerentry")
        entry = selectors.entry_get(user=request.user, pk=pk)
        return self.render(
            {
                "entry": entry,
                "reversal": getattr(entry, "reversed_by_entry", None),
                "form": forms.ReasonForm(),
                "can_reverse": can(request.user, "subsidies.reverse_ledgerentry")
                and not entry.is_reversal
                and not hasattr(entry, "reversed_by_entry"),
                "title": f"账目 #{entry.pk}",
            }
        )


class EntryReverseView(ObjectFormView):
    template_name = "subsidies/form.html"
    form_class = forms.ReasonForm
    permission = "subsidies.reverse_ledgerentry"
    title = "冲销更正"
    success_message = "已录入冲销更正。"

    def get_object(self):
        return selectors.entry_get(user=self.request.user, pk=self.kwargs["pk"])

    def perform(self, form):
        reversal = services.ledger_entry_reverse(entry=self.object, by=self.request.user, reason=form.cleaned_data["reason"])
        return reverse("subsidies:entry_detail", args=[reversal.pk])


class EntryCreateView(ObjectFormView):
    template_name = "subsidies/form.html"
    form_class = forms.ManualEntryForm
    permission = "subsidies.add_ledgerentry"
    title = "手工录入账目"
    success_message = "已入账。"

    def get_form_kwargs(self):
        return {"user": self.request.user}

    def perform(self, form):
        d = form.cleaned_data
        entry = services.ledger_entry_add(
            by=self.request.user,
            person=d["person"],
            period_code=d["period"],
            entry_type=d["entry_type"],
            amount=d["amount"],
            reason=d["reason"],
        )
        return reverse("subsidies:entry_detail", args=[entry.pk])


class AwardCreateView(ObjectFormView):
    template_name = "subsidies/form.html"
    form_class = forms.AwardForm
    permission = "subsidies.add_ledgerentry"
    title = "奖励及一次性发放"
    success_message = "已入账。"

    def get_form_kwargs(self):
        return {"user": self.request.user, "awards": pay_rules().get("awards", [])}

    def get_initial(self):
        return {"period": str(core_dates.today().year)}

    def perform(self, form):
        d = form.cleaned_data
        entries = services.award_post(
            by=self.request.user,
            people=d["people"],
            period_code=d["period"],
            award_code=d["award_code"],
            amount=d.get("amount"),
            reason=d.get("reason") or "",
        )
        return reverse("subsidies:entry_list") + f"?period={entries[0].period.code}&entry_type=award"


class BankSheetView(PageView):
    """代发表 of one township and period across runs (``?township=&period=``)."""

    def get(self, request):
        user = request.user
        _need(user, "subsidies.view_ledgerentry")
        township = get_scoped_or_404(user, Township, pk=request.GET.get("township") or 0)
        period = get_scoped_or_404(user, PayPeriod, code=request.GET.get("period") or "")
        return exports.bank_sheet(user=user, township=township, period=period)


# ---------------------------------------------------------------------------------------------
# Periods
# ---------------------------------------------------------------------------------------------


class PeriodListView(ListPageView):
    template_name = "subsidies/period_list.html"
    title = "发放期间"
    filterset_class = PayPeriodFilter
    export_name = "发放期间"
    export_columns = PERIOD_EXPORT

    def get_queryset(self):
        _need(self.request.user, "subsidies.view_payperiod")
        return selectors.period_list(user=self.request.user, filters=self.request.GET, request=self.request)

    def extra_context(self):
        return {"can_lock": can(self.request.user, "subsidies.lock_payperiod")}


class PeriodLockView(PageView):
    def post(self, request, pk, action):
        period = selectors.period_get(user=request.user, pk=pk)
        if action not in ("lock", "unlock"):
            raise PermissionDenied("未知操作。")
        try:
            if action == "lock":
                services.period_lock(period=period, by=request.user)
                messages.success(request, f"{period}已锁定，此后只能录入冲销更正。")
            else:
                services.period_unlock(period=period, by=request.user)
                messages.success(request, f"{period}已解锁。")
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        return redirect("subsidies:period_list")


# ---------------------------------------------------------------------------------------------
# Reconciliation and summary
# ---------------------------------------------------------------------------------------------


class ReconcileView(PageView):
    template_name = "subsidies/reconcile.html"
    title = "发放表对账"

    def get(self, request):
        _need(request.user, "subsidies.view_ledgerentry")
        return self.render({"form": forms.ReconcileForm(user=request.user), "result": None})

    def post(self, request):
        _need(request.user, "subsidies.view_ledgerentry")
        form = forms.ReconcileForm(request.POST, request.FILES, user=request.user)
        result = None
        if form.is_valid():
            d = form.cleaned_data
            try:
                result = reconcile_pay_sheet(
                    user=request.user,
                    township=d["township"],
                    period=d["period"],
                    data=d["file"].read(),
                    entry_type=d["entry_type"] or None,
                )
            except ValidationError as exc:
                add_service_errors(form, ValidationError({"file": exc.messages}))
        return self.render({"form": form, "result": result})


class SummaryView(PageView):
    template_name = "subsidies/summary.html"
    title = "报酬补贴汇总"

    def get(self, request):
        user = request.user
        _need(user, "subsidies.view_ledgerentry")
        form = forms.SummaryForm(request.GET or {"year": core_dates.today().year})
        year = form.cleaned_data["year"] if form.is_valid() else core_dates.today().year
        period = (form.cleaned_data.get("period") or None) if form.is_valid() else None
        if request.GET.get("export"):
            return exports.county_summary(user=user, year=year, period_code=period)
        return self.render(
            {"form": form, "year": year, "period": period, **selectors.county_summary(user=user, year=year, period_code=period)}
        )


# ---------------------------------------------------------------------------------------------
# Person: export, account, stops, benefits
# ---------------------------------------------------------------------------------------------


class PersonHistoryExportView(PageView):
    def get(self, request, pk):
        person = cadres_selectors.person_get(user=request.user, pk=pk)
        _need(request.user, "subsidies.view_ledgerentry")
        return exports.person_history(user=request.user, person=person)


class _PersonFormView(ObjectFormView):
    template_name = "subsidies/form.html"

    def get_object(self):
        return cadres_selectors.person_get(user=self.request.user, pk=self.kwargs["pk"])

    def get_context(self, form):
        return {**super().get_context(form), "person": self.object}

    def back(self):
        return reverse("cadres:person_detail", args=[self.object.pk]) + "#section-subsidies"


class PayAccountEditView(_PersonFormView):
    form_class = forms.PayAccountForm
    permission = "subsidies.change_payaccount"
    title = "报酬账户"

    def get_initial(self):
        account = selectors.person_account(user=self.request.user, person=self.object)
        if account is None:
            return {}
        initial = {k: getattr(account, k) for k in services.ACCOUNT_FIELDS}
        initial["account_number"] = selectors.account_number_for(self.request.user, account.account_number)
        return initial

    def perform(self, form):
        data = dict(form.cleaned_data)
        if "*" in (data.get("account_number") or ""):
            data.pop("account_number")  # the masked number came back unchanged
        services.pay_account_save(person=self.object, by=self.request.user, **data)
        return self.back()


class StopAddView(_PersonFormView):
    form_class = forms.StopForm
    permission = "subsidies.add_livingsubsidystop"
    title = "登记生活补贴终止（次年起停发）"

    def perform(self, form):
        services.living_subsidy_stop_add(person=self.object, by=self.request.user, **form.cleaned_data)
        return self.back()


class BenefitAddView(_PersonFormView):
    form_class = forms.BenefitForm
    permission = "subsidies.add_benefitrecord"
    title = "登记保险体检待遇"

    def get_initial(self):
        return {"year": core_dates.today().year}

    def perform(self, form):
        services.benefit_record_add(person=self.object, by=self.request.user, **form.cleaned_data)
        return self.back()
