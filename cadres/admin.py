"""Django admin for the register: search, filters, autocomplete, import/export, history."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import PermissionDenied, ValidationError
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html

from core.admin import (
    WORKFLOW_NOTE,
    HistoryExportOnlyAdmin,
    HistoryImportExportAdmin,
    ReadableHistoryAdmin,
    ReadOnlyMixin,
    code_name_filter,
)
from core.exports import LoggedExportMixin
from core.scope import scoped
from core.services import model_save
from core.views import CONFIRM_FIELD, CONFIRM_VALUE

from . import resources, services
from .idcard import parse_id_number
from .models import (
    Appointment,
    AppointmentRequest,
    DepartmentVerdict,
    ExportLog,
    FamilyMember,
    FilingEvent,
    FirstSecretary,
    FirstSecretaryGrade,
    ImportBatch,
    Person,
    PersonRecord,
    PolicyProfile,
    PresenceMonth,
    QualificationReview,
    ResumeEntry,
    SpotCheck,
    Township,
    User,
    Village,
    VillageFlag,
)


class RegisterImportExportAdmin(LoggedExportMixin, HistoryImportExportAdmin):
    """The register's admins: exports neutralised and written to ExportLog (personal data)."""


class NoHistoryRevertMixin:
    """History is shown, never restored: a revert would write around the services' rules."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied("历史版本只能查看，不能恢复；请在系统页面中修改。")
        return super().history_form_view(request, object_id, version_id, extra_context)


class RegisterExportOnlyAdmin(ReadOnlyMixin, NoHistoryRevertMixin, LoggedExportMixin, HistoryExportOnlyAdmin):
    """Export only, logged (see HistoryExportOnlyAdmin). The rows are written by the services
    alone (filing, 凡进必审, one current township …): the admin lists and shows them, and can
    neither add, change, delete nor restore an old version."""


PERSON_ADMIN_FIELDS = services.PERSON_FIELDS


class PersonAdminForm(forms.ModelForm):
    """The admin's person form runs the services' rules: sex and birth date follow the ID number,
    and the person rules (services.validate_person) give the same messages as every other door."""

    class Meta:
        model = Person
        fields = ["id_number", *PERSON_ADMIN_FIELDS, "registered_township"]

    def clean(self):
        data = super().clean()
        birth_date = self.instance.birth_date if self.instance.pk else None
        if not self.instance.pk and data.get("id_number"):
            try:
                facts = parse_id_number(data["id_number"])
            except ValidationError as exc:
                self.add_error("id_number", exc.messages)
            else:
                data["id_number"], birth_date = facts.number, facts.birth_date
                if Person.objects.filter(id_number=facts.number).exists():
                    self.add_error("id_number", services.DUPLICATE_ID)
        values = {name: data.get(name) for name in services.PERSON_FIELDS}
        if not self.instance.pk:
            values = services.person_new_values(values)
        for field, message in services.validate_person(values, birth_date=birth_date).items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
        return data


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "full_name", "role", "township", "is_active", "last_login"]
    list_filter = ["role", "township", "is_active", "is_staff"]
    search_fields = ["username", "full_name", "phone"]
    autocomplete_fields = ["township"]
    list_select_related = ["township"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("角色与数据范围", {"fields": ("full_name", "role", "township", "phone")}),
    )

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        from .services import user_set_role

        user_set_role(user=obj, role=obj.role, township=obj.township)


@admin.register(Township)
class TownshipAdmin(RegisterImportExportAdmin):
    resource_classes = [resources.TownshipResource]
    list_display = ["code", "name", "kind", "sort_order"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


class VillageFlagInline(admin.TabularInline):
    model = VillageFlag
    extra = 0


@admin.register(Village)
class VillageAdmin(RegisterImportExportAdmin):
    resource_classes = [resources.VillageResource]
    list_display = ["code", "name", "township", "kind", "population"]
    list_filter = ["township", "kind"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["township"]
    list_select_related = ["township"]
    inlines = [VillageFlagInline]


@admin.register(VillageFlag)
class VillageFlagAdmin(RegisterImportExportAdmin):
    resource_classes = [resources.VillageFlagResource]
    list_display = ["village", "kind", "start_date", "end_date"]
    list_filter = ["kind", "village__township"]
    search_fields = ["village__name"]
    autocomplete_fields = ["village"]
    list_select_related = ["village"]


class PersonRecordInline(admin.TabularInline):
    model = PersonRecord
    extra = 0


class FamilyMemberInline(admin.TabularInline):
    model = FamilyMember
    extra = 0


class ResumeEntryInline(admin.TabularInline):
    model = ResumeEntry
    extra = 0


@admin.register(Person)
class PersonAdmin(NoHistoryRevertMixin, RegisterImportExportAdmin):
    """People: the form validates like the services and saving goes through them."""

    form = PersonAdminForm
    resource_classes = [resources.PersonResource]
    list_display = ["name", "id_number", "sex", "birth_date", "political_status", "education_fulltime", "registered_township"]
    list_filter = ["sex", "political_status", "education_fulltime", "ethnicity", "registered_township"]
    search_fields = ["name", "id_number", "phone"]
    autocomplete_fields = ["registered_township"]
    list_select_related = ["registered_township"]
    inlines = [ResumeEntryInline, FamilyMemberInline, PersonRecordInline]

    def get_readonly_fields(self, request, obj=None):
        # The ID number (and with it sex and birth date) is fixed once the file exists.
        return ["id_number", "sex", "birth_date", "created_at", "updated_at"] if obj else ["created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        data = {name: form.cleaned_data[name] for name in services.PERSON_FIELDS if name in form.cleaned_data}
        if change:
            saved = services.person_update(person=obj, by=request.user, **data)
            if "registered_township" in form.changed_data:
                saved.registered_township = form.cleaned_data["registered_township"]
                model_save(saved, by=request.user, update_fields=["registered_township", "updated_at"])
        else:
            saved = services.person_create(
                by=request.user,
                id_number=form.cleaned_data["id_number"],
                registered_township=form.cleaned_data.get("registered_township"),
                **data,
            )
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(PersonRecord)
class PersonRecordAdmin(RegisterImportExportAdmin):
    resource_classes = [resources.PersonRecordResource]
    list_display = ["person", "kind", "date", "level", "title"]
    list_filter = ["kind", "level"]
    search_fields = ["person__name", "title"]
    autocomplete_fields = ["person"]
    list_select_related = ["person"]


@admin.register(AppointmentRequest)
class AppointmentRequestAdmin(NoHistoryRevertMixin, ReadableHistoryAdmin):
    list_display = ["person", "proposed_post", "proposed_removal", "reporting_unit", "filled_on"]
    search_fields = ["person__name", "proposed_post"]
    autocomplete_fields = ["person", "appointment"]
    list_select_related = ["person"]
    readonly_fields = ["created_by", "created_at"]


class FilingEventInline(admin.TabularInline):
    model = FilingEvent
    extra = 0
    readonly_fields = ["from_status", "to_status", "by", "at", "note"]
    can_delete = False


@admin.register(Appointment)
class AppointmentAdmin(RegisterExportOnlyAdmin):
    resource_classes = [resources.AppointmentResource]
    export_only_note = WORKFLOW_NOTE.format(what="任职", rules="资格联审、乡镇审核、县级备案和“一村一书记”")
    list_display = ["person", "village", "post_name", "start_date", "end_date", "status", "cohort"]
    list_filter = ["status", code_name_filter("post", "post_name", "职务"), "cohort", "village__township"]
    search_fields = ["person__name", "person__id_number", "village__name"]
    autocomplete_fields = ["person", "village", "qualification_review"]
    list_select_related = ["person", "village"]
    inlines = [FilingEventInline]
    actions = ["file_selected"]

    @admin.action(description="县级备案（所选任职，全部符合规定才办理）")
    def file_selected(self, request, queryset):
        """The admin door of 批量备案: the same batch service as the page and the API, after a
        confirmation page; any refused row leaves the whole batch undone and is reported."""
        rows = list(scoped(request.user, queryset).select_related("person", "village").order_by("pk"))
        if request.POST.get(CONFIRM_FIELD) != CONFIRM_VALUE:
            context = {
                **self.admin_site.each_context(request),
                "title": "确认县级备案",
                "statement": f"以下{len(rows)}条任职将一并办理县级备案，备案后即正式生效且不能退回；"
                "任何一条不符合规定时整批都不办理。",
                "objects": rows,
                "action": "file_selected",
                "button": "确认备案",
            }
            return TemplateResponse(request, "core/admin/confirm_action.html", context)
        try:
            services.appointment_file_bulk(ids=[a.pk for a in rows], by=request.user)
        except services.BatchRefused as exc:
            self.message_user(request, exc.messages[0], messages.ERROR)
            for failure in exc.failures:
                self.message_user(request, f"第{failure.row}条 {failure.label}：{failure.reason}", messages.ERROR)
        except (ValidationError, PermissionDenied) as exc:
            text = "；".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
            self.message_user(request, text, messages.ERROR)
        else:
            self.message_user(request, f"已办理县级备案{len(rows)}条。", messages.SUCCESS)
        return None


@admin.register(FilingEvent)
class FilingEventAdmin(admin.ModelAdmin):
    list_display = ["appointment", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    search_fields = ["appointment__person__name"]
    list_select_related = ["appointment__person", "appointment__village", "by"]
    readonly_fields = ["appointment", "from_status", "to_status", "by", "at", "note"]


class DepartmentVerdictInline(admin.TabularInline):
    model = DepartmentVerdict
    extra = 0


@admin.register(QualificationReview)
class QualificationReviewAdmin(RegisterExportOnlyAdmin):
    export_only_note = WORKFLOW_NOTE.format(what="资格联审", rules="按年度政策开设联审部门、汇总联审结论")
    list_display = ["person", "village", "post_name", "outcome", "requested_at", "concluded_at"]
    list_filter = ["outcome", "village__township"]
    search_fields = ["person__name", "person__id_number", "village__name"]
    autocomplete_fields = ["person", "village"]
    list_select_related = ["person", "village"]
    inlines = [DepartmentVerdictInline]


@admin.register(DepartmentVerdict)
class DepartmentVerdictAdmin(RegisterExportOnlyAdmin):
    export_only_note = WORKFLOW_NOTE.format(what="部门审查意见", rules="负面清单校验、联审结论汇总")
    list_display = ["review", "department_name", "result", "negative_item_text", "reviewed_at"]
    list_filter = ["result", "department_name"]
    search_fields = ["review__person__name", "department_name"]
    autocomplete_fields = ["review"]
    list_select_related = ["review__person", "review__village"]


class PresenceMonthInline(admin.TabularInline):
    model = PresenceMonth
    extra = 0


@admin.register(FirstSecretary)
class FirstSecretaryAdmin(RegisterExportOnlyAdmin):
    resource_classes = [resources.FirstSecretaryResource]
    export_only_note = WORKFLOW_NOTE.format(what="驻村第一书记选派", rules="任期、“一村一名在岗第一书记”")
    list_display = ["person", "village", "sending_unit", "term_start", "term_end", "status"]
    list_filter = ["status", "village__township", "batch"]
    search_fields = ["person__name", "sending_unit", "village__name"]
    autocomplete_fields = ["person", "village"]
    list_select_related = ["person", "village"]
    inlines = [PresenceMonthInline]


@admin.register(PresenceMonth)
class PresenceMonthAdmin(RegisterExportOnlyAdmin):
    export_only_note = WORKFLOW_NOTE.format(what="驻村天数", rules="驻村期内、当月天数上限")
    list_display = ["first_secretary", "month", "days_in_village", "leave_days"]
    list_filter = ["month"]
    search_fields = ["first_secretary__person__name"]
    autocomplete_fields = ["first_secretary"]
    list_select_related = ["first_secretary__person", "first_secretary__village"]


class SpotCheckAdminForm(forms.ModelForm):
    """The admin's spot-check form runs the same rules as the page, the API and the import."""

    class Meta:
        model = SpotCheck
        fields = ["posting", "date", "result", "excused", "checker", "note"]

    def clean(self):
        data = super().clean()
        if data.get("posting") and data.get("date") and data.get("result"):
            errors = services.spot_check_errors(
                posting=data["posting"],
                date=data["date"],
                result=data["result"],
                excused=data.get("excused", False),
                checker=data.get("checker", ""),
            )
            for field, message in errors.items():
                if field not in self.errors:
                    self.add_error(field, message)
        return data


