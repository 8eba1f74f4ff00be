"""Townships and villages (村/社区) pages, with their type flags."""

from __future__ import annotations

from django.urls import reverse

from core import dates as core_dates
from core.access import can
from core.scope import get_scoped_or_404
from core.views import ObjectFormView, PageView

from .. import choices, forms, selectors, services
from ..filters import (
    TownshipFilter,
    VillageFilter,
)
from ..models import Township, VillageFlag
from .base import (
    ListPageView,
    _township_options,
)

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
        pending_members = selectors.village_pending_members(village=village)
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
                "pending_members": pending_members,
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
        if can(self.request.user, "cadres.manage_village"):
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
