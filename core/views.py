"""Base views every app's pages build on, and the frame's own pages: the home page (dashboard)
and its chart export.

Thin: parse → selector (reads) or service (writes) → render. Every object is loaded through a
scoped selector first, so an object outside the user's data scope answers 404 exactly like a
missing one, before any permission check can reveal it exists.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from .access import can
from .dates import today
from .exports import export_queryset, log_export, xlsx_response
from .filters import narrow_village_field
from .forms import BootstrapMixin, Form, add_service_errors
from .imports.workbooks import write_xlsx

PAGE_SIZE = 50


# ---------------------------------------------------------------------------------------------
# Base views
# ---------------------------------------------------------------------------------------------


class PageView(LoginRequiredMixin, View):
    template_name = ""
    title = ""

    def render(self, context: dict, status: int = 200):
        context.setdefault("title", self.title)
        return render(self.request, self.template_name, context, status=status)


class ListPageView(PageView):
    """List with filters (FilterSet shared with API/export), whitelisted sorting, pagination, xlsx."""

    filterset_class = None
    sort_options: dict[str, tuple[str, ...]] = {}
    default_sort = ""
    export_name = ""
    # Columns of the .xlsx export (a list of core.exports.ExportColumn).
    export_columns = None
    export = False

    def get_queryset(self):
        raise NotImplementedError

    def get_export_columns(self):
        return self.export_columns

    def sorted(self, qs):
        sort = self.request.GET.get("sort", "")
        self.sort = sort if sort in self.sort_options else self.default_sort
        return qs.order_by(*self.sort_options[self.sort]) if self.sort else qs

    def extra_context(self) -> dict:
        return {}

    def tune_filter_form(self, form) -> None:
        """Adjust the rendered filter form (e.g. options that come from the year's policy)."""

    def paginate(self, qs):
        """The page shown: numbered pages (OFFSET, exact count); very long lists override this
        with core.paging.keyset_page (cursor pages, estimated count)."""
        return Paginator(qs, PAGE_SIZE).get_page(self.request.GET.get("page"))

    def get(self, request, *args, **kwargs):
        qs = self.sorted(self.get_queryset())
        if self.export:
            if not self.export_name:
                raise Http404
            return export_queryset(
                user=request.user,
                queryset=qs,
                columns=self.get_export_columns(),
                what=self.export_name,
                filters=request.GET.dict(),
            )
        page = self.paginate(qs)
        filter_form = None
        if self.filterset_class is not None:
            filter_form = self.filterset_class(request.GET, queryset=qs.none(), request=request).form
            self.tune_filter_form(filter_form)
            narrow_village_field(filter_form, request.user)
            BootstrapMixin._bootstrap(filter_form)
        return self.render(
            {"page_obj": page, "rows": page.object_list, "filter_form": filter_form, "sort": self.sort, **self.extra_context()}
        )


class ObjectFormView(PageView):
    """GET shows a form, POST validates it and calls a service.

    Order matters: load the object through a scoped selector (404 if out of scope), then check the
    permission (403), then validate.
    """

    form_class = Form
    # An action of core.access (a registered one or an ``app.codename`` permission), asked of the
    # gate together with the object: ``can(user, permission, object)``.
    permission: str | None = None
    success_message = "已保存。"

    def get_object(self):
        return None

    def has_permission(self) -> bool:
        return self.permission is None or can(self.request.user, self.permission, self.object)

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.kwargs = kwargs
        self.object = self.get_object()
        if not self.has_permission():
            raise PermissionDenied("您没有执行此操作的权限。")
        return super().dispatch(request, *args, **kwargs)

    def get_form_kwargs(self) -> dict:
        return {}

    def get_initial(self) -> dict:
        return {}

    def get_context(self, form) -> dict:
        return {"form": form, "object": self.object}

    def perform(self, form):
        """Call the service; return the URL to go to."""
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        return self.render(self.get_context(self.form_class(initial=self.get_initial(), **self.get_form_kwargs())))

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST, initial=self.get_initial(), **self.get_form_kwargs())
        if form.is_valid():
            try:
                url = self.perform(form)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, self.success_message)
                return redirect(url)
        return self.render(self.get_context(form))


# ---------------------------------------------------------------------------------------------
# Confirmation of irreversible steps
# ---------------------------------------------------------------------------------------------

CONFIRM_FIELD = "confirmed"
CONFIRM_VALUE = "yes"


def is_confirmed(request) -> bool:
    return request.POST.get(CONFIRM_FIELD) == CONFIRM_VALUE


def confirmation_page(request, *, title: str, statement: str, button: str, back_url: str):
    """The answer to a POST of an irreversible step that lacks the confirmation field: nothing is
    done; a page states what will happen and sends the same fields again with the confirmation.
    (With JavaScript the page's dialog, includes/confirm_submit.html, asks first.)"""
    fields = [
        (name, value)
        for name in request.POST
        if name not in ("csrfmiddlewaretoken", CONFIRM_FIELD)
        for value in request.POST.getlist(name)
    ]
    context = {
        "title": title,
        "statement": statement,
        "button": button,
        "back_url": back_url,
        "action_url": request.path,
        "fields": fields,
    }
    return render(request, "core/confirm.html", context)


# ---------------------------------------------------------------------------------------------
# Home
# ---------------------------------------------------------------------------------------------


class HomeView(PageView):
    """The dashboard: figures, 待办 and charts from every app (core.dashboard), scoped by role;
    county-wide users narrow everything to one township with ``?township=<id>``."""

    template_name = "core/home.html"
    title = "首页"

    def get(self, request):
        from . import dashboard

        board = dashboard.build_dashboard(request.user, township_id=request.GET.get("township"))
        title = f"首页 · {board.drill.name}" if board.drill else self.title
        return self.render({"board": board, "counts": board.counts, "title": title, "today": today()})


class DashboardChartExportView(PageView):
    """The data table behind one dashboard chart as .xlsx (same scope and drill-down; logged)."""

    def get(self, request, chart_id):
        from . import dashboard

        board = dashboard.build_dashboard(request.user, township_id=request.GET.get("township"))
        chart = board.chart(chart_id)
        if chart is None:
            raise Http404("未找到该图表。")
        scope = board.drill.name if board.drill else ("全县" if request.user.sees_all_townships else request.user.township.name)
        rows = [[("" if c is None else c) for c in row] for row in chart.table.rows]
        data = write_xlsx(chart.table.headers, rows, sheet_title=chart.title[:31], title=f"{chart.title}（{scope}）")
        log_export(
            user=request.user,
            what=f"首页图表：{chart.title}",
            filters={"chart": chart_id, "township": board.drill.pk if board.drill else None},
            rows=len(rows),
        )
        return xlsx_response(data, chart.title)


class VillageOptionsView(PageView):
    """The villages of one township the user may see, for a 村(社区) drop-down whose scope is too
    large to carry them all (core.filters.VillageSelect): ``[{"id", "name", "label"}]`` in the
    register's order; an unknown, foreign or missing township is an empty list."""

    def get(self, request, *args, **kwargs):
        from django.http import JsonResponse

        from .filters import positive_id, scoped_villages, village_label

        township = positive_id(request.GET.get("township"))
        rows = scoped_villages(request.user).filter(township_id=township) if township else []
        return JsonResponse([{"id": v.pk, "name": v.name, "label": village_label(v)} for v in rows], safe=False)
