"""django-import-export Resources with Chinese headers (admin import/export).

Admin imports validate exactly like the services: every row is ``full_clean()``-ed (field
validators, choices, constraints) and, for people, runs the same ID-number and Party-field rules
as ``services.person_create``. A bad row is reported by row and field and, because the admin
import first does a dry run and runs in one transaction (``IMPORT_EXPORT_USE_TRANSACTIONS``),
nothing is written. Appointments and first secretaries are export-only in the admin (their
filing workflow and rules live in the services and the sheet import).
"""

from django.core.exceptions import ValidationError
from import_export import fields, resources
from import_export.widgets import DateWidget, ForeignKeyWidget, IntegerWidget, Widget

from core import dates as core_dates

from . import choices
from .idcard import normalize_id_number, parse_id_number
from .models import Appointment, FirstSecretary, Person, PersonRecord, Township, Village, VillageFlag


class ValidatedResource(resources.ModelResource):
    """Rows are full_clean()-ed; choice columns accept the value or the Chinese label."""

    # field name → TextChoices class whose labels are accepted on import
    label_choices: dict = {}

    class Meta:
        clean_model_instances = True

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        for name, choice_class in self.label_choices.items():
            column = self.fields[name].column_name
            value = row.get(column)
            if isinstance(value, str):
                by_label = {str(label): v for v, label in choice_class.choices}
                row[column] = by_label.get(value.strip(), value.strip())

    def validate_instance(self, instance, import_validation_errors=None, validate_unique=True):
        errors = dict(import_validation_errors or {})
        errors.update(self.rule_errors(instance, errors))
        super().validate_instance(instance, errors, validate_unique)

    def rule_errors(self, instance, errors: dict) -> dict:
        """Extra business-rule errors keyed by field (beyond the model's own validation)."""
        return {}


class TownshipResource(ValidatedResource):
    code = fields.Field(attribute="code", column_name="区划代码")
    name = fields.Field(attribute="name", column_name="名称")
    kind = fields.Field(attribute="kind", column_name="类型")
    label_choices = {"kind": choices.TownshipKind}

    class Meta(ValidatedResource.Meta):
        model = Township
        import_id_fields = ["code"]
        fields = ["code", "name", "kind"]
        skip_unchanged = True
        report_skipped = True


class TownshipNameWidget(ForeignKeyWidget):
    def clean(self, value, row=None, **kwargs):
        try:
            return super().clean(value, row, **kwargs)
        except Township.DoesNotExist:
            raise ValueError(f"没有名为“{value}”的乡镇(街道)。") from None


class VillageResource(ValidatedResource):
    township = fields.Field(attribute="township", column_name="乡镇(街道)", widget=TownshipNameWidget(Township, "name"))
    code = fields.Field(attribute="code", column_name="村(社区)代码")
    name = fields.Field(attribute="name", column_name="名称")
    kind = fields.Field(attribute="kind", column_name="类型")
    population = fields.Field(attribute="population", column_name="户籍人口", widget=IntegerWidget())
    households = fields.Field(attribute="households", column_name="户数", widget=IntegerWidget())
    label_choices = {"kind": choices.VillageKind}

    class Meta(ValidatedResource.Meta):
        model = Village
        import_id_fields = ["code"]
        fields = ["township", "code", "name", "kind", "population", "households"]
        skip_unchanged = True
        report_skipped = True


class ChoiceLabelWidget(Widget):
    """A choice column written and read as its Chinese label (the code is accepted too)."""

    def __init__(self, choice_class, **kwargs):
        super().__init__(**kwargs)
        self.choice_class = choice_class

    def clean(self, value, row=None, **kwargs):
        text = str(value or "").strip()
        by_label = {str(label): code for code, label in self.choice_class.choices}
        return by_label.get(text, text)

    def render(self, value, obj=None, **kwargs):
        return dict(self.choice_class.choices).get(value, value or "")


class PersonResource(ValidatedResource):
    """People with Chinese headers. On import, sex and birth date follow the ID number (a given
    birth date must agree), a new file gets the services' defaults for what the row leaves blank
    (services.person_new_values), and the person rules are the services' (validate_person)."""

    name = fields.Field(attribute="name", column_name="姓名")
    sex = fields.Field(attribute="get_sex_display", column_name="性别", readonly=True)
    ethnicity = fields.Field(attribute="ethnicity", column_name="民族")
    birth_date = fields.Field(attribute="birth_date", column_name="出生日期", widget=DateWidget())
    id_number = fields.Field(attribute="id_number", column_name="身份证号")
    political_status = fields.Field(
        attribute="political_status", column_name="政治面貌", widget=ChoiceLabelWidget(choices.PoliticalStatus)
    )
    party_join_date = fields.Field(attribute="party_join_date", column_name="入党时间", widget=DateWidget())
    education_fulltime = fields.Field(attribute="get_education_fulltime_display", column_name="全日制学历", readonly=True)
    education_inservice = fields.Field(attribute="get_education_inservice_display", column_name="在职学历", readonly=True)
    phone = fields.Field(attribute="phone", column_name="联系电话")
    posts = fields.Field(column_name="现任职务", readonly=True)

    class Meta(ValidatedResource.Meta):
        model = Person
        import_id_fields = ["id_number"]
        fields = [
            "name",
            "sex",
            "ethnicity",
            "birth_date",
            "id_number",
            "political_status",
            "party_join_date",
            "education_fulltime",
            "education_inservice",
            "phone",
            "posts",
        ]

    def before_import_row(self, row, **kwargs):
        super().before_import_row(row, **kwargs)
        column = self.fields["id_number"].column_name
        if row.get(column) not in (None, ""):
            row[column] = normalize_id_number(row[column])
        self._political_given = str(row.get(self.fields["political_status"].column_name) or "").strip() != ""

    def rule_errors(self, instance, errors):
        from .services import PERSON_FIELDS, person_new_values, validate_person

        found = {}
        birth_date = None
        try:
            facts = parse_id_number(instance.id_number)
        except ValidationError as exc:
            found["id_number"] = exc.messages
        else:
            birth_date = facts.birth_date
            if instance.pk is None:
                if instance.birth_date and instance.birth_date != facts.birth_date:
                    found["birth_date"] = f"出生日期与身份证号不一致：身份证号显示为{facts.birth_date:%Y年%m月%d日}。"
                instance.birth_date, instance.sex = facts.birth_date, facts.sex
            elif instance.birth_date != facts.birth_date:
                found["birth_date"] = "出生日期由身份证号确定，不能修改。"
        if instance.pk is None:
            given = {name: getattr(instance, name) for name in PERSON_FIELDS}
            if not self._political_given:
                given["political_status"] = None  # not in the row: the services' default, not the model's
            for name, value in person_new_values(given).items():
                setattr(instance, name, value)
        values = {name: getattr(instance, name) for name in ("political_status", "party_join_date", "ethnicity")}
        found.update({k: v for k, v in validate_person(values, birth_date=birth_date).items() if k not in errors})
        return found

    def dehydrate_posts(self, person):
        current = getattr(person, "current_appointments", None)
        if current is None:
            return ""
        return "、".join(f"{a.village.township.name}{a.village.name}{a.post_name}" for a in current)


