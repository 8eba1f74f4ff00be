"""django-import-export Resources with Chinese headers (admin import/export).

Computed figures (hours credited, certificate) are read-only here: they come from attendance
through the services, so an admin import can never set them directly.
"""

from import_export import fields, resources
from import_export.widgets import ForeignKeyWidget

from cadres.models import Person, Township

from .models import EducationUpgrade, Enrollment, TrainingSession


class SessionResource(resources.ModelResource):
    code = fields.Field(attribute="code", column_name="培训班编号")
    title = fields.Field(attribute="title", column_name="培训班名称")
    level = fields.Field(attribute="level", column_name="层级")
    kind = fields.Field(attribute="kind", column_name="类型")
    organiser = fields.Field(attribute="organiser", column_name="主办单位")
    place = fields.Field(attribute="place", column_name="培训地点")
    start_date = fields.Field(attribute="start_date", column_name="开始日期")
    end_date = fields.Field(attribute="end_date", column_name="结束日期")
    capacity = fields.Field(attribute="capacity", column_name="计划人数")
    township = fields.Field(attribute="township", column_name="组织乡镇", widget=ForeignKeyWidget(Township, "name"))

    class Meta:
        model = TrainingSession
        import_id_fields = ["code"]
        fields = ["code", "title", "level", "kind", "organiser", "place", "start_date", "end_date", "capacity", "township"]
        skip_unchanged = True
        report_skipped = True


class EnrollmentResource(resources.ModelResource):
    session = fields.Field(attribute="session", column_name="培训班编号", widget=ForeignKeyWidget(TrainingSession, "code"))
    person = fields.Field(attribute="person", column_name="身份证号", widget=ForeignKeyWidget(Person, "id_number"))
    name = fields.Field(attribute="person__name", column_name="姓名", readonly=True)
    township = fields.Field(attribute="township", column_name="所属乡镇", widget=ForeignKeyWidget(Township, "name"))
    post_name = fields.Field(attribute="post_name", column_name="职务")
    hours_credited = fields.Field(attribute="hours_credited", column_name="认定学时", readonly=True)
    certificate = fields.Field(attribute="get_certificate_display", column_name="结业证书", readonly=True)

    class Meta:
        model = Enrollment
        import_id_fields = ["session", "person"]
        fields = ["session", "person", "name", "township", "post_name", "hours_credited", "certificate"]
        skip_unchanged = True


class EducationUpgradeResource(resources.ModelResource):
    person = fields.Field(attribute="person", column_name="身份证号", widget=ForeignKeyWidget(Person, "id_number"))
    name = fields.Field(attribute="person__name", column_name="姓名", readonly=True)
    township = fields.Field(attribute="township", column_name="所属乡镇", widget=ForeignKeyWidget(Township, "name"))
    school = fields.Field(attribute="school", column_name="就读院校")
    programme = fields.Field(attribute="programme", column_name="专业")
    level = fields.Field(attribute="level", column_name="学历层次")
    enrolled_on = fields.Field(attribute="enrolled_on", column_name="入学时间")
    expected_graduation = fields.Field(attribute="expected_graduation", column_name="预计毕业时间")
    actual_graduation = fields.Field(attribute="actual_graduation", column_name="实际毕业时间")
    tuition_subsidy = fields.Field(attribute="tuition_subsidy", column_name="学费补贴", readonly=True)
    diploma_subsidy = fields.Field(attribute="diploma_subsidy", column_name="学历补贴", readonly=True)

    class Meta:
        model = EducationUpgrade
        fields = [
            "id",
            "person",
            "name",
            "township",
            "school",
            "programme",
            "level",
            "enrolled_on",
            "expected_graduation",
            "actual_graduation",
            "tuition_subsidy",
            "diploma_subsidy",
        ]
        skip_unchanged = True