@admin.register(SpotCheck)
class SpotCheckAdmin(NoHistoryRevertMixin, LoggedExportMixin, HistoryExportOnlyAdmin):
    """Spot checks are added here as on the first-secretary page (through the service, which caps
    the year's grade again); a recorded check is kept as it is: no change, no delete."""

    form = SpotCheckAdminForm
    export_only_note = "抽查记录可在此新增（与第一书记页面、接口和表格导入同一规则），已登记的记录不能修改或删除。"
    list_display = ["posting", "date", "result", "excused", "checker", "recorded_by"]
    list_filter = ["result", "excused", "posting__village__township"]
    search_fields = ["posting__person__name", "checker"]
    autocomplete_fields = ["posting"]
    list_select_related = ["posting__person", "posting__village", "recorded_by"]
    date_hierarchy = "date"

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data.get(f) for f in ("posting", "date", "result", "excused", "checker", "note")}
        saved = services.spot_check_record(by=request.user, **{**data, "note": data["note"] or ""})
        obj.pk = saved.pk
        obj.refresh_from_db()


@admin.register(FirstSecretaryGrade)
class FirstSecretaryGradeAdmin(RegisterExportOnlyAdmin):
    export_only_note = WORKFLOW_NOTE.format(what="第一书记年度考核等次", rules="抽查缺勤限定等次")
    list_display = ["posting", "year", "proposed", "grade", "absences", "reason"]
    list_filter = ["year", "grade"]
    search_fields = ["posting__person__name"]
    list_select_related = ["posting__person", "posting__village"]


