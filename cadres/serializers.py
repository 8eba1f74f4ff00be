"""API serializers: model-backed output serializers and plain input serializers for the services.

Output serializers read only what the selectors load (``select_related`` / prefetches), so a list
costs the same number of queries for 1 row and for 200. Input serializers check shape and types;
the rules live in cadres.services, whose ValidationError dicts come back as field-keyed 400s.
"""

from __future__ import annotations

from functools import cached_property

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from cadres import choices
from cadres.idcard import parse_id_number
from cadres.models import (
    Appointment,
    DepartmentVerdict,
    FamilyMember,
    FirstSecretary,
    FirstSecretaryGrade,
    Person,
    PresenceMonth,
    QualificationReview,
    ResumeEntry,
    SpotCheck,
    Township,
    Village,
    VillageFlag,
)
from core.api import ScopedPrimaryKeyRelatedField
from core.masking import id_number_for, phone_for

# ---------------------------------------------------------------------------------------------
# Fields
# ---------------------------------------------------------------------------------------------


class ChoiceLabelField(serializers.CharField):
    """The Chinese label of a choice field: ``get_<field>_display()`` called directly. DRF's
    callable ``source`` inspects the method's signature on every row (~0.1 ms each; a page of
    reviews with their verdicts has 650 labels)."""

    def __init__(self, field_name: str, **kwargs):
        self.method = f"get_{field_name}_display"
        super().__init__(source=self.method, read_only=True, **kwargs)

    def get_attribute(self, instance):
        return getattr(instance, self.method)()


def _label(field_name: str) -> serializers.CharField:
    """The Chinese label of a choice field (``get_<field>_display``)."""
    return ChoiceLabelField(field_name)


# ---------------------------------------------------------------------------------------------
# Output: townships and villages
# ---------------------------------------------------------------------------------------------


class TownshipSerializer(serializers.ModelSerializer):
    kind_display = _label("kind")
    village_count = serializers.IntegerField(read_only=True, help_text="村(社区)数")
    community_count = serializers.IntegerField(read_only=True, help_text="其中社区数")
    secretary_count = serializers.IntegerField(read_only=True, help_text="现任村党组织书记数")

    class Meta:
        model = Township
        fields = [
            "id",
            "name",
            "code",
            "kind",
            "kind_display",
            "sort_order",
            "village_count",
            "community_count",
            "secretary_count",
        ]


class VillageFlagSerializer(serializers.ModelSerializer):
    kind_display = _label("kind")

    class Meta:
        model = VillageFlag
        fields = ["id", "kind", "kind_display", "start_date", "end_date", "basis"]


class CurrentSecretarySerializer(serializers.Serializer):
    """The filed, current secretary appointment of a village."""

    id = serializers.IntegerField(source="person_id", read_only=True, help_text="人员编号")
    name = serializers.CharField(source="person.name", read_only=True)
    appointment_id = serializers.IntegerField(source="id", read_only=True, help_text="任职编号")
    start_date = serializers.DateField(read_only=True)


class VillageSerializer(serializers.ModelSerializer):
    township_name = serializers.CharField(source="township.name", read_only=True)
    kind_display = _label("kind")
    current_flags = VillageFlagSerializer(many=True, read_only=True, help_text="当前有效的村类型标记")
    current_secretary = CurrentSecretarySerializer(read_only=True, allow_null=True, help_text="现任村党组织书记；空缺为 null")

    class Meta:
        model = Village
        fields = [
            "id",
            "name",
            "code",
            "township",
            "township_name",
            "kind",
            "kind_display",
            "population",
            "households",
            "party_members",
            "current_flags",
            "current_secretary",
        ]


# ---------------------------------------------------------------------------------------------
# Output: people
# ---------------------------------------------------------------------------------------------


