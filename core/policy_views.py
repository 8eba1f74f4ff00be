"""The yearly policy profile pages: list, create, one profile's sections, edit a section."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from .conf import perm_name, policy_profile_model
from .dates import today
from .history import can_view_history
from .models import AbstractPolicyProfile
from .policy import SECTIONS, policy_for_year, section_sources
from .policy_forms import PolicyProfileCreateForm, SectionEditor
from .services import policy_profile_create, policy_section_update
from .views import ObjectFormView, PageView


def _policy_profiles(user):
    """County-wide reference data (not township-scoped): county staff, admins and auditors."""
    if not (user.sees_all_townships and user.has_perm(perm_name(policy_profile_model(), "view"))):
        raise PermissionDenied("政策配置由县委组织部维护。")
    return policy_profile_model().objects.select_related("updated_by")


def _display(col, value):
    """What the department reads: a choice's label (not its stored value), 是/否 for yes-no."""
    if col.kind == "choice":
        return dict(col.choices).get(str(value), value)
    if col.kind == "bool":
        return "是" if value else "否"
    return value


def _section_view(profile: AbstractPolicyProfile, section) -> dict:
    values = profile.section(section.key)
    sources = section_sources(section.key)
    parts = []
    for part in section.parts:
        if hasattr(part, "columns"):
            rows = [[_display(col, row.get(col.key)) for col in part.columns] for row in values.get(part.key, [])]
            parts.append(
                {"part": part, "kind": "table", "columns": part.columns, "rows": rows, "source": sources.get(part.key, "")}
            )
        else:
            group = values.get(part.key, {})
            items = [(col, _display(col, group.get(col.key))) for col in part.fields]
            parts.append({"part": part, "kind": "group", "items": items, "source": sources.get(part.key, "")})
    return {"section": section, "parts": parts}


def _profile_changes(history_rows) -> list[dict]:
    """simple-history rows of one profile, newest first → what changed in its data (by part)."""
    rows = list(history_rows)
    entries = []
    for cur, prev in zip(rows, [*rows[1:], None], strict=True):
        changes = []
        if prev is not None:
            for key, section in SECTIONS.items():
                old, new = prev.data.get(key, {}), cur.data.get(key, {})
                for part in section.parts:
                    a, b = old.get(part.key), new.get(part.key)
                    if a == b:
                        continue
                    if hasattr(part, "fields") and isinstance(a, dict) and isinstance(b, dict):
                        changes.extend(
                            f"{part.label}·{col.label}：{a.get(col.key, '（空）')} → {b.get(col.key, '（空）')}"
                            for col in part.fields
                            if a.get(col.key) != b.get(col.key)
                        )
                    else:
                        changes.append(f"{part.label}：{len(a or [])}行 → {len(b or [])}行（表格内容已修改）")
        entries.append(
            {
                "when": cur.history_date,
                "user": cur.history_user,
                "action": {"+": "新建", "~": "修改", "-": "删除"}[cur.history_type],
                "changes": changes,
            }
        )
    return entries


class PolicyProfileListView(PageView):
    template_name = "core/policy_list.html"
    title = "政策配置"

    def get(self, request):
        return self.render({"profiles": _policy_profiles(request.user), "in_force": policy_for_year()})


class PolicyProfileCreateView(ObjectFormView):
    template_name = "core/policy_form.html"
    form_class = PolicyProfileCreateForm
    permission = perm_name(policy_profile_model(), "add")
    title = "新建年度政策配置"
    success_message = "已新建年度政策配置。"

    def get_initial(self):
        return {"year": today().year + 1}

    def perform(self, form):
        profile = policy_profile_create(by=self.request.user, **form.cleaned_data)
        return reverse("core:policy_detail", args=[profile.year])


def _profile_or_404(user, year: int) -> AbstractPolicyProfile:
    profile = _policy_profiles(user).filter(year=year).first()
    if profile is None:
        raise Http404("未找到该年度政策配置。")
    return profile


class PolicyProfileDetailView(PageView):
    template_name = "core/policy_detail.html"

    def get(self, request, year):
        profile = _profile_or_404(request.user, year)
        history = []
        if can_view_history(request.user):
            history = profile.history.select_related("history_user").order_by("-history_date", "-history_id")[:50]
        return self.render(
            {
                "profile": profile,
                "sections": [_section_view(profile, s) for s in SECTIONS.values()],
                "history": _profile_changes(history),
                "title": f"{profile.year}年度政策配置",
            }
        )


class PolicySectionEditView(PageView):
    template_name = "core/policy_section_form.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.profile = _profile_or_404(request.user, kwargs["year"])
        self.section = SECTIONS.get(kwargs["key"])
        if self.section is None:
            raise Http404("未知的配置分区。")
        if not request.user.has_perm(perm_name(policy_profile_model(), "change")):
            raise PermissionDenied("只有县委组织部可以维护政策配置。")
        return super().dispatch(request, *args, **kwargs)

    def context(self, editor, errors=()):
        return {
            "profile": self.profile,
            "section": self.section,
            "editor": editor,
            "sources": section_sources(self.section.key),
            "errors": errors,
            "title": f"修改{self.profile.year}年度政策配置：{self.section.label}",
        }

    def get(self, request, year, key):
        editor = SectionEditor(self.section, self.profile.section(key))
        return self.render(self.context(editor))

    def post(self, request, year, key):
        editor = SectionEditor(self.section, self.profile.section(key), data=request.POST)
        errors = ["请修改标红的项目后再保存。"]
        if editor.is_valid():
            try:
                policy_section_update(profile=self.profile, by=request.user, key=key, values=editor.values())
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(request, "已保存政策配置。")
                return redirect("core:policy_detail", year=year)
        return self.render(self.context(editor, errors))


# ---------------------------------------------------------------------------------------------
# Dashboard chart export, printable 一人一档 (print view and PDF)
# ---------------------------------------------------------------------------------------------