@admin.register(PolicyProfile)
class PolicyProfileAdmin(ReadOnlyMixin, ReadableHistoryAdmin):
    """Read-only here: the yearly rules are edited on the policy pages, which validate each section."""

    list_display = ["year", "title", "updated_by", "updated_at"]
    search_fields = ["title"]
    exclude = ["data"]
    readonly_fields = ["policy_page"]

    @admin.display(description="规则内容")
    def policy_page(self, obj):
        url = reverse("core:policy_detail", args=[obj.year])
        return format_html('请在<a href="{}">“年度政策配置”页面</a>查看和修改{}年度的规则。', url, obj.year)


@admin.register(ImportBatch)
class ImportBatchAdmin(admin.ModelAdmin):
    list_display = ["original_name", "sheet_type", "township", "uploaded_by", "uploaded_at", "status", "applied_at"]
    list_filter = ["status", "sheet_type", "township"]
    search_fields = ["original_name", "checksum", "uploaded_by__username"]
    list_select_related = ["township", "uploaded_by"]
    readonly_fields = [f.name for f in ImportBatch._meta.fields]

    def has_add_permission(self, request):
        return False  # uploads go through the pipeline (网页“表格导入” or manage.py import_sheet)


@admin.register(ExportLog)
class ExportLogAdmin(admin.ModelAdmin):
    list_display = ["at", "user", "township", "what", "rows", "masked"]
    list_filter = ["what", "masked", "township"]
    search_fields = ["user__username", "what"]
    list_select_related = ["user", "township"]
    readonly_fields = [f.name for f in ExportLog._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