class CurrentPostSerializer(serializers.ModelSerializer):
    """One current (filed, not ended) post of a person."""

    appointment_id = serializers.IntegerField(source="id", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    township = serializers.IntegerField(source="village.township_id", read_only=True)
    township_name = serializers.CharField(source="village.township.name", read_only=True)

    class Meta:
        model = Appointment
        fields = ["appointment_id", "village", "village_name", "township", "township_name", "post", "post_name", "start_date"]


class PersonSerializer(serializers.ModelSerializer):
    id_number = serializers.SerializerMethodField(help_text="无“查看完整身份证号和联系电话”权限的用户（如审计只读）看到脱敏号码")
    phone = serializers.SerializerMethodField(help_text="无权限时脱敏")
    sex_display = _label("sex")
    age = serializers.IntegerField(read_only=True)
    political_status_display = _label("political_status")
    education_fulltime_display = _label("education_fulltime")
    education_inservice_display = _label("education_inservice")
    highest_education = serializers.CharField(read_only=True)
    highest_education_display = _label("highest_education")
    registered_township_name = serializers.CharField(source="registered_township.name", read_only=True, allow_null=True)
    current_posts = CurrentPostSerializer(source="current_appointments", many=True, read_only=True)

    class Meta:
        model = Person
        fields = [
            "id",
            "name",
            "id_number",
            "sex",
            "sex_display",
            "birth_date",
            "age",
            "ethnicity",
            "native_place",
            "political_status",
            "political_status_display",
            "party_join_date",
            "work_start_date",
            "education_fulltime",
            "education_fulltime_display",
            "education_inservice",
            "education_inservice_display",
            "highest_education",
            "highest_education_display",
            "school_major",
            "birthplace",
            "health",
            "degree_fulltime",
            "school_major_inservice",
            "degree_inservice",
            "professional_title",
            "specialty",
            "phone",
            "is_veteran",
            "is_returned_graduate",
            "registered_township",
            "registered_township_name",
            "note",
            "current_posts",
            "created_at",
            "updated_at",
        ]

    def get_id_number(self, obj: Person) -> str:
        return id_number_for(getattr(self.context.get("request"), "user", None), obj.id_number)

    def get_phone(self, obj: Person) -> str:
        return phone_for(getattr(self.context.get("request"), "user", None), obj.phone)


class FamilyMemberSerializer(serializers.ModelSerializer):
    class Meta:
        model = FamilyMember
        fields = ["id", "person", "relation", "name", "birth_date", "political_status", "work_unit", "sort"]


class ResumeEntrySerializer(serializers.ModelSerializer):
    end_date = serializers.DateField(read_only=True, allow_null=True, help_text="截止时间；null 表示至今")

    class Meta:
        model = ResumeEntry
        fields = ["id", "person", "start_date", "end_date", "text"]


class PersonDetailSerializer(PersonSerializer):
    """One person (一人一档) with the 干部任免审批表's lists, read-only: write them through
    /api/v1/family-members/ and /api/v1/resume-entries/."""

    family_members = FamilyMemberSerializer(many=True, read_only=True, help_text="家庭主要成员及重要社会关系（按表内顺序）")
    resume_entries = ResumeEntrySerializer(many=True, read_only=True, help_text="简历（按起始时间）")

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "family_members", "resume_entries"]


class PersonCreatedSerializer(PersonSerializer):
    """The answer to a create: the person, plus any 提示 about the ID number (the person is saved)."""

    warnings = serializers.SerializerMethodField(
        help_text="提示（人员已建档）：如身份证号前6位不在行政区划代码表中，请核对号码；无提示时为空列表"
    )

    class Meta(PersonSerializer.Meta):
        fields = [*PersonSerializer.Meta.fields, "warnings"]

    def get_warnings(self, obj: Person) -> list[str]:
        return list(parse_id_number(obj.id_number).warnings)


# ---------------------------------------------------------------------------------------------
# Output: appointments, reviews, first secretaries
# ---------------------------------------------------------------------------------------------


class AppointmentSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    township = serializers.IntegerField(source="village.township_id", read_only=True)
    township_name = serializers.CharField(source="village.township.name", read_only=True)
    end_reason_display = _label("end_reason")
    status_display = _label("status")
    is_current = serializers.BooleanField(read_only=True, help_text="今日在任：已备案、任职时间已到且未离任")
    is_pending = serializers.BooleanField(read_only=True, help_text="待任：已备案，任职时间未到")
    qualification_review_outcome = serializers.ChoiceField(
        source="qualification_review.outcome",
        choices=choices.VettingResult.choices,
        read_only=True,
        allow_null=True,
        help_text="资格联审结论；未关联联审为 null",
    )

    class Meta:
        model = Appointment
        fields = [
            "id",
            "person",
            "person_name",
            "village",
            "village_name",
            "township",
            "township_name",
            "post",
            "post_name",
            "start_date",
            "end_date",
            "end_reason",
            "end_reason_display",
            "cohort",
            "status",
            "status_display",
            "is_current",
            "is_pending",
            "qualification_review",
            "qualification_review_outcome",
            "note",
            "created_at",
        ]


class DepartmentVerdictSerializer(serializers.ModelSerializer):
    result_display = _label("result")
    reviewed_by_name = serializers.CharField(source="reviewed_by", read_only=True, allow_null=True)

    class Meta:
        model = DepartmentVerdict
        fields = [
            "department_code",
            "department_name",
            "result",
            "result_display",
            "negative_item_code",
            "negative_item_text",
            "warning_text",
            "note",
            "reviewed_by_name",
            "reviewed_at",
        ]

    PLAIN = ("department_code", "department_name", "result", "negative_item_code", "negative_item_text", "warning_text", "note")

    def to_representation(self, instance: DepartmentVerdict) -> dict:
        """The same answer as the declared fields, built directly: a page of 50 reviews carries 400
        verdicts, and DRF's field-by-field walk was most of the API's time (tested equal)."""
        data = {name: getattr(instance, name) for name in self.PLAIN}
        data["result_display"] = str(instance.get_result_display())
        if hasattr(instance, "reviewer_name"):  # read with the verdicts (the reviews' list)
            data["reviewed_by_name"] = instance.reviewer_name
        else:
            data["reviewed_by_name"] = str(instance.reviewed_by) if instance.reviewed_by_id is not None else None
        at = instance.reviewed_at
        data["reviewed_at"] = self.fields["reviewed_at"].to_representation(at) if at is not None else None
        return {name: data[name] for name in self.Meta.fields}


class QualificationReviewSerializer(serializers.ModelSerializer):
    """Township users see the outcome only; ``verdicts`` is null for them."""

    person_name = serializers.CharField(source="person.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    township = serializers.IntegerField(source="village.township_id", read_only=True)
    outcome_display = _label("outcome")
    verdicts = serializers.SerializerMethodField(help_text="各部门审查意见；无权查看明细的用户为 null")

    class Meta:
        model = QualificationReview
        fields = [
            "id",
            "person",
            "person_name",
            "village",
            "village_name",
            "township",
            "post",
            "post_name",
            "cohort",
            "outcome",
            "outcome_display",
            "requested_at",
            "concluded_at",
            "note",
            "verdicts",
        ]

    @extend_schema_field(DepartmentVerdictSerializer(many=True, allow_null=True))
    def get_verdicts(self, obj: QualificationReview):
        if not self.context.get("can_view_vetting_details"):
            return None
        # ``verdicts`` is prefetched by the view for users who may see it.
        return self._verdicts.to_representation(obj.verdicts.all())

    @cached_property
    def _verdicts(self) -> serializers.ListSerializer:
        """One verdict serializer for every row of a page (its fields are built once, not per row)."""
        return DepartmentVerdictSerializer(many=True, context=self.context)


class PresenceMonthSerializer(serializers.ModelSerializer):
    min_days = serializers.IntegerField(read_only=True, help_text="当年政策要求的每月最少在村天数")
    shortfall = serializers.BooleanField(read_only=True, help_text="在村天数不足")

    class Meta:
        model = PresenceMonth
        fields = ["id", "first_secretary", "month", "days_in_village", "leave_days", "note", "min_days", "shortfall"]


class FirstSecretarySerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="person.name", read_only=True)
    village_name = serializers.CharField(source="village.name", read_only=True)
    township = serializers.IntegerField(source="village.township_id", read_only=True)
    township_name = serializers.CharField(source="village.township.name", read_only=True)
    status_display = _label("status")
    days_to_expiry = serializers.SerializerMethodField(help_text="距驻村期满天数（已过期为负数）")
    is_current = serializers.BooleanField(read_only=True, help_text="今日在岗：驻村开始日期已到、未期满且未离村")
    is_pending = serializers.BooleanField(read_only=True, help_text="待到岗：已选派，驻村开始日期未到")

    class Meta:
        model = FirstSecretary
        fields = [
            "id",
            "person",
            "person_name",
            "village",
            "village_name",
            "township",
            "township_name",
            "sending_unit",
            "original_title",
            "batch",
            "term_start",
            "term_end",
            "status",
            "status_display",
            "is_current",
            "is_pending",
            "ended_on",
            "end_note",
            "days_to_expiry",
        ]

    @extend_schema_field(OpenApiTypes.INT)
    def get_days_to_expiry(self, obj: FirstSecretary) -> int:
        return obj.days_to_expiry()