class ExportOnlyResource(resources.ModelResource):
    """Export only (the admin offers no import for these models)."""


class AppointmentResource(ExportOnlyResource):
    person = fields.Field(attribute="person__name", column_name="姓名", readonly=True)
    id_number = fields.Field(attribute="person__id_number", column_name="身份证号", readonly=True)
    township = fields.Field(attribute="village__township__name", column_name="乡镇(街道)", readonly=True)
    village = fields.Field(attribute="village__name", column_name="村(社区)", readonly=True)
    post_name = fields.Field(attribute="post_name", column_name="职务")
    start_date = fields.Field(attribute="start_date", column_name="任职时间")
    end_date = fields.Field(attribute="end_date", column_name="离任时间")
    status = fields.Field(attribute="get_status_display", column_name="备案状态", readonly=True)
    cohort = fields.Field(attribute="cohort", column_name="换届届次")

    class Meta:
        model = Appointment
        fields = ["person", "id_number", "township", "village", "post_name", "start_date", "end_date", "status", "cohort"]


class FirstSecretaryResource(ExportOnlyResource):
    person = fields.Field(attribute="person__name", column_name="姓名", readonly=True)
    sending_unit = fields.Field(attribute="sending_unit", column_name="派出单位")
    original_title = fields.Field(attribute="original_title", column_name="原职务/职级")
    township = fields.Field(attribute="village__township__name", column_name="乡镇(街道)", readonly=True)
    village = fields.Field(attribute="village__name", column_name="驻村", readonly=True)
    term_start = fields.Field(attribute="term_start", column_name="驻村开始")
    term_end = fields.Field(attribute="term_end", column_name="驻村期满")
    status = fields.Field(attribute="get_status_display", column_name="状态", readonly=True)

    class Meta:
        model = FirstSecretary
        fields = ["person", "sending_unit", "original_title", "township", "village", "term_start", "term_end", "status"]


class VillageFlagResource(ValidatedResource):
    village = fields.Field(attribute="village", column_name="村(社区)代码", widget=ForeignKeyWidget(Village, "code"))
    kind = fields.Field(attribute="kind", column_name="类型")
    start_date = fields.Field(attribute="start_date", column_name="认定日期", widget=DateWidget())
    end_date = fields.Field(attribute="end_date", column_name="摘帽/销号日期", widget=DateWidget())
    basis = fields.Field(attribute="basis", column_name="认定依据")
    label_choices = {"kind": choices.VillageFlagKind}

    class Meta(ValidatedResource.Meta):
        model = VillageFlag
        fields = ["id", "village", "kind", "start_date", "end_date", "basis"]

    def rule_errors(self, instance, errors):
        if "village" in errors or "kind" in errors or not instance.start_date or not instance.village_id:
            return {}
        overlapping = VillageFlag.objects.current(instance.start_date).filter(village_id=instance.village_id, kind=instance.kind)
        if overlapping.exclude(pk=instance.pk).exists():
            return {"kind": f"该村在{instance.start_date:%Y年%m月%d日}已有此类型标记。"}
        return {}


class PersonRecordResource(ValidatedResource):
    person = fields.Field(attribute="person", column_name="身份证号", widget=ForeignKeyWidget(Person, "id_number"))
    kind = fields.Field(attribute="kind", column_name="类别")
    date = fields.Field(attribute="date", column_name="日期", widget=DateWidget())
    level = fields.Field(attribute="level", column_name="级别")
    title = fields.Field(attribute="title", column_name="名称/事由")
    issuer = fields.Field(attribute="issuer", column_name="决定机关")
    document_no = fields.Field(attribute="document_no", column_name="文号")
    end_date = fields.Field(attribute="end_date", column_name="影响期截止", widget=DateWidget())
    label_choices = {"kind": choices.RecordKind, "level": choices.RecordLevel}

    class Meta(ValidatedResource.Meta):
        model = PersonRecord
        fields = ["id", "person", "kind", "date", "level", "title", "issuer", "document_no", "end_date"]

    def rule_errors(self, instance, errors):
        found = {}
        if instance.date and instance.date > core_dates.today():
            found["date"] = "日期不能晚于今天。"
        if instance.date and instance.end_date and instance.end_date < instance.date:
            found["end_date"] = "影响期截止日期不能早于决定日期。"
        return found