class FirstSecretaryDetailSerializer(FirstSecretarySerializer):
    presence = serializers.SerializerMethodField(help_text="每月在村天数，按月份倒序")

    class Meta(FirstSecretarySerializer.Meta):
        fields = [*FirstSecretarySerializer.Meta.fields, "presence"]

    @extend_schema_field(PresenceMonthSerializer(many=True))
    def get_presence(self, obj: FirstSecretary):
        return PresenceMonthSerializer(self.context.get("presence", []), many=True).data


# ---------------------------------------------------------------------------------------------
# Input (plain serializers; the services hold the rules)
# ---------------------------------------------------------------------------------------------


class PersonUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=30)
    ethnicity = serializers.ChoiceField(choices=choices.ETHNICITY_CHOICES)
    native_place = serializers.CharField(max_length=50, allow_blank=True)
    political_status = serializers.ChoiceField(choices=choices.PoliticalStatus.choices)
    party_join_date = serializers.DateField(allow_null=True)
    work_start_date = serializers.DateField(allow_null=True)
    education_fulltime = serializers.ChoiceField(choices=choices.Education.choices, allow_blank=True)
    education_inservice = serializers.ChoiceField(choices=choices.Education.choices, allow_blank=True)
    school_major = serializers.CharField(max_length=100, allow_blank=True)
    degree_fulltime = serializers.CharField(max_length=30, allow_blank=True)
    school_major_inservice = serializers.CharField(max_length=100, allow_blank=True)
    degree_inservice = serializers.CharField(max_length=30, allow_blank=True)
    birthplace = serializers.CharField(max_length=50, allow_blank=True)
    health = serializers.CharField(max_length=30, allow_blank=True)
    professional_title = serializers.CharField(max_length=50, allow_blank=True)
    specialty = serializers.CharField(max_length=100, allow_blank=True)
    phone = serializers.CharField(max_length=20, allow_blank=True)
    is_veteran = serializers.BooleanField()
    is_returned_graduate = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)

    FIXED_FIELDS = ("id_number", "sex", "birth_date")

    def validate(self, attrs):
        fixed = [name for name in self.FIXED_FIELDS if name in self.initial_data]
        if fixed:
            raise serializers.ValidationError({name: "身份证号、性别和出生日期由身份证号确定，不能在此修改。" for name in fixed})
        return attrs


class PersonCreateInput(serializers.Serializer):
    id_number = serializers.CharField(max_length=40, help_text="18位身份证号；全角字符和小写x会自动规范")
    name = serializers.CharField(max_length=30)
    sex = serializers.ChoiceField(
        choices=choices.Sex.choices, required=False, allow_blank=True, help_text="可不填（由身份证号推出）；填写时须一致"
    )
    birth_date = serializers.DateField(required=False, allow_null=True, help_text="可不填（由身份证号推出）；填写时须一致")
    ethnicity = serializers.ChoiceField(choices=choices.ETHNICITY_CHOICES, required=False)
    native_place = serializers.CharField(max_length=50, required=False, allow_blank=True)
    political_status = serializers.ChoiceField(choices=choices.PoliticalStatus.choices)
    party_join_date = serializers.DateField(required=False, allow_null=True)
    work_start_date = serializers.DateField(required=False, allow_null=True)
    education_fulltime = serializers.ChoiceField(choices=choices.Education.choices, required=False, allow_blank=True)
    education_inservice = serializers.ChoiceField(choices=choices.Education.choices, required=False, allow_blank=True)
    school_major = serializers.CharField(max_length=100, required=False, allow_blank=True)
    degree_fulltime = serializers.CharField(max_length=30, required=False, allow_blank=True)
    school_major_inservice = serializers.CharField(max_length=100, required=False, allow_blank=True)
    degree_inservice = serializers.CharField(max_length=30, required=False, allow_blank=True)
    birthplace = serializers.CharField(max_length=50, required=False, allow_blank=True)
    health = serializers.CharField(max_length=30, required=False, allow_blank=True)
    professional_title = serializers.CharField(max_length=50, required=False, allow_blank=True)
    specialty = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=20, required=False, allow_blank=True)
    is_veteran = serializers.BooleanField(required=False)
    is_returned_graduate = serializers.BooleanField(required=False)
    note = serializers.CharField(required=False, allow_blank=True)
    registered_township = ScopedPrimaryKeyRelatedField(
        Township, required=False, allow_null=True, help_text="建档乡镇；乡镇组织委员建档时固定为本乡镇"
    )


class AppointmentCreateInput(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(Person)
    village = ScopedPrimaryKeyRelatedField(Village)
    post = serializers.CharField(max_length=30, help_text="职务代码（当年政策配置中的职务，如 secretary、chair）")
    start_date = serializers.DateField()
    cohort = serializers.IntegerField(required=False, allow_null=True, min_value=1990, max_value=2100)
    qualification_review = ScopedPrimaryKeyRelatedField(QualificationReview, required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True)


class AppointmentNoteInput(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, help_text="意见；退回时必填")


class AppointmentEndInput(serializers.Serializer):
    end_date = serializers.DateField()
    end_reason = serializers.ChoiceField(choices=choices.EndReason.choices)
    note = serializers.CharField(required=False, allow_blank=True)


class AppointmentBulkIds(serializers.Serializer):
    ids = serializers.ListField(
        # bounded like the id column (a 64-bit integer): a larger number is refused as invalid
        # input, not handed to the database (SQLite raised OverflowError for one: a 500)
        child=serializers.IntegerField(min_value=1, max_value=2**63 - 1),
        min_length=1,
        max_length=500,
        help_text="任职 id 列表（一次最多 500 条）",
        error_messages={"min_length": "请至少选择一条任职。", "max_length": "一次最多办理500条，请分批办理。"},
    )


class AppointmentBulkFileInput(AppointmentBulkIds):
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, help_text="备案意见（整批共用）")


class AppointmentBulkEndInput(AppointmentBulkIds, AppointmentEndInput):
    pass


class BatchFailureSerializer(serializers.Serializer):
    row = serializers.IntegerField(help_text="在本批中的序号（从1起）")
    id = serializers.IntegerField(source="pk")
    label = serializers.CharField(help_text="人员（村 职务）")
    reason = serializers.CharField()


class QualificationReviewCreateInput(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(Person)
    village = ScopedPrimaryKeyRelatedField(Village)
    post = serializers.CharField(max_length=30, help_text="拟任职务代码")
    cohort = serializers.IntegerField(required=False, allow_null=True, min_value=1990, max_value=2100)
    note = serializers.CharField(required=False, allow_blank=True)


class FirstSecretaryCreateInput(serializers.Serializer):
    person = ScopedPrimaryKeyRelatedField(Person)
    village = ScopedPrimaryKeyRelatedField(Village)
    sending_unit = serializers.CharField(max_length=100)
    term_start = serializers.DateField()
    term_end = serializers.DateField(required=False, allow_null=True, help_text="不填则按当年政策的任期月数计算")
    original_title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    batch = serializers.CharField(max_length=50, required=False, allow_blank=True)


class SpotCheckSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="posting.person.name", read_only=True)
    village_name = serializers.CharField(source="posting.village.name", read_only=True)
    township_name = serializers.CharField(source="posting.village.township.name", read_only=True)
    result = serializers.CharField(read_only=True, help_text="present（在岗）/ absent（缺勤）")
    result_display = serializers.CharField(source="get_result_display", read_only=True)
    counted = serializers.BooleanField(read_only=True, help_text="计入年度缺勤次数（缺勤且未请假报备）")

    class Meta:
        model = SpotCheck
        fields = [
            "id",
            "posting",
            "person_name",
            "village_name",
            "township_name",
            "date",
            "result",
            "result_display",
            "excused",
            "counted",
            "checker",
            "note",
        ]


class SpotCheckInput(serializers.Serializer):
    posting = ScopedPrimaryKeyRelatedField(FirstSecretary, help_text="驻村第一书记（选派记录）编号")
    date = serializers.DateField()
    result = serializers.ChoiceField(choices=choices.SpotCheckResult.choices)
    excused = serializers.BooleanField(required=False, default=False)
    checker = serializers.CharField(max_length=50)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class FirstSecretaryGradeSerializer(serializers.ModelSerializer):
    person_name = serializers.CharField(source="posting.person.name", read_only=True)
    village_name = serializers.CharField(source="posting.village.name", read_only=True)
    proposed = serializers.CharField(read_only=True, help_text="excellent / competent / basic / incompetent")
    proposed_display = serializers.CharField(source="get_proposed_display", read_only=True)
    grade = serializers.CharField(read_only=True, help_text="excellent / competent / basic / incompetent（抽查缺勤限定后）")
    grade_display = serializers.CharField(source="get_grade_display", read_only=True)
    reason = serializers.CharField(read_only=True, help_text="等次说明，如：因抽查缺勤2次，等次不高于基本称职")

    class Meta:
        model = FirstSecretaryGrade
        fields = [
            "id",
            "posting",
            "person_name",
            "village_name",
            "year",
            "proposed",
            "proposed_display",
            "grade",
            "grade_display",
            "absences",
            "reason",
        ]


class PresenceInput(serializers.Serializer):
    month = serializers.DateField(input_formats=["%Y-%m", "iso-8601"], help_text="月份，如 2025-05 或 2025-05-01")
    days_in_village = serializers.IntegerField(min_value=0, max_value=31)
    leave_days = serializers.IntegerField(min_value=0, max_value=31, required=False, default=0)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


# ---------------------------------------------------------------------------------------------
# Input: the dossier's parts (家庭成员, 简历)
# ---------------------------------------------------------------------------------------------


class FamilyMemberUpdateInput(serializers.Serializer):
    relation = serializers.CharField(max_length=20, help_text="称谓，如妻子、儿子")
    name = serializers.CharField(max_length=30)
    birth_date = serializers.DateField(required=False, allow_null=True)
    political_status = serializers.CharField(max_length=20, required=False, allow_blank=True)
    work_unit = serializers.CharField(max_length=100, required=False, allow_blank=True, help_text="工作单位及职务")


class FamilyMemberCreateInput(FamilyMemberUpdateInput):
    person = ScopedPrimaryKeyRelatedField(Person, help_text="人员编号（须在您的数据范围内）")


class ResumeEntryUpdateInput(serializers.Serializer):
    start_date = serializers.DateField(help_text="起始时间（按月，如 2008-09-01）")
    end_date = serializers.DateField(required=False, allow_null=True, help_text="截止时间；null 或不填表示至今")
    text = serializers.CharField(max_length=200, help_text="经历，如“在某某大学某某专业学习”")
    allow_overlap = serializers.BooleanField(
        required=False, default=False, help_text="允许与其他经历时间交叉（其间兼任、在职学习）"
    )


class ResumeEntryCreateInput(ResumeEntryUpdateInput):
    person = ScopedPrimaryKeyRelatedField(Person, help_text="人员编号（须在您的数据范围内）")
